"""GDPR retention: erase visitors' personal data once the retention period has passed.

What is erased is decided column by column from the models' own _meta, so a column added later is
erased unless someone keeps it here on purpose (issue 14, item 2):

- VISIT_SCOPED lists every model whose rows belong to one visit. In those rows every free-text column
  (CharField/TextField without choices) is emptied and every JSON column is scrubbed down to the keys
  in JSON_KEYS_KEPT, except the columns in KEPT (each with its reason).
- AgencyCallback payloads (not tied to a visit row) are scrubbed the same way once older than the period.
- A requisition under dispute is an open case: its free text stays until the case is decided, then
  goes a retention period after the decision.
- The audit log's personal values are redacted.

What stays: everything the reports count (office, authority, dates, statuses, language, interpreter
wanted, outcome, booking status/timestamps, minutes, cost), so every aggregate is the same before and
after. Runs in batches, each in its own transaction, so a purge of a year's backlog never holds long
locks, and an interrupted run just continues next time (it is idempotent).
"""

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.audit import PERSONAL_FIELDS, REDACTED
from visits.errors import DomainError
from visits.models import LanguageNeed, Visit

# Models whose rows belong to one visit -> the lookup from the model to the visit's id.
VISIT_SCOPED: dict[str, str] = {
    "visits.Visit": "pk",
    "visits.LanguageNeed": "visit_id",
    "visits.VisitOutcome": "visit_id",
    "interpreters.InterpreterBooking": "visit_id",
    "interpreters.BookingEvent": "booking__visit_id",
    "interpreters.Requisition": "booking__visit_id",
}

# Models whose rows belong to one appointment (issue 11) -> the lookup from the model to the
# appointment's id. Purged a retention period after the appointment's date. A booking that moved to
# the visit at check-in is the visit's (VISIT_SCOPED); here only those still held by the appointment.
APPOINTMENT_SCOPED: dict[str, str] = {
    "visits.Appointment": "pk",
    "interpreters.InterpreterBooking": "appointment_id",
    "interpreters.BookingEvent": "booking__appointment_id",
}

# Text and JSON columns of visit-scoped rows that are NOT erased, and why. Choice columns (a value from a
# fixed list) are never erased and need no entry. Anything else is erased.
KEPT: dict[str, dict[str, str]] = {
    "visits.Visit": {"queue_number": "a ticket counter such as F012, the same for everyone"},
    "visits.LanguageNeed": {"language": "a catalogue code; the reports count it"},
    "visits.Appointment": {"language": "a catalogue code, like a language need's"},
    "interpreters.InterpreterBooking": {
        "language": "a catalogue code; the reports count it",
        "interpreter_name": "the interpreter's professional identity, needed for invoices and complaints",
        "agency_reference": "the agency's booking number, needed to match invoices",
        "estimate_rows": "price rows computed by interpreters/services/pricing.py from price lists",
        "cost_rows": "price rows computed by interpreters/services/pricing.py from price lists",
        "cancellation_fee_rows": "price rows computed by interpreters/services/pricing.py from price lists",
    },
    "interpreters.BookingEvent": {"source": "who made the change: user, worker, agency:<slug>"},
    "interpreters.Requisition": {
        "cost_rows": "price rows computed by interpreters/services/pricing.py from price lists",
        "agency_event_id": "the agency's event id, refuses a replayed requisition",
    },
}

# Keys kept in stored JSON (booking event detail, agency callback payload) at any depth: ids, codes,
# numbers and times we or the agency protocol define. Any other key's value is redacted, so a key an
# agency invents (or a free-text message) does not survive the purge.
JSON_KEYS_KEPT = frozenset(
    {
        "agency", "answer_by", "attempt", "booking", "booking_id", "event", "event_id", "fee_ore", "from", "implied",
        "kind", "language", "minutes", "modality", "occurred_at", "reference", "requisition", "retry_in",
        "scheduled_for", "status", "to", "type", "urgent",
    }
)  # fmt: skip

# Requisition statuses that are an open case (awaiting or under dispute): their text stays until the
# office decides, then a retention period more.
OPEN_REQUISITION_STATUSES = ("reported", "disputed")

# Text and JSON columns of the models that are not visit-scoped, and why none holds a visitor's data.
# tests/test_retention_coverage.py fails on any column of the project's models that is in neither this,
# KEPT nor an erased visit-scoped column, so a new column must be classified before it lands.
NOT_VISITOR_DATA: dict[str, dict[str, str]] = {
    # config/outbox: task names with ids and ISO dates as arguments, process heartbeats, counters.
    "outbox.OutboxMessage": {
        f: "a task to send: its name, ids and dates"
        for f in ("task", "args", "kwargs", "dedupe_key", "request_id", "last_error")
    },
    "outbox.Heartbeat": {"name": "a background process's name"},
    "outbox.OpsCounter": {f: "an operational counter (task or agency name)" for f in ("name", "label")},
    "visits.Office": {f: "reference data about an office" for f in ("name", "municipality", "phone")},
    "visits.Authority": {f: "reference data about an authority" for f in ("code", "name")},
    "visits.Language": {
        f: "the language catalogue"
        for f in ("code", "name_sv_override", "name_en_override", "endonym_override", "search_aliases")
    },
    "idempotency.IdempotencyRecord": {
        f: "a replayable answer (may hold a visitor's name), deleted 24 h after it was written (config/idempotency)"
        for f in ("scope", "path", "key", "fingerprint", "response")
    },
    "visits.KioskToken": {f: "a kiosk's name and key hash" for f in ("name", "key_prefix", "key_hash")},
    "interpreters.InterpreterAgency": {
        f: "an agency's configuration" for f in ("name", "slug", "backend_settings", "modalities", "languages")
    },
    "interpreters.PriceList": {"name": "a price list's name"},
    "interpreters.Interpreter": {
        f: "an interpreter's professional record"
        for f in ("name", "languages", "modalities", "phone", "official_number")
    },
    "interpreters.BookingRequirement": {"value": "a requirement's value (code, level or interpreter id)"},
    "interpreters.BookingRating": {"problems": "problem codes from a fixed list"},
    "interpreters.InterpreterBlock": {f: "about an interpreter, not a visitor" for f in ("interpreter", "reason")},
    "interpreters.AgencyQuarantine": {"motivation": "about an agency, not a visitor"},
    "interpreters.Complaint": {
        f: "an open case: erased a retention period after it is closed (_purge_closed_cases)"
        for f in ("message", "agency_answer")
    },
    "interpreters.AgencyCallback": {
        "event_id": "the agency's event id, refuses a replayed delivery",
        "payload": "scrubbed to JSON_KEYS_KEPT once older than the period (_purge_callbacks)",
    },
    "reports.DailyVisitUsage": {"language": "an aggregate per language code"},
    "reports.DailyBookingUsage": {"language": "an aggregate per language code", "modality": "an aggregate key"},
}


@dataclass
class PurgeResult:
    visits: int = 0
    language_needs: int = 0
    bookings: int = 0
    booking_events: int = 0
    agency_callbacks: int = 0
    log_entries: int = 0
    closed_cases: int = 0
    appointments: int = 0

    def __add__(self, other: "PurgeResult") -> "PurgeResult":
        return PurgeResult(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def _empty(value: Any) -> bool:
    return value in ("", None, REDACTED) or value == [] or value == {}


def scrub_json(value: Any) -> tuple[Any, bool]:
    """Keep only the keys in JSON_KEYS_KEPT (at any depth); every other key's value, nested or not,
    becomes REDACTED. A bare value or list outside any kept key is redacted too. Returns (new, changed?)."""
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            if key in JSON_KEYS_KEPT:
                out[key], sub_changed = scrub_json(item) if isinstance(item, dict | list) else (item, False)
            elif _empty(item):
                out[key], sub_changed = item, False
            else:
                out[key], sub_changed = REDACTED, True
            changed = changed or sub_changed
        return out, changed
    if isinstance(value, list):
        results = [scrub_json(item) if isinstance(item, dict | list) else (item, False) for item in value]
        return [r[0] for r in results], any(r[1] for r in results)
    return value, False


def erasable_fields(model: type[models.Model]) -> tuple[list[models.Field], list[models.Field]]:
    """(free-text columns, JSON columns) of a visit-scoped model that the purge erases: every one
    without choices and not in KEPT."""
    kept = KEPT.get(model._meta.label, {})
    text: list[models.Field] = []
    json: list[models.Field] = []
    for field in model._meta.concrete_fields:
        if field.name in kept or field.choices or field.primary_key:
            continue
        if isinstance(field, models.JSONField):
            json.append(field)
        elif isinstance(field, models.CharField | models.TextField):
            text.append(field)
    return text, json


def _erase_rows(queryset: models.QuerySet, *, fields: tuple[str, ...] = ()) -> int:
    """Empty the erasable text columns (or just `fields`) and scrub the JSON ones of every row in
    `queryset`. Returns the number of rows that held something."""
    text, json = erasable_fields(queryset.model)
    if fields:
        meta = queryset.model._meta
        text, json = [meta.get_field(name) for name in fields], []
    touched: set[int] = set()
    if text:
        holding = Q()
        for field in text:
            holding |= ~Q(**{field.name: ""})
        holding_ids = set(queryset.filter(holding).values_list("pk", flat=True))
        if holding_ids:
            queryset.model._default_manager.filter(pk__in=holding_ids).update(**{f.name: "" for f in text})
            touched |= holding_ids
    for field in json:
        for pk, value in queryset.values_list("pk", field.name):
            scrubbed, changed = scrub_json(value) if isinstance(value, dict | list) else (value, False)
            if not isinstance(value, dict | list) and not _empty(value):
                scrubbed, changed = REDACTED, True
            if changed:
                queryset.model._default_manager.filter(pk=pk).update(**{field.name: scrubbed})
                touched.add(pk)
    return len(touched)


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


def _visit_rows(label: str, visit_ids: list[int]) -> models.QuerySet:
    model = apps.get_model(label)
    rows = model._default_manager.filter(**{f"{VISIT_SCOPED[label]}__in": visit_ids})
    if label == "interpreters.Requisition":
        # An open case keeps its text until decided (_purge_closed_cases takes it from there).
        rows = rows.exclude(status__in=OPEN_REQUISITION_STATUSES)
    return rows


def _purge_batch(*, visit_ids: list[int], now: datetime) -> PurgeResult:
    result = PurgeResult()
    with transaction.atomic():
        # Re-check inside the transaction: a concurrent run may have taken these already.
        visit_ids = list(
            Visit.objects.filter(pk__in=visit_ids, personal_data_erased_at__isnull=True).values_list("pk", flat=True)
        )
        if not visit_ids:
            return result
        touched = {label: _erase_rows(_visit_rows(label, visit_ids)) for label in VISIT_SCOPED}
        result.visits = Visit.objects.filter(pk__in=visit_ids).update(personal_data_erased_at=now)
        result.language_needs = touched["visits.LanguageNeed"]
        result.bookings = touched["interpreters.InterpreterBooking"]
        result.booking_events = touched["interpreters.BookingEvent"]
        need_ids = list(LanguageNeed.objects.filter(visit_id__in=visit_ids).values_list("pk", flat=True))
        booking_ids = list(
            apps.get_model("interpreters", "InterpreterBooking")
            .objects.filter(visit_id__in=visit_ids)
            .values_list("pk", flat=True)
        )
        result.log_entries = (
            _scrub_log_entries(model_label="visits.Visit", object_ids=visit_ids)
            + _scrub_log_entries(model_label="visits.LanguageNeed", object_ids=need_ids)
            + _scrub_log_entries(model_label="interpreters.InterpreterBooking", object_ids=booking_ids)
        )
    return result


def _purge_closed_cases(*, cutoff: datetime) -> int:
    """Text of cases decided before the cutoff (disputed requisitions once decided), whatever the
    visit's age: a case can stay open beyond the visit's own period."""
    Requisition = apps.get_model("interpreters", "Requisition")
    closed = Requisition.objects.exclude(status__in=OPEN_REQUISITION_STATUSES).filter(
        Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, created_at__lt=cutoff)
    )
    Complaint = apps.get_model("interpreters", "Complaint")
    closed_complaints = Complaint.objects.filter(closed_at__lt=cutoff)
    return _erase_rows(closed) + _erase_rows(closed_complaints, fields=("message", "agency_answer"))


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


def _purge_appointments(*, cutoff: datetime, now: datetime, batch_size: int) -> int:
    """Erase the visitor details of appointments dated before the cutoff (and of the bookings and
    booking events they still hold), in batches; stamps personal_data_erased_at. Returns how many."""
    Appointment = apps.get_model("visits", "Appointment")
    due = Appointment.objects.filter(service_date__lt=timezone.localdate(cutoff), personal_data_erased_at__isnull=True)
    done = 0
    while True:
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        with transaction.atomic():
            # Re-checked in the transaction: a concurrent run may have taken these already.
            ids = list(
                Appointment.objects.filter(pk__in=ids, personal_data_erased_at__isnull=True).values_list(
                    "pk", flat=True
                )
            )
            for label, lookup in APPOINTMENT_SCOPED.items():
                rows = apps.get_model(label)._default_manager.filter(**{f"{lookup}__in": ids})
                if label != "visits.Appointment":
                    rows = rows.filter(**{lookup.replace("appointment_id", "visit_id") + "__isnull": True})
                _erase_rows(rows)
            booking_ids = list(
                apps.get_model("interpreters", "InterpreterBooking")
                .objects.filter(appointment_id__in=ids, visit__isnull=True)
                .values_list("pk", flat=True)
            )
            _scrub_log_entries(model_label="visits.Appointment", object_ids=ids)
            _scrub_log_entries(model_label="interpreters.InterpreterBooking", object_ids=booking_ids)
            done += Appointment.objects.filter(pk__in=ids).update(personal_data_erased_at=now)


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
        appointments = apps.get_model("visits", "Appointment").objects.filter(
            service_date__lt=timezone.localdate(cutoff), personal_data_erased_at__isnull=True
        )
        return PurgeResult(visits=due.count(), appointments=appointments.count())
    total = PurgeResult()
    while True:
        visit_ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not visit_ids:
            break
        total = total + _purge_batch(visit_ids=visit_ids, now=now)
    total.agency_callbacks = _purge_callbacks(cutoff=cutoff, batch_size=batch_size)
    total.closed_cases = _purge_closed_cases(cutoff=cutoff)
    total.appointments = _purge_appointments(cutoff=cutoff, now=now, batch_size=batch_size)
    return total
