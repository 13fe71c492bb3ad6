"""The office manager's list of disputed requisitions (issue 9): their offices' disputes (a
national admin: every office's), with the agency's and the office's minutes and the comment."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interpreters.backends import AgencyEvent
from interpreters.services import booking_apply_agency_event, requisition_decide
from tests.factories import MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, seed_price_lists
from visits.models import StaffRole, VisitStatus

URL = reverse("interpreters:requisitions-disputed")


@pytest.fixture(autouse=True)
def lists(db):
    return seed_price_lists()


@pytest.fixture
def manager(office):
    user = UserFactory(username="manager")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICE_MANAGER)
    return user


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def reported(office, minutes: int, agency=None):
    visit = VisitFactory(office=office, status=VisitStatus.DONE)
    booking = BookingFactory(visit=visit, agency=agency or AgencyFactory(), status="confirmed")
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="started"), source="agency")
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="ended", minutes=minutes), source="agency")
    return booking


def disputed(office, by, *, agency_minutes: int, office_minutes: int, comment: str, agency=None):
    booking = reported(office, agency_minutes, agency=agency)
    requisition_decide(booking=booking, by=by, action="dispute", minutes=office_minutes, comment=comment)
    return booking


def test_a_manager_sees_their_offices_disputes_with_both_minutes_and_the_comment(office, manager, officer):
    agency = AgencyFactory(name="Språkbron")
    disputed(
        office, officer, agency_minutes=45, office_minutes=20, comment="Samtalet bröts efter 20 minuter", agency=agency
    )
    disputed(OfficeFactory(name="Elsewhere"), None, agency_minutes=50, office_minutes=10, comment="other office")
    confirmed = reported(office, 30)
    requisition_decide(booking=confirmed, by=officer, action="confirm")
    reported(office, 33)  # not answered yet: not a dispute

    body = login(manager).get(URL).content.decode()
    assert body.count("data-requisition=") == 1
    assert '<td class="num" data-agency-minutes>45' in body and '<td class="num" data-office-minutes>20' in body
    assert "Samtalet bröts efter 20 minuter" in body and '<td class="num">25</td>' in body
    assert "other office" not in body and "Språkbron" in body
    assert officer.get_username() in body
    # The menu leads there.
    assert f'href="{URL}"' in login(manager).get(reverse("interpreters:officer-queue")).content.decode()


def test_a_national_admin_sees_every_office_and_can_narrow_to_one(office, officer):
    admin = UserFactory(username="national", is_superuser=True, is_staff=True)
    elsewhere = OfficeFactory(name="Elsewhere")
    disputed(office, officer, agency_minutes=45, office_minutes=20, comment="first office")
    disputed(elsewhere, None, agency_minutes=50, office_minutes=10, comment="second office")
    client = login(admin)
    body = client.get(URL).content.decode()
    assert "first office" in body and "second office" in body
    narrowed = client.get(URL, {"office": elsewhere.pk}).content.decode()
    assert "second office" in narrowed and "first office" not in narrowed


def test_officers_may_not_see_it_another_office_is_404_and_anonymous_signs_in(office, officer, manager):
    assert login(officer).get(URL).status_code == 403
    assert login(manager).get(URL, {"office": OfficeFactory().pk}).status_code == 404
    assert login(manager).get(URL, {"office": "1; drop"}).status_code == 404
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert login(manager).get(URL, {"page": "999"}).status_code == 200  # a page past the end: the last


def test_an_empty_list_says_so(office, manager):
    assert 'id="no-disputes"' in login(manager).get(URL).content.decode()


def test_the_list_costs_the_same_queries_for_three_rows_as_for_thirty(
    office, officer, manager, django_assert_max_num_queries
):
    agency = AgencyFactory()
    for i in range(3):
        booking = reported(office, 40 + i, agency=agency)
        requisition_decide(booking=booking, by=officer, action="dispute", minutes=10, comment=f"row {i}")
    client = login(manager)
    client.get(URL)
    with CaptureQueriesContext(connection) as three:
        client.get(URL)
    for i in range(27):
        booking = reported(office, 40 + i, agency=agency)
        requisition_decide(booking=booking, by=officer, action="dispute", minutes=10, comment=f"more {i}")
    with django_assert_max_num_queries(len(three.captured_queries)):
        body = client.get(URL).content.decode()
    assert body.count("data-requisition=") == 30
