"""Price estimate, cancellation with reasons and fees, requisitions: the API contracts of issue 9."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from interpreters.backends import AgencyEvent
from interpreters.models import BookingStatus, Requisition
from interpreters.services import (
    booking_apply_agency_event,
    booking_cancellation_fee,
    requisition_correct,
)
from tests.factories import MembershipFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, seed_price_lists
from visits.models import StaffRole, VisitStatus

S = BookingStatus
STHLM = ZoneInfo("Europe/Stockholm")
ESTIMATE = "/api/v1/price-estimate/"


@pytest.fixture(autouse=True)
def lists(db):
    return seed_price_lists()


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(officer):
    return client_for(officer)


@pytest.fixture
def manager(office):
    user = UserFactory(username="manager")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICE_MANAGER)
    return user


# ------------------------------------------------------------------------------------------------
# Price estimate


def test_estimate_for_a_pre_booking_uses_the_framework_list_and_itemises_rows(api, receptionist):
    query = {
        "language": "ar",
        "modality": "video",
        "competence": "rattstolk",
        "start": "2024-12-25T17:00:00+01:00",
        "minutes": 91,
    }
    response = api.get(ESTIMATE, query)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = {row["kind"]: row for row in body["rows"]}
    assert rows["base"] == {"kind": "base", "quantity": 1, "unit_price_ore": 58200, "amount_ore": 58200}
    assert (rows["step"]["quantity"], rows["step"]["unit_price_ore"]) == (2, 25800)
    assert (rows["big_holiday"]["quantity"], rows["big_holiday"]["amount_ore"]) == (4, 4 * 30600)
    assert rows["broker_fee"]["amount_ore"] == 8500
    assert set(rows) == {"base", "step", "big_holiday", "social_charges", "admin_charge", "broker_fee"}
    assert body["total_ore"] == sum(row["amount_ore"] for row in body["rows"])
    # Any signed-in staff member may ask.
    assert client_for(receptionist).get(ESTIMATE, query).json() == body


def test_estimate_without_start_prices_an_on_demand_call_now(api):
    response = api.get(ESTIMATE, {"language": "so", "modality": "phone", "competence": "ovrig", "minutes": 20})
    assert response.status_code == 200
    rows = {row["kind"]: row for row in response.json()["rows"]}
    assert rows["base"]["unit_price_ore"] == 17000 and rows["step"]["quantity"] == 1


@pytest.mark.parametrize(
    "change",
    [
        {"language": None},
        {"modality": None},
        {"competence": None},
        {"minutes": None},
        {"modality": "on_site"},
        {"competence": "expert"},
        {"minutes": "-5"},
        {"minutes": "0"},
        {"minutes": "100000"},
        {"minutes": "ten"},
        {"start": "2024-12-25T17:00:00"},  # no offset
        {"start": "tomorrow"},
        {"start": "2019-01-01T10:00:00+01:00"},  # before any price list
        {"language": "!!"},
        {"colour": "blue"},
    ],
)
def test_bad_or_missing_estimate_parameters_are_400(api, change):
    query = {"language": "ar", "modality": "phone", "competence": "ovrig", "minutes": "30"}
    for key, value in change.items():
        if value is None:
            query.pop(key)
        else:
            query[key] = value
    assert api.get(ESTIMATE, query).status_code == 400


def test_anonymous_may_not_ask_for_an_estimate():
    assert APIClient().get(ESTIMATE, {"language": "ar"}).status_code in (401, 403)


def test_a_new_booking_stores_its_estimate(api, visit):
    when = "2027-03-09T10:00:00+01:00"  # a Tuesday within the year ahead a booking may be made
    response = api.post(
        "/api/v1/bookings/",
        {"visit": visit.pk, "modality": "phone", "scheduled_for": when, "minutes_ordered": 90},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["minutes_ordered"] == 90
    # Framework, övrig: 333 + 144 kr, charges, broker fee.
    assert body["cost_estimated_ore"] == 47700 + 14987 + 334 + 8500
    assert [row["kind"] for row in body["estimate_rows"]][:2] == ["base", "step"]
    assert body["cost_reported_ore"] is None and body["requisition"] is None


# ------------------------------------------------------------------------------------------------
# Cancellation


def pre_booked(visit, start):
    return BookingFactory(
        visit=visit,
        scheduled_for=start,
        minutes_ordered=60,
        competence_required="ovrig",
        agency=AgencyFactory(),
        status=S.CONFIRMED,
    )


def test_cancel_takes_a_reason_and_note_and_records_the_fee(api, visit):
    booking = pre_booked(visit, dt.datetime.now(tz=STHLM) + dt.timedelta(hours=1))
    expected = booking_cancellation_fee(booking=booking, reason="wrong_language")
    assert expected.total_ore > 8500  # within 48 working hours: the full ordered price
    response = api.post(
        f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "wrong_language", "note": "Fel dialekt"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["cancel_reason"], body["cancel_note"]) == (
        "cancelled",
        "wrong_language",
        "Fel dialekt",
    )
    assert body["cancellation_fee_ore"] == expected.total_ore


@pytest.mark.parametrize(
    "payload",
    [{}, {"reason": "bored"}, {"reason": "system_visit_closed"}, {"reason": "other", "colour": "red"}],
)
def test_cancel_without_an_office_reason_is_400_and_writes_nothing(api, visit, payload):
    booking = pre_booked(visit, dt.datetime.now(tz=STHLM) + dt.timedelta(days=10))
    assert api.post(f"/api/v1/bookings/{booking.pk}/cancel/", payload, format="json").status_code == 400
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED and booking.cancellation_fee_ore is None and not booking.events.exists()


def test_a_booking_of_a_finished_visit_cannot_be_cancelled_by_the_office(api, office):
    visit = VisitFactory(office=office, status=VisitStatus.DONE)
    booking = pre_booked(visit, dt.datetime.now(tz=STHLM) + dt.timedelta(days=10))
    response = api.post(f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "other"}, format="json")
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED


# ------------------------------------------------------------------------------------------------
# Requisitions


def completed(visit, minutes=25, **kwargs):
    agency = AgencyFactory()
    booking = BookingFactory(visit=visit, agency=agency, status=S.CONFIRMED, competence_required="ovrig", **kwargs)
    start = dt.datetime(2026, 3, 3, 10, 0, tzinfo=STHLM)
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="started"), source="agency", now=start)
    end = start + dt.timedelta(minutes=minutes)
    event = AgencyEvent(type="ended", minutes=minutes, started_at=start, ended_at=end, raw={"event_id": "e1"})
    booking_apply_agency_event(booking=booking, event=event, source="agency", now=end)
    booking.refresh_from_db()
    return booking


def test_an_ended_call_gets_a_reported_requisition_and_reported_cost(api, visit):
    booking = completed(visit, minutes=25)
    response = api.get(f"/api/v1/bookings/{booking.pk}/requisition/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reported_minutes"], body["billed_minutes"]) == ("reported", 25, 25)
    detail = api.get(f"/api/v1/bookings/{booking.pk}/").json()
    assert detail["cost_reported_ore"] == body["cost_ore"] > 0 and detail["cost_confirmed_ore"] is None
    assert detail["requisition"]["id"] == body["id"]


def test_confirming_prices_the_confirmed_minutes(api, visit):
    booking = completed(visit, minutes=25)
    url = f"/api/v1/bookings/{booking.pk}/requisition/"
    response = api.post(url, {"action": "confirm", "minutes": 40, "comment": ""}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["confirmed_minutes"]) == ("confirmed", 40)
    booking.refresh_from_db()
    assert booking.cost_confirmed_ore == booking.cost_ore > booking.cost_reported_ore


def test_disputing_needs_a_comment_and_lists_it_for_the_manager(api, visit, manager):
    booking = completed(visit)
    url = f"/api/v1/bookings/{booking.pk}/requisition/"
    assert api.post(url, {"action": "dispute", "minutes": 10}, format="json").status_code == 400
    assert Requisition.objects.get().status == "reported"
    response = api.post(url, {"action": "dispute", "minutes": 10, "comment": "Tolken kom 15 min sent"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "disputed"
    listed = client_for(manager).get("/api/v1/requisitions/disputed/")
    assert listed.status_code == 200
    assert [(r["booking"], r["status"], r["comment"]) for r in listed.json()] == [
        (booking.pk, "disputed", "Tolken kom 15 min sent")
    ]
    assert api.get("/api/v1/requisitions/disputed/").status_code == 403  # officers: not their list


def test_a_corrected_requisition_replaces_the_old_one_and_keeps_history(api, visit):
    booking = completed(visit, minutes=25)
    requisition_correct(booking=booking, minutes=20)
    statuses = sorted(Requisition.objects.values_list("status", "reported_minutes"))
    assert statuses == [("replaced", 25), ("reported", 20)]
    assert api.get(f"/api/v1/bookings/{booking.pk}/requisition/").json()["reported_minutes"] == 20


def test_pre_booked_calls_are_billed_at_least_the_ordered_time(visit):
    booking = completed(
        visit, minutes=20, scheduled_for=dt.datetime(2026, 3, 3, 10, 0, tzinfo=STHLM), minutes_ordered=60
    )
    assert Requisition.objects.get(booking=booking).billed_minutes == 60


def test_requisition_before_any_report_is_404_and_receptionist_is_403(api, visit, receptionist):
    booking = BookingFactory(visit=visit, status=S.CONFIRMED)
    assert api.get(f"/api/v1/bookings/{booking.pk}/requisition/").status_code == 404
    done = completed(VisitFactory(office=visit.office))
    reception = client_for(receptionist)
    assert reception.get(f"/api/v1/bookings/{done.pk}/requisition/").status_code == 403
    response = reception.post(f"/api/v1/bookings/{done.pk}/requisition/", {"action": "confirm"}, format="json")
    assert response.status_code == 403
    assert Requisition.objects.get(booking=done).status == "reported"


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "confirm", "minutes": -1},
        {"action": "confirm", "minutes": 100000},
        {"action": "approve"},
        {"action": "confirm", "extra": 1},
    ],
)
def test_bad_requisition_input_is_400_and_writes_nothing(api, visit, payload):
    booking = completed(visit)
    assert api.post(f"/api/v1/bookings/{booking.pk}/requisition/", payload, format="json").status_code == 400
    assert Requisition.objects.get().status == "reported"


def test_a_requisition_for_a_never_started_booking_is_refused(api, visit):
    booking = BookingFactory(visit=visit, status=S.CONFIRMED)
    response = api.post(f"/api/v1/bookings/{booking.pk}/requisition/", {"action": "confirm"}, format="json")
    assert response.status_code == 400
    with pytest.raises(Exception) as exc:
        requisition_correct(booking=booking, minutes=20)
    assert getattr(exc.value, "field", None) == "booking"
    assert not Requisition.objects.exists()


def test_an_ended_event_with_end_before_start_is_refused(visit):
    from visits.errors import DomainError

    booking = BookingFactory(visit=visit, agency=AgencyFactory(), status=S.IN_PROGRESS)
    start = dt.datetime(2026, 3, 3, 10, 0, tzinfo=STHLM)
    event = AgencyEvent(type="ended", minutes=10, started_at=start, ended_at=start - dt.timedelta(minutes=5))
    with pytest.raises(DomainError):
        booking_apply_agency_event(booking=booking, event=event, source="agency")
    booking.refresh_from_db()
    assert booking.status == S.IN_PROGRESS and not Requisition.objects.exists()
