"""Moving an appointment whose pre-booked interpreter is confirmed tells the agency the new time (issue
11), over the real HTTP path: the API's move writes the outbox row in its transaction, the relay
runs the task after commit, and the HTTP JSON backend posts to a real agency server on 127.0.0.1."""

import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.models import BookingStatus, InterpreterBooking
from tests.factories import AppointmentFactory


def _at(days: int, hour: int) -> dt.datetime:
    return (timezone.localtime() + dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def test_moving_an_appointment_with_a_confirmed_booking_retimes_it_at_the_agency_over_http(
    office, officer, http_agency, django_capture_on_commit_callbacks
):
    row, server = http_agency("tolk-http", rank=1)
    start = _at(12, 10)
    appointment = AppointmentFactory(office=office, start=start)
    booking = InterpreterBooking.objects.create(
        appointment=appointment, agency=row, agency_reference="FA-77", language="ar", modality="phone",
        status=BookingStatus.CONFIRMED, scheduled_for=start, minutes_ordered=appointment.expected_minutes,
        requested_at=timezone.now() - dt.timedelta(days=1), requested_by=officer,
    )  # fmt: skip
    server.bookings[str(booking.idempotency_key)] = {"reference": "FA-77", "status": "confirmed", "request": {}}
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)
    new_start = _at(13, 14)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"/api/v1/appointments/{appointment.pk}/",
            {"start": new_start.isoformat(), "expected_minutes": 60, "version": appointment.version},
            format="json",
        )
    assert response.status_code == 200, response.content

    [arrival] = [a for a in server.arrivals if a.path == "/bookings/FA-77/reschedule"]
    assert arrival.method == "POST"
    assert dt.datetime.fromisoformat(arrival.body["scheduled_for"]) == new_start
    assert arrival.body["minutes"] == 60
    assert arrival.body["booking_id"] == str(booking.idempotency_key)
    assert server.bookings[str(booking.idempotency_key)]["scheduled_for"] == arrival.body["scheduled_for"]
    booking.refresh_from_db()
    assert (booking.scheduled_for, booking.minutes_ordered, booking.status) == (new_start, 60, BookingStatus.CONFIRMED)
    kinds = list(booking.events.values_list("detail__kind", flat=True))
    assert kinds == ["retimed", "rescheduled_at_agency"]
