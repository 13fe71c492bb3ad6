"""Write actions for interpreter bookings: `from interpreters.services import booking_request, …`."""

from interpreters.services.agency import (
    CallbackRejected,
    DispatchOutcome,
    agency_callback_receive,
    agency_callback_signature,
    agency_callback_verify,
    booking_apply_agency_event,
    booking_cancel_at_agency,
    booking_cost_compute,
    booking_dispatch_step,
    booking_escalate,
    booking_sync_status,
    bookings_due_for_escalation,
    bookings_sweep_stuck,
)
from interpreters.services.bookings import (
    TRANSITIONS,
    StaleBookingError,
    booking_cancel,
    booking_event_record,
    booking_request,
    booking_transition,
)
from interpreters.services.pricing import booking_price_ore, rate_card_for, surcharge_percent

__all__ = [
    "TRANSITIONS",
    "CallbackRejected",
    "DispatchOutcome",
    "StaleBookingError",
    "agency_callback_receive",
    "agency_callback_signature",
    "agency_callback_verify",
    "booking_apply_agency_event",
    "booking_cancel",
    "booking_cancel_at_agency",
    "booking_cost_compute",
    "booking_dispatch_step",
    "booking_escalate",
    "booking_event_record",
    "booking_price_ore",
    "booking_request",
    "booking_sync_status",
    "booking_transition",
    "bookings_due_for_escalation",
    "bookings_sweep_stuck",
    "rate_card_for",
    "surcharge_percent",
]
