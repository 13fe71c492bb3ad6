"""Write actions for visits. Each is one transaction: it either writes everything or nothing."""

import csv
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.errors import DomainError, validate_choice
from visits.hooks import office_day_changed
from visits.languages import normalize_language_tag
from visits.models import (
    Authority,
    InterpreterWanted,
    LanguageNeed,
    NeedIdentifiedBy,
    NotUsedReason,
    Office,
    StaffingDay,
    Visit,
    VisitOutcome,
    VisitStatus,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LanguageNeedInput:
    language: str
    interpreter_wanted: str = InterpreterWanted.YES
    identified_by: str = NeedIdentifiedBy.VISITOR_SAID
    dialect: str = ""


def _next_queue_number(*, office: Office, authority: Authority, service_date: date) -> str:
    # Caller holds the office row lock, so counting is race-free: two receptionists at the same
    # office never get the same number (the unique constraint backs this up).
    seq = Visit.objects.filter(office=office, service_date=service_date).count() + 1
    return f"{authority.code[:1].upper()}{seq:03d}"


def visit_check_in(
    *,
    office: Office,
    authority: Authority,
    checked_in_by: User | None,
    language_need: LanguageNeedInput | None = None,
    visitor_name: str = "",
    visitor_phone: str = "",
    note: str = "",
    now: datetime | None = None,
    also: Callable[[Visit], object] | None = None,
) -> Visit:
    """Register a visitor at the desk and, when flagged, the language need, in one transaction.
    `also(visit)` runs inside that transaction, last: the page stores its one-time form token
    there (config.idempotency), so the token and the visit commit or roll back together."""
    if not office.active:
        raise DomainError(_("This office is not active."), field="office", code="inactive")
    if not authority.active:
        raise DomainError(_("This authority is not active."), field="authority", code="inactive")
    language = None
    if language_need is not None:
        language = normalize_language_tag(language_need.language)
        validate_choice(language_need.interpreter_wanted, InterpreterWanted, "interpreter_wanted")
        validate_choice(language_need.identified_by, NeedIdentifiedBy, "identified_by")

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
        # Field checks only (lengths, phone format, choices): they cost no query. The rest of
        # full_clean would repeat, with 6 more statements, what is already guaranteed: the office
        # and authority rows exist (loaded above, the office locked), the queue number is unique
        # (the office lock, backed by the unique constraint) and a new visit has not ended.
        visit.full_clean(
            exclude=["office", "authority", "checked_in_by", "served_by"],
            validate_unique=False,
            validate_constraints=False,
        )
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
        office_day_changed(office_id=visit.office_id, day=visit.service_date)
        if also is not None:
            also(visit)
    return visit


def language_need_record(
    *,
    visit: Visit,
    need: LanguageNeedInput,
    recorded_by: User | None,
    now: datetime | None = None,
) -> LanguageNeed:
    """Flag or correct the language need of a visit after check-in (an officer noticing mid-visit)."""
    language = normalize_language_tag(need.language)
    validate_choice(need.interpreter_wanted, InterpreterWanted, "interpreter_wanted")
    validate_choice(need.identified_by, NeedIdentifiedBy, "identified_by")
    with transaction.atomic():
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
        office_day_changed(office_id=visit.office_id, day=visit.service_date)
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
    by: User | None,
    now: datetime | None = None,
) -> Visit:
    """Move a visit along waiting -> in service -> done (or left). Refuses any other move."""
    validate_choice(status, VisitStatus, "status")
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
            locked.served_by = by
            update_fields.append("served_by")
        locked.save(update_fields=update_fields)
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
    return locked


def visit_reopen(*, visit: Visit, by: User | None, now: datetime | None = None) -> Visit:
    """Undo closing a visit by mistake (the wrong row, "visitor left" clicked too soon): back to in
    service, or to waiting if service never started. The outcome recorded at closing goes too, so
    it is asked again when the visit really ends. Only on the visit's own day, while its report day
    is still open. django-auditlog records the change with the officer as actor."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.status not in (VisitStatus.DONE, VisitStatus.LEFT):
            raise DomainError(
                _("This visit is not closed, so there is nothing to reopen."), field="status", code="open"
            )
        if locked.service_date != timezone.localdate(now):
            raise DomainError(_("Only today's visits can be reopened."), field="visit", code="not_today")
        locked.status = VisitStatus.IN_SERVICE if locked.started_at else VisitStatus.WAITING
        locked.ended_at = None
        locked.save(update_fields=["status", "ended_at", "updated_at"])
        for outcome in VisitOutcome.objects.filter(visit=locked):
            outcome.delete()  # one by one: each deletion is in the audit log
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
    logger.info("visit %s reopened by user %s", locked.pk, getattr(by, "pk", None))
    return locked


# Visits an outcome may be recorded for: the officer records it during or after service; a visitor
# who left is counted too (reason "visitor_left"), but nothing can be said about a visit still waiting.
OUTCOME_VISIT_STATUSES = frozenset({VisitStatus.IN_SERVICE, VisitStatus.DONE, VisitStatus.LEFT})

# Reasons that are recorded (the under-use report must see them) but flagged to the officer:
# children must not interpret at a government office.
DISCOURAGED_NOT_USED_REASONS = frozenset({NotUsedReason.CHILD})


def visit_outcome_required(*, visit: Visit) -> bool:
    """Whether the visit may not be closed without an outcome: a need was flagged and the visitor
    wanted an interpreter, or nobody could tell yet."""
    need = LanguageNeed.objects.filter(visit=visit).only("interpreter_wanted").first()
    return need is not None and need.interpreter_wanted in (InterpreterWanted.YES, InterpreterWanted.UNSURE)


def outcome_warnings(*, outcome: VisitOutcome) -> list[str]:
    """What the officer must be told about a recorded outcome (it is kept either way)."""
    if outcome.reason_not_used in DISCOURAGED_NOT_USED_REASONS:
        return [
            _(
                "Children must not be used as interpreters. The outcome is recorded; "
                "book an interpreter next time, by phone if nothing else is possible."
            )
        ]
    return []


# --- Staffing (officer hours per office and day) --------------------------------------------------

MAX_OFFICER_HOURS = Decimal("200")  # more than 200 officer hours in one office-day is a typing error


def _checked_officer_hours(value: Decimal | float | int | str, *, field: str = "officer_hours") -> Decimal:
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("Enter a number of hours, e.g. 7.5."), field=field, code="invalid") from exc
    if not hours.is_finite():
        raise DomainError(_("Enter a number of hours, e.g. 7.5."), field=field, code="invalid")
    if hours < 0:
        raise DomainError(_("Officer hours cannot be negative."), field=field, code="negative")
    if hours > MAX_OFFICER_HOURS:
        raise DomainError(
            _("At most %(max)s officer hours per office and day.") % {"max": MAX_OFFICER_HOURS},
            field=field,
            code="too_many",
        )
    if hours != hours.quantize(Decimal("0.01")):
        raise DomainError(_("Give officer hours with at most two decimals."), field=field, code="precision")
    return hours


def staffing_day_set(
    *,
    office: Office,
    day: date,
    officer_hours: Decimal | float | int | str,
    by: User | None,
    now: datetime | None = None,
) -> tuple[StaffingDay, bool]:
    """Set the officer hours of one office-day; returns the row and whether it was created."""
    hours = _checked_officer_hours(officer_hours)
    with transaction.atomic():
        # Two managers saving the same day at once: the office row lock serialises them, so the
        # second one updates the first one's row instead of failing on the unique constraint.
        Office.objects.select_for_update().filter(pk=office.pk).first()
        row, created = StaffingDay.objects.update_or_create(
            office=office,
            date=day,
            defaults={"officer_hours": hours, "updated_by": by, "updated_at": now or timezone.now()},
        )
        office_day_changed(office_id=office.pk, day=day)
    return row, created


def staffing_day_delete(*, office: Office, day: date) -> bool:
    """Remove one office-day's officer hours; False if there were none."""
    with transaction.atomic():
        deleted, _by_model = StaffingDay.objects.filter(office=office, date=day).delete()
        if deleted:
            office_day_changed(office_id=office.pk, day=day)
    return bool(deleted)


def staffing_week_set(
    *,
    office: Office,
    hours_by_day: dict[date, str],
    by: User | None,
    expected: dict[date, str] | None = None,
    now: datetime | None = None,
) -> int:
    """Save a manager's week grid in one transaction: a blank cell removes that day's hours.
    Every cell is checked before anything is written; the first bad one raises DomainError with the
    day's ISO date as the field. Returns the number of days written or removed.

    `expected` is what the page showed for each day when it was opened. A day the manager changed
    that someone else (another tab, another manager) saved meanwhile is refused, nothing is written,
    and the message says what is saved now: a stale page never overwrites a newer answer."""
    checked: dict[date, Decimal | None] = {}
    for day, text in hours_by_day.items():
        checked[day] = None if not str(text).strip() else _checked_officer_hours(text, field=day.isoformat())
    shown: dict[date, Decimal | None] = {}
    for day, text in (expected or {}).items():
        try:
            shown[day] = None if not str(text).strip() else _checked_officer_hours(text, field=day.isoformat())
        except DomainError:
            shown[day] = None  # a tampered hidden field: treated as "was empty"
    changed = 0
    with transaction.atomic():
        Office.objects.select_for_update().filter(pk=office.pk).first()
        existing = {row.date: row for row in StaffingDay.objects.filter(office=office, date__in=list(checked))}
        _staffing_conflict_check(checked=checked, shown=shown, existing=existing)
        for day, hours in checked.items():
            row = existing.get(day)
            if hours is None:
                if row is not None:
                    row.delete()
                    changed += 1
                else:
                    continue
            elif row is None or row.officer_hours != hours:
                StaffingDay.objects.update_or_create(
                    office=office,
                    date=day,
                    defaults={"officer_hours": hours, "updated_by": by, "updated_at": now or timezone.now()},
                )
                changed += 1
            else:
                continue
            office_day_changed(office_id=office.pk, day=day)
    return changed


def _staffing_conflict_check(
    *, checked: dict[date, Decimal | None], shown: dict[date, Decimal | None], existing: dict[date, StaffingDay]
) -> None:
    """Under the office lock: refuse a day whose saved value moved since the page was opened, when
    this form would change it to something else (the same answer twice is no conflict)."""
    for day, hours in checked.items():
        if day not in shown:
            continue
        saved = existing[day].officer_hours if day in existing else None
        if saved != shown[day] and saved != hours:
            raise DomainError(
                _(
                    "Someone else saved %(hours)s for this day after you opened the page. "
                    "The field now shows your value: check it and save again."
                )
                % {"hours": _("no hours") if saved is None else f"{saved.normalize():f}"},
                field=day.isoformat(),
                code="changed_meanwhile",
            )


@dataclass(frozen=True)
class StaffingRow:
    line: int
    office_id: int
    day: date
    officer_hours: Decimal


@dataclass(frozen=True)
class StaffingRejected:
    line: int
    text: str
    reason: str


@dataclass
class StaffingImportResult:
    accepted: list[StaffingRow]
    rejected: list[StaffingRejected]
    saved: int = 0


STAFFING_HEADER = ["office_id", "date", "officer_hours"]


def _staffing_fields(row: list[str], delimiter: str) -> list[str]:
    # "12,2026-10-01,7,5": a decimal comma in a comma-separated file that nobody quoted.
    if delimiter == "," and len(row) == 4 and row[2].strip().isdigit() and row[3].strip().isdigit():
        return [row[0], row[1], f"{row[2].strip()}.{row[3].strip()}"]
    return row


def staffing_import(
    *,
    lines: Iterable[str],
    by: User | None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> StaffingImportResult:
    """Import officer hours from CSV text (header `office_id,date,officer_hours`; comma, semicolon
    or tab separated; decimal point or comma). Every row is checked; rejected rows are reported with
    their line number and reason and the good rows are saved together (unless dry_run). A header
    that is not the expected one raises DomainError (nothing is read)."""
    rows = list(lines)
    if not rows:
        raise DomainError(_("The file is empty."), field="file", code="empty")
    header_line = rows[0].lstrip("\ufeff")
    delimiter = ";" if ";" in header_line else "\t" if "\t" in header_line else ","
    reader = csv.reader(rows, delimiter=delimiter)
    header = [cell.strip().lstrip("\ufeff").lower() for cell in next(reader)]
    if header != STAFFING_HEADER:
        raise DomainError(
            _("The first line must be the header %(header)s.") % {"header": ",".join(STAFFING_HEADER)},
            field="file",
            code="header",
        )
    office_ids = set(Office.objects.values_list("pk", flat=True))
    result = StaffingImportResult(accepted=[], rejected=[])
    seen: dict[tuple[int, date], int] = {}
    for index, raw in enumerate(reader, start=2):
        text = delimiter.join(raw)
        if not any(cell.strip() for cell in raw):
            continue
        fields = _staffing_fields(raw, delimiter)
        reason = ""
        if len(fields) != 3:
            reason = _("expected 3 fields, found %(n)s") % {"n": len(fields)}
        else:
            office_text, date_text, hours_text = (cell.strip() for cell in fields)
            try:
                day = date.fromisoformat(date_text)
            except ValueError:
                day = None
            if not office_text.isdigit() or int(office_text) not in office_ids:
                reason = _("unknown office “%(office)s”") % {"office": office_text}
            elif day is None:
                reason = _("“%(date)s” is not a date (YYYY-MM-DD)") % {"date": date_text}
            else:
                try:
                    hours = _checked_officer_hours(hours_text)
                except DomainError as exc:
                    reason = exc.message
                else:
                    key = (int(office_text), day)
                    if key in seen:
                        reason = _("office and date already given on line %(line)s") % {"line": seen[key]}
                    else:
                        seen[key] = index
                        result.accepted.append(StaffingRow(index, key[0], day, hours))
        if reason:
            result.rejected.append(StaffingRejected(index, text, reason))
    if dry_run or not result.accepted:
        return result
    moment = now or timezone.now()
    with transaction.atomic():
        StaffingDay.objects.bulk_create(
            [
                StaffingDay(
                    office_id=row.office_id,
                    date=row.day,
                    officer_hours=row.officer_hours,
                    updated_by=by,
                    updated_at=moment,
                )
                for row in result.accepted
            ],
            update_conflicts=True,
            unique_fields=["office", "date"],
            update_fields=["officer_hours", "updated_by", "updated_at"],
        )
        for office_id, day in seen:
            office_day_changed(office_id=office_id, day=day)
    result.saved = len(result.accepted)
    return result
