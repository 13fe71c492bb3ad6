"""Write actions for visits. Each is one transaction: it either writes everything or nothing."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.errors import DomainError
from visits.languages import normalize_language_tag
from visits.models import (
    Authority,
    InterpreterWanted,
    LanguageNeed,
    NeedIdentifiedBy,
    Office,
    Visit,
    VisitStatus,
)
from visits.reports.services import usage_rollup_touch


@dataclass(frozen=True)
class LanguageNeedInput:
    language: str
    interpreter_wanted: str = InterpreterWanted.YES
    identified_by: str = NeedIdentifiedBy.VISITOR_SAID
    dialect: str = ""


def _validate_choice(value: str, choices: type, field: str) -> None:
    if value not in choices.values:
        raise DomainError(
            _("“%(value)s” is not a valid choice.") % {"value": value}, field=field, code="invalid_choice"
        )


def _next_queue_number(*, office: Office, authority: Authority, service_date: object) -> str:
    # Caller holds the office row lock, so counting is race-free: two receptionists at the same
    # office never get the same number (the unique constraint backs this up).
    seq = Visit.objects.filter(office=office, service_date=service_date).count() + 1
    return f"{authority.code[:1].upper()}{seq:03d}"


def visit_check_in(
    *,
    office: Office,
    authority: Authority,
    checked_in_by: AbstractBaseUser | None,
    language_need: LanguageNeedInput | None = None,
    visitor_name: str = "",
    visitor_phone: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Visit:
    """Register a visitor at the desk and, when flagged, the language need, in one transaction."""
    if not office.active:
        raise DomainError(_("This office is not active."), field="office", code="inactive")
    if not authority.active:
        raise DomainError(_("This authority is not active."), field="authority", code="inactive")
    language = None
    if language_need is not None:
        language = normalize_language_tag(language_need.language)
        _validate_choice(language_need.interpreter_wanted, InterpreterWanted, "interpreter_wanted")
        _validate_choice(language_need.identified_by, NeedIdentifiedBy, "identified_by")

    now = now or timezone.now()
    service_date = timezone.localdate(now)
    with transaction.atomic():
        Office.objects.select_for_update().filter(pk=office.pk).first()
        visit = Visit(
            office=office,
            authority=authority,
            service_date=service_date,
            queue_number=_next_queue_number(office=office, authority=authority, service_date=service_date),
            status=VisitStatus.WAITING,
            checked_in_at=now,
            checked_in_by=checked_in_by,
            visitor_name=visitor_name.strip(),
            visitor_phone=visitor_phone or "",
            note=note.strip(),
        )
        visit.full_clean(exclude=["checked_in_by", "served_by"])
        visit.save()
        if language_need is not None and language is not None:
            LanguageNeed.objects.create(
                visit=visit,
                language=language,
                dialect=language_need.dialect.strip(),
                interpreter_wanted=language_need.interpreter_wanted,
                identified_by=language_need.identified_by,
                recorded_by=checked_in_by,
                recorded_at=now,
            )
        usage_rollup_touch(office_id=visit.office_id, service_date=visit.service_date)
    return visit


def language_need_record(
    *,
    visit: Visit,
    need: LanguageNeedInput,
    recorded_by: AbstractBaseUser | None,
    now: datetime | None = None,
) -> LanguageNeed:
    """Flag or correct the language need of a visit after check-in (an officer noticing mid-visit)."""
    language = normalize_language_tag(need.language)
    _validate_choice(need.interpreter_wanted, InterpreterWanted, "interpreter_wanted")
    _validate_choice(need.identified_by, NeedIdentifiedBy, "identified_by")
    need_row, _created = LanguageNeed.objects.update_or_create(
        visit=visit,
        defaults={
            "language": language,
            "dialect": need.dialect.strip(),
            "interpreter_wanted": need.interpreter_wanted,
            "identified_by": need.identified_by,
            "recorded_by": recorded_by,
            "recorded_at": now or timezone.now(),
        },
    )
    usage_rollup_touch(office_id=visit.office_id, service_date=visit.service_date)
    return need_row


# Which status may follow which, and the timestamp each move sets.
VISIT_TRANSITIONS: dict[str, dict[str, str | None]] = {
    VisitStatus.WAITING: {VisitStatus.IN_SERVICE: "started_at", VisitStatus.LEFT: "ended_at"},
    VisitStatus.IN_SERVICE: {VisitStatus.DONE: "ended_at", VisitStatus.LEFT: "ended_at"},
    VisitStatus.DONE: {},
    VisitStatus.LEFT: {},
}


def visit_set_status(
    *,
    visit: Visit,
    status: str,
    by: AbstractBaseUser | None,
    now: datetime | None = None,
) -> Visit:
    """Move a visit along waiting -> in service -> done (or left). Refuses any other move."""
    _validate_choice(status, VisitStatus, "status")
    now = now or timezone.now()
    with transaction.atomic():
        # Lock and re-read: two officers calling the same visitor must not both start it.
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        stamp = VISIT_TRANSITIONS[locked.status].get(status, "")
        if stamp == "":
            raise DomainError(
                _("A visit cannot go from “%(from)s” to “%(to)s”.")
                % {"from": VisitStatus(locked.status).label, "to": VisitStatus(status).label},
                field="status",
                code="illegal_transition",
            )
        locked.status = status
        update_fields = ["status", "updated_at"]
        if stamp:
            setattr(locked, stamp, now)
            update_fields.append(stamp)
        if status == VisitStatus.IN_SERVICE and by is not None:
            locked.served_by = by  # type: ignore[assignment]
            update_fields.append("served_by")
        locked.save(update_fields=update_fields)
        usage_rollup_touch(office_id=locked.office_id, service_date=locked.service_date)
    return locked
