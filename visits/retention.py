"""GDPR retention: erase visitors' personal data once the retention period has passed.

What is erased (free text and contact details that can identify a visitor): the visit's name, phone
and note; the language need's and the booking's dialect free text; the booking's connection details
(phone number to call, video link); personal keys in booking events and agency callback payloads;
and any unmasked personal value in the audit log. What stays: everything the reports count (office,
authority, dates, statuses, language, interpreter wanted, outcome, booking status/timestamps,
minutes, cost), so every aggregate is the same before and after.

Runs in batches, each in its own transaction, so a purge of a year's backlog never holds long
locks, and an interrupted run just continues next time (it is idempotent).
"""

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.audit import PERSONAL_FIELDS, REDACTED
from visits.errors import DomainError
from visits.models import LanguageNeed, Visit

# Keys in free-form JSON (booking event detail, agency callback payload) that may carry personal data.
PERSONAL_JSON_MARKERS = ("name", "phone", "url", "link", "email", "note", "connection", "address")


@dataclass
class PurgeResult:
    visits: int = 0
    language_needs: int = 0
    bookings: int = 0
    booking_events: int = 0
    agency_callbacks: int = 0
    log_entries: int = 0

    def __add__(self, other: "PurgeResult") -> "PurgeResult":
        return PurgeResult(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def scrub_json(value: Any) -> tuple[Any, bool]:
    """Replace values under personal-looking keys, at any depth. Returns (new value, changed?)."""
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            if any(marker in str(key).lower() for marker in PERSONAL_JSON_MARKERS) and item not in ("", None, REDACTED):
                out[key] = REDACTED
                changed = True
            else:
                out[key], sub_changed = scrub_json(item)
                changed = changed or sub_changed
        return out, changed
    if isinstance(value, list):
        results = [scrub_json(item) for item in value]
        return [r[0] for r in results], any(r[1] for r in results)
    return value, False


def _scrub_log_entries(*, model_label: str, object_ids: list[int]) -> int:
    """Redact personal values that an audit entry may still hold (e.g. written before masking)."""
    personal = set(PERSONAL_FIELDS[model_label])
    if not personal or not object_ids:
        return 0
    content_type = ContentType.objects.get_for_model(apps.get_model(model_label))
    scrubbed = 0
    entries = LogEntry.objects.filter(content_type=content_type, object_id__in=object_ids).only(
        "pk", "changes", "serialized_data", "changes_text"
    )
    for entry in entries:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        dirty = {
            name: [REDACTED if v not in (None, "", "None") else v for v in pair]
            for name, pair in changes.items()
            if name in personal and isinstance(pair, list) and any(v not in (None, "", "None", REDACTED) for v in pair)
        }
        if dirty or entry.serialized_data or entry.changes_text:
            LogEntry.objects.filter(pk=entry.pk).update(
                changes={**changes, **dirty}, serialized_data=None, changes_text=""
            )
            scrubbed += 1
    return scrubbed


def _purge_batch(*, visit_ids: list[int], now: datetime) -> PurgeResult:
    InterpreterBooking = apps.get_model("interpreters", "InterpreterBooking")
    BookingEvent = apps.get_model("interpreters", "BookingEvent")
    result = PurgeResult()
    with transaction.atomic():
        # Re-check inside the transaction: a concurrent run may have taken these already.
        result.visits = Visit.objects.filter(pk__in=visit_ids, personal_data_erased_at__isnull=True).update(
            visitor_name="", visitor_phone="", note="", personal_data_erased_at=now
        )
        need_ids = list(
            LanguageNeed.objects.filter(visit_id__in=visit_ids).exclude(dialect="").values_list("pk", flat=True)
        )
        result.language_needs = LanguageNeed.objects.filter(pk__in=need_ids).update(dialect="")
        booking_ids = list(InterpreterBooking.objects.filter(visit_id__in=visit_ids).values_list("pk", flat=True))
        result.bookings = InterpreterBooking.objects.filter(pk__in=booking_ids).update(
            dialect="", connection_phone="", connection_url=""
        )
        for event in BookingEvent.objects.filter(booking_id__in=booking_ids).exclude(detail={}).only("pk", "detail"):
            detail, changed = scrub_json(event.detail)
            if changed:
                BookingEvent.objects.filter(pk=event.pk).update(detail=detail)
                result.booking_events += 1
        result.log_entries = (
            _scrub_log_entries(model_label="visits.Visit", object_ids=visit_ids)
            + _scrub_log_entries(model_label="visits.LanguageNeed", object_ids=need_ids)
            + _scrub_log_entries(model_label="interpreters.InterpreterBooking", object_ids=booking_ids)
        )
    return result


def _purge_callbacks(*, cutoff: datetime, batch_size: int) -> int:
    AgencyCallback = apps.get_model("interpreters", "AgencyCallback")
    scrubbed = 0
    # The row (agency, event_id) stays: it is what rejects a replayed delivery.
    for callback in AgencyCallback.objects.filter(received_at__lt=cutoff).exclude(payload={}).iterator(batch_size):
        payload, changed = scrub_json(callback.payload)
        if changed:
            AgencyCallback.objects.filter(pk=callback.pk).update(payload=payload)
            scrubbed += 1
    return scrubbed


def visit_purge_personal_data(
    *, older_than_days: int, now: datetime | None = None, batch_size: int = 1000, dry_run: bool = False
) -> PurgeResult:
    """Erase personal data of visits checked in more than `older_than_days` days ago and stamp
    personal_data_erased_at. Aggregates are untouched. With dry_run, only count the visits."""
    if isinstance(older_than_days, bool) or not isinstance(older_than_days, int) or older_than_days < 1:
        raise DomainError(
            _("The retention period must be a whole number of days, at least 1."), field="older_than_days"
        )
    if batch_size < 1:
        raise DomainError(_("The batch size must be at least 1."), field="batch_size")
    now = now or timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    due = Visit.objects.filter(checked_in_at__lt=cutoff, personal_data_erased_at__isnull=True)
    if dry_run:
        return PurgeResult(visits=due.count())
    total = PurgeResult()
    while True:
        visit_ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not visit_ids:
            break
        total = total + _purge_batch(visit_ids=visit_ids, now=now)
    total.agency_callbacks = _purge_callbacks(cutoff=cutoff, batch_size=batch_size)
    return total
