"""The booking state machine and the officer-facing write actions.

`booking_transition` is the only code that writes InterpreterBooking.status: every move is checked
against TRANSITIONS, stamps its timestamp and writes a BookingEvent in the same transaction.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Required, TypedDict, Unpack

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.outbox.services import outbox_enqueue
from interpreters.models import (
    ACTIVE_BOOKING_STATUSES,
    SYSTEM_CANCEL_REASONS,
    BookingEvent,
    BookingStatus,
    CancelReason,
    CompetenceLevel,
    Gender,
    InterpreterBooking,
    Modality,
    NotificationEvent,
    RequirementKind,
)
from interpreters.selectors import agencies_for
from interpreters.services.deadlines import answer_by_resolve
from interpreters.services.notifications import booking_is_prebooking, notification_send
from interpreters.services.pricing import booking_cancellation_fee, booking_estimate, check_minutes
from interpreters.services.requirements import (
    RequirementInput,
    booking_requirements_create,
    legacy_fields,
    requirements_build,
)
from visits.errors import DomainError, validate_choice
from visits.hooks import office_day_changed
from visits.languages import normalize_language_tag
from visits.models import Appointment, AppointmentStatus, LanguageNeed, Visit, VisitStatus

S = BookingStatus

# from -> {to: timestamp field set by the move}
TRANSITIONS: dict[str, dict[str, str]] = {
    S.REQUESTED: {S.PENDING: "pending_at", S.CANCELLED: "cancelled_at", S.FAILED: "failed_at"},
    S.PENDING: {S.CONFIRMED: "confirmed_at", S.CANCELLED: "cancelled_at", S.FAILED: "failed_at"},
    S.CONFIRMED: {
        S.IN_PROGRESS: "started_at",
        S.CANCELLED: "cancelled_at",
        S.NO_SHOW: "ended_at",
        S.FAILED: "failed_at",
    },
    S.IN_PROGRESS: {S.COMPLETED: "ended_at"},
    S.COMPLETED: {},
    S.CANCELLED: {},
    S.FAILED: {},
    S.NO_SHOW: {},
}
TERMINAL_STATUSES = frozenset(status for status, moves in TRANSITIONS.items() if not moves)
# A pre-booking's requester (and the office's opted-in staff) hear when it is confirmed or fails.
PREBOOKING_NOTICES: dict[str, str] = {
    BookingStatus.CONFIRMED: NotificationEvent.PREBOOKING_CONFIRMED,
    BookingStatus.FAILED: NotificationEvent.PREBOOKING_FAILED,
}
# Moves only an agency's own event times can force (booking_transition(correction=True), called by
# agency.py:booking_apply_agency_event): a "started" that happened before the agency's "cancelled"
# reopens the booking; a "cancelled" that happened before the "started" cancels it after all.
CORRECTIONS: dict[str, dict[str, str]] = {
    S.CANCELLED: {S.IN_PROGRESS: "started_at"},
    S.IN_PROGRESS: {S.CANCELLED: "cancelled_at"},
}
# The forward path; an agency event for a status already passed is stale, not an error.
FORWARD_PATH: list[str] = [S.REQUESTED, S.PENDING, S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED]
FINISHED_VISIT_STATUSES = frozenset({VisitStatus.DONE, VisitStatus.LEFT})


class StaleBookingError(DomainError):
    """The booking was no longer in the status the caller expected: someone else moved it first.
    Workers treat this as "nothing to do"; users get it as a 400 on field "status"."""


# How far ahead an interpreter can be booked.
MAX_BOOKING_AHEAD = timedelta(days=366)


def _status_label(status: str) -> str:
    return str(BookingStatus(status).label) if status in BookingStatus.values else status


def booking_transition(
    *,
    booking: InterpreterBooking,
    to_status: str,
    source: str,
    actor: User | None = None,
    detail: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    expected_from: Collection[str] | None = None,
    correction: bool = False,
    now: datetime | None = None,
) -> InterpreterBooking:
    """Move a booking to `to_status`, or raise DomainError(field="status") if the move is illegal.
    With `correction`, the legal moves are CORRECTIONS instead of TRANSITIONS.

    `changes` are other fields written in the same update (agency, connection details, minutes…).
    `expected_from` makes the move conditional ("requested -> pending only if still requested"): if
    the locked row is in another status, StaleBookingError is raised and nothing is written.
    Returns the updated booking (a fresh instance; the one passed in is also updated)."""
    now = now or timezone.now()
    changes = dict(changes or {})
    with transaction.atomic():
        # Row lock on PostgreSQL; on SQLite the IMMEDIATE transaction already serialises writers.
        # Either way the status we check is the status we overwrite.
        locked = InterpreterBooking.objects.select_for_update().get(pk=booking.pk)
        from_status = locked.status
        stamp = _transition_check(
            from_status=from_status, to_status=to_status, expected_from=expected_from, correction=correction
        )
        locked.status = to_status
        setattr(locked, stamp, now)
        for name, value in changes.items():
            setattr(locked, name, value)
        if to_status in TERMINAL_STATUSES:
            locked.next_attempt_at = None
        locked.save(update_fields=["status", stamp, "updated_at", "next_attempt_at", *changes])
        _transition_record(
            locked,
            from_status=from_status,
            to_status=to_status,
            source=source,
            actor=actor,
            detail=detail,
            correction=correction,
            now=now,
        )
    booking.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def _transition_check(
    *, from_status: str, to_status: str, expected_from: Collection[str] | None, correction: bool
) -> str:
    """Under the booking's lock: the timestamp field the move stamps, or StaleBookingError (not in
    `expected_from`) or DomainError (not a legal move)."""
    if expected_from is not None and from_status not in expected_from:
        raise StaleBookingError(
            _("The booking is already “%(status)s”.") % {"status": _status_label(from_status)},
            field="status",
            code="stale",
        )
    stamp = (CORRECTIONS if correction else TRANSITIONS).get(from_status, {}).get(to_status)
    if stamp is None:
        raise DomainError(
            _("A booking cannot go from “%(from)s” to “%(to)s”.")
            % {"from": _status_label(from_status), "to": _status_label(to_status)},
            field="status",
            code="illegal_transition",
        )
    return stamp


def _transition_record(
    locked: InterpreterBooking,
    *,
    from_status: str,
    to_status: str,
    source: str,
    actor: User | None,
    detail: dict[str, Any] | None,
    correction: bool,
    now: datetime,
) -> None:
    """In the move's transaction: its event, the office-day it changes and a pre-booking's notice."""
    BookingEvent.objects.create(
        booking=locked,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        source=source,
        at=now,
        detail=detail or {},
    )
    # The visit (or appointment) is read, not locked: the desk locks visit then booking, workers
    # only the booking.
    office_id, day = booking_office_day(locked)
    office_day_changed(office_id=office_id, day=day)
    notice = PREBOOKING_NOTICES.get(to_status)
    if notice is not None and not correction and booking_is_prebooking(locked):
        notification_send(event=notice, booking_id=locked.pk, now=now)


def booking_event_record(
    *,
    booking: InterpreterBooking,
    kind: str,
    source: str,
    actor: User | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> BookingEvent:
    """A notable step that does not change the status (a retry, a fallback, an escalation)."""
    return BookingEvent.objects.create(
        booking=booking,
        from_status=booking.status,
        to_status=booking.status,
        actor=actor,
        source=source,
        at=now or timezone.now(),
        detail={"kind": kind, **(detail or {})},
    )


@dataclass(frozen=True)
class _CheckedRequest:
    """A booking request after its checks: what `_booking_request_write` stores."""

    language: str
    dialect: str
    modality: str
    scheduled_for: datetime | None
    urgent: bool
    requirements: list[RequirementInput]
    minutes_ordered: int | None


class BookingAsk(TypedDict, total=False):
    """What the officer asks for, besides the visit: the keyword arguments `booking_request` and
    `booking_request_or_existing` pass on to `_booking_request_check` (mypy checks every key and type
    against its signature, which holds the defaults). `requirements` (see
    interpreters.services.requirements) are written with the booking; the older gender_preference /
    competence_* arguments are aliases merged into them."""

    modality: Required[str]
    language: str | None
    dialect: str
    scheduled_for: datetime | None
    gender_preference: str
    competence_required: str
    competence_wished: str
    requirements: Sequence[RequirementInput | Mapping[str, Any]] | None
    minutes_ordered: int | None


def booking_request(
    *, visit: Visit, requested_by: User | None, now: datetime | None = None, **ask: Unpack[BookingAsk]
) -> InterpreterBooking:
    """Ask for an interpreter for a visit (the officer's click): `booking_request_or_existing`, for
    callers that do not need to know whether the booking is new."""
    booking, _created = booking_request_or_existing(visit=visit, requested_by=requested_by, now=now, **ask)
    return booking


def booking_request_or_existing(
    *, visit: Visit, requested_by: User | None, now: datetime | None = None, **ask: Unpack[BookingAsk]
) -> tuple[InterpreterBooking, bool]:
    """Ask for an interpreter for a visit (what is asked: `BookingAsk`). Returns (booking, created).

    The row is written in the caller's transaction and the dispatch task is enqueued only once it
    commits, so a worker never looks for a row that is not there yet, and a rolled-back request
    sends nothing. If the visit already has an active booking, that booking is returned instead with
    created=False: two officers clicking at once get one booking (visit row lock + partial unique
    index), and the API answers 200 for it instead of 201 without asking beforehand."""
    now = now or timezone.now()
    checked = _booking_request_check(visit=visit, now=now, **ask)
    return _booking_request_write(visit=visit, requested_by=requested_by, checked=checked, now=now)


def _booking_request_check(
    *,
    visit: Visit,
    now: datetime,
    modality: str,
    language: str | None = None,
    dialect: str = "",
    scheduled_for: datetime | None = None,
    gender_preference: str = "",
    competence_required: str = "",
    competence_wished: str = "",
    requirements: Sequence[RequirementInput | Mapping[str, Any]] | None = None,
    minutes_ordered: int | None = None,
) -> _CheckedRequest:
    """Every check that needs no lock, before the database is touched for writing: choices, levels,
    the language (from the need when not given), the time and an agency that can take it."""
    validate_choice(modality, Modality, "modality")
    validate_choice(gender_preference, Gender, "gender_preference", allow_blank=True)
    _competence_check(required=competence_required, wished=competence_wished)
    reqs = requirements_build(
        requirements=requirements,
        gender_preference=gender_preference,
        competence_required=competence_required,
        competence_wished=competence_wished,
    )
    if minutes_ordered is not None:
        check_minutes(minutes_ordered, field="minutes_ordered")
    _visit_open_check(visit)
    language, dialect = _language_of(visit, language=language, dialect=dialect)
    dialect = dialect or _first_dialect(reqs)
    _scheduled_for_check(scheduled_for, now=now)
    _agency_available_check(language=language, modality=modality, county=visit.office.county)
    urgent = scheduled_for is None or _urgent(scheduled_for, now=now)
    return _CheckedRequest(
        language=language,
        dialect=dialect.strip()[:80],
        modality=modality,
        scheduled_for=scheduled_for,
        urgent=urgent,
        requirements=reqs,
        minutes_ordered=minutes_ordered or None,
    )


def _visit_open_check(visit: Visit) -> None:
    if visit.status in FINISHED_VISIT_STATUSES:
        raise DomainError(
            _("This visit has ended; no interpreter can be booked."), field="visit", code="visit_finished"
        )


def _competence_check(*, required: str, wished: str) -> None:
    validate_choice(required, CompetenceLevel, "competence_required", allow_blank=True)
    validate_choice(wished, CompetenceLevel, "competence_wished", allow_blank=True)
    levels = list(CompetenceLevel.values)
    if required and wished and levels.index(wished) < levels.index(required):
        raise DomainError(
            _("The wished level cannot be below the required level."), field="competence_wished", code="below_floor"
        )


def _language_of(visit: Visit, *, language: str | None, dialect: str) -> tuple[str, str]:
    """The language asked for (its tag normalised) and its dialect; when none is given, the visit's
    language need's."""
    if language is None or language == "":
        need = LanguageNeed.objects.filter(visit=visit).first()
        if need is None:
            raise DomainError(
                _("The visit has no language need: say which language."), field="language", code="required"
            )
        language = need.language
        dialect = dialect or need.dialect
    return normalize_language_tag(language), dialect


def _first_dialect(requirements: list[RequirementInput]) -> str:
    """The dialect asked for first among the requirements ("" when none is)."""
    return next((r.value for r in requirements if r.kind == RequirementKind.DIALECT and r.rank == 1), "")


def _urgent(start: datetime, *, now: datetime) -> bool:
    """Ordered at short notice (less than BOOKING_URGENT_LEAD_MINUTES ahead): billed at the urgent rate."""
    return start - now < timedelta(minutes=settings.BOOKING_URGENT_LEAD_MINUTES)


def _scheduled_for_check(scheduled_for: datetime | None, *, now: datetime) -> None:
    if scheduled_for is None:
        return
    if timezone.is_naive(scheduled_for):
        raise DomainError(_("Give the time with a time zone."), field="scheduled_for", code="naive")
    if scheduled_for < now - timedelta(minutes=5):
        raise DomainError(_("The time is in the past."), field="scheduled_for", code="past")
    if scheduled_for > now + MAX_BOOKING_AHEAD:
        # A typo such as year 9999 must not reach the agency as a real booking.
        raise DomainError(_("Book at most a year ahead: check the date."), field="scheduled_for", code="too_far_ahead")


def _agency_available_check(*, language: str, modality: str, county: str, language_field: str = "language") -> None:
    """Some active agency in the county offers the language, and by this modality. A refusal of the
    language is on `language_field` (where the caller took the language from)."""
    if not agencies_for(language=language, county=county):
        raise DomainError(
            _("No active interpreter agency offers “%(language)s”.") % {"language": language},
            field=language_field,
            code="no_agency",
        )
    if not agencies_for(language=language, modality=modality, county=county):
        raise DomainError(
            _("No active interpreter agency offers “%(language)s” by %(modality)s.")
            % {"language": language, "modality": str(Modality(modality).label).lower()},
            field="modality",
            code="no_agency",
        )


def _booking_request_write(
    *, visit: Visit, requested_by: User | None, checked: _CheckedRequest, now: datetime
) -> tuple[InterpreterBooking, bool]:
    """Write the booking, its first event and requirements under the visit's lock, or return the
    visit's active booking (created=False)."""
    with transaction.atomic():
        # Serialise concurrent requests for the same visit, and re-check the visit under the lock.
        locked_visit = Visit.objects.select_for_update().get(pk=visit.pk)
        _visit_open_check(locked_visit)
        existing = InterpreterBooking.objects.filter(visit=visit, status__in=ACTIVE_BOOKING_STATUSES).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():  # savepoint: the unique index is the last line of defence
                booking = _booking_create(owner={"visit": visit}, checked=checked, requested_by=requested_by, now=now)
        except IntegrityError:
            # Another request won the race between our check and our insert: theirs is the booking.
            existing = InterpreterBooking.objects.filter(visit=visit, status__in=ACTIVE_BOOKING_STATUSES).first()
            if existing is None:
                raise
            return existing, False
        _booking_requested(booking, checked=checked, requested_by=requested_by, now=now)
        office_day_changed(office_id=locked_visit.office_id, day=locked_visit.service_date)
    return booking, True


def _booking_create(
    *,
    owner: dict[str, Visit | Appointment],
    checked: _CheckedRequest,
    requested_by: User | None,
    now: datetime,
    answer_by: datetime | None = None,
) -> InterpreterBooking:
    """The booking row for `owner` ({"visit": ...} or {"appointment": ...}), with the price estimate."""
    booking = InterpreterBooking.objects.create(
        **owner,
        language=checked.language,
        dialect=checked.dialect,
        modality=checked.modality,
        scheduled_for=checked.scheduled_for,
        urgent=checked.urgent,
        **legacy_fields(checked.requirements),
        requested_by=requested_by,
        status=BookingStatus.REQUESTED,
        requested_at=now,
        minutes_ordered=checked.minutes_ordered,
        answer_by=answer_by,
    )
    _store_estimate(booking, now)
    return booking


def _booking_requested(
    booking: InterpreterBooking,
    *,
    checked: _CheckedRequest,
    requested_by: User | None,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """What goes with a new booking, in its transaction: its first event (with `detail` added), its
    requirements and the dispatch task (through the outbox: sent once the transaction commits)."""
    BookingEvent.objects.create(
        booking=booking,
        from_status="",
        to_status=BookingStatus.REQUESTED,
        actor=requested_by,
        source="user",
        at=now,
        detail={
            "modality": checked.modality,
            "language": checked.language,
            "scheduled_for": _iso(checked.scheduled_for),
            **(detail or {}),
        },
    )
    booking_requirements_create(booking=booking, requirements=checked.requirements)
    _enqueue_on_commit("interpreters.booking_dispatch_step", booking.pk)


def booking_prebook(
    *,
    appointment: Appointment,
    requested_by: User | None,
    modality: str,
    requirements: Sequence[RequirementInput | Mapping[str, Any]] | None = None,
    answer_by: datetime | None = None,
    now: datetime | None = None,
) -> InterpreterBooking:
    """Pre-book an interpreter for an appointment (issue 11): for the appointment's language, at
    its start, for its expected length. The agency must answer by the framework's deadline for the
    lead time (interpreters/services/deadlines.py), or at short notice by the officer's `answer_by`.

    Written in the caller's transaction (the appointment is created or locked there); the dispatch
    task goes out through the outbox once it commits. An appointment that already holds a live
    booking gets that one back (row lock + partial unique index), so a repeated request books once."""
    now = now or timezone.now()
    checked, deadline = _prebook_check(
        appointment=appointment, modality=modality, requirements=requirements, answer_by=answer_by, now=now
    )
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != AppointmentStatus.SCHEDULED:
            raise DomainError(
                _("Only a scheduled appointment can have an interpreter booked."), field="status", code="not_scheduled"
            )
        existing = InterpreterBooking.objects.filter(appointment=locked, status__in=ACTIVE_BOOKING_STATUSES).first()
        if existing is not None:
            return existing
        booking = _booking_create(
            owner={"appointment": locked},
            checked=replace(checked, minutes_ordered=locked.expected_minutes),
            requested_by=requested_by,
            now=now,
            answer_by=deadline,
        )
        _booking_requested(
            booking, checked=checked, requested_by=requested_by, now=now, detail={"answer_by": _iso(deadline)}
        )
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
    return booking


def _prebook_check(
    *,
    appointment: Appointment,
    modality: str,
    requirements: Sequence[RequirementInput | Mapping[str, Any]] | None,
    answer_by: datetime | None,
    now: datetime,
) -> tuple[_CheckedRequest, datetime]:
    """Every check before the appointment is locked: the modality, the appointment's language, an
    agency that can take it, and the answer deadline (returned with the checked request)."""
    validate_choice(modality, Modality, "modality")
    reqs = requirements_build(requirements=requirements)
    if not appointment.language:
        raise DomainError(
            _("The appointment has no language need: say which language."), field="language_need", code="required"
        )
    start = appointment.start
    deadline = answer_by_resolve(ordered_at=now, start=start, requested=answer_by)
    language = normalize_language_tag(appointment.language)
    dialect = appointment.dialect or _first_dialect(reqs)
    _agency_available_check(
        language=language, modality=modality, county=appointment.office.county, language_field="language_need"
    )
    checked = _CheckedRequest(
        language=language,
        dialect=dialect.strip()[:80],
        modality=modality,
        scheduled_for=start,
        urgent=_urgent(start, now=now),
        requirements=reqs,
        minutes_ordered=appointment.expected_minutes,
    )
    return checked, deadline


def booking_retime(
    *,
    booking: InterpreterBooking,
    by: User | None,
    answer_by: datetime | None = None,
    now: datetime | None = None,
) -> InterpreterBooking:
    """The appointment a pre-booking belongs to was moved: the booking takes its new start and
    length, a new answer deadline for the new lead time, and the agency is told (through the
    outbox, after commit). Refused once the interpreter's start has passed or the call started.
    Runs in the caller's transaction (interpreters/desk/appointments.py, the appointment locked)."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the booking row only (its appointment is the caller's, already locked): PostgreSQL
        # refuses FOR UPDATE over the nullable side of the join select_related would add.
        locked = (
            InterpreterBooking.objects.select_for_update(of=("self",)).select_related("appointment").get(pk=booking.pk)
        )
        appointment = locked.appointment
        if appointment is None or locked.status not in ACTIVE_BOOKING_STATUSES:
            return locked
        if locked.status == BookingStatus.IN_PROGRESS or (
            locked.scheduled_for is not None and locked.scheduled_for <= now
        ):
            raise DomainError(
                _("The interpreter's booking has already started; it can no longer be moved."),
                field="start",
                code="booking_started",
            )
        deadline = answer_by_resolve(ordered_at=now, start=appointment.start, requested=answer_by)
        old = locked.scheduled_for
        locked.scheduled_for = appointment.start
        locked.minutes_ordered = appointment.expected_minutes
        # Still unanswered: the agency gets a new deadline for the new lead time. A confirmed
        # booking keeps none (it has answered); the agency confirms the new time or cancels.
        locked.answer_by = deadline if locked.status in (BookingStatus.REQUESTED, BookingStatus.PENDING) else None
        locked.urgent = _urgent(appointment.start, now=now)
        locked.save(update_fields=["scheduled_for", "minutes_ordered", "answer_by", "urgent", "updated_at"])
        booking_event_record(
            booking=locked,
            kind="retimed",
            source="user",
            actor=by,
            detail={"from": _iso(old), "to": _iso(appointment.start), "minutes": appointment.expected_minutes},
            now=now,
        )
        office_day_changed(office_id=appointment.office_id, day=appointment.service_date)
        if locked.agency_id is not None:
            outbox_enqueue(
                task="interpreters.booking_reschedule_at_agency",
                args=[locked.pk],
                dedupe_key=f"interpreters.booking_reschedule_at_agency:{locked.pk}:{_iso(appointment.start)}",
            )
    return locked


def _store_estimate(booking: InterpreterBooking, now: datetime) -> None:
    """The price the officer saw before ordering, stored with its rows (no list: no estimate)."""
    estimate = booking_estimate(booking=booking, now=now)
    if estimate is not None:
        booking.cost_estimated_ore = estimate.total_ore
        booking.estimate_rows = estimate.rows_as_dicts()
        booking.save(update_fields=["cost_estimated_ore", "estimate_rows"])


def booking_cancel(
    *,
    booking: InterpreterBooking,
    by: User | None,
    reason: str = CancelReason.OTHER,
    note: str = "",
    now: datetime | None = None,
) -> InterpreterBooking:
    """Cancel a booking that has not started, with a reason from CancelReason and an optional note.
    Writes the fee the office owes (pricing.booking_cancellation_fee: the same function that shows
    the fee before confirming). The office may not cancel a booking of a finished visit; system
    reasons ("system_*": fallback orphans, deadlines, closing the visit) may, and cost nothing.
    Tells the agency (after commit) if it had been sent."""
    now = now or timezone.now()
    validate_choice(reason, CancelReason, "reason")
    note = (note or "").strip()
    if len(note) > 1000:
        raise DomainError(_("The note is too long (at most 1000 characters)."), field="note", code="max_length")
    if reason not in SYSTEM_CANCEL_REASONS and booking.visit_id is not None:
        status = Visit.objects.filter(pk=booking.visit_id).values_list("status", flat=True).first()
        if status in FINISHED_VISIT_STATUSES:
            raise DomainError(
                _("This visit has ended; its booking can no longer be cancelled."),
                field="status",
                code="visit_finished",
            )
    fee = booking_cancellation_fee(booking=booking, reason=reason, now=now)
    was_sent = booking.agency_id is not None
    detail: dict[str, Any] = {"reason": reason, "fee_ore": fee.total_ore}
    booking = booking_transition(
        booking=booking,
        to_status=BookingStatus.CANCELLED,
        source="user" if reason not in SYSTEM_CANCEL_REASONS else "system",
        actor=by,
        detail=detail,
        changes={
            "cancel_reason": reason,
            "cancel_note": note,
            "cancellation_fee_ore": fee.total_ore,
            "cancellation_fee_rows": fee.rows_as_dicts(),
        },
        now=now,
    )
    if was_sent or booking.agency_id is not None:
        _enqueue_on_commit("interpreters.booking_cancel_at_agency", booking.pk)
    return booking


def booking_office_day(booking: InterpreterBooking) -> tuple[int, date]:
    """The office-day a booking counts on, read fresh: its visit's, or before check-in its
    appointment's (the appointment's date moves with it)."""
    if booking.visit_id is not None:
        row = Visit.objects.values("office_id", "service_date").get(pk=booking.visit_id)
    elif booking.appointment_id is not None:
        row = Appointment.objects.values("office_id", "service_date").get(pk=booking.appointment_id)
    else:  # the booking_visit_xor_appointment constraint forbids it
        raise ValueError(f"booking {booking.pk} has neither a visit nor an appointment")
    return row["office_id"], row["service_date"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _enqueue_on_commit(task_name: str, booking_id: int) -> None:
    """Send a task once the surrounding transaction commits (never for a rolled-back write): an
    outbox row written in the transaction, relayed to the broker after commit."""
    outbox_enqueue(task=task_name, args=[booking_id], dedupe_key=booking_task_key(task_name, booking_id))


def booking_task_key(task_name: str, booking_id: int) -> str:
    """The outbox dedupe key of a booking's task: rows with it ask for the same work."""
    return f"{task_name}:{booking_id}"
