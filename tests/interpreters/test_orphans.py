"""Orphan bookings: when a call to agency A times out and the booking falls back to agency B, A may
have booked anyway. The booking is then cancelled at A by its idempotency key, retried until A
acknowledges, and recorded in the booking's events with a system cancel reason and no office fee.
Against the local fake agency, with a request that hangs."""

import time

import pytest

from interpreters.backends import TransientAgencyError
from interpreters.models import BookingStatus, CancelReason
from interpreters.services import booking_cancel_orphan, booking_dispatch_step
from tests.factories import LanguageNeedFactory, VisitFactory
from tests.interpreters.factories import BookingFactory
from tests.servers import free_port

S = BookingStatus


@pytest.fixture
def fallback(office, http_agency, settings):
    """alfa (first) hangs on the booking request; beta (second) answers at once."""
    settings.BOOKING_AGENCY_MAX_ATTEMPTS = 1  # one timeout at alfa is enough to fall back
    alfa, alfa_server = http_agency("alfa", rank=1, read_timeout=0.5, script=["hold"], hold_max=20)
    beta, beta_server = http_agency("beta", rank=2)
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    booking = BookingFactory(visit=visit)
    return booking, (alfa, alfa_server), (beta, beta_server)


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def orphan_events(booking):
    return [e.detail for e in booking.events.all() if e.detail.get("kind") == "orphan_cancelled"]


def test_a_hung_agency_that_books_after_the_fallback_ends_up_cancelled(fallback, django_capture_on_commit_callbacks):
    booking, (alfa, alfa_server), (_beta, beta_server) = fallback
    key = str(booking.idempotency_key)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox relays the cancel (eager)
        outcome = booking_dispatch_step(booking_id=booking.pk)
    assert outcome.action == "accepted"
    booking.refresh_from_db()
    assert booking.agency.slug == "beta" and beta_server.bookings[key]["status"] == "accepted"
    # alfa's held request now completes: it must not leave alfa holding the booking.
    alfa_server.hold.set()
    assert wait_until(lambda: key in alfa_server.bookings)
    assert alfa_server.bookings[key]["status"] == "cancelled"
    assert orphan_events(booking) == [
        {
            "kind": "orphan_cancelled",
            "agency": "alfa",
            "cancel_reason": CancelReason.SYSTEM_ORPHAN,
            "cancellation_fee_ore": 0,
        }
    ]
    assert booking.status == S.PENDING and booking.cancellation_fee_ore in (None, 0)


def test_an_agency_that_booked_before_the_cancel_arrived_has_it_cancelled(fallback, django_capture_on_commit_callbacks):
    booking, (_alfa, alfa_server), _beta = fallback
    key = str(booking.idempotency_key)
    with django_capture_on_commit_callbacks() as callbacks:
        booking_dispatch_step(booking_id=booking.pk)
    alfa_server.hold.set()
    assert wait_until(lambda: key in alfa_server.bookings)
    assert alfa_server.bookings[key]["status"] == "accepted"  # the orphan
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert alfa_server.bookings[key]["status"] == "cancelled"
    assert len(orphan_events(booking)) == 1


def test_the_cancel_is_retried_until_the_agency_acknowledges_and_recorded_once(fallback):
    booking, (alfa, alfa_server), _beta = fallback
    booking_dispatch_step(booking_id=booking.pk)
    real_url = alfa.backend_settings["base_url"]
    alfa.backend_settings = {**alfa.backend_settings, "base_url": f"http://127.0.0.1:{free_port()}"}
    alfa.save()
    with pytest.raises(TransientAgencyError):  # the task retries on this
        booking_cancel_orphan(booking_id=booking.pk, agency_id=alfa.pk)
    assert orphan_events(booking) == []
    alfa.backend_settings = {**alfa.backend_settings, "base_url": real_url}
    alfa.save()
    assert booking_cancel_orphan(booking_id=booking.pk, agency_id=alfa.pk) is True
    assert booking_cancel_orphan(booking_id=booking.pk, agency_id=alfa.pk) is False  # a redelivery
    assert len(orphan_events(booking)) == 1
    assert [a.path for a in alfa_server.arrivals].count("/bookings/cancel") == 1


def test_an_agency_that_refused_outright_is_not_asked_to_cancel(office, http_agency, settings):
    settings.BOOKING_AGENCY_MAX_ATTEMPTS = 1
    _alfa, alfa_server = http_agency("alfa", rank=1, script=["422"])
    http_agency("beta", rank=2)
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    booking = BookingFactory(visit=visit)
    booking_dispatch_step(booking_id=booking.pk)
    from config.outbox.models import OutboxMessage

    assert not OutboxMessage.objects.filter(task="interpreters.booking_cancel_orphan").exists()
    assert "/bookings/cancel" not in [a.path for a in alfa_server.arrivals]
