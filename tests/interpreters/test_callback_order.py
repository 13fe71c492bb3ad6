"""Agency callbacks arriving out of order converge: events are applied by their own time
(`occurred_at`), so every arrival order ends in the same booking state."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from interpreters.backends import AgencyEvent
from interpreters.models import BookingStatus, InterpreterBooking
from interpreters.services import agency_callback_receive
from tests.interpreters.factories import AgencyFactory, BookingFactory
from visits.errors import DomainError

S = BookingStatus
FIELDS = (
    "status",
    "confirmed_at",
    "started_at",
    "ended_at",
    "cancelled_at",
    "minutes_used",
    "interpreter_name",
    "connection_phone",
    "cancel_reason",
    "failure_reason",
    "cancellation_fee_ore",
)


@pytest.fixture
def t0():
    return timezone.now() - dt.timedelta(hours=1)


def make_events(t0):
    return {
        "confirmed": AgencyEvent(
            type="confirmed",
            reference="R-1",
            interpreter_name="Nour A.",
            connection_phone="+46101234567",
            occurred_at=t0 + dt.timedelta(minutes=1),
        ),
        "started": AgencyEvent(type="started", reference="R-1", occurred_at=t0 + dt.timedelta(minutes=5)),
        "ended": AgencyEvent(type="ended", reference="R-1", minutes=23, occurred_at=t0 + dt.timedelta(minutes=28)),
    }


def deliver(booking, name, event):
    try:
        agency_callback_receive(
            agency=booking.agency,
            event_id=f"{name}-{booking.pk}",
            booking_key=str(booking.idempotency_key),
            event=event,
            payload={"type": event.type},
        )
    except DomainError:
        pass  # refused (409 on the webhook): the booking is unchanged


def state(booking):
    booking = InterpreterBooking.objects.get(pk=booking.pk)
    return {name: getattr(booking, name) for name in FIELDS}


def run(order, events, start_status):
    agency = AgencyFactory(slug=f"a{AgencyFactory._meta.model.objects.count()}")
    booking = BookingFactory(agency=agency, status=start_status, agency_reference="R-1", modality="phone")
    for name in order:
        deliver(booking, name, events[name])
    return state(booking)


def test_every_order_of_confirmed_started_ended_ends_completed_with_the_same_details(db, t0):
    events = make_events(t0)
    results = {order: run(order, events, S.PENDING) for order in itertools.permutations(events)}
    in_order = results[("confirmed", "started", "ended")]
    assert in_order["status"] == S.COMPLETED
    assert (in_order["confirmed_at"], in_order["started_at"], in_order["ended_at"]) == (
        events["confirmed"].occurred_at,
        events["started"].occurred_at,
        events["ended"].occurred_at,
    )
    assert in_order["minutes_used"] == 23 and in_order["interpreter_name"] == "Nour A."
    for order, result in results.items():
        assert result == in_order, order


@pytest.mark.parametrize("cancel_first_in_time", [True, False])
def test_every_order_of_cancelled_and_started_ends_in_the_same_state(db, t0, cancel_first_in_time):
    cancelled_at = t0 + dt.timedelta(minutes=3 if cancel_first_in_time else 9)
    events = {
        "cancelled": AgencyEvent(type="cancelled", reference="R-1", occurred_at=cancelled_at),
        "started": AgencyEvent(type="started", reference="R-1", occurred_at=t0 + dt.timedelta(minutes=6)),
    }
    results = {order: run(order, events, S.CONFIRMED) for order in itertools.permutations(events)}
    first, second = results.values()
    assert first == second
    if cancel_first_in_time:
        # The agency withdrew before the call began: cancelled, no fee, the start void.
        assert first["status"] == S.CANCELLED and first["started_at"] is None
        assert first["cancelled_at"] == cancelled_at and first["cancellation_fee_ore"] == 0
    else:
        # The call began before the agency's cancellation: the call is on.
        assert first["status"] == S.IN_PROGRESS and first["cancelled_at"] is None
        assert first["started_at"] == events["started"].occurred_at


def test_an_event_without_its_own_time_is_applied_at_arrival(db):
    agency = AgencyFactory(slug="plain")
    booking = BookingFactory(agency=agency, status=S.PENDING, agency_reference="R-1")
    before = timezone.now()
    deliver(booking, "confirmed", AgencyEvent(type="confirmed", reference="R-1"))
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED and booking.confirmed_at >= before


def test_an_agency_clock_running_ahead_never_stamps_the_future(db):
    agency = AgencyFactory(slug="fast-clock")
    booking = BookingFactory(agency=agency, status=S.PENDING, agency_reference="R-1")
    event = AgencyEvent(type="confirmed", reference="R-1", occurred_at=timezone.now() + dt.timedelta(hours=2))
    deliver(booking, "confirmed", event)
    booking.refresh_from_db()
    assert booking.confirmed_at <= timezone.now()
