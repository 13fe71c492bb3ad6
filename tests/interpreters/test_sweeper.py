"""The beat tasks: re-dispatching stuck bookings, polling agencies, escalating unconfirmed pre-bookings."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from config.outbox.models import OutboxMessage
from config.outbox.services import outbox_enqueue
from interpreters.models import BookingStatus, InterpreterBooking
from interpreters.services import (
    booking_dispatch_step,
    booking_escalate,
    booking_sync_status,
    bookings_due_for_escalation,
    bookings_sweep_stuck,
)
from interpreters.tasks import bookings_escalate_unconfirmed_task, bookings_sweep_stuck_task
from tests.factories import LanguageNeedFactory, VisitFactory
from tests.interpreters.factories import BookingFactory
from visits.reports.models import DailyBookingUsage
from visits.reports.services import usage_dirty_days_refresh

S = BookingStatus


def age(booking, seconds):
    """Make the row look untouched for `seconds` (updated_at is auto_now, so set it with update())."""
    InterpreterBooking.objects.filter(pk=booking.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_sweeper_picks_only_bookings_stuck_past_the_threshold(visit, agency, settings):
    settings.BOOKING_STUCK_AFTER_SECONDS = 60
    fresh = BookingFactory(visit=visit)
    stuck = BookingFactory()  # each factory booking has its own visit
    age(stuck, 120)
    lease_expired = BookingFactory(status=S.PENDING, agency=agency, next_attempt_at=timezone.now() - dt.timedelta(1))
    age(lease_expired, 120)
    retry_due_later = BookingFactory(status=S.PENDING, agency=agency, next_attempt_at=timezone.now() + dt.timedelta(1))
    age(retry_due_later, 120)
    awaiting_confirmation = BookingFactory(status=S.PENDING, agency=agency, agency_reference="R1")
    age(awaiting_confirmation, 120)
    confirmed = BookingFactory(status=S.CONFIRMED, agency=agency)
    age(confirmed, 120)
    result = bookings_sweep_stuck()
    assert result.redispatch == sorted([stuck.pk, lease_expired.pk])
    assert result.sync == [awaiting_confirmation.pk]
    assert fresh.pk not in result.redispatch


def test_swept_booking_is_dispatched_and_confirmed(visit, agency, settings, django_capture_on_commit_callbacks):
    settings.BOOKING_STUCK_AFTER_SECONDS = 60
    booking = BookingFactory(visit=visit)
    age(booking, 120)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox relays after commit
        assert bookings_sweep_stuck_task.apply().get()["redispatch"] == [booking.pk]
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED  # eager: dispatch + simulated confirmation ran


@pytest.fixture
def http_visit(office):
    """A visit where only the HTTP agencies of the test serve (no simulated agency)."""
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


def test_status_poll_applies_what_the_agency_says(http_visit, http_agency):
    row, server = http_agency("alfa")
    booking = BookingFactory(visit=http_visit)
    booking_dispatch_step(booking_id=booking.pk)
    booking.refresh_from_db()
    server.bookings[str(booking.idempotency_key)]["status"] = "confirmed"
    assert booking_sync_status(booking_id=booking.pk) is True
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert booking_sync_status(booking_id=booking.pk) is False  # nothing new


@pytest.fixture
def prebooked(http_visit, http_agency):
    first, first_server = http_agency("alfa", rank=1)
    second, second_server = http_agency("beta", rank=2)
    booking = BookingFactory(visit=http_visit, scheduled_for=timezone.now() + dt.timedelta(minutes=20), urgent=False)
    booking_dispatch_step(booking_id=booking.pk)
    booking.refresh_from_db()
    assert booking.agency == first and booking.agency_reference
    return booking, (first, first_server), (second, second_server)


def test_unconfirmed_prebooking_is_escalated_to_the_next_agency_once(
    prebooked, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_ESCALATE_BEFORE_MINUTES = 30
    booking, (_first, first_server), (second, second_server) = prebooked
    assert bookings_due_for_escalation() == [booking.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_escalate_unconfirmed_task.apply().get() == [f"{booking.pk}:escalated"]
    usage_dirty_days_refresh()
    # The reports count the booking at the agency it moved to.
    assert list(DailyBookingUsage.objects.values_list("agency", "bookings")) == [(second.pk, 1)]
    booking.refresh_from_db()
    assert booking.agency == second and booking.escalated_at is not None
    assert [b["status"] for b in first_server.bookings.values()] == ["cancelled"]  # withdrawn
    assert len(second_server.bookings) == 1  # re-dispatched (eagerly) to the next agency
    escalation = [e for e in booking.events.all() if e.detail.get("kind") == "escalated"]
    assert escalation[0].detail == {"kind": "escalated", "from": "alfa", "to": "beta"}
    assert bookings_due_for_escalation() == []  # once


def test_prebooking_far_ahead_is_not_escalated(prebooked, settings):
    settings.BOOKING_ESCALATE_BEFORE_MINUTES = 10
    booking, *_ = prebooked
    assert bookings_due_for_escalation() == []
    assert booking_escalate(booking_id=booking.pk).action == "noop"


def test_prebooking_still_unconfirmed_at_its_time_fails_with_a_reason(prebooked):
    booking, *_ = prebooked
    outcome = booking_escalate(booking_id=booking.pk, now=booking.scheduled_for + dt.timedelta(minutes=1))
    assert outcome.action == "failed"
    booking.refresh_from_db()
    # In the active language (the compiled catalogue translates it): compare with the catalogue.
    assert booking.status == S.FAILED
    assert booking.failure_reason == gettext("No interpreter confirmed by the booked time.")


def test_confirmed_prebooking_is_left_alone(prebooked):
    booking, *_ = prebooked
    InterpreterBooking.objects.filter(pk=booking.pk).update(status=S.CONFIRMED)
    assert bookings_due_for_escalation() == []
    assert booking_escalate(booking_id=booking.pk).action == "noop"


# --- No storm: one live message per booking ----------------------------------------------------


def _dispatch_rows(booking):
    return OutboxMessage.objects.filter(task="interpreters.booking_dispatch_step", args=[booking.pk]).count()


def test_a_booking_whose_dispatch_still_waits_in_the_outbox_is_not_sent_again(visit, agency, settings):
    settings.BOOKING_STUCK_AFTER_SECONDS = 60
    booking = BookingFactory(visit=visit)
    key = f"interpreters.booking_dispatch_step:{booking.pk}"
    outbox_enqueue(task="interpreters.booking_dispatch_step", args=[booking.pk], dedupe_key=key)
    age(booking, 120)
    assert bookings_sweep_stuck().redispatch == []
    assert _dispatch_rows(booking) == 1


def test_repeated_sweeps_during_an_outage_send_one_copy_per_threshold(visit, agency, settings):
    settings.BOOKING_STUCK_AFTER_SECONDS = 60
    booking = BookingFactory(visit=visit)
    age(booking, 120)
    start = timezone.now()
    sent = []
    for step in range(5):  # five sweeps 30 s apart
        OutboxMessage.objects.all().delete()  # as if relayed into a broker that then lost it
        sent.append(bookings_sweep_stuck(now=start + dt.timedelta(seconds=30 * step)).redispatch)
    # Sent at 0 s, then only once more than the threshold has passed since (at 90 s).
    assert sent == [[booking.pk], [], [], [booking.pk], []]


def test_two_sweepers_at_once_send_one_copy(visit, agency, settings):
    settings.BOOKING_STUCK_AFTER_SECONDS = 60
    booking = BookingFactory(visit=visit)
    age(booking, 120)
    now = timezone.now()
    first = bookings_sweep_stuck(now=now)
    second = bookings_sweep_stuck(now=now)
    assert (first.redispatch, second.redispatch) == ([booking.pk], [])
    assert _dispatch_rows(booking) == 1
