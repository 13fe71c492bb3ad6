"""The check-in page in a real headless Chromium (Debian's), against a live server."""

import re
import time

import pytest

from tests.browser import PASSWORD
from tests.factories import AuthorityFactory, LanguageFactory, MembershipFactory, OfficeFactory, UserFactory
from visits.models import InterpreterWanted, LanguageNeed, NeedIdentifiedBy, StaffRole, Visit
from visits.services import LanguageNeedInput, visit_check_in

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_data(transactional_db):
    office = OfficeFactory(name="Göteborg Angered")
    forsakringskassan = AuthorityFactory(code="forsakringskassan", name="Försäkringskassan", sort_order=10)
    AuthorityFactory(code="skatteverket", name="Skatteverket", sort_order=20)
    for rank, code in enumerate(["ar", "so", "ti", "prs", "fa", "ckb", "uk"], start=1):
        LanguageFactory(code=code, rank=rank)
    user = UserFactory(username="reception")
    MembershipFactory(user=user, office=office, role=StaffRole.RECEPTIONIST)
    return {"office": office, "forsakringskassan": forsakringskassan}


@pytest.fixture
def page(browser, live_server, desk_data):
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "reception")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()


def visible_codes(page) -> set[str]:
    return set(page.eval_on_selector_all(".tile[data-code]:not([hidden])", "tiles => tiles.map(t => t.dataset.code)"))


def test_receptionist_finds_languages_by_name_or_script_and_checks_in_with_the_picker(page):
    expect = playwright_sync.expect
    assert page.locator("html").get_attribute("lang") == "sv"
    # RTL scripts are marked up as such.
    assert page.locator(".tile[data-code=prs] .tile__endonym").get_attribute("dir") == "rtl"

    search = page.locator("#picker-filter")
    search.fill("dari")
    assert visible_codes(page) == {"prs"}
    search.fill("ትግ")  # the start of ትግርኛ, Tigrinya in its own script
    assert visible_codes(page) == {"ti"}
    search.fill("Tigrinya")
    assert visible_codes(page) == {"ti"}
    search.press("Enter")  # picks the only match, does not submit the form
    assert page.is_checked("#lang-ti")
    assert Visit.objects.count() == 0
    search.fill("zzz")
    expect(page.locator("[data-picker-empty]")).to_be_visible()
    search.fill("ti")  # by code (and any name containing it)
    assert "ti" in visible_codes(page)

    page.click("label[for=lang-ti]")
    page.click(f"label.choice:has(input[name=interpreter_wanted][value={InterpreterWanted.YES}])")
    page.click(f"label.choice:has(input[name=identified_by][value={NeedIdentifiedBy.POINTED_AT_CARD}])")
    page.fill("#id_dialect", "Asmara")
    page.click("#check-in-submit")

    expect(page.locator(".message.queue-number")).to_contain_text("Könummer: F001")
    expect(page.locator(".message.queue-number")).to_contain_text("Språk: tigrinja (Asmara), vill ha tolk: ja")
    item = page.locator(".queue-item", has_text="F001")
    expect(item.locator(".badge__endonym")).to_have_text("ትግርኛ")
    expect(item.locator(".badge__flag")).to_have_text("Vill ha tolk")
    visit = Visit.objects.get()
    assert item.locator("a.queue-item__number").get_attribute("href") == f"/visits/{visit.pk}/"
    need = LanguageNeed.objects.get(visit=visit)
    assert (need.language, need.dialect, need.interpreter_wanted, need.identified_by) == (
        "ti",
        "Asmara",
        InterpreterWanted.YES,
        NeedIdentifiedBy.POINTED_AT_CARD,
    )


def test_swedish_speaking_visitor_is_checked_in_in_two_clicks(page, desk_data):
    expect = playwright_sync.expect
    started = time.monotonic()
    clicks = 0
    page.click("label.choice:has-text('Skatteverket')")
    clicks += 1
    page.click("#check-in-submit")
    clicks += 1
    expect(page.locator(".message.queue-number")).to_contain_text(re.compile(r"Könummer: S\d{3}"))
    elapsed = time.monotonic() - started
    assert clicks <= 3 and elapsed < 30
    visit = Visit.objects.get()
    assert visit.authority.code == "skatteverket"
    assert not LanguageNeed.objects.filter(visit=visit).exists()
    expect(page.locator(".queue-item", has_text=visit.queue_number).locator(".badge")).to_have_count(0)


def test_bad_free_entry_code_shows_the_error_next_to_the_field(page):
    expect = playwright_sync.expect
    page.click("#need-details details.more summary")  # the free-entry code sits behind "not in the grid?"
    page.fill("#id_language_other", "klingon")
    page.click(f"label.choice:has(input[name=interpreter_wanted][value={InterpreterWanted.UNSURE}])")
    page.click("#check-in-submit")
    expect(page.locator("#language-other-error")).to_contain_text("inte en giltig språkkod")
    assert Visit.objects.count() == 0


def test_english_can_be_chosen(page):
    expect = playwright_sync.expect
    page.click(".lang-switch button[value=en]")
    expect(page.locator("h1")).to_have_text("Check in a visitor")
    assert page.locator("html").get_attribute("lang") == "en"


def test_queue_refreshes_by_itself_when_a_colleague_checks_someone_in(browser, live_server, desk_data):
    expect = playwright_sync.expect
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.clock.install()  # the page's timers run on a clock the test moves
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "reception")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator(".queue-item")).to_have_count(0)

    colleague = UserFactory(username="colleague")
    visit_check_in(
        office=desk_data["office"],
        authority=desk_data["forsakringskassan"],
        checked_in_by=colleague,
        language_need=LanguageNeedInput(language="so"),
    )
    page.clock.run_for(16_000)
    item = page.locator(".queue-item", has_text="F001")
    expect(item.locator(".badge__endonym")).to_have_text("Soomaali")
    context.close()


def test_check_in_with_the_picker_works_without_javascript(browser, live_server, desk_data):
    expect = playwright_sync.expect
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "reception")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("[data-picker-search]")).to_be_hidden()  # the search needs JS; the grid does not
    page.click("label[for=lang-prs]")
    page.click(f"label.choice:has(input[name=interpreter_wanted][value={InterpreterWanted.YES}])")
    page.click("#check-in-submit")
    item = page.locator(".queue-item", has_text="F001")
    expect(item.locator(".badge__endonym")).to_have_text("دری")
    assert item.locator(".badge__endonym").get_attribute("dir") == "rtl"
    assert LanguageNeed.objects.get().language == "prs"
    context.close()
