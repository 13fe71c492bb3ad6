"""The report pages in a real headless Chromium (Debian's), against a live server: a national admin
and an office manager read the overview, filter it, sort the ranking and download a CSV."""

import csv
import io
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import PASSWORD
from tests.factories import LanguageFactory, MembershipFactory, UserFactory
from tests.visits.reports.data import DAY, known_world
from visits.models import StaffRole
from visits.reports.services import usage_rollups_rebuild

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

RANGE = f"from={DAY}&to={DAY}"


@pytest.fixture
def world(transactional_db):
    world = known_world()
    for rank, code in enumerate(["ar", "so", "ti"], start=1):
        LanguageFactory(code=code, rank=rank)
    UserFactory(username="national-admin", is_superuser=True, is_staff=True)
    manager = UserFactory(username="manager-uppsala")
    MembershipFactory(user=manager, office=world.uppsala, role=StaffRole.OFFICE_MANAGER)
    usage_rollups_rebuild()
    return world


@pytest.fixture
def login(request, live_server, world):
    chromium = request.getfixturevalue("browser")  # imported above: the check-in tests' Chromium
    contexts = []

    def login_as(username: str):
        context = chromium.new_context(locale="en-GB", viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/login/?next=/reports/%3F{RANGE.replace('&', '%26')}")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/reports/**")
        return page

    yield login_as
    for context in contexts:
        context.close()


def table_column(page, table: str, header: str) -> list[str]:
    """The texts of one column of a report table, found by its header."""
    return page.eval_on_selector(
        f"table[data-table={table}]",
        """(t, header) => {
            const heads = [...t.tHead.rows[0].cells].map(c => c.innerText.replace(/[▲▼]/g, '').trim());
            const i = heads.indexOf(header);
            return [...t.tBodies[0].rows].map(r => r.cells[i].innerText.trim());
        }""",
        header,
    )


def test_an_admin_reads_filters_sorts_and_downloads(login, live_server, world):
    expect = playwright_sync.expect
    page = login("national-admin")

    expect(page.get_by_test_id("national-use-rate")).to_have_text("37.5 %")
    trend_chart = page.locator("svg.chart").first
    expect(trend_chart).to_be_visible()
    assert trend_chart.bounding_box()["width"] > 300
    assert page.locator("svg.chart polyline, svg.chart circle").count() > 0
    assert table_column(page, "totals", "Visits") == ["13"]
    assert table_column(page, "totals", "Use rate") == ["37.5 %"]

    page.select_option("select[name=language]", "so")
    page.click(".report-filters button[type=submit]")
    page.wait_for_url("**language=so**")
    assert table_column(page, "totals", "Visits") == ["2"]
    assert table_column(page, "totals", "Under-use gap") == ["2"]
    assert page.locator("select[name=language]").input_value() == "so"
    assert page.locator("input[name=from]").input_value() == DAY.isoformat()

    page.goto(f"{live_server.url}/reports/offices/?{RANGE}")
    assert table_column(page, "offices", "Office") == ["Servicekontor Uppsala", "Servicekontor Kiruna"]
    page.click("a[data-sort=visits]")  # descending first
    page.wait_for_url("**sort=visits**")
    assert table_column(page, "offices", "Visits") == ["10", "3"]
    page.click("a[data-sort=visits]")  # and back up
    page.wait_for_url("**dir=asc**")
    assert table_column(page, "offices", "Visits") == ["3", "10"]
    assert parse_qs(urlparse(page.url).query)["from"] == [DAY.isoformat()]

    with page.expect_download() as download_info:
        page.locator("#table-offices").get_by_role("link", name="CSV (standard)").click()
    download = download_info.value
    query = parse_qs(urlparse(page.url).query)
    assert download.suggested_filename == f"office-ranking-offices_{query['from'][0]}_{query['to'][0]}.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert [(r["Office"], r["Visits"], r["Use rate (%)"]) for r in rows] == [
        ("Servicekontor Uppsala", "10", "50.0"),
        ("Servicekontor Kiruna", "3", "0.0"),
    ]


def test_a_manager_sees_their_office_and_its_languages(login, live_server, world):
    expect = playwright_sync.expect
    page = login("manager-uppsala")

    assert table_column(page, "totals", "Visits") == ["10"]
    page.goto(f"{live_server.url}/reports/offices/?{RANGE}")
    assert table_column(page, "offices", "Office") == ["Servicekontor Uppsala"]
    page.get_by_role("link", name="Servicekontor Uppsala").click()
    page.wait_for_url(f"**/reports/offices/{world.uppsala.pk}/**")
    expect(page.locator("h1")).to_have_text("Servicekontor Uppsala")
    assert table_column(page, "languages", "Language need") == ["6", "2", "1"]
    assert page.locator("svg.chart").count() == 2

    response = page.goto(f"{live_server.url}/reports/offices/{world.kiruna.pk}/")
    assert response.status == 404
