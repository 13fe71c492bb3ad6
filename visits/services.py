"""Write actions for visits. Each is one transaction: it either writes everything or nothing."""

import csv
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Required, TypedDict

import phonenumbers
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.errors import DomainError, validate_choice
from visits.hooks import appointment_checked_in, office_day_changed
from visits.languages import normalize_language_tag
from visits.models import (
    Appointment,
    AppointmentStatus,
    Authority,
    InterpreterWanted,
    LanguageNeed,
    NeedIdentifiedBy,
    NotUsedReason,
    Office,
    QueueCounter,
    ReminderChannel,
    ReminderStatus,
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
    """Take the office-day's next queue number: one statement, inside the check-in's transaction.

    The upsert's row lock on the office-day's QueueCounter is held until commit: a second check-in at
    the same office-day waits in its own upsert, then increments the first one's committed value
    (ON CONFLICT DO UPDATE reads the latest row version, whatever its snapshot), so no number is
    handed out twice. A rolled-back check-in rolls its increment back with it.

    The counter never hands out a number below the visits already there: the inserted value, and
    the floor of the updated one, is that office-day's visit count + 1. A visit written without the
    counter (the report generator's history, a counter row lost) therefore cannot be numbered twice;
    that count may be a snapshot older than the lock, but the counter's own + 1 is never stale."""
    counter, visits = QueueCounter._meta.db_table, Visit._meta.db_table
    # CASE, not GREATEST: SQLite has no GREATEST. Table names come from the models, values are bound.
    sql = (
        f"INSERT INTO {counter} (office_id, day, last_number) "  # noqa: S608  # nosec B608
        f"VALUES (%s, %s, (SELECT COUNT(*) + 1 FROM {visits} WHERE office_id = %s AND service_date = %s)) "
        f"ON CONFLICT (office_id, day) DO UPDATE SET last_number = CASE "
        f"WHEN {counter}.last_number + 1 > excluded.last_number THEN {counter}.last_number + 1 "
        f"ELSE excluded.last_number END "
        f"RETURNING last_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [office.pk, service_date, office.pk, service_date])
        (seq,) = cursor.fetchone()
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
    appointment: Appointment | None = None,
) -> Visit:
    """Register a visitor at the desk and, when flagged, the language need, in one transaction.
    `also(visit)` runs inside that transaction, last: the page stores its one-time form token
    there (config.idempotency), so the token and the visit commit or roll back together.

    With `appointment` (one of today's at this office, still scheduled) the visit is linked to it,
    the appointment becomes `checked_in`, its language need is taken when none is given, and its
    interpreter bookings move to the visit (exactly one owner per booking), where the desk works
    on them."""
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
        queue_number = _next_queue_number(office=office, authority=authority, service_date=service_date)
        if appointment is not None:
            appointment = appointment_for_check_in(appointment=appointment, office=office, now=now)
            if language_need is None and appointment.language:
                language = appointment.language
                language_need = LanguageNeedInput(
                    language=appointment.language,
                    interpreter_wanted=appointment.interpreter_wanted,
                    identified_by=appointment.identified_by or NeedIdentifiedBy.VISITOR_SAID,
                    dialect=appointment.dialect,
                )
        visit = Visit(
            office=office,
            authority=authority,
            service_date=service_date,
            queue_number=queue_number,
            status=VisitStatus.WAITING,
            checked_in_at=now,
            checked_in_by=checked_in_by,
            visitor_name=visitor_name.strip() or (appointment.visitor_name if appointment else ""),
            visitor_phone=visitor_phone or (appointment.visitor_phone if appointment else "") or "",
            note=note.strip(),
            appointment=appointment,
        )
        # Field checks only (lengths, phone format, choices): they cost no query. The rest of
        # full_clean would repeat, with 6 more statements, what is already guaranteed: the office
        # and authority rows exist (loaded above), the queue number is unique (the office-day's
        # counter, backed by the unique constraint) and a new visit has not ended.
        visit.full_clean(
            exclude=["office", "authority", "checked_in_by", "served_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        visit.save()
        # A new visit has no need unless one is written now: say so, so that reading visit.language_need
        # (the API's answer) costs no query. Creating the need below replaces it with the row.
        Visit.language_need.related.set_cached_value(visit, None)
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
        if appointment is not None:
            _appointment_checked_in(appointment=appointment, visit=visit)
        office_day_changed(office_id=visit.office_id, day=visit.service_date)
        if also is not None:
            also(visit)
    return visit


def _appointment_checked_in(*, appointment: Appointment, visit: Visit) -> None:
    appointment.status = AppointmentStatus.CHECKED_IN
    appointment.version += 1
    appointment.save(update_fields=["status", "version", "updated_at"])
    # The pre-booked interpreter now belongs to the visit: the interpreters app's registered step
    # (interpreters/desk/appointments.py:bookings_follow_check_in), in this transaction.
    appointment_checked_in(appointment=appointment, visit=visit)


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


def visit_update(
    *,
    visit: Visit,
    by: User | None,
    need: LanguageNeedInput | None = None,
    status: str | None = None,
    now: datetime | None = None,
) -> Visit:
    """Change a visit's language need and/or status (the visit API's PATCH): both or neither, so an
    illegal status move does not leave a changed language need behind. Returns the visit."""
    with transaction.atomic():
        if need is not None:
            language_need_record(visit=visit, need=need, recorded_by=by, now=now)
        if status is not None:
            visit = visit_set_status(visit=visit, status=status, by=by, now=now)
    return visit


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


def _staffing_office_lock(office: Office) -> None:
    """Make staffing saves at one office take turns (call inside the save's transaction). FOR NO KEY
    UPDATE: it serialises the saves without blocking a check-in at the office, whose inserts take a
    key-share lock on the office row (their foreign key)."""
    Office.objects.select_for_update(no_key=True).filter(pk=office.pk).first()


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
        _staffing_office_lock(office)
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
    stamp = now or timezone.now()
    with transaction.atomic():
        # Two managers saving the same week at once: the office row lock makes the saves take turns,
        # and the second reads the rows the first wrote, so its grid is the result (last save wins)
        # and no cell is created twice. The lock is held for one week's rows only. A page's save
        # (`expected` given) is the exception: a day moved since it was opened is refused instead.
        _staffing_office_lock(office)
        existing = {row.date: row for row in StaffingDay.objects.filter(office=office, date__in=list(checked))}
        _staffing_conflict_check(checked=checked, shown=shown, existing=existing)
        for day, hours in checked.items():
            row = existing.get(day)
            if hours is None:
                if row is None:
                    continue
                row.delete()
            elif row is None:
                StaffingDay.objects.create(
                    office=office, date=day, officer_hours=hours, updated_by=by, updated_at=stamp
                )
            elif row.officer_hours != hours:
                row.officer_hours, row.updated_by, row.updated_at = hours, by, stamp
                row.save(update_fields=["officer_hours", "updated_by", "updated_at"])
            else:
                continue
            changed += 1
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
    reader, delimiter = _staffing_reader(list(lines))
    office_ids = set(Office.objects.values_list("pk", flat=True))
    result = StaffingImportResult(accepted=[], rejected=[])
    seen: dict[tuple[int, date], int] = {}
    for index, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        checked = _staffing_row_check(
            index=index, fields=_staffing_fields(raw, delimiter), office_ids=office_ids, seen=seen
        )
        if isinstance(checked, StaffingRow):
            seen[(checked.office_id, checked.day)] = index
            result.accepted.append(checked)
        else:
            result.rejected.append(StaffingRejected(index, delimiter.join(raw), checked))
    if dry_run or not result.accepted:
        return result
    _staffing_save(rows=result.accepted, by=by, moment=now or timezone.now())
    result.saved = len(result.accepted)
    return result


def _staffing_reader(rows: list[str]) -> tuple[Iterator[list[str]], str]:
    """The rows after the header, and the delimiter the header uses; a missing or wrong header
    raises DomainError."""
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
    return reader, delimiter


def _staffing_row_check(
    *, index: int, fields: list[str], office_ids: set[int], seen: dict[tuple[int, date], int]
) -> StaffingRow | str:
    """One data row: the row to save, or why it is rejected (`seen`: the line each office and date
    was accepted on, so a second row for them is refused)."""
    if len(fields) != 3:
        return _("expected 3 fields, found %(n)s") % {"n": len(fields)}
    office_text, date_text, hours_text = (cell.strip() for cell in fields)
    try:
        day = date.fromisoformat(date_text)
    except ValueError:
        day = None
    if not office_text.isdigit() or int(office_text) not in office_ids:
        return _("unknown office “%(office)s”") % {"office": office_text}
    if day is None:
        return _("“%(date)s” is not a date (YYYY-MM-DD)") % {"date": date_text}
    try:
        hours = _checked_officer_hours(hours_text)
    except DomainError as exc:
        return exc.message
    key = (int(office_text), day)
    if key in seen:
        return _("office and date already given on line %(line)s") % {"line": seen[key]}
    return StaffingRow(index, key[0], day, hours)


def _staffing_save(*, rows: list[StaffingRow], by: User | None, moment: datetime) -> None:
    """Save the accepted rows together: a day already saved takes the file's hours."""
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
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["office", "date"],
            update_fields=["officer_hours", "updated_by", "updated_at"],
        )
        for row in rows:
            office_day_changed(office_id=row.office_id, day=row.day)


# --- Appointments (issue 11) ------------------------------------------------------------------------

# How long an appointment may be (minutes): the model's check constraint, checked here for a 400.
APPOINTMENT_MINUTES = (5, 480)
# How far ahead an appointment can be made: a typo such as year 9999 is refused.
APPOINTMENT_MAX_AHEAD_DAYS = 366
# After its expected end plus this grace, a scheduled appointment nobody checked in for is a no-show.
NO_SHOW_GRACE = timedelta(minutes=30)


def _appointment_fields_check(
    *, office: Office, authority: Authority, start: datetime, expected_minutes: int, now: datetime
) -> None:
    if not office.active:
        raise DomainError(_("This office is not active."), field="office", code="inactive")
    if not authority.active:
        raise DomainError(_("This authority is not active."), field="authority", code="inactive")
    _appointment_time_check(start=start, expected_minutes=expected_minutes, now=now)


def _appointment_time_check(*, start: datetime, expected_minutes: int, now: datetime) -> None:
    if timezone.is_naive(start):
        raise DomainError(_("Give the time with a time zone, e.g. +01:00."), field="start", code="naive")
    if start <= now:
        raise DomainError(_("The start is in the past."), field="start", code="past")
    if start > now + timedelta(days=APPOINTMENT_MAX_AHEAD_DAYS):
        raise DomainError(_("Book at most a year ahead: check the date."), field="start", code="too_far_ahead")
    lo, hi = APPOINTMENT_MINUTES
    if isinstance(expected_minutes, bool) or not isinstance(expected_minutes, int) or not lo <= expected_minutes <= hi:
        raise DomainError(
            _("The expected length is %(lo)s to %(hi)s minutes.") % {"lo": lo, "hi": hi},
            field="expected_minutes",
            code="out_of_range",
        )


def _need_fields(need: LanguageNeedInput | None) -> dict[str, str]:
    if need is None:
        return {"language": "", "dialect": "", "interpreter_wanted": "", "identified_by": ""}
    language = normalize_language_tag(need.language)
    validate_choice(need.interpreter_wanted, InterpreterWanted, "interpreter_wanted")
    validate_choice(need.identified_by, NeedIdentifiedBy, "identified_by")
    return {
        "language": language,
        "dialect": need.dialect.strip()[:80],
        "interpreter_wanted": need.interpreter_wanted,
        "identified_by": need.identified_by,
    }


# Numbers that certainly cannot take an SMS; any other type (mobile, "fixed line or mobile" as some
# countries' plans cannot tell, unknown) is left to the gateway rather than refused here.
NO_SMS_NUMBER_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
        phonenumbers.PhoneNumberType.VOICEMAIL,
    }
)


def _can_take_sms(phone: str) -> bool:
    try:
        number = phonenumbers.parse(phone, "SE")
    except phonenumbers.NumberParseException:
        return True  # not a number at all: the phone field's own validation refuses it
    return phonenumbers.number_type(number) not in NO_SMS_NUMBER_TYPES


def _reminder_check(*, consent: bool, channel: str, phone: str, email: str) -> None:
    """A reminder needs its channel and that channel's contact: refused on the missing field."""
    validate_choice(channel, ReminderChannel, "reminder_channel", allow_blank=True)
    if not consent:
        return
    if not channel:
        raise DomainError(_("Say how the visitor wants the reminder."), field="reminder_channel", code="required")
    if channel == ReminderChannel.SMS and not phone:
        raise DomainError(
            _("A reminder by SMS needs the visitor's phone number."), field="visitor_phone", code="required"
        )
    if channel == ReminderChannel.SMS and not _can_take_sms(phone):
        raise DomainError(
            _("This number cannot receive SMS: give a mobile number or choose e-mail."),
            field="visitor_phone",
            code="not_mobile",
        )
    if channel == ReminderChannel.EMAIL and not email:
        raise DomainError(
            _("A reminder by e-mail needs the visitor's e-mail address."), field="visitor_email", code="required"
        )


def _reminder_state(appointment: Appointment) -> tuple[str, str, bool, str]:
    return (
        str(appointment.visitor_phone or ""),
        appointment.visitor_email,
        appointment.reminder_consent,
        appointment.reminder_channel,
    )


def _reminder_consent_apply(
    appointment: Appointment, *, consent: bool | None, channel: str | None, now: datetime
) -> None:
    """Record a given or withdrawn consent and its channel (None: unchanged), then check the result
    has the contact its channel needs."""
    if consent is not None:
        if consent and not appointment.reminder_consent:
            appointment.reminder_consent_at = now
        elif not consent:
            appointment.reminder_consent_at = None
        appointment.reminder_consent = consent
    if channel is not None:
        appointment.reminder_channel = channel
    if not appointment.reminder_consent:
        appointment.reminder_channel = ""
    _reminder_check(
        consent=appointment.reminder_consent,
        channel=appointment.reminder_channel,
        phone=str(appointment.visitor_phone or ""),
        email=appointment.visitor_email,
    )


def _reminder_start_over(appointment: Appointment) -> None:
    """Forget the reminder's progress, so the beat (visits/reminders.py) sends one anew."""
    appointment.reminder_status = ""
    appointment.reminder_skip_reason = ""
    appointment.reminder_sent_at = None
    appointment.reminder_attempts = 0
    appointment.reminder_next_attempt_at = None


class AppointmentAsk(TypedDict, total=False):
    """What an appointment is booked with: `appointment_create`'s keyword arguments besides `now`
    and `also`, for callers that pass them on (interpreters/desk/appointments.py:appointment_book).
    mypy checks every key and type against appointment_create's signature, which holds the defaults."""

    office: Required[Office]
    authority: Required[Authority]
    start: Required[datetime]
    expected_minutes: Required[int]
    created_by: Required[User | None]
    language_need: LanguageNeedInput | None
    visitor_name: str
    visitor_phone: str
    visitor_email: str
    reminder_consent: bool
    reminder_channel: str


def appointment_create(
    *,
    office: Office,
    authority: Authority,
    start: datetime,
    expected_minutes: int,
    created_by: User | None,
    language_need: LanguageNeedInput | None = None,
    visitor_name: str = "",
    visitor_phone: str = "",
    visitor_email: str = "",
    reminder_consent: bool = False,
    reminder_channel: str = "",
    now: datetime | None = None,
    also: Callable[[Appointment], object] | None = None,
) -> Appointment:
    """Book a meeting at an office. `also(appointment)` runs inside the same transaction, last: the
    desk pre-books the interpreter there (interpreters/desk/appointments.py), so the appointment
    and its booking are written together or not at all."""
    now = now or timezone.now()
    _appointment_fields_check(
        office=office, authority=authority, start=start, expected_minutes=expected_minutes, now=now
    )
    need = _need_fields(language_need)
    _reminder_check(
        consent=reminder_consent,
        channel=reminder_channel,
        phone=str(visitor_phone or ""),
        email=(visitor_email or "").strip(),
    )
    with transaction.atomic():
        appointment = Appointment(
            office=office,
            authority=authority,
            start=start,
            service_date=timezone.localdate(start),
            expected_minutes=expected_minutes,
            **need,
            visitor_name=visitor_name.strip(),
            visitor_phone=visitor_phone or "",
            visitor_email=(visitor_email or "").strip(),
            reminder_consent=reminder_consent,
            reminder_channel=reminder_channel if reminder_consent else "",
            reminder_consent_at=now if reminder_consent else None,
            created_by=created_by,
            created_at=now,
        )
        appointment.full_clean(
            exclude=["office", "authority", "created_by", "cancelled_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        appointment.save()
        office_day_changed(office_id=office.pk, day=appointment.service_date)
        if also is not None:
            also(appointment)
    return appointment


def _appointment_lock(appointment: Appointment, *, expected_version: int | None) -> Appointment:
    """Lock the appointment's row and check it is still the version the caller saw. Two officers
    moving the same appointment: the second waits for the first's lock, then finds the version
    grown and gets a 400 instead of silently overwriting the first move (no lost update)."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if expected_version is not None and locked.version != expected_version:
        raise DomainError(
            _("Someone else changed this appointment meanwhile: reload it and try again."),
            field="version",
            code="stale",
        )
    return locked


def appointment_move(
    *,
    appointment: Appointment,
    by: User | None,
    start: datetime | None = None,
    expected_minutes: int | None = None,
    authority: Authority | None = None,
    language_need: LanguageNeedInput | None = None,
    visitor_name: str | None = None,
    visitor_phone: str | None = None,
    visitor_email: str | None = None,
    reminder_consent: bool | None = None,
    reminder_channel: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
    also: Callable[[Appointment, datetime], object] | None = None,
) -> Appointment:
    """Move a scheduled appointment (new start, length, authority or language need) or change its
    visitor's contact and reminder consent. Refused once it has started, once it is checked in,
    cancelled or a no-show. `also(appointment, old_start)` runs in the transaction after the write:
    the desk re-times the interpreter's booking there. Arguments left None keep their value."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _appointment_lock(appointment, expected_version=expected_version)
        _appointment_movable_check(locked, now=now)
        old_start, old_day = locked.start, locked.service_date
        _appointment_when_apply(
            locked,
            start=start,
            expected_minutes=expected_minutes,
            authority=authority,
            language_need=language_need,
            now=now,
        )
        _appointment_contact_apply(
            locked,
            old_start=old_start,
            contact={"visitor_name": visitor_name, "visitor_phone": visitor_phone, "visitor_email": visitor_email},
            reminder_consent=reminder_consent,
            reminder_channel=reminder_channel,
            now=now,
        )
        locked.version += 1
        locked.full_clean(
            exclude=["office", "authority", "created_by", "cancelled_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        locked.save()
        office_day_changed(office_id=locked.office_id, day=old_day)
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
        if also is not None:
            also(locked, old_start)
    return locked


def _appointment_movable_check(locked: Appointment, *, now: datetime) -> None:
    """Under the lock: only a scheduled appointment that has not started may change."""
    if locked.status != AppointmentStatus.SCHEDULED:
        raise DomainError(
            _("Only a scheduled appointment can be changed; this one is “%(status)s”.")
            % {"status": AppointmentStatus(locked.status).label},
            field="status",
            code="not_scheduled",
        )
    if locked.start <= now:
        raise DomainError(
            _("The appointment has already started; it can no longer be moved."), field="start", code="started"
        )


def _appointment_when_apply(
    locked: Appointment,
    *,
    start: datetime | None,
    expected_minutes: int | None,
    authority: Authority | None,
    language_need: LanguageNeedInput | None,
    now: datetime,
) -> None:
    """The new time, length, authority and language need (None keeps the value), checked first."""
    new_start = locked.start if start is None else start
    new_minutes = locked.expected_minutes if expected_minutes is None else expected_minutes
    _appointment_time_check(start=new_start, expected_minutes=new_minutes, now=now)
    if authority is not None and not authority.active:
        raise DomainError(_("This authority is not active."), field="authority", code="inactive")
    locked.start = new_start
    locked.service_date = timezone.localdate(new_start)
    locked.expected_minutes = new_minutes
    if authority is not None:
        locked.authority = authority
    if language_need is not None:
        for name, value in _need_fields(language_need).items():
            setattr(locked, name, value)


def _appointment_contact_apply(
    locked: Appointment,
    *,
    old_start: datetime,
    contact: dict[str, str | None],
    reminder_consent: bool | None,
    reminder_channel: str | None,
    now: datetime,
) -> None:
    """The visitor's contact and reminder consent (None keeps the value), after the new time is set
    (`old_start`: the time before this move)."""
    reminder_before = _reminder_state(locked)
    for field_name, given in contact.items():
        if given is not None:
            setattr(locked, field_name, given.strip())
    _reminder_consent_apply(locked, consent=reminder_consent, channel=reminder_channel, now=now)
    # A reminder gives the time: after a move the visitor must get the new one, so the reminder
    # starts over (sent again once the new start is within the window, at once if it already
    # is), even if one went out for the old time. A changed contact or consent retries one that
    # was not sent (skipped for want of a contact, say); one already sent stays sent.
    # A sender holding the row ("sending") then fails to record its result: the beat sends anew.
    changed = _reminder_state(locked) != reminder_before
    if locked.reminder_status and (
        locked.start != old_start or (changed and locked.reminder_status != ReminderStatus.SENT)
    ):
        _reminder_start_over(locked)


def appointment_cancel(
    *,
    appointment: Appointment,
    by: User | None,
    expected_version: int | None = None,
    now: datetime | None = None,
    also: Callable[[Appointment], object] | None = None,
) -> Appointment:
    """Cancel a scheduled appointment: the row stays, as `cancelled`. Cancelling it again changes
    nothing. `also(appointment)` runs in the transaction: the desk cancels the booking there."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _appointment_lock(appointment, expected_version=expected_version)
        if locked.status == AppointmentStatus.CANCELLED:
            return locked
        if locked.status != AppointmentStatus.SCHEDULED:
            raise DomainError(
                _("Only a scheduled appointment can be cancelled; this one is “%(status)s”.")
                % {"status": AppointmentStatus(locked.status).label},
                field="status",
                code="not_scheduled",
            )
        locked.status = AppointmentStatus.CANCELLED
        locked.cancelled_at = now
        locked.cancelled_by = by
        locked.version += 1
        locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "version", "updated_at"])
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
        if also is not None:
            also(locked)
    return locked


def appointment_no_show(*, appointment: Appointment, by: User | None, now: datetime | None = None) -> Appointment:
    """Record that the visitor did not come (an officer's click once the appointment has started, or
    the beat task after its end). The appointment's booking keeps counting on its date. Recording
    it twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status == AppointmentStatus.NO_SHOW:
            return locked
        if locked.status != AppointmentStatus.SCHEDULED:
            raise DomainError(
                _("Only a scheduled appointment can be a no-show; this one is “%(status)s”.")
                % {"status": AppointmentStatus(locked.status).label},
                field="status",
                code="not_scheduled",
            )
        if locked.start > now:
            raise DomainError(
                _("The appointment has not started yet, so the visitor cannot be a no-show."),
                field="status",
                code="not_started",
            )
        locked.status = AppointmentStatus.NO_SHOW
        locked.no_show_at = now
        locked.version += 1
        locked.save(update_fields=["status", "no_show_at", "version", "updated_at"])
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
    logger.info("appointment %s recorded as a no-show by %s", locked.pk, getattr(by, "pk", "the beat"))
    return locked


def appointments_no_show_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Record every scheduled appointment whose expected end (plus NO_SHOW_GRACE) has passed as a
    no-show. Idempotent: each is taken under its row lock, and one already checked in, cancelled or
    recorded is left alone. Returns the ids recorded."""
    now = now or timezone.now()
    # Appointments are at most APPOINTMENT_MINUTES[1] long: a start before this bound may be due.
    candidates = Appointment.objects.filter(
        status=AppointmentStatus.SCHEDULED, start__lt=now - NO_SHOW_GRACE
    ).values_list("pk", "start", "expected_minutes")[:limit]
    done = []
    for pk, start, minutes in candidates:
        if start + timedelta(minutes=minutes) + NO_SHOW_GRACE > now:
            continue
        try:
            appointment_no_show(appointment=Appointment(pk=pk), by=None, now=now)
        except DomainError:
            continue  # checked in or cancelled meanwhile
        done.append(pk)
    return done


def appointment_for_check_in(*, appointment: Appointment, office: Office, now: datetime) -> Appointment:
    """Lock an appointment a visitor is being checked in for, and check it is today's and scheduled
    at this office (called inside visit_check_in's transaction)."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.office_id != office.pk:
        raise DomainError(_("This appointment is at another office."), field="appointment", code="other_office")
    if locked.service_date != timezone.localdate(now):
        raise DomainError(_("Only today's appointments can be checked in."), field="appointment", code="not_today")
    if locked.status != AppointmentStatus.SCHEDULED:
        raise DomainError(
            _("This appointment is “%(status)s”, not waiting for the visitor.")
            % {"status": AppointmentStatus(locked.status).label},
            field="appointment",
            code="not_scheduled",
        )
    return locked
