"""Issue 17: a language's display name is worked out in one place (visits/picker.py:language_label),
so an admin's catalogue override shows on every page, API, report label and export that names it."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from interpreters.desk.forms import BookingRequestForm
from tests.factories import LanguageFactory, LanguageNeedFactory, UserFactory, VisitFactory
from visits.picker import language_label
from visits.reports.selectors import UsageQuery, usage_report
from visits.reports.services import usage_rollups_rebuild

# CLDR calls ckb "centralkurdiska" / "Central Kurdish"; the office says Sorani.
OVERRIDE = {"name_sv_override": "soranikurdiska", "name_en_override": "Sorani Kurdish", "endonym_override": "سۆرانی"}


@pytest.fixture
def sorani(db):
    return LanguageFactory(code="ckb", **OVERRIDE)


@pytest.fixture
def need(office, sorani):
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ckb")
    return visit


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_one_function_applies_the_override_and_falls_back_to_cldr(sorani):
    with override("sv"):
        assert language_label("ckb").name == "soranikurdiska"
        assert language_label("ar").name == "arabiska"
    with override("en"):
        assert language_label("ckb").name == "Sorani Kurdish"
    assert language_label("ckb").endonym == "سۆرانی" and language_label("ckb").rtl


def test_a_bad_tag_typed_into_the_catalogue_still_gets_a_label(db):
    assert language_label("not a tag!").name_sv == "not a tag!"


def test_the_officers_visit_page_shows_the_override(need, officer):
    body = login(officer).get(reverse("interpreters:visit-detail", args=[need.pk]), HTTP_ACCEPT_LANGUAGE="sv")
    html = body.content.decode()
    assert "Soranikurdiska" in html and "سۆرانی" in html
    assert "Centralkurdiska" not in html


def test_the_officers_queue_shows_the_override(need, officer):
    html = login(officer).get(reverse("interpreters:officer-queue"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Soranikurdiska" in html and "Centralkurdiska" not in html


def test_the_officers_language_choices_show_the_override(sorani):
    with override("en"):
        choices = dict(BookingRequestForm().fields["language"].choices)
    assert choices["ckb"] == "Sorani Kurdish · سۆرانی"


def test_the_check_in_queue_badge_and_the_api_show_the_override(need, receptionist):
    client = login(receptionist)
    html = client.get(reverse("visits:check-in"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "سۆرانی" in html and "soranikurdiska" in html.lower()
    visits = client.get("/api/v1/visits/").json()["results"]
    names = [v["language_need"] for v in visits if v["language_need"]]
    assert names and names[0]["name_en"] == "Sorani Kurdish" and names[0]["endonym"] == "سۆرانی"


def test_report_labels_in_the_api_and_the_pages_show_the_override(need, office):
    today = timezone.localdate()
    with override("en"):
        rows = usage_report(UsageQuery(date_from=today, date_to=today, group_by="language"), source="raw")
    assert "Sorani Kurdish (ckb)" in [row.label for row in rows]

    usage_rollups_rebuild()  # the API reads the rollups
    admin = login(UserFactory(username="national", is_superuser=True, is_staff=True))
    response = admin.get(f"/api/v1/reports/usage/?from={today}&to={today}&group_by=language", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Sorani Kurdish (ckb)" in [row["label"] for row in response.json()["rows"]]
    # The report pages' language filter names it the same way.
    page = admin.get(f"/reports/?from={today}&to={today}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sorani Kurdish (ckb)" in page


def test_the_admin_list_shows_the_override(sorani):
    admin = login(UserFactory(username="national", is_superuser=True, is_staff=True))
    html = admin.get("/admin/visits/language/").content.decode()
    assert "soranikurdiska" in html and "Sorani Kurdish" in html
