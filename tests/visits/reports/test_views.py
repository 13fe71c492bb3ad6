"""The report pages over the hand-computed world (tests.visits.reports.data.known_world): what each
page shows, its filters, its CSV/XLSX exports, and who may see which offices."""

import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.factories import MembershipFactory, OfficeFactory, UserFactory
from tests.visits.reports.data import DAY, client_for, local, visit_with
from visits.models import StaffRole
from visits.reports.services import usage_rollups_rebuild

DAY_QS = f"from={DAY}&to={DAY}"


class Tables(HTMLParser):
    """The page's report tables as {data-table: [[cell text, ...], ...]} (header row first)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self._table = attrs["data-table"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    header = [h.rstrip(" ▲▼") for h in header]  # a sortable column shows its direction
    return [dict(zip(header, row, strict=True)) for row in body]


def cells(response, table: str) -> list[dict[str, str]]:
    assert response.status_code == 200
    return as_dicts(Tables(response.content.decode()).tables[table])


@pytest.fixture
def manager(manager_of, world):
    # A receptionist role at another office gives no report rights there.
    return manager_of(world.uppsala, other_roles=[(world.kiruna, StaffRole.RECEPTIONIST)])


# --- overview ------------------------------------------------------------------------------------------


def test_the_overview_shows_national_figures_trend_and_totals(admin):
    response = admin.get(f"/reports/?{DAY_QS}&period=day")
    html = response.content.decode()

    national = response.context["national"]
    assert (national.visits, national.wanted, national.wanted_used, national.gap) == (13, 8, 3, 5)
    assert '<strong data-testid="national-use-rate">37.5 %</strong>' in html  # 3 of 8, as the tables round
    assert html.count('<svg class="chart"') == 2  # the trend and the gap by reason
    (total,) = cells(response, "totals")
    assert (total["Visits"], total["Language need"], total["Need rate"], total["Use rate"]) == (
        "13",
        "11",
        "84.6 %",
        "37.5 %",
    )
    assert (total["Bookings"], total["Fulfilment rate"], total["Time to connect, median (m:s)"]) == (
        "6",
        "50.0 %",
        "2:00",
    )
    assert total["Cost"] == "820 kr"  # 81 975 öre, rounded
    (trend,) = cells(response, "trend")
    assert (trend["Period"], trend["Visits"], trend["Under-use gap"]) == ("2026-03-10", "13", "5")
    (gaps,) = cells(response, "gaps")
    assert (gaps["No outcome recorded"], gaps["Relative or friend interpreted"], gaps["Visitor left"]) == (
        "2",
        "1",
        "0",
    )


def test_the_overview_for_a_manager_covers_their_offices_and_hides_a_two_office_country(manager):
    response = manager.get(f"/reports/?{DAY_QS}")

    assert response.context["scoped"] is True
    # Two offices in this world: national figures would reveal the other office (see
    # test_national_suppression.py for a country large enough to show them).
    assert response.context["national"] is None and response.context["national_note"]
    (total,) = cells(response, "totals")
    assert (total["Visits"], total["Use rate"], total["Under-use gap"]) == ("10", "50.0 %", "3")


@pytest.mark.parametrize(
    ("filters", "visits", "bookings"),
    [
        ("county=BD", "3", "1"),  # Kiruna only
        ("language=so", "2", "1"),
        ("authority=skatteverket", "1", "0"),
        ("modality=video", None, "2"),  # a booking slice: no visit columns
        ("agency=tolk-vast", None, "3"),
    ],
)
def test_overview_filters_narrow_every_table(admin, filters, visits, bookings):
    response = admin.get(f"/reports/?{DAY_QS}&{filters}")

    (total,) = cells(response, "totals")
    assert total.get("Visits") == visits
    assert total["Bookings"] == bookings
    assert response.context["form"]["errors"] == {}


def test_rates_and_money_on_the_page_are_rounded_not_cut(admin):
    (total,) = cells(admin.get(f"/reports/?{DAY_QS}&agency=tolk-vast"), "totals")
    assert total["Fulfilment rate"] == "66.7 %"  # 2 of 3
    assert total["Cost"] == "820 kr"
    (uppsala,) = cells(admin.get(f"/reports/?{DAY_QS}&county=C"), "totals")
    assert uppsala["95% CI"] == "18.8–81.2 %"  # 0.18762 - 0.81238
    assert uppsala["Cost per visit with need"] == "91 kr"


def test_bad_filters_show_a_form_error_and_the_default_report(admin):
    response = admin.get("/reports/?authority=nope&language=!!")

    assert response.status_code == 200
    errors = response.context["form"]["errors"]
    assert (str(errors["authority"][0]), set(errors)) == ("Unknown authority.", {"authority", "language"})
    assert 'class="errors" role="alert"' in response.content.decode()
    backwards = admin.get("/reports/?from=2026-03-10&to=2026-03-01")
    assert str(backwards.context["form"]["errors"]["from"][0]) == "“from” must not be after “to”."


def test_a_range_with_no_visits_shows_dashes_not_errors(admin):
    response = admin.get("/reports/?from=2020-01-01&to=2020-01-31")

    assert response.status_code == 200
    assert response.context["national"].use_rate is None
    assert '<strong data-testid="national-use-rate">–</strong>' in response.content.decode()
    assert "No data for this selection." in response.content.decode()


# --- ranking ---------------------------------------------------------------------------------------------


def test_the_ranking_lists_offices_by_use_rate_and_sorts_on_any_column(admin, world):
    ranking = cells(admin.get(f"/reports/offices/?{DAY_QS}"), "offices")
    assert [(r["Office"], r["Use rate"], r["Visits"]) for r in ranking] == [
        ("Servicekontor Uppsala", "50.0 %", "10"),
        ("Servicekontor Kiruna", "0.0 %", "3"),
    ]

    by_visits_asc = cells(admin.get(f"/reports/offices/?{DAY_QS}&sort=visits&dir=asc"), "offices")
    assert [r["Office"] for r in by_visits_asc] == ["Servicekontor Kiruna", "Servicekontor Uppsala"]
    by_fulfilment = cells(admin.get(f"/reports/offices/?{DAY_QS}&sort=fulfilment_rate&dir=asc"), "offices")
    # An office without a rate sorts last whichever way.
    assert [r["Fulfilment rate"] for r in by_fulfilment] == ["50.0 %", "–"]
    unknown = admin.get(f"/reports/offices/?{DAY_QS}&sort=nonsense&dir=sideways")
    # An unknown column falls back to the default ranking (use rate, highest first).
    assert [r["Office"] for r in cells(unknown, "offices")] == ["Servicekontor Uppsala", "Servicekontor Kiruna"]


def test_a_ranking_by_agency_ranks_bookings_without_visit_columns(admin):
    response = admin.get(f"/reports/offices/?{DAY_QS}&agency=sprak-syd")

    ranking = cells(response, "offices")
    # Agency 2 has 2 bookings at Uppsala (failed, cancelled) and 1 at Kiruna (confirmed, open).
    assert [(r["Office"], r["Bookings"], r["Fulfilment rate"]) for r in ranking] == [
        ("Servicekontor Uppsala", "2", "0.0 %"),
        ("Servicekontor Kiruna", "1", "–"),
    ]
    assert "Visits" not in ranking[0] and "Below national rate" not in ranking[0]
    assert response.context["table"].sort == "bookings"


def test_the_ranking_marks_outliers_and_links_each_office(admin, world):
    low, high = OfficeFactory(name="Servicekontor Låg"), OfficeFactory(name="Servicekontor Hög")
    for _ in range(12):  # 0 of 12 (interval 0 - 24 %) against 15 of 32 nationally
        visit_with(office=low, authority=world.fk, at=local(DAY, 14), need=("ar", "yes"), outcome="relative")
        visit_with(office=high, authority=world.fk, at=local(DAY, 14), need=("ar", "yes"), outcome=True)
    usage_rollups_rebuild()

    response = admin.get(f"/reports/offices/?{DAY_QS}")
    rows = {r["Office"]: r for r in cells(response, "offices")}
    assert rows["Servicekontor Låg"]["Below national rate"] == "⚠"
    assert rows["Servicekontor Uppsala"]["Below national rate"] == ""
    assert rows["Servicekontor Kiruna"]["Below national rate"] == ""  # 0 of 2: too few to tell
    assert f'href="/reports/offices/{low.pk}/?' in response.content.decode()
    assert '<svg class="chart"' in response.content.decode()


def test_a_manager_ranks_only_their_own_offices(manager):
    ranking = cells(manager.get(f"/reports/offices/?{DAY_QS}"), "offices")
    assert [r["Office"] for r in ranking] == ["Servicekontor Uppsala"]


# --- one office --------------------------------------------------------------------------------------------


def test_an_office_page_has_a_monthly_trend_and_a_language_breakdown(admin, world):
    visit_with(office=world.uppsala, authority=world.fk, at=local(DAY.replace(month=1), 9), need=("ar", "yes"))
    usage_rollups_rebuild()

    response = admin.get(f"/reports/offices/{world.uppsala.pk}/?from=2026-01-01&to=2026-03-31")

    trend = cells(response, "trend")
    assert [(r["Period"], r["Visits"], r["Interpreter wanted"]) for r in trend] == [
        ("2026-01", "1", "1"),
        ("2026-03", "10", "6"),
    ]
    languages = cells(response, "languages")
    # Biggest need first; visits without a need are not a language.
    assert [(r["Language"], r["Language need"], r["Use rate"]) for r in languages] == [
        ("Arabic (ar)", "7", "60.0 %"),
        ("Somali (so)", "2", "0.0 %"),
        ("Tigrinya (ti)", "1", "–"),
    ]
    assert response.content.decode().count('<svg class="chart"') == 2


def test_a_manager_cannot_open_another_offices_page(manager, world):
    assert manager.get(f"/reports/offices/{world.uppsala.pk}/").status_code == 200
    assert manager.get(f"/reports/offices/{world.kiruna.pk}/").status_code == 404
    assert manager.get("/reports/offices/987654/").status_code == 404


# --- exports -------------------------------------------------------------------------------------------------


def test_the_csv_export_has_the_pages_numbers_in_the_units_its_headers_name(admin):
    response = admin.get(f"/reports/offices/?{DAY_QS}&export=csv&table=offices")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="office-ranking-offices_{DAY}_{DAY}.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    uppsala = rows[0]
    assert uppsala["Office"] == "Servicekontor Uppsala"
    # Rates as the page's percentages (one decimal), money in whole kronor as shown, times as m:ss.
    assert (uppsala["Visits"], uppsala["Need rate (%)"], uppsala["Use rate (%)"], uppsala["95% CI (%)"]) == (
        "10",
        "90.0",
        "50.0",
        "18.8–81.2",
    )
    assert (
        uppsala["Time to connect, median (m:s)"],
        uppsala["Cost (kr)"],
        uppsala["Cost per visit with need (kr)"],
    ) == ("2:00", "820", "91")
    assert rows[1]["Fulfilment rate (%)"] == ""  # no rate, not zero


def test_every_exported_cell_reads_as_the_page_shows_it(admin):
    page = cells(admin.get(f"/reports/offices/?{DAY_QS}"), "offices")
    text = admin.get(f"/reports/offices/?{DAY_QS}&export=csv&table=offices").content.decode("utf-8")[1:]
    exported = list(csv.DictReader(io.StringIO(text)))

    assert len(page) == len(exported)
    for shown, row in zip(page, exported, strict=True):
        for header, value in row.items():
            on_page = shown[header.removesuffix(" (%)").removesuffix(" (kr)")]
            if on_page == "–":
                assert value == ""
            else:
                # The page groups thousands and writes the unit; the export writes the bare number.
                assert on_page.replace(",", "").removesuffix(" kr").removesuffix(" %") == value, header


def test_the_swedish_csv_uses_semicolons_and_decimal_commas(admin):
    response = admin.get(f"/reports/offices/?{DAY_QS}&export=csv-sv&table=offices")

    assert response["Content-Disposition"] == f'attachment; filename="office-ranking-offices_{DAY}_{DAY}-sv.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8")[1:]), delimiter=";"))
    assert (rows[0]["Need rate (%)"], rows[0]["95% CI (%)"], rows[0]["Cost (kr)"]) == ("90,0", "18,8–81,2", "820")


def test_the_xlsx_export_has_typed_formatted_cells_matching_the_csv(admin):
    query = f"/reports/?{DAY_QS}&table=totals&export="
    csv_rows = list(csv.DictReader(io.StringIO(admin.get(query + "csv").content.decode("utf-8")[1:])))
    response = admin.get(query + "xlsx")

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, totals = list(sheet.iter_rows(max_row=2))
    cell = {h.value: c for h, c in zip(header, totals, strict=True)}
    assert list(cell) == list(csv_rows[0])
    assert (cell["Visits"].value, cell["Visits"].number_format) == (13, "#,##0")
    # 3 of 8: the cell holds the fraction the page rounds to one decimal, shown as a percentage.
    assert (cell["Use rate (%)"].value, cell["Use rate (%)"].number_format) == (0.375, "0.0%")
    assert csv_rows[0]["Use rate (%)"] == "37.5"
    assert (cell["Cost (kr)"].value, cell["Cost (kr)"].number_format) == (820, "#,##0")
    median = cell["Time to connect, median (m:s)"]
    assert (median.value, median.number_format) == (timedelta(seconds=120), "[m]:ss")  # read back as a duration
    assert csv_rows[0]["Time to connect, median (m:s)"] == "2:00"


def test_an_exports_file_name_carries_its_filters(admin, world):
    query = f"{DAY_QS}&county={world.uppsala.county}&modality=phone&table=totals&export=xlsx"
    response = admin.get(f"/reports/?{query}")

    assert response["Content-Disposition"] == (
        f'attachment; filename="usage-totals_{DAY}_{DAY}_county-{world.uppsala.county.lower()}_modality-phone.xlsx"'
    )


def test_an_office_named_like_a_formula_is_defused_in_csv(admin, world):
    office = OfficeFactory(name='=HYPERLINK("http://evil.example","x")')
    visit_with(office=office, authority=world.fk, at=local(DAY, 9))
    usage_rollups_rebuild()

    text = admin.get(f"/reports/offices/?{DAY_QS}&export=csv&table=offices").content.decode("utf-8")[1:]
    names = [row[0] for row in csv.reader(io.StringIO(text))]
    assert '\'=HYPERLINK("http://evil.example","x")' in names


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example","x")', "+1+2", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1+1"]
)
def test_an_office_named_like_a_formula_is_text_in_xlsx_and_defused_in_csv(admin, world, name):
    office = OfficeFactory(name=name)
    visit_with(office=office, authority=world.fk, at=local(DAY, 9))
    usage_rollups_rebuild()

    query = f"/reports/offices/?{DAY_QS}&table=offices&export="
    sheet = load_workbook(io.BytesIO(admin.get(query + "xlsx").content)).active
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    assert name.replace("\r", "\n") in [row[0].value for row in sheet.iter_rows()]  # XML keeps no bare CR
    text = admin.get(query + "csv").content.decode("utf-8")[1:]
    assert f"'{name}" in [row[0] for row in csv.reader(io.StringIO(text))]


@pytest.mark.parametrize("query", ["export=doc&table=totals", "export=csv&table=nope", "export=csv"])
def test_an_unknown_export_is_not_found(admin, query):
    assert admin.get(f"/reports/?{query}").status_code == 404


# --- who may see reports -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [StaffRole.RECEPTIONIST, StaffRole.OFFICER, None])
@pytest.mark.parametrize("path", ["/reports/", "/reports/offices/", "/reports/offices/{office}/"])
def test_staff_without_the_manager_role_are_refused_every_report_page(world, role, path):
    user = UserFactory(username=f"staff-{role}")
    if role is not None:
        MembershipFactory(user=user, office=world.uppsala, role=role)
    url = path.format(office=world.uppsala.pk)

    assert client_for(user).get(url).status_code == 403
    assert client_for(user).get(url + "?export=csv&table=offices").status_code == 403


@pytest.mark.parametrize("path", ["/reports/", "/reports/offices/", "/reports/offices/1/"])
def test_anonymous_visitors_are_sent_to_the_login_page(db, path):
    response = Client().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- filters people can act on -------------------------------------------------------------------------------


class Headings(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.headings: list[str] = []
        self._open: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3"):
            self._open = []

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._open is not None:
            self.headings.append(" ".join("".join(self._open).split()))
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)


def test_an_admin_filters_the_overview_to_one_office(admin, world):
    response = admin.get(f"/reports/?{DAY_QS}&office={world.kiruna.pk}")

    totals = cells(response, "totals")
    assert totals[0]["Visits"] == "3"  # Kiruna's visits only
    assert f'<option value="{world.kiruna.pk}" selected>' in response.content.decode()


def test_a_manager_is_offered_only_their_offices_and_another_is_a_field_error(manager, world):
    response = manager.get(f"/reports/?{DAY_QS}&office={world.kiruna.pk}")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{world.uppsala.pk}"' in html and f'<option value="{world.kiruna.pk}"' not in html
    assert 'id="filter-error-office"' in html
    assert cells(response, "totals")[0]["Visits"] == "10"  # the default selection: their own office


def test_a_refused_filter_is_shown_next_to_its_field_in_swedish_with_what_was_typed(admin):
    response = admin.get("/reports/?from=2026-02-30&county=XX", HTTP_ACCEPT_LANGUAGE="sv")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="2026-02-30" aria-invalid="true" aria-describedby="filter-error-from"' in html
    assert 'id="filter-error-from">Skriv datumet som ÅÅÅÅ-MM-DD' in html
    assert 'aria-invalid="true" aria-describedby="filter-error-county"' in html
    assert "county:" not in html  # no field code in front of the message


def test_ranking_rows_link_to_the_offices_page_with_the_same_filters(admin, world):
    html = admin.get(f"/reports/offices/?{DAY_QS}&county={world.uppsala.county}").content.decode()

    assert f'<th scope="row"><a href="/reports/offices/{world.uppsala.pk}/?from={DAY}&amp;to={DAY}&amp;county=' in html


@pytest.mark.parametrize("path", ["/reports/", "/reports/offices/", "/reports/offices/{office}/"])
def test_no_report_page_shows_a_heading_twice(admin, world, path):
    html = admin.get(path.format(office=world.uppsala.pk) + f"?{DAY_QS}").content.decode()

    headings = Headings(html).headings
    assert headings and len(headings) == len(set(headings)), headings


def test_key_figures_group_thousands_like_the_tables():
    from django.utils import translation

    from visits.reports.measures import derive
    from visits.reports.views import _kpis

    measures = derive({"visits": 12345, "need": 2000, "wanted": 1500})
    with translation.override("en"):
        kpis = {str(label): text for label, text, _testid in _kpis(measures)}
    assert kpis["Visits"] == "12,345"
    assert kpis["Under-use gap"] == "1,500"
    with translation.override("sv"):
        assert _kpis(measures)[0][1] == "12\xa0345"
