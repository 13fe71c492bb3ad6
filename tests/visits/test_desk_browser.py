"""The desk as a new receptionist uses it, in headless Chromium: a check-in with a language need on
one screen (1366x768 desktop, 800x1280 tablet), the Back button, search by the names people say,
and a queue refresh that keeps keyboard focus."""

import os
from urllib.parse import urlparse

import pytest
from django.test import Client

from tests.factories import AuthorityFactory, LanguageFactory, MembershipFactory, OfficeFactory, UserFactory
from visits.models import LanguageNeed, StaffRole, Visit
from visits.reference_data import LANGUAGE_CODES, LANGUAGE_SEARCH_ALIASES
from visits.services import LanguageNeedInput, visit_check_in

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOLKDESK_SCREENSHOTS", "")  # a folder: the tests save what they saw
SIZES = {"desktop": (1366, 768), "tablet": (800, 1280)}


@pytest.fixture
def desk(db):
    office = OfficeFactory(name="Göteborg Angered")
    authority = AuthorityFactory(code="forsakringskassan", name="Försäkringskassan", sort_order=10)
    for order, (code, name) in enumerate(
        [
            ("skatteverket", "Skatteverket"),
            ("arbetsformedlingen", "Arbetsförmedlingen"),
            ("pensionsmyndigheten", "Pensionsmyndigheten"),
        ],
        start=2,
    ):
        AuthorityFactory(code=code, name=name, sort_order=order * 10)
    for rank, code in enumerate(LANGUAGE_CODES, start=1):
        LanguageFactory(code=code, rank=rank, search_aliases=LANGUAGE_SEARCH_ALIASES.get(code, ""))
    user = UserFactory(username="reception")
    MembershipFactory(user=user, office=office, role=StaffRole.RECEPTIONIST)
    # This office's most used languages differ from the national ranking.
    for code, times in [("ti", 5), ("so", 4), ("ckb", 3), ("kmr", 2)]:
        for _ in range(times):
            visit_check_in(
                office=office, authority=authority, checked_in_by=user, language_need=LanguageNeedInput(language=code)
            )
    return {"office": office, "authority": authority, "user": user}


def open_desk(browser, live_server, user, size, lang="sv"):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="sv-SE")
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(user)
    host = urlparse(live_server.url).hostname
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"},
            {"name": "django_language", "value": lang, "domain": host, "path": "/"},
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    return page


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def in_view(page, selector) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] + box["width"] <= size["width"]
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_a_check_in_with_a_language_need_fits_one_screen(browser, live_server, desk, size):
    page = open_desk(browser, live_server, desk["user"], size)
    shot(page, f"checkin-{size}")
    # The office's own most used languages come first.
    first = page.eval_on_selector_all(".tile[data-code]:not([hidden])", "t => t.map(e => e.dataset.code)")
    assert first[:4] == ["ti", "so", "ckb", "kmr"]
    for selector in ("label[for=lang-ti]", "#field-interpreter_wanted", "#field-identified_by", "#check-in-submit"):
        assert in_view(page, selector), f"{selector} is off screen at {size}"
    # Nothing the receptionist must answer hides under the sticky submit bar.
    bar_top = page.locator(".actions--sticky").bounding_box()["y"]
    for selector in ("#field-interpreter_wanted", "#field-identified_by"):
        box = page.locator(selector).bounding_box()
        assert box["y"] + box["height"] <= bar_top, f"{selector} is under the submit bar at {size}"
    if size == "tablet":
        assert in_view(page, "#queue-heading"), "the queue is not visible on a tablet"
    page.click("label[for=lang-ti]")
    page.click("label.choice:has(input[name=interpreter_wanted][value=yes])")
    page.click("#check-in-submit")
    page.locator(".message.queue-number").wait_for()
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
    shot(page, f"checked-in-{size}")
    assert LanguageNeed.objects.filter(language="ti").count() == 6


def test_the_back_button_and_check_in_again_writes_one_visit(browser, live_server, desk):
    page = open_desk(browser, live_server, desk["user"], "desktop")
    before = Visit.objects.count()
    page.click("#check-in-submit")
    message = page.locator(".message.queue-number")
    first = message.inner_text()
    page.go_back()
    page.click("#check-in-submit")
    message.wait_for()
    assert Visit.objects.count() == before + 1
    assert page.locator(".message.queue-number").inner_text() == first


@pytest.mark.parametrize(
    ("said", "codes"),
    [
        ("kurdiska", {"ckb", "kmr"}),
        ("farsi", {"fa", "prs"}),
        ("mandarin", {"zh"}),
        ("badini", {"kmr"}),
        ("ትግርኛ", {"ti"}),
    ],
)
def test_search_finds_the_names_people_say(browser, live_server, desk, said, codes):
    page = open_desk(browser, live_server, desk["user"], "desktop")
    page.fill("#picker-filter", said)
    shown = set(page.eval_on_selector_all(".tile[data-code]:not([hidden])", "t => t.map(e => e.dataset.code)"))
    assert shown == codes


def test_keyboard_focus_survives_a_queue_refresh(browser, live_server, desk):
    page = open_desk(browser, live_server, desk["user"], "desktop")
    link = page.locator(".queue-item .queue-item__number").nth(2)
    visit_id = link.evaluate("a => a.closest('[data-visit]').dataset.visit")
    link.focus()
    visit_check_in(office=desk["office"], authority=desk["authority"], checked_in_by=desk["user"])
    page.evaluate("window.tolkdeskRefreshQueue()")
    page.wait_for_function("document.querySelectorAll('.queue-item').length === 15")
    assert page.evaluate("(document.activeElement.closest('[data-visit]') || {dataset: {}}).dataset.visit") == visit_id
