"""GDPR retention for the interpreters app: the personal fields of bookings, their events and the
agency callbacks. Registered with visits.retention (interpreters/apps.py), which calls
``bookings_purge_personal_data`` inside each batch's transaction, with the visits' purge."""

from datetime import datetime

from interpreters.models import AgencyCallback, BookingEvent, InterpreterBooking
from visits.retention import log_entries_scrub, scrub_json


def bookings_purge_personal_data(*, visit_ids: list[int], now: datetime) -> dict[str, int]:
    """Erase the dialect free text and connection details of these visits' bookings, and personal
    keys in their events. Runs in the caller's transaction."""
    booking_ids = list(InterpreterBooking.objects.filter(visit_id__in=visit_ids).values_list("pk", flat=True))
    bookings = InterpreterBooking.objects.filter(pk__in=booking_ids).update(
        dialect="", connection_phone="", connection_url=""
    )
    events = 0
    for event in BookingEvent.objects.filter(booking_id__in=booking_ids).exclude(detail={}).only("pk", "detail"):
        detail, changed = scrub_json(event.detail)
        if changed:
            BookingEvent.objects.filter(pk=event.pk).update(detail=detail)
            events += 1
    log_entries = log_entries_scrub(model=InterpreterBooking, object_ids=booking_ids)
    return {"bookings": bookings, "booking_events": events, "log_entries": log_entries}


def agency_callbacks_purge_personal_data(*, cutoff: datetime, batch_size: int) -> dict[str, int]:
    """Personal keys in agency callback payloads received before the cutoff."""
    scrubbed = 0
    # The row (agency, event_id) stays: it is what rejects a replayed delivery.
    for callback in AgencyCallback.objects.filter(received_at__lt=cutoff).exclude(payload={}).iterator(batch_size):
        payload, changed = scrub_json(callback.payload)
        if changed:
            AgencyCallback.objects.filter(pk=callback.pk).update(payload=payload)
            scrubbed += 1
    return {"agency_callbacks": scrubbed}
