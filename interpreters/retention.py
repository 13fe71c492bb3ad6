"""The interpreters app's part of the GDPR retention purge (the machinery is visits/retention.py).

Registered from InterpretersConfig.ready(): visits never imports this app, so the bookings' personal
fields are classified and erased here. A requisition under dispute is an open case: its free text stays
until the case is decided, then goes a retention period after the decision. Agency callback payloads
(not tied to a visit row) are scrubbed once older than the period.
"""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from interpreters.models import (
    AgencyCallback,
    AgencyDirectLine,
    AgencyQuarantine,
    BookingEvent,
    BookingRating,
    BookingRequirement,
    Complaint,
    Interpreter,
    InterpreterAgency,
    InterpreterBlock,
    InterpreterBooking,
    Notification,
    NotificationPreference,
    PriceList,
    Requisition,
    RequisitionStatus,
)
from visits.retention import (
    PurgeCounts,
    appointment_rows,
    erase_rows,
    retention_classify,
    retention_register,
    scrub_json,
    scrub_log_entries,
    visit_rows,
)

# Requisition statuses that are an open case (awaiting or under dispute): their text stays until the
# office decides, then a retention period more.
OPEN_REQUISITION_STATUSES = (RequisitionStatus.REPORTED, RequisitionStatus.DISPUTED)

PRICE_ROWS = "price rows computed by interpreters/services/pricing.py from price lists"


def _classify() -> None:
    retention_classify(
        InterpreterBooking,
        visit_lookup="visit_id",
        appointment_lookup="appointment",
        kept={
            "language": "a catalogue code; the reports count it",
            "interpreter_name": "the interpreter's professional identity, needed for invoices and complaints",
            "agency_reference": "the agency's booking number, needed to match invoices",
            "external_order_number": "the order's number in the ordering service, needed to match invoices",
            "external_agency_name": "the name of an agency outside tolkdesk, not a visitor's data",
            "estimate_rows": PRICE_ROWS,
            "cost_rows": PRICE_ROWS,
            "cancellation_fee_rows": PRICE_ROWS,
        },
    )
    retention_classify(
        BookingEvent,
        visit_lookup="booking__visit_id",
        appointment_lookup="booking__appointment",
        kept={"source": "who made the change: user, worker, agency:<slug>"},
    )
    retention_classify(
        Requisition,
        visit_lookup="booking__visit_id",
        kept={"cost_rows": PRICE_ROWS, "agency_event_id": "the agency's event id, refuses a replayed requisition"},
    )
    retention_classify(
        InterpreterAgency,
        not_visitor_data={
            f: "an agency's configuration" for f in ("name", "slug", "backend_settings", "modalities", "languages")
        },
    )
    retention_classify(PriceList, not_visitor_data={"name": "a price list's name"})
    retention_classify(
        Interpreter,
        not_visitor_data={
            f: "an interpreter's professional record"
            for f in ("name", "languages", "modalities", "phone", "official_number")
        },
    )
    retention_classify(
        BookingRequirement, not_visitor_data={"value": "a requirement's value (code, level or interpreter id)"}
    )
    retention_classify(BookingRating, not_visitor_data={"problems": "problem codes from a fixed list"})
    retention_classify(
        InterpreterBlock, not_visitor_data={f: "about an interpreter, not a visitor" for f in ("interpreter", "reason")}
    )
    retention_classify(AgencyQuarantine, not_visitor_data={"motivation": "about an agency, not a visitor"})
    retention_classify(
        Complaint,
        not_visitor_data={
            f: "an open case: erased a retention period after it is closed (_purge_aged)"
            for f in ("message", "agency_answer")
        },
    )
    retention_classify(
        AgencyDirectLine,
        not_visitor_data={f: "an agency's direct line" for f in ("language", "phone", "opening_hours")},
    )
    retention_classify(NotificationPreference, not_visitor_data={"events": "event codes a staff member chose"})
    retention_classify(
        Notification,
        not_visitor_data={
            "reason": "why a staff member was notified (a code)",
            "dedupe_key": "event code and ids",
            "language": "the staff member's language code",
            "skip_reason": "a code",
            "last_error": "the mail server's error; the e-mail's text is never stored",
        },
    )
    retention_classify(
        AgencyCallback,
        not_visitor_data={
            "event_id": "the agency's event id, refuses a replayed delivery",
            "payload": "scrubbed to JSON_KEYS_KEPT once older than the period (_purge_aged)",
        },
    )


def _purge_visits(visit_ids: list[int]) -> PurgeCounts:
    """Bookings, their events and decided requisitions of the visits `visit_ids`, and the bookings'
    audit entries. Runs inside the batch's transaction (visits/retention.py:_purge_batch)."""
    bookings = erase_rows(visit_rows(InterpreterBooking, visit_ids))
    booking_events = erase_rows(visit_rows(BookingEvent, visit_ids))
    # An open case keeps its text until decided (_purge_aged takes it from there).
    erase_rows(visit_rows(Requisition, visit_ids).exclude(status__in=OPEN_REQUISITION_STATUSES))
    booking_ids = list(InterpreterBooking.objects.filter(visit_id__in=visit_ids).values_list("pk", flat=True))
    log_entries = scrub_log_entries(model=InterpreterBooking, object_ids=booking_ids)
    return {"bookings": bookings, "booking_events": booking_events, "log_entries": log_entries}


def _purge_closed_cases(*, cutoff: datetime) -> int:
    """Text of cases decided before the cutoff (disputed requisitions once decided, closed complaints),
    whatever the visit's age: a case can stay open beyond the visit's own period."""
    closed = Requisition.objects.exclude(status__in=OPEN_REQUISITION_STATUSES).filter(
        Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, created_at__lt=cutoff)
    )
    closed_complaints = Complaint.objects.filter(closed_at__lt=cutoff)
    return erase_rows(closed) + erase_rows(closed_complaints, fields=("message", "agency_answer"))


def _purge_callbacks(*, cutoff: datetime, batch_size: int) -> int:
    scrubbed = 0
    # The row (agency, event_id) stays: it is what rejects a replayed delivery.
    for callback in AgencyCallback.objects.filter(received_at__lt=cutoff).exclude(payload={}).iterator(batch_size):
        payload, changed = scrub_json(callback.payload)
        if changed:
            AgencyCallback.objects.filter(pk=callback.pk).update(payload=payload)
            scrubbed += 1
    return scrubbed


def _purge_appointment_bookings(*, cutoff: datetime) -> tuple[int, int]:
    """Pre-bookings still held by an appointment dated before the cutoff's day (never checked in: a
    no-show, a cancellation), and their events. Idempotent: only rows still holding text are written."""
    before = timezone.localdate(cutoff)
    bookings = appointment_rows(InterpreterBooking, before=before).filter(visit__isnull=True)
    events = appointment_rows(BookingEvent, before=before).filter(booking__visit__isnull=True)
    touched = erase_rows(bookings)
    scrub_log_entries(model=InterpreterBooking, object_ids=list(bookings.values_list("pk", flat=True)))
    return touched, erase_rows(events)


def _purge_aged(cutoff: datetime, batch_size: int) -> PurgeCounts:
    bookings, booking_events = _purge_appointment_bookings(cutoff=cutoff)
    return {
        "bookings": bookings,
        "booking_events": booking_events,
        "agency_callbacks": _purge_callbacks(cutoff=cutoff, batch_size=batch_size),
        "closed_cases": _purge_closed_cases(cutoff=cutoff),
    }


def register_interpreters_retention() -> None:
    """Called from InterpretersConfig.ready()."""
    _classify()
    retention_register(name="interpreters", purge_visits=_purge_visits, purge_aged=_purge_aged)
