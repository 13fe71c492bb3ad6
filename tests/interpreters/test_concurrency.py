"""Two officers clicking "request interpreter" at the same moment get one booking. Real threads,
real connections: needs a database other sessions can see (PostgreSQL, or a file SQLite DB)."""

import json
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from interpreters.models import ACTIVE_BOOKING_STATUSES, AgencyCallback, BookingEvent, InterpreterBooking
from interpreters.services import agency_callback_signature, booking_dispatch_step, booking_request
from tests.factories import LanguageNeedFactory, MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory
from visits.models import StaffRole


def _shared_database() -> bool:
    return connection.vendor != "sqlite" or not connection.is_in_memory_db()


def _in_threads(calls, timeout: float = 30) -> list:
    """Run the calls at the same moment, each on its own connection; re-raise the first error."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert errors == []
    return results


def _visit_and_two_officers():
    AgencyFactory()
    office = OfficeFactory()
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    officers = [UserFactory(username=f"officer{i}") for i in range(2)]
    for user in officers:
        MembershipFactory(user=user, office=office, role=StaffRole.OFFICER)
    return visit, officers


@pytest.mark.django_db(transaction=True)
def test_two_officers_clicking_at_once_make_one_booking():
    if not _shared_database():
        pytest.skip("needs a database shared between connections")
    visit, officers = _visit_and_two_officers()
    for _round in range(5):
        results = _in_threads(
            [lambda u=user: booking_request(visit=visit, requested_by=u, modality="phone").pk for user in officers]
        )
        assert len(set(results)) == 1, results
        assert InterpreterBooking.objects.filter(visit=visit, status__in=ACTIVE_BOOKING_STATUSES).count() == 1
        assert BookingEvent.objects.filter(booking_id=results[0], from_status="").count() == 1
        InterpreterBooking.objects.filter(pk=results[0]).update(status="cancelled")


@pytest.mark.django_db(transaction=True)
def test_two_officers_clicking_on_the_visit_page_at_once_make_one_booking():
    if not _shared_database():
        pytest.skip("needs a database shared between connections")
    visit, officers = _visit_and_two_officers()
    clients = [Client() for _ in officers]
    for client, user in zip(clients, officers, strict=True):
        client.force_login(user)
    url = reverse("interpreters:visit-booking-request", args=[visit.pk])

    responses = _in_threads(
        [lambda c=c: c.post(url, {"modality": "phone"}, HTTP_X_REQUESTED_WITH="fetch") for c in clients]
    )
    assert [r.status_code for r in responses] == [200, 200]
    assert len({r.json()["booking"]["id"] for r in responses}) == 1
    assert InterpreterBooking.objects.filter(visit=visit).count() == 1
    assert BookingEvent.objects.filter(from_status="").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_dispatch_task_running_twice_at_once_calls_the_agency_once(http_agency):
    if not _shared_database():
        pytest.skip("needs a database shared between connections")
    _row, server = http_agency("alfa", read_timeout=5)
    booking = BookingFactory(visit=VisitFactory(office=OfficeFactory()))

    outcomes = _in_threads([lambda: booking_dispatch_step(booking_id=booking.pk)] * 2)
    assert sorted(o.action for o in outcomes) == ["accepted", "noop"]
    assert len(server.booking_arrivals()) == 1 and len(server.bookings) == 1
    booking.refresh_from_db()
    assert booking.agency_reference == server.bookings[str(booking.idempotency_key)]["reference"]
    assert BookingEvent.objects.filter(booking=booking, from_status="requested", to_status="pending").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_callback_delivered_twice_at_once_is_applied_once(http_agency, monkeypatch):
    if not _shared_database():
        pytest.skip("needs a database shared between connections")
    monkeypatch.setenv("TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET", "concurrent-secret")
    row, _server = http_agency("alfa")
    booking = BookingFactory(
        visit=VisitFactory(office=OfficeFactory()), agency=row, status="pending", agency_reference="FA-1"
    )
    body = json.dumps(
        {
            "event_id": "ev-confirm",
            "type": "confirmed",
            "booking_id": str(booking.idempotency_key),
            "reference": "FA-1",
            "connection": {"phone": "+46101234567"},
        }
    ).encode()
    ts = str(int(time.time()))
    headers = {
        "HTTP_X_TOLKDESK_TIMESTAMP": ts,
        "HTTP_X_TOLKDESK_SIGNATURE": agency_callback_signature(secret=b"concurrent-secret", timestamp=ts, body=body),
    }
    url = reverse("api-agency-callback", args=[row.slug])

    def deliver():
        return Client().post(url, data=body, content_type="application/json", **headers)

    responses = _in_threads([deliver, deliver])
    assert [r.status_code for r in responses] == [200, 200], [r.content for r in responses]
    assert sorted(r.json()["duplicate"] for r in responses) == [False, True]
    assert AgencyCallback.objects.count() == 1
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert BookingEvent.objects.filter(booking=booking, to_status="confirmed").count() == 1
