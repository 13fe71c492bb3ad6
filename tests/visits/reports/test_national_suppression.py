"""The national block never reveals a single other office to an office manager: with fewer than 5
offices in the comparison, or fewer than 5 visits, it is null with a note (API) or a note (pages)."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from visits.models import County, StaffRole
from visits.reports.services import usage_rollups_rebuild

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 10)
URL = "/api/v1/reports/usage/"


def visits_at(office, n):
    at = dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC)
    for _ in range(n):
        VisitFactory(office=office, checked_in_at=at, service_date=DAY)


@pytest.fixture
def country():
    """Six offices in Uppsala län with 5 visits each, one in Norrbotten with 7."""
    uppsala = [OfficeFactory(county=County.UPPSALA) for _ in range(6)]
    kiruna = OfficeFactory(county=County.NORRBOTTEN, name="Servicekontor Kiruna")
    for office in uppsala:
        visits_at(office, 5)
    visits_at(kiruna, 7)
    usage_rollups_rebuild(since=DAY, until=DAY)
    return uppsala, kiruna


def client_for(user):
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def manager(country):
    uppsala, _kiruna = country
    user = UserFactory(username="manager-uppsala")
    MembershipFactory(user=user, office=uppsala[0], role=StaffRole.OFFICE_MANAGER)
    return client_for(user)


def report(client, **params):
    response = client.get(URL, {"from": DAY.isoformat(), "to": DAY.isoformat(), **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_manager_sees_national_figures_when_enough_offices_stand_behind_them(manager):
    body = report(manager)
    assert body["national"]["visits"] == 37
    assert body["national_note"] == ""


def test_filtering_on_another_offices_county_hides_the_national_block(manager):
    # Kiruna is the only office in Norrbotten: its day figures must not leak through `national`.
    body = report(manager, county=County.NORRBOTTEN)
    assert body["national"] is None
    assert body["national_note"]


def test_a_national_admin_always_gets_the_national_block(country):
    admin = client_for(UserFactory(username="admin", is_superuser=True, is_staff=True))
    assert report(admin, county=County.NORRBOTTEN)["national"]["visits"] == 7


def test_the_overview_page_shows_the_note_instead_of_the_figures(country, client):
    uppsala, _kiruna = country
    user = UserFactory(username="page-manager")
    MembershipFactory(user=user, office=uppsala[0], role=StaffRole.OFFICE_MANAGER)
    client.force_login(user)
    page = client.get("/reports/", {"from": DAY.isoformat(), "to": DAY.isoformat(), "county": County.NORRBOTTEN})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="national-note"' in body and 'data-testid="kpis"' not in body
