"""The audit trail: who created or changed a visit, language need, booking or outcome, and who READ a
visitor's personal details, when, and at which office.

Changes are logged by django-auditlog (models registered below). Personal values never enter the
log: those fields are masked by `redact`, so an entry shows that the phone number changed, not the
number; erasing them (visits.retention) therefore leaves nothing behind in the log either. Reads are
logged by `audit_visit_read` as auditlog ACCESS entries, so admins search one log in Django admin.
"""

import hashlib
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet

from visits.models import Appointment, LanguageNeed, Visit, VisitOutcome

REDACTED = "[redacted]"

# What a visit read reveals (the fields the read log names; their values are never logged).
VISIT_PERSONAL_FIELDS = ["visitor_name", "visitor_phone", "note"]
# An appointment's visitor contact and dialect (issue 11): audited like a visit's.
APPOINTMENT_PERSONAL_FIELDS = ["visitor_name", "visitor_phone", "visitor_email", "dialect"]

# Personal data per audited model (by model label): masked in every log entry, erased by the
# retention purge. Filled by `audit_register`: the visits app's own models from
# `register_audited_models`, every other app's from its AppConfig.ready() (interpreters/apps.py does
# so for bookings). _AUDITED_MODELS holds the classes, so nothing here looks a model up by its label.
PERSONAL_FIELDS: dict[str, list[str]] = {}
_AUDITED_MODELS: dict[str, type[Model]] = {}


def redact(value: Any) -> str:
    """auditlog mask callable: the whole value goes, not half of it (auditlog's default)."""
    return REDACTED


def audit_register(model: type[Model], *, personal_fields: list[str]) -> None:
    """Log every create/change/delete of `model`, with `personal_fields` masked (and erased from the
    log by the retention purge). A model with a ``visit`` foreign key shows in the visit's log."""
    PERSONAL_FIELDS[model._meta.label] = list(personal_fields)
    _AUDITED_MODELS[model._meta.label] = model
    if auditlog.contains(model):
        return
    # Reverse relations (a visit's need, outcome, bookings) are not the row's own data: left in,
    # auditlog would query each of them on every save to diff them. The office goes into the entry
    # when it is created (auditlog calls ``get_additional_data``), not by an UPDATE afterwards.
    reverse = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    auditlog.register(model, mask_fields=list(personal_fields), exclude_fields=["updated_at", *reverse])
    model.get_additional_data = _office_stamp  # type: ignore[attr-defined]


def register_audited_models() -> None:
    """Called from VisitsConfig.ready(): the visits app's own audited models."""
    audit_register(Visit, personal_fields=VISIT_PERSONAL_FIELDS)
    audit_register(LanguageNeed, personal_fields=["dialect"])
    audit_register(VisitOutcome, personal_fields=[])
    audit_register(Appointment, personal_fields=APPOINTMENT_PERSONAL_FIELDS)


def _office_id_for(instance: Any) -> int | None:
    if isinstance(instance, Visit | Appointment):
        return instance.office_id
    visit_id = getattr(instance, "visit_id", None)
    if visit_id is None:
        # A pre-booking belongs to an appointment until check-in.
        appointment_id = getattr(instance, "appointment_id", None)
        if appointment_id is None:
            return None
        return Appointment.objects.filter(pk=appointment_id).values_list("office_id", flat=True).first()
    # Usually cached: services create needs, outcomes and bookings from a loaded visit.
    cached = instance._state.fields_cache.get("visit")
    if cached is not None:
        return cached.office_id
    return Visit.objects.filter(pk=visit_id).values_list("office_id", flat=True).first()


def _office_stamp(instance: Any) -> dict[str, Any] | None:
    """auditlog's per-entry ``additional_data``: which office the logged change belongs to, so a log
    can be searched per office."""
    office_id = _office_id_for(instance)
    return None if office_id is None else {"office_id": office_id}


def audit_visit_read(
    *,
    user: User | AnonymousUser | None,
    visit: Visit,
    via: str,
    fields: list[str] | None = None,
    remote_addr: str | None = None,
) -> LogEntry:
    """Log that `user` was shown the personal details of `visit` (call it from every page or API
    that displays visitor_name/visitor_phone/note). `via` names the page or endpoint, e.g.
    "api:visit-detail". The values themselves are not logged, only which fields were shown."""
    actor = user if user is not None and user.is_authenticated else None
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Visit),
        object_pk=str(visit.pk),
        object_id=visit.pk,
        object_repr=str(visit),
        action=LogEntry.Action.ACCESS,
        actor=actor,
        changes={},
        remote_addr=remote_addr or None,
        additional_data={
            "office_id": visit.office_id,
            "via": via[:120],
            "fields": list(fields if fields is not None else VISIT_PERSONAL_FIELDS),
        },
    )


def audit_appointment_read(
    *,
    user: User | AnonymousUser | None,
    appointment: Appointment,
    via: str,
    remote_addr: str | None = None,
    fields: list[str] | None = None,
) -> LogEntry | None:
    """Log that `user` was shown an appointment's visitor details (the ones it holds, or of `fields`
    only those it holds). Nothing is logged for an appointment without any (no name, phone, e-mail or
    dialect was shown). `user` None is a system read: the reminder task reading the contact it sends to."""
    names = APPOINTMENT_PERSONAL_FIELDS if fields is None else [f for f in fields if f in APPOINTMENT_PERSONAL_FIELDS]
    shown = [name for name in names if getattr(appointment, name)]
    if not shown:
        return None
    actor = user if user is not None and user.is_authenticated else None
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Appointment),
        object_pk=str(appointment.pk),
        object_id=appointment.pk,
        object_repr=str(appointment),
        action=LogEntry.Action.ACCESS,
        actor=actor,
        changes={},
        remote_addr=remote_addr or None,
        additional_data={"office_id": appointment.office_id, "via": via[:120], "fields": shown},
    )


# A list read is logged once per reader, page and set of visits in this window: the desks' queues are
# polled every few seconds, and the same list twice adds nothing to the trail.
LIST_READ_REPEAT_SECONDS = 10 * 60


def shown_dialect(visit: Visit) -> str:
    """The dialect a list shows for `visit` (its language need's, prefetched by the list's query)."""
    try:
        need = visit.language_need
    except ObjectDoesNotExist:
        return ""
    return need.dialect if need is not None else ""


def audit_dialect_list_read(
    *,
    user: User | AnonymousUser | None,
    shown: list[tuple[int, int]],
    via: str,
    remote_addr: str | None = None,
) -> LogEntry | None:
    """Log that `user` was shown dialects in a list (issue 14, item 12: dialect is personal data).
    `shown` holds (visit id, office id) of the rows whose dialect the list showed. One ACCESS entry
    naming the visits; nothing when no dialect was shown, or when the same reader saw the same visits
    on the same page within LIST_READ_REPEAT_SECONDS."""
    if not shown:
        return None
    actor = user if user is not None and user.is_authenticated else None
    ids = sorted({visit_id for visit_id, _office in shown})
    key = "audit-list:" + hashlib.sha256(f"{actor.pk if actor else 0}|{via}|{ids}".encode()).hexdigest()
    if not cache.add(key, 1, LIST_READ_REPEAT_SECONDS):
        return None
    offices = {office_id for _visit, office_id in shown}
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Visit),
        object_pk=str(ids[0]),
        object_id=ids[0],
        object_repr=f"{len(ids)} visits",
        action=LogEntry.Action.ACCESS,
        actor=actor,
        changes={},
        remote_addr=remote_addr or None,
        additional_data={
            "office_id": offices.pop() if len(offices) == 1 else None,
            "via": via[:120],
            "fields": ["dialect"],
            "visit_ids": ids,
        },
    )


def audit_log_for_visit(*, visit: Visit) -> QuerySet[LogEntry]:
    """Every entry about a visit and the audited rows hanging off it (need, outcome, bookings, ...),
    oldest first."""
    query = Q(content_type=ContentType.objects.get_for_model(Visit), object_id=visit.pk)
    for model in _AUDITED_MODELS.values():
        if model is Visit or not any(f.name == "visit" for f in model._meta.get_fields()):
            continue
        ids = list(model._default_manager.filter(visit=visit).values_list("pk", flat=True))
        if ids:
            query |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    return LogEntry.objects.filter(query).select_related("actor", "content_type").order_by("timestamp", "pk")


def visit_reads(*, office_id: int | None = None, actor: User | None = None) -> QuerySet[LogEntry]:
    """The read log, newest first, optionally for one office and/or one reader."""
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    if office_id is not None:
        entries = entries.filter(additional_data__office_id=office_id)
    if actor is not None:
        entries = entries.filter(actor=actor)
    return entries.select_related("actor").order_by("-timestamp", "-pk")
