"""Write actions of the officer's desk, which work on a visit and its bookings together (so they
live on the interpreters side: visits must not depend on interpreters).

- ``visit_outcome_record``: was an interpreter used, and if not, why (checked against the bookings).
- ``visit_close``: the outcome, the bookings and the visit status move together, or not at all.
- ``visit_booking_request``: the officer's one-click request, recording the language need first
  when the visit has none.
- ``visit_reopen_at_desk``: undo a close made by mistake; the bookings the close withdrew stay
  cancelled (the agency was told)."""

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interpreters.models import (
    ACTIVE_BOOKING_STATUSES,
    CONNECTED_BOOKING_STATUSES,
    AgencyDirectLine,
    BookingChannel,
    BookingEvent,
    BookingStatus,
    CancelReason,
    CompetenceLevel,
    InterpreterAgency,
    InterpreterBooking,
    Modality,
    Requisition,
    RequisitionStatus,
)
from interpreters.selectors import direct_line_for, visit_booking_to_rate
from interpreters.services.bookings import booking_cancel, booking_request, booking_transition
from interpreters.services.pricing import booking_price, check_minutes
from interpreters.services.ratings import RatingInput, booking_rate, rating_check
from interpreters.services.requirements import RequirementInput
from interpreters.services.requisitions import requisition_decide, requisition_decision_check
from visits.errors import DomainError, validate_choice
from visits.hooks import office_day_changed
from visits.languages import normalize_language_tag
from visits.models import (
    LanguageNeed,
    NotUsedReason,
    Visit,
    VisitOutcome,
    VisitStatus,
)
from visits.services import (
    DISCOURAGED_NOT_USED_REASONS,
    OUTCOME_VISIT_STATUSES,
    LanguageNeedInput,
    language_need_record,
    visit_outcome_required,
    visit_reopen,
    visit_set_status,
)

logger = logging.getLogger(__name__)

# Bookings that closing the visit withdraws: the interpreter has not started, so nobody should call.
WITHDRAWN_ON_CLOSE = (BookingStatus.REQUESTED, BookingStatus.PENDING, BookingStatus.CONFIRMED)


def _outcome_answer_check(*, interpreter_used: bool, reason_not_used: str) -> None:
    """The answer on its own (before the database): yes, or no with one known reason."""
    if not isinstance(interpreter_used, bool):
        raise DomainError(_("Answer yes or no."), field="interpreter_used", code="invalid")
    if interpreter_used and reason_not_used:
        raise DomainError(
            _("Give a reason only when no interpreter was used."), field="reason_not_used", code="not_allowed"
        )
    if not interpreter_used:
        if not reason_not_used:
            raise DomainError(_("Say why no interpreter was used."), field="reason_not_used", code="required")
        validate_choice(reason_not_used, NotUsedReason, "reason_not_used")


def _outcome_write(
    *, visit: Visit, interpreter_used: bool, reason_not_used: str, recorded_by: User | None, now: datetime
) -> tuple[VisitOutcome, bool]:
    """Create the visit's outcome, or replace a different earlier answer (same answer: untouched)."""
    outcome = VisitOutcome.objects.filter(visit=visit).first()
    if outcome is None:
        outcome = VisitOutcome.objects.create(
            visit=visit,
            interpreter_used=interpreter_used,
            reason_not_used=reason_not_used,
            recorded_by=recorded_by,
            recorded_at=now,
        )
        return outcome, True
    if (outcome.interpreter_used, outcome.reason_not_used) != (interpreter_used, reason_not_used):
        outcome.interpreter_used = interpreter_used
        outcome.reason_not_used = reason_not_used
        outcome.recorded_by = recorded_by
        outcome.recorded_at = now
        outcome.save(update_fields=["interpreter_used", "reason_not_used", "recorded_by", "recorded_at"])
    return outcome, False


def visit_outcome_record(
    *,
    visit: Visit,
    interpreter_used: bool,
    reason_not_used: str = "",
    recorded_by: User | None,
    now: datetime | None = None,
) -> tuple[VisitOutcome, bool]:
    """Record whether an interpreter was used at the visit and, if not, why. Returns the outcome and
    whether it was created (False: an earlier answer was replaced or left as it was).

    Recording again replaces the earlier answer (the officer corrects a slip); recording the same
    answer twice changes nothing. An outcome that contradicts the bookings is refused: when an
    interpreter was connected (a booking in progress or completed), "not used" cannot be true.
    """
    reason_not_used = (reason_not_used or "").strip()
    _outcome_answer_check(interpreter_used=interpreter_used, reason_not_used=reason_not_used)
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the visit: two officers submitting at once must end in one outcome row, and the
        # visit's status must not change under us (closing happens under the same lock).
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.status not in OUTCOME_VISIT_STATUSES:
            raise DomainError(
                _("The outcome can be recorded once service has started."), field="visit", code="not_started"
            )
        connected = InterpreterBooking.objects.filter(visit=locked, status__in=CONNECTED_BOOKING_STATUSES).exists()
        if connected and not interpreter_used:
            raise DomainError(
                _("An interpreter was connected to this visit through a booking: answer yes."),
                field="interpreter_used",
                code="inconsistent",
            )
        outcome, created = _outcome_write(
            visit=locked,
            interpreter_used=interpreter_used,
            reason_not_used=reason_not_used,
            recorded_by=recorded_by,
            now=now,
        )
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
    if reason_not_used in DISCOURAGED_NOT_USED_REASONS:
        logger.warning("visit %s: outcome recorded with discouraged reason %s", locked.pk, reason_not_used)
    return outcome, created


@dataclass(frozen=True)
class RequisitionAnswer:
    """The officer's answer to the agency's minutes, given as a step of ending the visit: the
    requisition shown on the page, confirm or dispute, the minutes (prefilled with the agency's)
    and a comment (required to dispute)."""

    requisition_id: int
    action: str
    minutes: int | None = None
    comment: str = ""


def _prefixed(exc: DomainError) -> DomainError:
    # The end-visit form names the step's fields requisition_*; keep the message and code.
    field = f"requisition_{exc.field}" if exc.field in ("action", "minutes", "comment") else "requisition"
    return DomainError(exc.message, field=field, code=exc.code)


def _requisition_answer(*, visit: Visit, answer: RequisitionAnswer, by: User | None, now: datetime) -> None:
    """Record the answer given while ending the visit. The same answer twice (a second tab, a
    resubmitted form) changes nothing; an answer to minutes the agency has since corrected is
    refused (requisition_decide checks the id under the booking lock)."""
    requisition = Requisition.objects.filter(pk=answer.requisition_id, booking__visit=visit).first()
    if requisition is None:
        raise DomainError(_("That requisition is not this visit's."), field="requisition", code="not_found")
    minutes = answer.minutes if answer.minutes is not None else requisition.reported_minutes
    comment = answer.comment.strip()
    same_answer = {
        "confirm": requisition.status == RequisitionStatus.CONFIRMED and requisition.confirmed_minutes == minutes,
        "dispute": requisition.status == RequisitionStatus.DISPUTED
        and (requisition.confirmed_minutes, requisition.comment) == (minutes, comment),
    }
    if same_answer.get(answer.action):
        return
    try:
        requisition_decide(
            booking=requisition.booking,
            by=by,
            action=answer.action,
            minutes=minutes,
            comment=comment,
            requisition_id=requisition.pk,
            now=now,
        )
    except DomainError as exc:
        raise _prefixed(exc) from None


def visit_close(
    *,
    visit: Visit,
    status: str,
    by: User | None,
    interpreter_used: bool | None = None,
    reason_not_used: str = "",
    rating_stars: int | None = None,
    rating_problems: Sequence[str] = (),
    requisition: RequisitionAnswer | None = None,
    now: datetime | None = None,
) -> Visit:
    """End a visit (`done`) or record that the visitor left (`left`).

    When an interpreter was wanted (or maybe wanted), the outcome is the under-use report's only
    source, so ending a served visit requires it. A visitor who left is recorded as "not used,
    visitor left" unless an interpreter was connected. A booking whose interpreter has not started
    is withdrawn (unless the officer says the confirmed interpreter was used); a call in progress is
    left for the agency to end.

    `requisition`: the officer's answer to the agency's minutes of a completed call (confirm, in
    one click, or dispute with a comment), recorded with the close or not at all.

    `rating_stars` (optional, with `rating_problems` below 3 stars) rates the visit's call in the same
    transaction: a visit whose call never started has nothing to rate, and then nothing is closed."""
    if status not in (VisitStatus.DONE, VisitStatus.LEFT):
        raise DomainError(_("A visit is closed as done or left."), field="status", code="invalid_choice")
    rating = _rating_check(stars=rating_stars, problems=rating_problems)
    if requisition is not None:
        try:
            requisition_decision_check(
                action=requisition.action, minutes=requisition.minutes, comment=requisition.comment
            )
        except DomainError as exc:
            raise _prefixed(exc) from None
    now = now or timezone.now()
    with transaction.atomic():
        # Lock first: the checks below must hold until the status changes.
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if interpreter_used is None:
            interpreter_used, reason_not_used = _close_outcome(locked, status=status, reason_not_used=reason_not_used)
        _close_bookings(locked, interpreter_used=interpreter_used, by=by, now=now)
        locked = visit_set_status(visit=locked, status=status, by=by, now=now)
        if interpreter_used is not None:
            visit_outcome_record(
                visit=locked,
                interpreter_used=interpreter_used,
                reason_not_used=reason_not_used,
                recorded_by=by,
                now=now,
            )
        if requisition is not None:
            # After the status change: the requisition's office record takes the visit's end time.
            _requisition_answer(visit=locked, answer=requisition, by=by, now=now)
        if rating is not None:
            _rating_write(visit=locked, rating=rating, by=by, now=now)
    return locked


def _close_outcome(locked: Visit, *, status: str, reason_not_used: str) -> tuple[bool | None, str]:
    """The outcome a close records when the officer gave none: a served visit that needs one cannot
    end without it; a visitor who left was "not used, visitor left" unless an interpreter was
    connected. (None, ...): nothing to record."""
    if not visit_outcome_required(visit=locked) or VisitOutcome.objects.filter(visit=locked).exists():
        return None, reason_not_used
    if status == VisitStatus.DONE:
        raise DomainError(
            _("Answer whether an interpreter was used before ending the visit."),
            field="interpreter_used",
            code="required",
        )
    connected = InterpreterBooking.objects.filter(visit=locked, status__in=CONNECTED_BOOKING_STATUSES).exists()
    return connected, "" if connected else NotUsedReason.VISITOR_LEFT


def _close_bookings(locked: Visit, *, interpreter_used: bool | None, by: User | None, now: datetime) -> None:
    """Withdraw the bookings whose interpreter has not started (a system cancel, no fee)."""
    withdrawn = list(WITHDRAWN_ON_CLOSE)
    if interpreter_used:
        # The officer says the interpreter was used: a confirmed booking whose agency has not
        # reported the call yet was real, so it is not cancelled (the agency's "ended" completes it).
        withdrawn.remove(BookingStatus.CONFIRMED)
    for booking in InterpreterBooking.objects.filter(visit=locked, status__in=withdrawn):
        booking_cancel(booking=booking, by=by, reason=CancelReason.SYSTEM_VISIT_CLOSED, now=now)


def _rating_check(*, stars: int | None, problems: Sequence[str]) -> RatingInput | None:
    if stars is None:
        if problems:
            raise DomainError(_("Give the stars too."), field="stars", code="required")
        return None
    return rating_check(stars=stars, problems=problems)


def _rating_write(*, visit: Visit, rating: RatingInput, by: User | None, now: datetime) -> None:
    booking = visit_booking_to_rate(visit_id=visit.pk)
    if booking is None:
        raise DomainError(
            _("No interpreter call started at this visit: there is nothing to rate."), field="stars", code="not_started"
        )
    booking_rate(booking=booking, by=by, rating=rating, now=now)


def booking_request_at_desk(
    *,
    visit: Visit,
    need: LanguageNeedInput | None,
    requested_by: User | None,
    modality: str,
    scheduled_for: datetime | None,
    minutes_ordered: int | None = None,
    requirements: list[RequirementInput] | None = None,
) -> InterpreterBooking:
    """The officer's "book an interpreter" button: records the language need first when the visit
    had none (the officer noticed it mid-visit), and requests the booking, together or not at all.
    Returns the live booking, which is an earlier one if the visit already had one."""
    with transaction.atomic():
        if need is not None:
            language_need_record(visit=visit, need=need, recorded_by=requested_by)
        return booking_request(
            visit=visit,
            requested_by=requested_by,
            modality=modality,
            scheduled_for=scheduled_for,
            minutes_ordered=minutes_ordered,
            requirements=requirements,
        )


def bookings_withdrawn_on_close(*, visit: Visit) -> list[InterpreterBooking]:
    """The bookings that closing this visit cancelled (reason "the visit was closed")."""
    return list(
        InterpreterBooking.objects.filter(
            visit=visit, status=BookingStatus.CANCELLED, cancel_reason=CancelReason.SYSTEM_VISIT_CLOSED
        ).order_by("pk")
    )


def visit_reopen_at_desk(
    *, visit: Visit, by: User | None, now: datetime | None = None
) -> tuple[Visit, list[InterpreterBooking]]:
    """Reopen a visit closed by mistake (visits.services.visit_reopen) and return it with the
    bookings the close withdrew, which stay cancelled.

    They are not restored on purpose: the cancellation was sent to the agency when the visit closed
    (booking_cancel_at_agency_task), so the agency may already have released the interpreter or
    given the slot to someone else, and a "restored" booking here would be one the agency no longer
    has. The officer books again if the visitor still needs an interpreter; the page says so before
    and after reopening. The decision is logged with the booking ids."""
    with transaction.atomic():
        locked = visit_reopen(visit=visit, by=by, now=now)
        withdrawn = bookings_withdrawn_on_close(visit=locked)
    if withdrawn:
        logger.info(
            "visit %s reopened by user %s: bookings %s cancelled at closing stay cancelled (the agency was told)",
            locked.pk,
            getattr(by, "pk", None),
            ",".join(str(b.pk) for b in withdrawn),
        )
    return locked, withdrawn


# ------------------------------------------------------------------------------------------------
# Every channel counted (issue 11): the agency's direct line, and an interpreter ordered elsewhere.
# Both become bookings, so the reports' "interpreter used", minutes and cost count them unchanged.

# A clock a few minutes ahead on the officer's device is not an error; an hour is.
FUTURE_TOLERANCE = timedelta(minutes=5)
# An invoice above this (öre) is a typo, not a price: 100 000 kronor.
MAX_COST_ORE = 10_000_000


def _channel_language(visit: Visit, language: str) -> str:
    if not language:
        need = LanguageNeed.objects.filter(visit=visit).first()
        language = need.language if need is not None else ""
    return normalize_language_tag(language)


def direct_line_show(*, visit: Visit, language: str = "") -> AgencyDirectLine:
    """The direct number the officer is to call for the visit's language (DomainError if none)."""
    language = _channel_language(visit, language)
    line = direct_line_for(language=language, county=visit.office.county)
    if line is None:
        raise DomainError(
            _("No agency in the county's ranking has a direct line for this language."),
            field="language",
            code="no_direct_line",
        )
    return line


def direct_line_connect(
    *, visit: Visit, by: User | None, language: str = "", now: datetime | None = None
) -> InterpreterBooking:
    """The officer called the ranked agency's direct line and the interpreter is on: a booking in
    progress, through no agency API. One live booking per visit, as for any booking."""
    now = now or timezone.now()
    line = direct_line_show(visit=visit, language=language)
    with transaction.atomic():
        # Conflicts with: a second click or tab, and a booking requested meanwhile. The visit row
        # lock orders them; the one-live-booking index refuses the loser either way.
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.status in (VisitStatus.DONE, VisitStatus.LEFT):
            raise DomainError(_("The visit is closed."), field="visit", code="visit_closed")
        if InterpreterBooking.objects.filter(visit=locked, status__in=ACTIVE_BOOKING_STATUSES).exists():
            raise DomainError(
                _("The visit already has an interpreter booking in progress."), field="status", code="active_booking"
            )
        booking = InterpreterBooking.objects.create(
            visit=locked,
            channel=BookingChannel.DIRECT_LINE,
            language=line.language,
            modality=Modality.PHONE,
            status=BookingStatus.IN_PROGRESS,
            agency=line.agency,
            connection_phone=line.phone,
            requested_by=by,
            requested_at=now,
            started_at=now,
            urgent=True,
        )
        BookingEvent.objects.create(
            booking=booking,
            from_status="",
            to_status=BookingStatus.IN_PROGRESS,
            actor=by,
            source="officer",
            at=now,
            detail={"channel": BookingChannel.DIRECT_LINE, "agency": line.agency.slug},
        )
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
    return booking


def _whole_minutes(start: datetime, end: datetime) -> int:
    return math.ceil((end - start).total_seconds() / 60)


def direct_line_end(
    *,
    booking: InterpreterBooking,
    by: User | None,
    ended_at: datetime | None = None,
    minutes: int | None = None,
    now: datetime | None = None,
) -> InterpreterBooking:
    """The direct-line call ended: completed with its minutes (from the clicks, or as the officer
    gives them) and its price on the on-demand list."""
    now = now or timezone.now()
    if booking.channel != BookingChannel.DIRECT_LINE:
        raise DomainError(_("This booking was not made on a direct line."), field="booking", code="not_direct_line")
    ended_at = ended_at or now
    if ended_at > now + FUTURE_TOLERANCE:
        raise DomainError(_("The end is in the future."), field="ended_at", code="in_future")
    started_at = booking.started_at or booking.requested_at
    if ended_at < started_at:
        raise DomainError(_("The end is before the start."), field="ended_at", code="end_before_start")
    if minutes is None:
        minutes = _whole_minutes(started_at, ended_at)
    check_minutes(minutes)
    price = booking_price(booking=booking, minutes=minutes, start=started_at)
    total = price.total_ore if price is not None else None
    return booking_transition(
        booking=booking,
        to_status=BookingStatus.COMPLETED,
        source="officer",
        actor=by,
        expected_from={BookingStatus.IN_PROGRESS},
        detail={"channel": BookingChannel.DIRECT_LINE, "minutes": minutes},
        changes={
            "minutes_used": minutes,
            "cost_reported_ore": total,
            "cost_ore": total,
            "cost_rows": price.rows_as_dicts() if price is not None else [],
        },
        now=ended_at,
    )


@dataclass(frozen=True)
class ExternalOrder:
    """An interpreter ordered outside tolkdesk, as the officer reports it."""

    order_number: str
    started_at: datetime
    ended_at: datetime
    modality: str = Modality.PHONE
    language: str = ""
    agency: InterpreterAgency | None = None
    agency_name: str = ""
    competence: str = ""
    cost_ore: int | None = None


def _external_order_check(visit: Visit, order: ExternalOrder, now: datetime) -> tuple[str, int]:
    """The order's language and minutes; DomainError on the field at fault."""
    if not order.order_number.strip():
        raise DomainError(_("Give the order number."), field="order_number", code="required")
    if len(order.order_number.strip()) > 40:
        raise DomainError(_("At most 40 characters."), field="order_number", code="max_length")
    if order.agency is None and not order.agency_name.strip():
        raise DomainError(_("Name the agency."), field="agency", code="required")
    if len(order.agency_name.strip()) > 120:
        raise DomainError(_("At most 120 characters."), field="agency_name", code="max_length")
    validate_choice(order.modality, Modality, field="modality")
    validate_choice(order.competence, CompetenceLevel, field="competence", allow_blank=True)
    if order.cost_ore is not None and not (0 <= order.cost_ore <= MAX_COST_ORE):
        raise DomainError(_("The cost is out of range."), field="cost_ore", code="out_of_range")
    language = _channel_language(visit, order.language)
    if order.ended_at <= order.started_at:
        raise DomainError(_("The end is before the start."), field="ended_at", code="end_before_start")
    if order.ended_at > now + FUTURE_TOLERANCE:
        raise DomainError(_("The end is in the future."), field="ended_at", code="in_future")
    if timezone.localdate(order.started_at) != visit.service_date:
        raise DomainError(
            _("The interpreter's time must be on the day of the visit."), field="started_at", code="not_visit_day"
        )
    minutes = _whole_minutes(order.started_at, order.ended_at)
    check_minutes(minutes, field="ended_at")
    return language, minutes


def external_order_record(
    *, visit: Visit, by: User | None, order: ExternalOrder, now: datetime | None = None
) -> InterpreterBooking:
    """Record an interpreter the office ordered elsewhere for this visit: a completed booking with
    its minutes and cost (the invoiced cost if given, else the framework list's price). The same
    order number twice for a visit is refused."""
    now = now or timezone.now()
    language, minutes = _external_order_check(visit, order, now)
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if InterpreterBooking.objects.filter(
            visit=locked, channel=BookingChannel.ORDERED_ELSEWHERE, external_order_number=order.order_number.strip()
        ).exists():
            raise DomainError(
                _("This order is already recorded for the visit."), field="order_number", code="duplicate"
            )
        booking = InterpreterBooking(
            visit=locked,
            channel=BookingChannel.ORDERED_ELSEWHERE,
            external_order_number=order.order_number.strip(),
            external_agency_name=order.agency_name.strip() if order.agency is None else "",
            agency=order.agency,
            language=language,
            modality=order.modality,
            competence_required=order.competence,
            scheduled_for=order.started_at,  # ordered ahead: priced on the framework list
            urgent=False,
            status=BookingStatus.COMPLETED,
            requested_by=by,
            requested_at=order.started_at,
            started_at=order.started_at,
            ended_at=order.ended_at,
            minutes_used=minutes,
        )
        if order.cost_ore is not None:
            booking.cost_reported_ore = booking.cost_ore = order.cost_ore
        else:
            price = booking_price(booking=booking, minutes=minutes, start=order.started_at)
            if price is not None:
                booking.cost_reported_ore = booking.cost_ore = price.total_ore
                booking.cost_rows = price.rows_as_dicts()
        booking.save()
        BookingEvent.objects.create(
            booking=booking,
            from_status="",
            to_status=BookingStatus.COMPLETED,
            actor=by,
            source="officer",
            at=now,
            detail={"channel": BookingChannel.ORDERED_ELSEWHERE, "order_number": booking.external_order_number},
        )
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
    return booking
