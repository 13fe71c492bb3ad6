"""Requisitions: the agency's claim for a completed call and the office's answer.

reported -> confirmed | disputed; a corrected requisition from the agency (callback event
`requisition_corrected`) replaces the current one, which keeps its row with status `replaced`.
Prices come from interpreters/services/pricing.py: the ordered time is a floor for pre-booked calls,
on-demand calls are priced on actual time.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interpreters.models import BookingStatus, InterpreterBooking, Requisition, RequisitionStatus
from interpreters.services.bookings import booking_event_record, booking_office_day
from interpreters.services.pricing import booking_billed_minutes, booking_price, check_minutes
from visits.errors import DomainError
from visits.hooks import office_day_changed

R = RequisitionStatus
DECISIONS = ("confirm", "dispute")


def _office_record(booking: InterpreterBooking) -> dict[str, Any]:
    """The office's own record of the call: the visit's service times (started at the desk, ended
    when the officer closes the visit). Empty while the visit is still open."""
    visit = booking.visit
    if visit is None:  # an appointment's pre-booking: nobody was served at the desk
        return {"office_start": None, "office_end": None, "office_minutes": None}
    start, end = visit.started_at, visit.ended_at
    minutes = None
    if start is not None and end is not None and end >= start:
        minutes = round((end - start).total_seconds() / 60)
    return {"office_start": start, "office_end": end, "office_minutes": minutes}


def _check_times(minutes: int, start: datetime | None, end: datetime | None) -> None:
    check_minutes(minutes)
    if start is not None and end is not None and end < start:
        raise DomainError(_("The end is before the start."), field="ended_at", code="end_before_start")


def _priced(booking: InterpreterBooking, minutes: int, start: datetime | None) -> tuple[int, int, list[dict]]:
    billed = booking_billed_minutes(booking=booking, minutes=minutes)
    price = booking_price(booking=booking, minutes=minutes, start=start)
    if price is None:
        return billed, 0, []
    return billed, price.total_ore, price.rows_as_dicts()


def requisition_report(
    *,
    booking: InterpreterBooking,
    minutes: int,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    agency_event_id: str = "",
    now: datetime | None = None,
) -> Requisition:
    """The agency's requisition for an ended call. Called inside the "ended" transaction with the
    booking locked; writes the reported cost on the booking. A second report for a booking that has
    one is a correction (see requisition_correct)."""
    now = now or timezone.now()
    _check_times(minutes, started_at, ended_at)
    if Requisition.objects.filter(booking=booking).exclude(status=R.REPLACED).exists():
        return requisition_correct(
            booking=booking, minutes=minutes, started_at=started_at, ended_at=ended_at,
            agency_event_id=agency_event_id, now=now,
        )  # fmt: skip
    return _create(booking, minutes, started_at, ended_at, agency_event_id, now, replaces=None)


def _create(
    booking: InterpreterBooking,
    minutes: int,
    started_at: datetime | None,
    ended_at: datetime | None,
    agency_event_id: str,
    now: datetime,
    replaces: Requisition | None,
) -> Requisition:
    billed, cost, rows = _priced(booking, minutes, started_at or booking.started_at)
    requisition = Requisition.objects.create(
        booking=booking,
        status=R.REPORTED,
        reported_start=started_at,
        reported_end=ended_at,
        reported_minutes=minutes,
        billed_minutes=billed,
        cost_ore=cost,
        cost_rows=rows,
        corrected=replaces is not None,
        replaces=replaces,
        agency_event_id=agency_event_id[:80],
        created_at=now,
        **_office_record(booking),
    )
    InterpreterBooking.objects.filter(pk=booking.pk).update(
        minutes_used=minutes,
        cost_reported_ore=cost,
        cost_confirmed_ore=None,
        cost_ore=cost,
        cost_rows=rows,
        updated_at=now,
    )
    return requisition


def requisition_correct(
    *,
    booking: InterpreterBooking,
    minutes: int,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    agency_event_id: str = "",
    now: datetime | None = None,
) -> Requisition:
    """A corrected requisition from the agency: replaces the current one (kept, status `replaced`).
    The office answers the new one again. Refused for a booking whose call never ended."""
    now = now or timezone.now()
    _check_times(minutes, started_at, ended_at)
    with transaction.atomic():
        locked = _booking_lock(booking)
        if locked.status != BookingStatus.COMPLETED:
            raise DomainError(_("Only a completed call has a requisition."), field="booking", code="not_completed")
        current = Requisition.objects.filter(booking=locked).exclude(status=R.REPLACED).first()
        if current is not None:
            current.status = R.REPLACED
            current.save(update_fields=["status"])
        requisition = _create(locked, minutes, started_at, ended_at, agency_event_id, now, replaces=current)
        booking_event_record(
            booking=locked,
            kind="requisition_corrected" if current else "requisition_reported",
            source=f"agency:{locked.agency.slug}" if locked.agency else "agency",
            detail={"minutes": minutes, "requisition": requisition.pk},
            now=now,
        )
        _touch(locked)
    return requisition


def requisition_decision_check(*, action: str, minutes: int | None, comment: str) -> None:
    """The office's answer on its own, before the database: confirm, or dispute with a comment."""
    if action not in DECISIONS:
        raise DomainError(_("Choose confirm or dispute."), field="action", code="invalid_choice")
    if minutes is not None:
        check_minutes(minutes)
    if action == "dispute" and not (comment or "").strip():
        raise DomainError(_("Say what is wrong with the minutes."), field="comment", code="required")


def requisition_decide(
    *,
    booking: InterpreterBooking,
    by: User | None,
    action: str,
    minutes: int | None = None,
    comment: str = "",
    requisition_id: int | None = None,
    now: datetime | None = None,
) -> Requisition:
    """The office confirms (the reported minutes, or its own) or disputes (with a comment) the
    current requisition. Confirming prices the confirmed minutes and writes cost_confirmed_ore.

    `requisition_id`: the requisition the officer saw. If the agency has replaced it since (a
    corrected requisition arrived while the page was open), the answer is refused: the officer
    answers the new minutes, not the old ones."""
    now = now or timezone.now()
    requisition_decision_check(action=action, minutes=minutes, comment=comment)
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = _booking_lock(booking)
        requisition = _requisition_to_answer(locked, requisition_id=requisition_id)
        requisition.decided_at = now
        requisition.decided_by = by
        requisition.comment = comment[:2000]
        for name, value in _office_record(locked).items():
            setattr(requisition, name, value)
        _requisition_answer_apply(requisition, booking=locked, action=action, minutes=minutes, now=now)
        requisition.save()
        booking_event_record(
            booking=locked,
            kind=f"requisition_{requisition.status}",
            source="user",
            actor=by,
            detail={"minutes": requisition.confirmed_minutes},
            now=now,
        )
        _touch(locked)
    return requisition


def _booking_lock(booking: InterpreterBooking) -> InterpreterBooking:
    # The booking row only: PostgreSQL refuses FOR UPDATE over the nullable visit join (a booking
    # may belong to an appointment); the visit is read for its times, not locked.
    return InterpreterBooking.objects.select_for_update(of=("self",)).select_related("visit").get(pk=booking.pk)


def _requisition_to_answer(locked: InterpreterBooking, *, requisition_id: int | None) -> Requisition:
    """Under the booking's lock: the current requisition, if it is still the one the officer saw
    and not yet confirmed (an agency correction and the officer's answer are serialised by the lock)."""
    requisition = Requisition.objects.filter(booking=locked).exclude(status=R.REPLACED).first()
    if requisition is None:
        raise DomainError(_("The agency has not reported this call yet."), field="booking", code="no_requisition")
    if requisition_id is not None and requisition.pk != requisition_id:
        raise DomainError(
            _("The agency sent corrected minutes (%(minutes)s) after the page was shown: check them and answer again.")
            % {"minutes": requisition.reported_minutes},
            field="requisition",
            code="stale",
        )
    if requisition.status == R.CONFIRMED:
        raise DomainError(_("The minutes are already confirmed."), field="action", code="already_confirmed")
    return requisition


def _requisition_answer_apply(
    requisition: Requisition, *, booking: InterpreterBooking, action: str, minutes: int | None, now: datetime
) -> None:
    """Confirm (price the confirmed minutes onto the booking) or dispute (the booking has no
    confirmed cost); the requisition is saved by the caller."""
    if action == "confirm":
        confirmed = requisition.reported_minutes if minutes is None else minutes
        _billed, cost, rows = _priced(booking, confirmed, requisition.reported_start or booking.started_at)
        requisition.status = R.CONFIRMED
        requisition.confirmed_minutes = confirmed
        InterpreterBooking.objects.filter(pk=booking.pk).update(
            cost_confirmed_ore=cost, cost_ore=cost, cost_rows=rows, updated_at=now
        )
    else:
        requisition.status = R.DISPUTED
        requisition.confirmed_minutes = minutes
        InterpreterBooking.objects.filter(pk=booking.pk).update(cost_confirmed_ore=None, updated_at=now)


def _touch(booking: InterpreterBooking) -> None:
    office_id, day = booking_office_day(booking)
    office_day_changed(office_id=office_id, day=day)
