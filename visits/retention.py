"""GDPR retention: erase visitors' personal data once the retention period has passed.

What is erased is decided column by column from the models' own _meta, so a column added later is
erased unless someone keeps it on purpose (issue 14, item 2). Each app classifies its own models
(`retention_classify`) and purges its own personal fields (`retention_register`) from its
AppConfig.ready(); this module knows only the visits app's models and the shared ones under config/
(visits never imports interpreters: interpreters/retention.py holds the bookings' part, including
agency callback payloads and decided cases).

- Visit-scoped rows: every free-text column is emptied and every JSON column is scrubbed down to the
  keys in JSON_KEYS_KEPT, except the columns in KEPT (each with its reason).
- The audit log's personal values are redacted.

What stays: everything the reports count (office, authority, dates, statuses, language, interpreter
wanted, outcome, booking status/timestamps, minutes, cost), so every aggregate is the same before and
after. Runs in batches, each in one transaction across every app's step, so a purge of a year's
backlog never holds long locks, and an interrupted run just continues next time (it is idempotent).
"""

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.idempotency.models import IdempotencyRecord
from config.login_lockout import login_records_purge
from config.outbox.models import Heartbeat, OpsCounter, OutboxMessage
from visits.audit import PERSONAL_FIELDS, REDACTED
from visits.errors import DomainError
from visits.models import Appointment, Authority, KioskToken, Language, LanguageNeed, Office, Visit, VisitOutcome

# The classification of every text and JSON column, by model label. Each app fills in its own models
# from its AppConfig.ready() with `retention_classify` (visits knows no other app's models):
# - VISIT_SCOPED: models whose rows belong to one visit -> the lookup from the model to the visit's id.
#   In those rows every free-text column (CharField/TextField without choices) is emptied and every JSON
#   column is scrubbed down to the keys in JSON_KEYS_KEPT, except the columns in KEPT.
# - KEPT: text and JSON columns of visit-scoped rows that are NOT erased, and why. Choice columns (a
#   value from a fixed list) are never erased and need no entry. Anything else is erased.
# - NOT_VISITOR_DATA: text and JSON columns of models that are not visit-scoped, and why none holds a
#   visitor's data. tests/test_retention_coverage.py fails on any column of the project's models that
#   is in neither this, KEPT nor an erased visit-scoped column, so a new column is classified before it lands.
VISIT_SCOPED: dict[str, str] = {}
# - APPOINTMENT_SCOPED (issue 11): models whose rows belong to one appointment -> the path from the
#   model to the appointment ("" for the appointment itself). Erased like visit-scoped rows, a
#   retention period after the appointment's date. A booking that moved to its visit at check-in is
#   the visit's; only rows an appointment still holds are erased through it.
APPOINTMENT_SCOPED: dict[str, str] = {}
KEPT: dict[str, dict[str, str]] = {}
NOT_VISITOR_DATA: dict[str, dict[str, str]] = {}

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

# What one app's purge step erased, by PurgeResult field ("bookings": 3, "log_entries": 5).
PurgeCounts = dict[str, int]


@dataclass(frozen=True)
class RetentionPart:
    """One app's share of the purge, registered with `retention_register` from its AppConfig.ready().

    `purge_visits(visit_ids)` erases the app's personal fields of those visits' rows; it runs inside
    the batch's transaction, together with every other app's step and the visits' erased-at stamp, so
    a batch is erased everywhere or nowhere. `purge_aged(cutoff, batch_size)` (optional) erases what is
    not tied to a visit batch (agency callbacks, closed cases) once older than the cutoff."""

    name: str
    purge_visits: Callable[[list[int]], PurgeCounts]
    purge_aged: Callable[[datetime, int], PurgeCounts] | None = None


_PARTS: dict[str, RetentionPart] = {}


def retention_register(
    *,
    name: str,
    purge_visits: Callable[[list[int]], PurgeCounts],
    purge_aged: Callable[[datetime, int], PurgeCounts] | None = None,
) -> None:
    """Add an app's purge step (registering the same name again replaces it, so ready() may run twice)."""
    _PARTS[name] = RetentionPart(name=name, purge_visits=purge_visits, purge_aged=purge_aged)


def retention_classify(
    model: type[models.Model],
    *,
    visit_lookup: str | None = None,
    appointment_lookup: str | None = None,
    kept: dict[str, str] | None = None,
    not_visitor_data: dict[str, str] | None = None,
) -> None:
    """Classify `model`'s text and JSON columns (see VISIT_SCOPED, KEPT, NOT_VISITOR_DATA above).
    With `visit_lookup` the model is visit-scoped: its erasable columns are erased with the visit."""
    label = model._meta.label
    if visit_lookup is not None:
        VISIT_SCOPED[label] = visit_lookup
    if appointment_lookup is not None:
        APPOINTMENT_SCOPED[label] = appointment_lookup
    if kept:
        KEPT[label] = dict(kept)
    if not_visitor_data:
        NOT_VISITOR_DATA[label] = dict(not_visitor_data)


def _classify_visits_and_config() -> None:
    """The visits app's own models, and the shared apps under config/ (which sit below visits)."""
    retention_classify(
        Visit, visit_lookup="pk", kept={"queue_number": "a ticket counter such as F012, the same for everyone"}
    )
    retention_classify(
        LanguageNeed, visit_lookup="visit_id", kept={"language": "a catalogue code; the reports count it"}
    )
    retention_classify(VisitOutcome, visit_lookup="visit_id")
    retention_classify(
        Appointment, appointment_lookup="", kept={"language": "a catalogue code, like a language need's"}
    )
    retention_classify(
        Office,
        not_visitor_data={f: "reference data about an office" for f in ("name", "municipality", "phone", "address")},
    )
    retention_classify(Authority, not_visitor_data={f: "reference data about an authority" for f in ("code", "name")})
    retention_classify(
        Language,
        not_visitor_data={
            f: "the language catalogue"
            for f in ("code", "name_sv_override", "name_en_override", "endonym_override", "search_aliases")
        },
    )
    retention_classify(
        KioskToken, not_visitor_data={f: "a kiosk's name and key hash" for f in ("name", "key_prefix", "key_hash")}
    )
    # config/outbox: task names with ids and ISO dates as arguments, process heartbeats, counters.
    retention_classify(
        OutboxMessage,
        not_visitor_data={
            f: "a task to send: its name, ids and dates"
            for f in ("task", "args", "kwargs", "dedupe_key", "request_id", "last_error")
        },
    )
    retention_classify(Heartbeat, not_visitor_data={"name": "a background process's name"})
    retention_classify(
        OpsCounter, not_visitor_data={f: "an operational counter (task or agency name)" for f in ("name", "label")}
    )
    retention_classify(
        IdempotencyRecord,
        not_visitor_data={
            f: "a replayable answer (may hold a visitor's name), deleted 24 h after it was written (config/idempotency)"
            for f in ("scope", "path", "key", "fingerprint", "response")
        },
    )


def register_visits_retention() -> None:
    """Called from VisitsConfig.ready(): the visits app's classification and purge step."""
    _classify_visits_and_config()
    retention_register(name="visits", purge_visits=_purge_visits_rows, purge_aged=_purge_aged)


def _purge_aged(cutoff: datetime, batch_size: int) -> PurgeCounts:
    return {**_purge_appointments(cutoff, batch_size), **_purge_sign_in_records(cutoff, batch_size)}


def _purge_sign_in_records(cutoff: datetime, batch_size: int) -> PurgeCounts:
    """Staff sign-in records (django-axes: usernames, client addresses, user agents) older than the
    period (config/login_lockout.py)."""
    return {"login_records": login_records_purge(cutoff=cutoff)}


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
    login_records: int = 0

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


def erase_rows(queryset: models.QuerySet, *, fields: tuple[str, ...] = ()) -> int:
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


def scrub_log_entries(*, model: type[models.Model], object_ids: list[int]) -> int:
    """Redact personal values that an audit entry about `model`'s rows may still hold (e.g. written
    before masking)."""
    personal = set(PERSONAL_FIELDS.get(model._meta.label, ()))
    if not personal or not object_ids:
        return 0
    content_type = ContentType.objects.get_for_model(model)
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


def visit_rows(model: type[models.Model], visit_ids: list[int]) -> models.QuerySet:
    """The rows of a visit-scoped `model` that belong to the visits `visit_ids`."""
    return model._default_manager.filter(**{f"{VISIT_SCOPED[model._meta.label]}__in": visit_ids})


def appointment_rows(model: type[models.Model], *, before: date) -> models.QuerySet:
    """The rows of an appointment-scoped `model` held by appointments dated before `before`."""
    path = APPOINTMENT_SCOPED[model._meta.label]
    return model._default_manager.filter(**{f"{path}__service_date__lt" if path else "service_date__lt": before})


def _purge_appointments(cutoff: datetime, batch_size: int) -> PurgeCounts:
    """The visitor details of appointments dated before the cutoff's day, in batches of one
    transaction each; stamps personal_data_erased_at (idempotent: a stamped one is not taken again).
    The interpreters app erases the bookings those appointments still hold (interpreters/retention.py)."""
    due = appointment_rows(Appointment, before=timezone.localdate(cutoff)).filter(personal_data_erased_at__isnull=True)
    done = 0
    now = timezone.now()
    while True:
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return {"appointments": done}
        with transaction.atomic():
            # Re-checked in the transaction: a concurrent run may have taken these already.
            rows = Appointment.objects.filter(pk__in=ids, personal_data_erased_at__isnull=True)
            ids = list(rows.values_list("pk", flat=True))
            erase_rows(Appointment.objects.filter(pk__in=ids))
            scrub_log_entries(model=Appointment, object_ids=ids)
            # The reminder consent went with the contact it was given for (the channel is a choice
            # column, which erase_rows keeps). What happened to the reminder (status, sent at) stays.
            done += Appointment.objects.filter(pk__in=ids).update(
                personal_data_erased_at=now, reminder_consent=False, reminder_channel="", reminder_consent_at=None
            )


def _purge_visits_rows(visit_ids: list[int]) -> PurgeCounts:
    """The visits app's step: visit, language need and outcome texts, and their audit entries."""
    erase_rows(visit_rows(Visit, visit_ids))
    language_needs = erase_rows(visit_rows(LanguageNeed, visit_ids))
    erase_rows(visit_rows(VisitOutcome, visit_ids))
    need_ids = list(LanguageNeed.objects.filter(visit_id__in=visit_ids).values_list("pk", flat=True))
    log_entries = scrub_log_entries(model=Visit, object_ids=visit_ids) + scrub_log_entries(
        model=LanguageNeed, object_ids=need_ids
    )
    return {"language_needs": language_needs, "log_entries": log_entries}


def _add(result: PurgeResult, counts: PurgeCounts) -> None:
    for name, count in counts.items():
        setattr(result, name, getattr(result, name) + count)


def _purge_batch(*, visit_ids: list[int], now: datetime) -> PurgeResult:
    result = PurgeResult()
    with transaction.atomic():
        # Re-check inside the transaction: a concurrent run may have taken these already.
        visit_ids = list(
            Visit.objects.filter(pk__in=visit_ids, personal_data_erased_at__isnull=True).values_list("pk", flat=True)
        )
        if not visit_ids:
            return result
        # Every app's step in this one transaction: a batch is erased everywhere, stamped, or not at all.
        for part in _PARTS.values():
            _add(result, part.purge_visits(visit_ids))
        result.visits = Visit.objects.filter(pk__in=visit_ids).update(personal_data_erased_at=now)
    return result


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
        appointments = appointment_rows(Appointment, before=timezone.localdate(cutoff))
        return PurgeResult(
            visits=due.count(), appointments=appointments.filter(personal_data_erased_at__isnull=True).count()
        )
    total = PurgeResult()
    while True:
        visit_ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not visit_ids:
            break
        total = total + _purge_batch(visit_ids=visit_ids, now=now)
    for part in _PARTS.values():
        if part.purge_aged is not None:
            _add(total, part.purge_aged(cutoff, batch_size))
    return total
