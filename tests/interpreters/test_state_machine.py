import datetime as dt
import itertools

import pytest
from django.utils import timezone

from interpreters.models import BookingEvent, BookingStatus, InterpreterBooking
from interpreters.services import TRANSITIONS, StaleBookingError, booking_transition
from tests.interpreters.factories import BookingFactory
from visits.errors import DomainError

S = BookingStatus
LEGAL = [
    (S.REQUESTED, S.PENDING, "pending_at"),
    (S.REQUESTED, S.CANCELLED, "cancelled_at"),
    (S.REQUESTED, S.FAILED, "failed_at"),
    (S.PENDING, S.CONFIRMED, "confirmed_at"),
    (S.PENDING, S.CANCELLED, "cancelled_at"),
    (S.PENDING, S.FAILED, "failed_at"),
    (S.CONFIRMED, S.IN_PROGRESS, "started_at"),
    (S.CONFIRMED, S.CANCELLED, "cancelled_at"),
    (S.CONFIRMED, S.NO_SHOW, "ended_at"),
    (S.CONFIRMED, S.FAILED, "failed_at"),
    (S.IN_PROGRESS, S.COMPLETED, "ended_at"),
]
ILLEGAL = [
    (src, dst) for src, dst in itertools.product(S.values, S.values) if (src, dst) not in {(a, b) for a, b, _ in LEGAL}
]


def test_the_table_in_the_code_is_the_table_in_the_test():
    assert {(a, b) for a, moves in TRANSITIONS.items() for b in moves} == {(a, b) for a, b, _ in LEGAL}


@pytest.mark.parametrize(("src", "dst", "stamp"), LEGAL)
def test_legal_transition_sets_status_timestamp_and_writes_event(db, officer, src, dst, stamp):
    booking = BookingFactory(status=src)
    at = timezone.now() + dt.timedelta(minutes=3)
    result = booking_transition(
        booking=booking, to_status=dst, source="test", actor=officer, detail={"why": "because"}, now=at
    )
    stored = InterpreterBooking.objects.get(pk=booking.pk)
    assert stored.status == dst == result.status == booking.status
    assert getattr(stored, stamp) == at
    event = BookingEvent.objects.get(booking=booking)
    assert (event.from_status, event.to_status, event.source, event.actor, event.at) == (src, dst, "test", officer, at)
    assert event.detail == {"why": "because"}


@pytest.mark.parametrize(("src", "dst"), ILLEGAL)
def test_illegal_transition_is_refused_and_writes_nothing(db, src, dst):
    booking = BookingFactory(status=src)
    with pytest.raises(DomainError) as err:
        booking_transition(booking=booking, to_status=dst, source="test")
    assert err.value.field == "status"
    booking.refresh_from_db()
    assert booking.status == src
    assert not BookingEvent.objects.exists()


def test_conditional_transition_refuses_when_someone_else_moved_first(db):
    booking = BookingFactory(status=S.REQUESTED)
    stale_copy = InterpreterBooking.objects.get(pk=booking.pk)
    booking_transition(booking=booking, to_status=S.PENDING, source="worker-1", expected_from={S.REQUESTED})
    with pytest.raises(StaleBookingError):
        booking_transition(booking=stale_copy, to_status=S.PENDING, source="worker-2", expected_from={S.REQUESTED})
    assert BookingEvent.objects.filter(booking=booking).count() == 1


def test_transition_uses_the_stored_status_not_the_callers_copy(db):
    booking = BookingFactory(status=S.REQUESTED)
    stale_copy = InterpreterBooking.objects.get(pk=booking.pk)
    booking_transition(booking=booking, to_status=S.CANCELLED, source="officer")
    # The stale copy still says "requested", but the row is cancelled: requested -> pending is refused.
    with pytest.raises(DomainError):
        booking_transition(booking=stale_copy, to_status=S.PENDING, source="worker")
    assert InterpreterBooking.objects.get(pk=booking.pk).status == S.CANCELLED


def test_changes_are_written_with_the_move(db):
    booking = BookingFactory(status=S.PENDING)
    booking_transition(
        booking=booking,
        to_status=S.CONFIRMED,
        source="agency:x",
        changes={"connection_phone": "+46101234567", "interpreter_name": "Amal H."},
    )
    stored = InterpreterBooking.objects.get(pk=booking.pk)
    assert str(stored.connection_phone) == "+46101234567"
    assert stored.interpreter_name == "Amal H."
