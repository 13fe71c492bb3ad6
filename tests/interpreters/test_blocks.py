"""Blocked interpreters (office, county, national) and agency quarantine: services, APIs and pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.models import AgencyQuarantine, BlockScope, InterpreterBlock
from interpreters.selectors import booking_requirements_for_agency
from interpreters.services.blocks import interpreter_block_create
from tests.factories import MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory
from visits.errors import DomainError
from visits.models import County, StaffRole


def client_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def later(days=30):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def manager(office):
    user = UserFactory(username="chef")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICE_MANAGER)
    return user


@pytest.fixture
def admin(db):
    return UserFactory(username="riks", is_superuser=True, is_staff=True)


BLOCKS = "/api/v1/interpreter-blocks/"


def body(office=None, **extra):
    data = {"interpreter": "KK-1234", "reason": "Bröt tystnadsplikten", "ends_on": later()}
    if office is not None:
        data["office"] = office.pk
    return {**data, **extra}


def test_an_office_manager_blocks_an_interpreter_for_the_office_and_lifts_it(manager, office, agency):
    api = client_for(manager)
    response = api.post(BLOCKS, body(office), format="json")
    assert response.status_code == 201, response.content
    block = InterpreterBlock.objects.get()
    assert (block.scope, block.office, block.interpreter, block.created_by) == ("office", office, "KK-1234", manager)
    assert [row["id"] for row in api.get(BLOCKS).json()["results"]] == [block.pk]
    # Sent to the agency as a required denial in the office's bookings.
    booking = BookingFactory(visit=VisitFactory(office=office), agency=agency)
    sent = booking_requirements_for_agency(booking=booking, on=timezone.localdate())
    assert {"id": None, "kind": "denied_interpreter", "value": "KK-1234", "required": True, "rank": 1} in sent
    lifted = api.post(f"{BLOCKS}{block.pk}/lift/", {}, format="json")
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    assert booking_requirements_for_agency(booking=booking, on=timezone.localdate()) == []
    assert api.post(f"{BLOCKS}{block.pk}/lift/", {}, format="json").status_code == 400


def test_a_manager_of_one_office_may_leave_the_office_out(manager, office):
    response = client_for(manager).post(BLOCKS, body(), format="json")
    assert response.status_code == 201, response.content
    assert InterpreterBlock.objects.get().office == office


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": None}, "ends_on"),
        ({"ends_on": "2001-01-01"}, "ends_on"),
        ({"ends_on": "not a date"}, "ends_on"),
        ({"reason": "  "}, "reason"),
        ({"interpreter": ""}, "interpreter"),
        ({"scope": "galaxy"}, "scope"),
        ({"county": "C"}, "county"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_block_is_400_on_its_field_and_writes_nothing(manager, office, change, field):
    response = client_for(manager).post(BLOCKS, body(office, **change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not InterpreterBlock.objects.exists()


def test_a_block_without_an_end_date_is_refused(manager, office):
    data = body(office)
    del data["ends_on"]
    response = client_for(manager).post(BLOCKS, data, format="json")
    assert response.status_code == 400 and "ends_on" in response.json()
    assert not InterpreterBlock.objects.exists()


def test_a_block_for_another_office_is_404_and_writes_nothing(manager):
    response = client_for(manager).post(BLOCKS, body(OfficeFactory()), format="json")
    assert response.status_code == 404
    assert client_for(manager).post(BLOCKS, body(office=None, office_id=1), format="json").status_code == 400
    assert not InterpreterBlock.objects.exists()


def test_officers_and_receptionists_may_not_block(officer, receptionist, office):
    for user in (officer, receptionist):
        assert client_for(user).post(BLOCKS, body(office), format="json").status_code == 403
        assert client_for(user).get(BLOCKS).status_code == 403
    assert not InterpreterBlock.objects.exists()


def test_only_national_admins_block_for_a_county_or_the_country(manager, admin, office, agency):
    for scope, extra in (("county", {"county": County.UPPSALA}), ("national", {})):
        refused = client_for(manager).post(BLOCKS, body(scope=scope, **extra), format="json")
        assert refused.status_code == 403
        assert not InterpreterBlock.objects.exists()
    assert client_for(admin).post(BLOCKS, body(scope="county", county="C"), format="json").status_code == 201
    national = client_for(admin).post(BLOCKS, body(scope="national", interpreter="AGENCY-77"), format="json")
    assert national.status_code == 201, national.content
    # The office (county C) gets both; an office in another county only the national one.
    here = BookingFactory(visit=VisitFactory(office=office), agency=agency)
    there = BookingFactory(visit=VisitFactory(office=OfficeFactory(county=County.NORRBOTTEN)), agency=agency)
    today = timezone.localdate()
    assert {r["value"] for r in booking_requirements_for_agency(booking=here, on=today)} == {"KK-1234", "AGENCY-77"}
    assert {r["value"] for r in booking_requirements_for_agency(booking=there, on=today)} == {"AGENCY-77"}
    # The manager sees them (they apply to the office) but may not lift them.
    assert len(client_for(manager).get(BLOCKS).json()["results"]) == 2
    block = InterpreterBlock.objects.get(scope=BlockScope.NATIONAL)
    assert client_for(manager).post(f"{BLOCKS}{block.pk}/lift/", {}, format="json").status_code == 403
    block.refresh_from_db()
    assert block.lifted_at is None


def test_a_manager_cannot_see_or_lift_another_offices_block(manager, admin):
    other = OfficeFactory(county=County.NORRBOTTEN)
    block = interpreter_block_create(by=admin, scope="office", office=other, interpreter="X", reason="r",
                                     ends_on=timezone.localdate())  # fmt: skip
    assert client_for(manager).get(BLOCKS).json()["results"] == []
    assert client_for(manager).post(f"{BLOCKS}{block.pk}/lift/", {}, format="json").status_code == 404
    block.refresh_from_db()
    assert block.lifted_at is None


def test_an_ended_block_no_longer_denies(office, agency, manager):
    block = interpreter_block_create(by=manager, scope="office", office=office, interpreter="KK-9", reason="r",
                                     ends_on=timezone.localdate())  # fmt: skip
    booking = BookingFactory(visit=VisitFactory(office=office), agency=agency)
    assert booking_requirements_for_agency(booking=booking, on=block.ends_on)
    assert booking_requirements_for_agency(booking=booking, on=block.ends_on + dt.timedelta(days=1)) == []


def test_the_same_interpreter_blocked_twice_for_the_office_is_refused(manager, office):
    kwargs = dict(
        by=manager, scope="office", office=office, interpreter="KK-1", reason="r", ends_on=timezone.localdate()
    )
    interpreter_block_create(**kwargs)
    with pytest.raises(DomainError) as err:
        interpreter_block_create(**kwargs)
    assert (err.value.field, err.value.code) == ("interpreter", "duplicate")
    assert InterpreterBlock.objects.count() == 1


def test_the_blocks_page_blocks_and_lifts(client, manager, office):
    client.force_login(manager)
    url = reverse("quality:interpreter-blocks")
    assert client.get(url).status_code == 200
    missing_end = client.post(url, {"scope": "office", "office": office.pk, "interpreter": "KK-5", "reason": "r"})
    assert missing_end.status_code == 400 and not InterpreterBlock.objects.exists()
    response = client.post(
        url, {"scope": "office", "office": office.pk, "interpreter": "KK-5", "reason": "r", "ends_on": later()}
    )
    assert response.status_code == 302
    block = InterpreterBlock.objects.get()
    assert b"KK-5" in client.get(url).content
    assert client.post(reverse("quality:interpreter-block-lift", args=[block.pk])).status_code == 302
    block.refresh_from_db()
    assert block.lifted_at is not None


def test_the_blocks_page_is_forbidden_to_officers(client, officer):
    client.force_login(officer)
    assert client.get(reverse("quality:interpreter-blocks")).status_code == 403


# --- agency quarantine ----------------------------------------------------------------------------

QUARANTINES = "/api/v1/agency-quarantines/"


def quarantine_body(row, **extra):
    return {"agency": row.slug, "county": "C", "ends_on": later(14), "motivation": "Upprepade uteblivanden", **extra}


def test_a_national_admin_quarantines_an_agency_and_the_ranking_skips_it(admin, office, officer):
    from interpreters.services import booking_cancel, booking_dispatch_step, booking_request
    from tests.factories import LanguageNeedFactory
    from tests.interpreters.factories import RankingFactory

    first = AgencyFactory(slug="forsta", priority=1)
    RankingFactory(agency=first, county="C", rank=1)
    second = AgencyFactory(slug="andra", priority=2)
    RankingFactory(agency=second, county="C", rank=2)
    response = client_for(admin).post(QUARANTINES, quarantine_body(first), format="json")
    assert response.status_code == 201, response.content
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    booking_dispatch_step(booking_id=booking.pk)
    booking.refresh_from_db()
    assert booking.agency == second
    skipped = booking.events.get(detail__kind="agency_skipped")
    assert (skipped.detail["agency"], skipped.detail["reason"]) == ("forsta", "quarantine")
    assert skipped.detail["motivation"] == "Upprepade uteblivanden"
    # Lifted: the first agency is called again.
    quarantine = AgencyQuarantine.objects.get()
    assert client_for(admin).post(f"{QUARANTINES}{quarantine.pk}/lift/", {}, format="json").status_code == 200
    assert client_for(admin).get(f"{QUARANTINES}?current=true").json()["results"] == []
    assert client_for(admin).post(f"{QUARANTINES}{quarantine.pk}/lift/", {}, format="json").status_code == 400
    booking_cancel(booking=booking, by=officer, reason="booked_by_mistake")
    again = booking_request(visit=visit, requested_by=officer, modality="phone")
    booking_dispatch_step(booking_id=again.pk)
    again.refresh_from_db()
    assert again.agency == first


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": None}, "ends_on"),
        ({"ends_on": "2001-01-01"}, "ends_on"),
        ({"starts_on": later(20), "ends_on": later(10)}, "ends_on"),
        ({"county": "ZZ"}, "county"),
        ({"motivation": " "}, "motivation"),
        ({"agency": "nobody"}, "agency"),
    ],
)
def test_a_bad_quarantine_is_400_and_writes_nothing(admin, agency, change, field):
    response = client_for(admin).post(QUARANTINES, quarantine_body(agency, **change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not AgencyQuarantine.objects.exists()


def test_an_overlapping_quarantine_is_refused(admin, agency):
    assert client_for(admin).post(QUARANTINES, quarantine_body(agency), format="json").status_code == 201
    again = client_for(admin).post(QUARANTINES, quarantine_body(agency, ends_on=later(3)), format="json")
    assert again.status_code == 400 and "ends_on" in again.json()
    assert AgencyQuarantine.objects.count() == 1


def test_only_national_admins_quarantine(manager, officer, agency):
    for user in (manager, officer):
        assert client_for(user).post(QUARANTINES, quarantine_body(agency), format="json").status_code == 403
        assert client_for(user).get(QUARANTINES).status_code == 403
    assert not AgencyQuarantine.objects.exists()


def test_the_quarantine_page(client, admin, manager, agency):
    client.force_login(manager)
    assert client.get(reverse("quality:agency-quarantines")).status_code == 403
    client.force_login(admin)
    url = reverse("quality:agency-quarantines")
    response = client.post(url, {"agency": agency.pk, "county": "C", "ends_on": later(), "motivation": "m"})
    assert response.status_code == 302
    assert AgencyQuarantine.objects.count() == 1
    assert client.post(url, {"agency": agency.pk, "county": "C", "motivation": "m"}).status_code == 400
    assert AgencyQuarantine.objects.count() == 1
