import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.models import BookingEvent, BookingStatus, InterpreterBooking
from tests.factories import LanguageNeedFactory, MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import BookingFactory
from visits.models import StaffRole, VisitStatus

S = BookingStatus


@pytest.fixture
def api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


def test_officer_requests_a_booking_and_sees_it(api, visit):
    response = api.post("/api/v1/bookings/", {"visit": visit.pk, "modality": "video"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["visit"], body["language"], body["modality"]) == (visit.pk, "ar", "video")
    assert body["status"] == "requested" and body["connection"] is None
    assert [e["to_status"] for e in body["events"]] == ["requested"]
    again = api.post("/api/v1/bookings/", {"visit": visit.pk, "modality": "phone"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert InterpreterBooking.objects.count() == 1


def test_a_receptionist_may_neither_request_nor_cancel_a_booking_by_api(visit, receptionist):
    client = APIClient()
    client.force_authenticate(receptionist)
    when = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = client.post("/api/v1/bookings/", {"visit": visit.pk, "modality": "phone", "scheduled_for": when})
    assert response.status_code == 403
    assert not InterpreterBooking.objects.exists()
    booking = BookingFactory(visit=visit, status=S.PENDING)
    assert client.post(f"/api/v1/bookings/{booking.pk}/cancel/", {}, format="json").status_code == 403
    booking.refresh_from_db()
    assert booking.status == S.PENDING


def test_connection_details_show_once_confirmed(api, visit):
    booking = BookingFactory(
        visit=visit, status=S.CONFIRMED, connection_phone="+46101234567", connection_url="", interpreter_name="Nour"
    )
    body = api.get(f"/api/v1/bookings/{booking.pk}/").json()
    assert body["connection"] == {"phone": "+46101234567", "url": ""}
    assert body["interpreter_name"] == "Nour"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"language": "xx-notalanguage-123"}, "language"),
        ({"language": "fi"}, "language"),
        ({"modality": "on_site"}, "modality"),
        ({"modality": "carrier-pigeon"}, "modality"),
        ({"scheduled_for": "not a date"}, "scheduled_for"),
        ({"visit": "abc"}, "visit"),
    ],
)
def test_bad_input_is_400_on_its_field_and_writes_nothing(api, visit, payload, field):
    response = api.post("/api/v1/bookings/", {"visit": visit.pk, "modality": "phone", **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not InterpreterBooking.objects.exists() and not BookingEvent.objects.exists()


@pytest.mark.parametrize("status", [VisitStatus.DONE, VisitStatus.LEFT])
def test_booking_for_a_finished_visit_is_400(api, visit, status):
    visit.status = status
    visit.save()
    response = api.post("/api/v1/bookings/", {"visit": visit.pk, "modality": "phone"}, format="json")
    assert response.status_code == 400 and "visit" in response.json()
    assert not InterpreterBooking.objects.exists()


def test_another_offices_visit_and_booking_are_404(api, agency):
    other = VisitFactory(office=OfficeFactory())
    LanguageNeedFactory(visit=other)
    assert api.post("/api/v1/bookings/", {"visit": other.pk, "modality": "phone"}).status_code == 404
    booking = BookingFactory(visit=other)
    assert api.get(f"/api/v1/bookings/{booking.pk}/").status_code == 404
    assert api.post(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == S.REQUESTED


def test_anonymous_is_refused(visit):
    assert APIClient().get("/api/v1/bookings/").status_code in (401, 403)


def test_cancel_and_cancelling_a_completed_booking(api, visit):
    booking = BookingFactory(visit=visit, status=S.CONFIRMED)
    response = api.post(f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "visitor_left"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    done = BookingFactory(visit=VisitFactory(office=visit.office), status=S.COMPLETED)
    response = api.post(f"/api/v1/bookings/{done.pk}/cancel/", {"reason": "other"}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    done.refresh_from_db()
    assert done.status == S.COMPLETED and not done.events.exists()


def test_list_is_scoped_and_filters_by_office_status_and_date(visit, office):
    second_office = OfficeFactory()
    user = UserFactory(username="two-offices")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICER)
    MembershipFactory(user=user, office=second_office, role=StaffRole.OFFICER)
    a = BookingFactory(visit=visit, status=S.CONFIRMED)
    yesterday = timezone.now() - dt.timedelta(days=1)
    b = BookingFactory(
        visit=VisitFactory(office=second_office, checked_in_at=yesterday), status=S.FAILED, requested_at=yesterday
    )
    BookingFactory(visit=VisitFactory(office=OfficeFactory()))  # not theirs
    client = APIClient()
    client.force_authenticate(user)

    def ids(query=""):
        response = client.get(f"/api/v1/bookings/{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {a.pk, b.pk}
    assert ids(f"?office={second_office.pk}") == {b.pk}
    assert ids("?status=confirmed") == {a.pk}
    assert ids("?status=confirmed&status=failed") == {a.pk, b.pk}
    assert ids(f"?date={timezone.localdate().isoformat()}") == {a.pk}
    assert ids(f"?date_to={timezone.localdate(yesterday).isoformat()}") == {b.pk}
    assert client.get("/api/v1/bookings/?status=nonsense").status_code == 400
    assert client.get("/api/v1/bookings/?date=not-a-date").status_code == 400


@pytest.mark.parametrize("value", ["-2.07e+79", "99999999999999999999999", "1.5", "0", "abc"])
@pytest.mark.parametrize("name", ["visit", "office"])
def test_an_id_filter_that_no_row_can_have_is_400_not_500(api, visit, name, value):
    response = api.get("/api/v1/bookings/", {name: value})
    assert response.status_code == 400
    assert name in response.json()


def test_booking_and_outcome_inputs_refuse_unknown_keys(api, visit):
    response = api.post("/api/v1/bookings/", {"visit": visit.pk, "modality": "phone", "urgnet": True}, format="json")
    assert response.status_code == 400 and "urgnet" in response.json()
    assert not InterpreterBooking.objects.exists()
    response = api.post(f"/api/v1/visits/{visit.pk}/outcome/", {"interpreter_used": True, "notes": "x"}, format="json")
    assert response.status_code == 400 and "notes" in response.json()
