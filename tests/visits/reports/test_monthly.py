"""The monthly management report (PDF): the command, the page's button, who gets which offices, and
bad input. The PDF's text is read back with pypdf, so the tests check what a reader sees."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pypdf import PdfReader

from tests.factories import MembershipFactory, UserFactory
from tests.visits.reports.data import DAY, client_for
from visits.models import StaffRole
from visits.reports.monthly import MonthError, monthly_report_build, parse_month, previous_month
from visits.reports.selectors import UsageQuery, usage_report

MONTH = f"{DAY:%Y-%m}"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def test_the_command_writes_the_months_figures_in_swedish(world, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    call_command("usage_report", "--month", MONTH, "--output", str(out))

    content = out.read_bytes()
    assert content.startswith(b"%PDF-")
    text = squash(pdf_text(content))
    assert "Tolkanvändning, månadsrapport mars 2026" in text
    assert "Alla kontor (nationellt)" in text
    # Both offices ranked by use rate: Uppsala 3 of 6 = 50,0 %, Kiruna 0 of 2.
    assert text.index("Servicekontor Uppsala") < text.index("Servicekontor Kiruna")
    assert "50,0 %" in text and "0,0 %" in text
    # The national use rate: 3 of 8 wanted, as the report pages round it.
    assert "37,5 %" in text
    assert "Wrote" in capsys.readouterr().out


def test_the_reports_figures_are_the_pages_figures(world):
    report = monthly_report_build(month=DAY.replace(day=1), offices=None)
    page_totals = usage_report(UsageQuery(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)))[0].measures

    assert report.totals == page_totals
    assert [row.label for row in report.offices] == ["Servicekontor Uppsala", "Servicekontor Kiruna"]
    assert [row.period for row in report.days] == [DAY]


def test_one_office_s_report_holds_that_office_only(world, tmp_path):
    out = tmp_path / "kiruna.pdf"
    call_command("usage_report", "--month", MONTH, "--office", str(world.kiruna.pk), "--output", str(out))

    text = squash(pdf_text(out.read_bytes()))
    assert "Servicekontor Kiruna ·" in text
    assert "Servicekontor Uppsala" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "YYYY-MM"),
        (["--month", "oktober"], "YYYY-MM"),
        (["--month", "2099-01"], "not started"),
        (["--month", MONTH, "--office", "987654"], "no such office"),
        (["--month", MONTH, "--output", "/nonexistent-dir/r.pdf"], "Cannot write"),
    ],
)
def test_the_command_refuses_bad_input_with_a_clear_error(world, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("usage_report", *args)


def test_month_parsing_boundaries():
    today = date(2026, 11, 29)
    assert parse_month("2026-11", today=today) == date(2026, 11, 1)  # the current month so far
    assert previous_month(today) == date(2026, 10, 1)
    assert previous_month(date(2026, 1, 5)) == date(2025, 12, 1)
    for bad in ("2026-12", "2026-00", "26-10", "2026-1", ""):
        with pytest.raises(MonthError):
            parse_month(bad, today=today)


# --- the page --------------------------------------------------------------------------------------------


def test_a_manager_downloads_their_offices_report_with_the_national_figures_hidden(manager_of, world):
    response = manager_of(world.uppsala).get(f"/reports/monthly/?month={MONTH}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="usage-report-{MONTH}.pdf"'
    text = squash(pdf_text(response.content))
    assert "Servicekontor Uppsala" in text and "Servicekontor Kiruna" not in text
    # Two offices in the country: a national column would reveal Kiruna's figures.
    assert "De nationella siffrorna visas inte" in text


def test_a_manager_cannot_get_another_offices_report(manager_of, world):
    client = manager_of(world.uppsala)
    assert client.get(f"/reports/monthly/?month={MONTH}&office={world.kiruna.pk}").status_code == 404
    assert client.get(f"/reports/monthly/?month={MONTH}&office={world.uppsala.pk}").status_code == 200


def test_a_bad_month_is_a_form_error_that_keeps_what_was_typed(admin):
    response = admin.get("/reports/monthly/?month=2026-13&office=abc")

    html = response.content.decode()
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert 'value="2026-13"' in html and 'id="monthly-error-month"' in html and 'id="monthly-error-office"' in html


def test_the_form_offers_last_month_and_the_overview_links_to_it(admin):
    form = admin.get("/reports/monthly/")
    assert form.status_code == 200
    assert f'value="{previous_month():%Y-%m}"' in form.content.decode()
    overview = admin.get("/reports/").content.decode()
    assert f'href="/reports/monthly/?month={previous_month():%Y-%m}"' in overview


@pytest.mark.parametrize("role", [StaffRole.RECEPTIONIST, StaffRole.OFFICER])
def test_staff_without_the_report_right_are_refused(world, role):
    user = UserFactory(username=f"monthly-{role}")
    MembershipFactory(user=user, office=world.uppsala, role=role)
    assert client_for(user).get(f"/reports/monthly/?month={MONTH}").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    response = Client().get(f"/reports/monthly/?month={MONTH}")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
