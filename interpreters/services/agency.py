"""Talking to agencies: dispatch with retry and fallback, applying what agencies report (book()
answers, status polls, webhook callbacks), webhook verification, cancellation at the agency.

No function here calls an agency inside a database transaction: a slow agency must never hold a
row lock or (on SQLite) the write lock.
"""

import hashlib
import hmac
import logging
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.outbox.counters import ops_counter_add
from config.outbox.selectors import outbox_keys_waiting
from config.outbox.services import outbox_enqueue
from interpreters.agency_safety import agency_secret, connection_phone_clean, connection_url_clean
from interpreters.backends import (
    AgencyError,
    AgencyEvent,
    PermanentAgencyError,
    TransientAgencyError,
    get_backend,
)
from interpreters.events import COMPLAINT_ANSWER_TYPES, AgencyEventType
from interpreters.models import (
    ACTIVE_BOOKING_STATUSES,
    AgencyCallback,
    BookingStatus,
    CancelReason,
    CompetenceLevel,
    Gender,
    Interpreter,
    InterpreterAgency,
    InterpreterBooking,
    NotificationEvent,
)
from interpreters.selectors import agencies_quarantined_for, booking_agency_chain
from interpreters.services.bookings import (
    FORWARD_PATH,
    StaleBookingError,
    booking_event_record,
    booking_task_key,
    booking_transition,
)
from interpreters.services.complaints import complaint_answer
from interpreters.services.deadlines import answer_deadline
from interpreters.services.notifications import notification_send
from interpreters.services.requirements import Delivered, requirements_answer
from interpreters.services.requisitions import requisition_correct, requisition_report
from visits.errors import DomainError
from visits.hooks import office_day_changed

logger = logging.getLogger(__name__)
S = BookingStatus

E = AgencyEventType

# What each agency event does to a booking ("accepted" is recorded by the dispatcher, not here).
EVENT_TO_STATUS: dict[str, BookingStatus] = {
    E.CONFIRMED: S.CONFIRMED,
    E.STARTED: S.IN_PROGRESS,
    E.ENDED: S.COMPLETED,
    E.CANCELLED: S.CANCELLED,
    E.NO_SHOW: S.NO_SHOW,
    E.FAILED: S.FAILED,
}
# Events that carry a requisition rather than a status change.
REQUISITION_EVENTS = frozenset({E.REQUISITION_CORRECTED})


# ----------------------------------------------------------------------------------------------
# Applying agency events (the one path for book() answers, status polls and webhooks)


def delivered_from(event: AgencyEvent) -> Delivered:
    return Delivered(
        gender=event.interpreter_gender if event.interpreter_gender in Gender.values else "",
        competence=event.interpreter_competence if event.interpreter_competence in CompetenceLevel.values else "",
        agency_ref=event.interpreter_ref or (str(event.interpreter_id) if event.interpreter_id else ""),
        official_number=event.interpreter_official_number,
    )


def _interpreter_changes(booking: InterpreterBooking, event: AgencyEvent) -> dict[str, Any]:
    """The delivered interpreter's fields, from a confirmation or an interpreter_changed event.
    Every field is replaced, so a new interpreter never keeps the previous one's number."""
    delivered = delivered_from(event)
    interp = None
    if event.interpreter_id:
        interp = Interpreter.objects.filter(pk=event.interpreter_id, agency_id=booking.agency_id).first()
    return {
        "interpreter": interp,
        "interpreter_name": event.interpreter_name[:120],
        "interpreter_competence": delivered.competence,
        "interpreter_gender": delivered.gender,
        "interpreter_agency_ref": delivered.agency_ref[:80],
        "interpreter_official_number": delivered.official_number[:20]
        or (interp.official_number if interp is not None else ""),
    }


def _confirmation_changes(booking: InterpreterBooking, event: AgencyEvent) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if event.reference and not booking.agency_reference:
        changes["agency_reference"] = event.reference
    if event.interpreter_id or event.interpreter_name or event.interpreter_ref or event.interpreter_official_number:
        changes.update(_interpreter_changes(booking, event))
    # Every path (book()/status() answers, webhooks) comes through here: an invalid number or a link
    # that is not https (javascript:, http:) is dropped, never stored.
    phone = connection_phone_clean(event.connection_phone)
    if phone:
        changes["connection_phone"] = phone
    url = connection_url_clean(event.connection_url)
    if url:
        changes["connection_url"] = url
    return changes


def booking_apply_agency_event(
    *, booking: InterpreterBooking, event: AgencyEvent, source: str, now: datetime | None = None
) -> bool:
    """Apply what the agency says. Returns True if the booking changed, False for a no-op (already
    in that status, or an event for a status already passed). Raises DomainError when the event
    contradicts the booking (e.g. "started" on a cancelled booking)."""
    now = now or timezone.now()
    if event.type in REQUISITION_EVENTS:
        if event.minutes is None:
            raise DomainError(_("A corrected requisition needs its minutes."), field="minutes", code="required")
        requisition_correct(
            booking=booking, minutes=event.minutes, started_at=event.started_at, ended_at=event.ended_at,
            agency_event_id=str(event.raw.get("event_id", "")), now=now,
        )  # fmt: skip
        booking.refresh_from_db()
        return True
    target = EVENT_TO_STATUS.get(event.type)
    if target is None:
        raise DomainError(_("Unknown event type."), field="type", code="invalid_choice")
    # When it happened, by the agency's clock; never in our future (a fast clock would stamp ahead).
    at = min(event.occurred_at, now) if event.occurred_at else now
    with transaction.atomic():
        locked = InterpreterBooking.objects.select_for_update().get(pk=booking.pk)
        current = locked.status
        if current == target:
            return False
        if current in FORWARD_PATH and target in FORWARD_PATH and _rank(target) < _rank(current):
            # An earlier step delivered late: the status stays, its details and time are kept.
            changed = _apply_late_step(locked, event, target, at)
        elif _corrects(locked, target, at):
            changed = _apply_correction(locked, event, target, at, source)
        elif target == S.CANCELLED and current in (S.IN_PROGRESS, S.COMPLETED):
            # The agency's withdrawal, dated after the call started: the call happened; ignore it.
            booking_event_record(
                booking=locked, kind="agency_cancel_ignored", source=source, detail={"event": event.type}, now=at
            )
            changed = False
        else:
            _apply_forward(locked, event, target, at, source, now)
            changed = True
    booking.refresh_from_db()
    return changed


def _rank(status: str) -> int:
    return FORWARD_PATH.index(status)


def _apply_forward(
    locked: InterpreterBooking, event: AgencyEvent, target: str, at: datetime, source: str, now: datetime
) -> None:
    """Move forward to `target`, passing through any step the agency has not reported yet (it may
    still arrive, late: _apply_late_step), so every booking's history has the same shape."""
    current = locked.status
    if current in FORWARD_PATH and target in FORWARD_PATH:
        for step in FORWARD_PATH[_rank(current) + 1 : _rank(target)]:
            step_changes = _confirmation_changes(locked, event) if step == S.CONFIRMED else {}
            locked = booking_transition(
                booking=locked,
                to_status=step,
                source=source,
                detail={"event": event.type, "implied": True},
                changes=step_changes,
                now=at,
            )
    detail: dict[str, Any] = {"event": event.type}
    if event.reference:
        detail["reference"] = event.reference
    changes: dict[str, Any] = {}
    if target == S.CONFIRMED:
        changes = _confirmation_changes(locked, event)
        requirements_answer(booking=locked, answers=event.requirement_answers, delivered=delivered_from(event))
    elif target == S.COMPLETED:
        if event.minutes is None or event.minutes < 0:
            raise DomainError(_("An ended call needs its minutes."), field="minutes", code="required")
        if event.started_at and event.ended_at and event.ended_at < event.started_at:
            raise DomainError(_("The end is before the start."), field="ended_at", code="end_before_start")
        changes = {"minutes_used": event.minutes}
        detail["minutes"] = event.minutes
    elif target in (S.CANCELLED, S.FAILED):
        reason = _("Cancelled by the agency.") if target == S.CANCELLED else _("The agency reported a failure.")
        changes = {"failure_reason": reason}
        if target == S.CANCELLED:
            # The agency's doing: no fee for the office.
            changes.update(cancel_reason=CancelReason.AGENCY_CANCELLED, cancellation_fee_ore=0)
    locked = booking_transition(booking=locked, to_status=target, source=source, detail=detail, changes=changes, now=at)
    if target == S.COMPLETED and event.minutes is not None:
        requisition_report(
            booking=locked, minutes=event.minutes, started_at=event.started_at, ended_at=event.ended_at,
            agency_event_id=str(event.raw.get("event_id", "")), now=now,
        )  # fmt: skip


STEP_STAMPS: dict[str, str] = {S.CONFIRMED: "confirmed_at", S.IN_PROGRESS: "started_at"}


def _apply_late_step(locked: InterpreterBooking, event: AgencyEvent, target: str, at: datetime) -> bool:
    """ "confirmed" after "started", "started" after "ended"...: keep what the step tells (the
    interpreter and connection, the real time) without moving the status back. The stamp takes the
    event's time when that is earlier than the time implied by the later step that came first."""
    changes: dict[str, Any] = _confirmation_changes(locked, event) if target == S.CONFIRMED else {}
    stamp = STEP_STAMPS.get(target)
    if stamp and (getattr(locked, stamp) is None or at < getattr(locked, stamp)):
        changes[stamp] = at
    changes = {name: value for name, value in changes.items() if getattr(locked, name) != value}
    if not changes:
        return False
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changes, "updated_at"])
    return True


def _corrects(locked: InterpreterBooking, target: str, at: datetime) -> bool:
    """Does this event, by its time, undo the agency's own earlier-applied but later-dated event?"""
    if target in (S.IN_PROGRESS, S.COMPLETED) and locked.status == S.CANCELLED:
        return (
            locked.cancel_reason == CancelReason.AGENCY_CANCELLED
            and locked.cancelled_at is not None
            and at < locked.cancelled_at
        )
    if target == S.CANCELLED and locked.status == S.IN_PROGRESS:
        return locked.started_at is not None and at < locked.started_at
    return False


def _apply_correction(locked: InterpreterBooking, event: AgencyEvent, target: str, at: datetime, source: str) -> bool:
    detail = {"event": event.type, "correction": True}
    if target == S.CANCELLED:
        # Cancelled before it started: the "started" that came first is void.
        booking_transition(
            booking=locked,
            to_status=S.CANCELLED,
            source=source,
            detail=detail,
            correction=True,
            changes={
                "started_at": None,
                "failure_reason": _("Cancelled by the agency."),
                "cancel_reason": CancelReason.AGENCY_CANCELLED,
                "cancellation_fee_ore": 0,
            },
            now=at,
        )
        return True
    # Started before the agency's cancellation: the call is on after all, unless the office has
    # booked again for the visit meanwhile (one active booking per visit): then the start is noted.
    owner = {"visit_id": locked.visit_id} if locked.visit_id is not None else {"appointment_id": locked.appointment_id}
    if InterpreterBooking.objects.filter(**owner, status__in=ACTIVE_BOOKING_STATUSES).exists():
        booking_event_record(booking=locked, kind="agency_start_ignored", source=source, detail=detail, now=at)
        return False
    locked = booking_transition(
        booking=locked,
        to_status=S.IN_PROGRESS,
        source=source,
        detail=detail,
        correction=True,
        changes={"cancelled_at": None, "failure_reason": "", "cancel_reason": "", "cancellation_fee_ore": None},
        now=at,
    )
    if target == S.COMPLETED:
        _apply_forward(locked, event, S.COMPLETED, at, source, at)
    return True


def booking_interpreter_change(
    *, booking: InterpreterBooking, event: AgencyEvent, source: str, now: datetime | None = None
) -> bool:
    """The agency replaced the interpreter of a confirmed (or running) booking: store the new one,
    decide the requirements again and record an "interpreter_changed" event the officer's page
    shows. A booking that has not been confirmed yet, or has ended, cannot change interpreter."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = InterpreterBooking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in (S.CONFIRMED, S.IN_PROGRESS):
            raise DomainError(
                _("Only a confirmed booking can change interpreter."), field="type", code="illegal_transition"
            )
        changes = _interpreter_changes(locked, event)
        phone, url = connection_phone_clean(event.connection_phone), connection_url_clean(event.connection_url)
        if phone:
            changes["connection_phone"] = phone
        if url:
            changes["connection_url"] = url
        previous = {"name": locked.interpreter_name, "agency_ref": locked.interpreter_agency_ref}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*changes, "updated_at"])
        requirements_answer(booking=locked, answers=event.requirement_answers, delivered=delivered_from(event))
        # The reports count requirements met and authorised interpreters: the new one changes them.
        _rollup_follows_agency(locked)
        booking_event_record(
            booking=locked,
            kind=AgencyEventType.INTERPRETER_CHANGED,
            source=source,
            detail={
                "from": previous,
                "to": {"name": locked.interpreter_name, "agency_ref": locked.interpreter_agency_ref},
            },
            now=now,
        )
        notification_send(event=NotificationEvent.INTERPRETER_CHANGED, booking_id=locked.pk, now=now)
    booking.refresh_from_db()
    return True


# ----------------------------------------------------------------------------------------------
# Webhook callbacks


class CallbackRejected(Exception):
    """Signature, timestamp or secret problem: the caller is not (provably) the agency."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def agency_webhook_secret(agency: InterpreterAgency) -> bytes | None:
    value = agency_secret(agency.backend_settings, "webhook_secret_env")
    return value.encode() if value else None


def agency_callback_signature(*, secret: bytes, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex: what agencies put in X-Tolkdesk-Signature."""
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,12}")


def agency_callback_verify(
    *, agency: InterpreterAgency, timestamp: str, signature: str, body: bytes, now: datetime | None = None
) -> None:
    secret = agency_webhook_secret(agency)
    if secret is None:
        raise CallbackRejected("no webhook secret configured for this agency")
    # Unix seconds as plain digits: int() would also take " 12", "+12" or "1_2", and a number too
    # big for a float made the window check itself fail (a 500).
    if not isinstance(timestamp, str) or not TIMESTAMP_PATTERN.fullmatch(timestamp):
        raise CallbackRejected("missing or malformed timestamp")
    sent_at = int(timestamp)
    now_ts = (now or timezone.now()).timestamp()
    if abs(now_ts - sent_at) > settings.AGENCY_WEBHOOK_TOLERANCE_SECONDS:
        raise CallbackRejected("timestamp outside the allowed window")
    expected = agency_callback_signature(secret=secret, timestamp=timestamp, body=body)
    given = (signature or "").removeprefix("sha256=")
    # compare_digest refuses non-ASCII str with a TypeError: compare bytes, a header may hold anything.
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape")):
        raise CallbackRejected("bad signature")


@dataclass(frozen=True)
class CallbackResult:
    booking: InterpreterBooking
    duplicate: bool
    changed: bool


def agency_planned_event_play(*, booking_id: int, event_type: str, agency_id: int | None = None) -> bool:
    """Deliver a callback an agency planned when it accepted the booking (the simulated agency's
    timers, written to the outbox by _record_acceptance) through the webhook's own service.
    False when there is nothing to deliver or the booking refuses it (e.g. the officer cancelled
    before the "agency" confirmed, or an escalation moved the booking away from the agency that
    planned it); delivering it twice is a no-op (the event id is fixed)."""
    booking = (
        InterpreterBooking.objects.select_related("agency", "visit__office", "appointment__office")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.agency is None:
        return False
    if agency_id is not None and booking.agency_id != agency_id:
        return False
    agency: InterpreterAgency = booking.agency
    event = get_backend(agency).event_for(booking, event_type)
    if event is None:
        return False
    try:
        result = agency_callback_receive(
            agency=agency,
            event_id=f"sim-{booking.idempotency_key}-{event_type}",
            booking_key=str(booking.idempotency_key),
            event=event,
            payload={"type": event_type, "reference": event.reference, "simulated": True},
        )
    except DomainError as exc:
        logger.info("planned %s for booking %s refused: %s", event_type, booking_id, exc.message)
        return False
    return result.changed


def agency_callback_receive(
    *,
    agency: InterpreterAgency,
    event_id: str,
    booking_key: str,
    event: AgencyEvent,
    payload: dict,
    now: datetime | None = None,
) -> CallbackResult:
    """Record a (verified) callback and apply it, in one transaction: either both or neither.
    The same event id twice is a no-op; a callback that contradicts the booking writes nothing."""
    now = now or timezone.now()
    booking = InterpreterBooking.objects.filter(idempotency_key=booking_key, agency=agency).first()
    if booking is None:
        raise DomainError(_("No booking with this id at this agency."), field="booking_id", code="not_found")
    with transaction.atomic():
        try:
            with transaction.atomic():
                AgencyCallback.objects.create(agency=agency, event_id=event_id, received_at=now, payload=payload)
        except IntegrityError:
            return CallbackResult(booking=booking, duplicate=True, changed=False)
        source = f"agency:{agency.slug}"
        if event.type == AgencyEventType.INTERPRETER_CHANGED:
            changed = booking_interpreter_change(booking=booking, event=event, source=source, now=now)
        elif event.type in COMPLAINT_ANSWER_TYPES:
            complaint_answer(booking=booking, agency=agency, event=event, now=now)
            changed = True
        else:
            changed = booking_apply_agency_event(booking=booking, event=event, source=source, now=now)
    return CallbackResult(booking=booking, duplicate=False, changed=changed)


# ----------------------------------------------------------------------------------------------
# Dispatch: claim, call the agency, retry with backoff, fall back, fail


@dataclass(frozen=True)
class DispatchOutcome:
    action: str  # "noop", "accepted", "confirmed", "retry", "failed"
    retry_in: float | None = None
    detail: str = ""


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter ("equal jitter"): half fixed, half random, so retries of many
    bookings after an agency outage spread out instead of arriving together."""
    ceiling = min(settings.BOOKING_RETRY_MAX_SECONDS, settings.BOOKING_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security  # nosec B311


def _claim(
    booking: InterpreterBooking, chain: list[InterpreterAgency], now: datetime, source: str
) -> InterpreterBooking | None:
    """Take the dispatch lease. Only one dispatcher (task, retry, sweeper re-dispatch) may be
    calling an agency for a booking at a time; the lease expires so a killed worker's booking is
    picked up again."""
    if booking.status == S.REQUESTED:
        agency = chain[0]
        lease = get_backend(agency).lease_seconds()
        try:
            return booking_transition(
                booking=booking,
                to_status=S.PENDING,
                source=source,
                expected_from={S.REQUESTED},
                detail={"agency": agency.slug},
                changes={"agency": agency, "agency_attempts": 0, "next_attempt_at": now + timedelta(seconds=lease)},
                now=now,
            )
        except StaleBookingError:
            return None
    agency = booking.agency or chain[0]
    lease = get_backend(agency).lease_seconds()
    # Conditional update, row count checked: the claim and the check are one statement.
    with transaction.atomic():
        claimed = (
            InterpreterBooking.objects.filter(pk=booking.pk, status=S.PENDING, agency_reference="")
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + timedelta(seconds=1)))
            .update(next_attempt_at=now + timedelta(seconds=lease), agency=agency, updated_at=now)
        )
        if claimed == 1 and booking.agency_id != agency.pk:
            _rollup_follows_agency(booking)  # the rollups count bookings per agency
    if claimed != 1:
        return None
    return InterpreterBooking.objects.select_related("visit__office", "appointment__office", "agency").get(
        pk=booking.pk
    )


def _rollup_follows_agency(booking: InterpreterBooking) -> None:
    """A claim, a fallback or an escalation moves a pending booking to another agency with a plain
    update (the status stays, so no transition marks anything): the rollups count bookings per
    agency, so their office-day is marked dirty too, in the caller's transaction."""
    office_day_changed(office_id=booking.office_id, day=booking.service_date)


def _fail(booking: InterpreterBooking, reason: str, source: str, now: datetime, errors: list[dict]) -> DispatchOutcome:
    try:
        booking_transition(
            booking=booking,
            to_status=S.FAILED,
            source=source,
            expected_from={S.REQUESTED, S.PENDING},
            detail={"reason": reason, "errors": errors[-10:]},
            changes={"failure_reason": reason[:255]},
            now=now,
        )
    except StaleBookingError:
        return DispatchOutcome("noop", detail="moved on meanwhile")
    return DispatchOutcome("failed", detail=reason)


def _record_quarantine_skips(booking: InterpreterBooking, now: datetime, source: str) -> None:
    """Say in the booking's events which agency was left out of the chain because of a quarantine."""
    for quarantine in agencies_quarantined_for(
        language=booking.language,
        modality=booking.modality,
        county=booking.office.county,
        on=timezone.localdate(now),
    ):
        booking_event_record(
            booking=booking,
            kind="agency_skipped",
            source=source,
            detail={
                "agency": quarantine.agency.slug,
                "reason": "quarantine",
                "motivation": quarantine.motivation,
                "until": quarantine.ends_on.isoformat(),
            },
            now=now,
        )


def booking_dispatch_step(*, booking_id: int, source: str = "worker", now: datetime | None = None) -> DispatchOutcome:
    """One dispatch run for a booking. Idempotent: a booking that is not (still) waiting to be sent,
    or that another dispatcher holds, is left alone; re-sending to the same agency carries the same
    idempotency key, so the agency books once.

    The steps: check the booking still waits, choose the agencies (the county's chain, minus those
    in quarantine), claim the dispatch lease (`_claim`), then call the agencies in turn
    (`_dispatch_calls`) and record the outcome: accepted (`_record_acceptance`), a retry
    (`_retry_later`), a fallback (`_fall_back`) or a failure (`_chain_exhausted`)."""
    now = now or timezone.now()
    booking = (
        InterpreterBooking.objects.select_related("visit__office", "appointment__office", "agency")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.status not in (S.REQUESTED, S.PENDING):
        return DispatchOutcome("noop", detail="not waiting to be sent")
    if booking.status == S.PENDING and booking.agency_reference:
        return DispatchOutcome("noop", detail="agency already has it")
    chain = booking_agency_chain(booking=booking)
    first_send = booking.status == S.REQUESTED
    if first_send:
        _record_quarantine_skips(booking, now, source)
    if not chain:
        return _fail(booking, _("No active agency offers this language and modality."), source, now, [])
    claimed = _claim(booking, chain, now, source)
    if claimed is None:
        return DispatchOutcome("noop", detail="another dispatcher holds it")
    return _dispatch_calls(claimed, chain, source)


def _dispatch_calls(booking: InterpreterBooking, chain: list[InterpreterAgency], source: str) -> DispatchOutcome:
    """Call the agency the claimed booking is at, then the next ones in the chain, until one accepts.
    Transient agency errors are retried at the same agency up to BOOKING_AGENCY_MAX_ATTEMPTS times
    (the caller schedules the retry after `retry_in` seconds); permanent errors and exhausted
    retries fall back to the next agency in the chain; when none is left the booking fails."""
    errors: list[dict] = []
    agency = booking.agency
    while True:
        if agency is None:  # _claim() always sets one; an assert would vanish under python -O
            raise RuntimeError(f"booking {booking.pk} was claimed without an agency")
        backend = get_backend(agency)
        _attempt_count(booking)
        try:
            event = backend.book(booking)
        except TransientAgencyError as exc:
            _agency_error(errors, agency, exc, transient=True)
            if booking.agency_attempts < settings.BOOKING_AGENCY_MAX_ATTEMPTS:
                return _retry_later(booking, agency, exc, source)
            reason = exc.message
        except PermanentAgencyError as exc:
            _agency_error(errors, agency, exc, transient=False)
            reason = exc.message
        else:
            return _record_acceptance(booking, backend, event, source)

        # This agency is out: fall back to the next one in the chain.
        next_agency = _next_agency(chain, agency)
        # A timeout or a 5xx does not mean the agency did not book: it may hold the booking.
        may_hold = bool(errors and errors[-1]["transient"])
        if next_agency is None:
            return _chain_exhausted(
                booking, chain, agency, reason=reason, errors=errors, may_hold=may_hold, source=source
            )
        if not _fall_back(booking, agency, next_agency, reason=reason, may_hold=may_hold, source=source):
            return DispatchOutcome("noop", detail="moved on meanwhile")
        agency = next_agency


def _attempt_count(booking: InterpreterBooking) -> None:
    """Count the call about to be made, before it is made (a call that never returns still counts)."""
    InterpreterBooking.objects.filter(pk=booking.pk).update(
        attempts=booking.attempts + 1, agency_attempts=booking.agency_attempts + 1
    )
    booking.attempts += 1
    booking.agency_attempts += 1


def _agency_error(errors: list[dict], agency: InterpreterAgency, exc: AgencyError, *, transient: bool) -> None:
    ops_counter_add(name="agency_errors", label=agency.slug)
    errors.append({"agency": agency.slug, "error": exc.message, "transient": transient})


def _chain_position(chain: list[InterpreterAgency], agency: InterpreterAgency | None) -> int:
    """Where `agency` stands in the chain; -1 when it is not in it (or None)."""
    return next((i for i, a in enumerate(chain) if agency is not None and a.pk == agency.pk), -1)


def _next_agency(chain: list[InterpreterAgency], agency: InterpreterAgency | None) -> InterpreterAgency | None:
    """The agency after `agency` in the chain (the first when it is not in it); None at the end."""
    position = _chain_position(chain, agency)
    return chain[position + 1] if position + 1 < len(chain) else None


def _retry_later(
    booking: InterpreterBooking, agency: InterpreterAgency, exc: TransientAgencyError, source: str
) -> DispatchOutcome:
    """A transient error with attempts left at this agency: try it again after a backoff."""
    delay = backoff_seconds(booking.agency_attempts)
    at = timezone.now()
    with transaction.atomic():
        # Conflicts with: a cancel while we were calling. Conditional on "still pending": a cancelled
        # booking gets no retry time and no retry event (the retry that runs finds nothing to do).
        updated = InterpreterBooking.objects.filter(pk=booking.pk, status=S.PENDING).update(
            next_attempt_at=at + timedelta(seconds=delay), updated_at=at
        )
        if updated:
            booking_event_record(
                booking=booking,
                kind="retry",
                source=source,
                detail={
                    "agency": agency.slug,
                    "attempt": booking.agency_attempts,
                    "error": exc.message,
                    "retry_in": round(delay, 2),
                },
            )
    return DispatchOutcome("retry", retry_in=delay, detail=exc.message)


def _chain_exhausted(
    booking: InterpreterBooking,
    chain: list[InterpreterAgency],
    agency: InterpreterAgency,
    *,
    reason: str,
    errors: list[dict],
    may_hold: bool,
    source: str,
) -> DispatchOutcome:
    """No agency left after `agency`: the booking fails (and `agency`, which may hold it, is asked to
    cancel it)."""
    if may_hold:
        _cancel_orphan_later(booking, agency)
    position = _chain_position(chain, agency)
    tried = ", ".join(a.slug for a in chain[: position + 1]) if position >= 0 else agency.slug
    return _fail(
        booking,
        _("No agency could provide an interpreter (tried: %(agencies)s; last error: %(error)s).")
        % {"agencies": tried, "error": reason},
        source,
        timezone.now(),
        errors,
    )


def _fall_back(
    booking: InterpreterBooking,
    agency: InterpreterAgency,
    next_agency: InterpreterAgency,
    *,
    reason: str,
    may_hold: bool,
    source: str,
) -> bool:
    """Move the booking from `agency` to `next_agency` with a fresh lease. False when the booking
    moved on meanwhile (no longer pending at `agency`): then nothing is written."""
    at = timezone.now()
    with transaction.atomic():
        # Conflicts with: a cancel, and an escalation or a passed answer deadline moving the booking
        # to another agency meanwhile. Conditional on "still pending at this agency": whoever moved it
        # first wins, and this dispatch stops without writing anything.
        moved = InterpreterBooking.objects.filter(pk=booking.pk, status=S.PENDING, agency=agency).update(
            agency=next_agency,
            agency_attempts=0,
            next_attempt_at=at + timedelta(seconds=get_backend(next_agency).lease_seconds()),
            updated_at=at,
        )
        if moved:
            _rollup_follows_agency(booking)
            booking_event_record(
                booking=booking,
                kind="fallback",
                source=source,
                detail={"from": agency.slug, "to": next_agency.slug, "reason": reason, "may_hold": may_hold},
                now=at,
            )
            if may_hold:
                _cancel_orphan_later(booking, agency)
    if not moved:
        return False
    booking.agency = next_agency
    booking.agency_attempts = 0
    return True


def _cancel_orphan_later(booking: InterpreterBooking, agency: InterpreterAgency) -> None:
    """Cancel at `agency` by idempotency key (booking_cancel_orphan), through the outbox: in the
    caller's transaction when there is one, so the fallback and the cancel order commit together."""
    outbox_enqueue(
        task="interpreters.booking_cancel_orphan",
        args=[booking.pk, agency.pk],
        dedupe_key=f"interpreters.booking_cancel_orphan:{booking.pk}:{agency.pk}",
    )


def booking_cancel_orphan(*, booking_id: int, agency_id: int, reason: str = CancelReason.SYSTEM_ORPHAN) -> bool:
    """After a fallback, make sure the agency we left does not keep the booking: a call to it that
    timed out may still have booked. Cancels there by the booking's idempotency key (the agency
    answers for whatever it holds under that key, or remembers the key as cancelled if a booking
    with it is still on its way in) and records it in the booking's events, with a system cancel
    reason and no fee for the office. Raises TransientAgencyError until the agency acknowledges
    (the task retries). Returns False when there was nothing to do."""
    booking = InterpreterBooking.objects.select_related("agency").filter(pk=booking_id).first()
    agency = InterpreterAgency.objects.filter(pk=agency_id).first()
    if booking is None or agency is None:
        return False
    if booking.agency_id == agency.pk and booking.status in ACTIVE_BOOKING_STATUSES:
        return False  # back at that agency (an escalation moved it): that booking is the live one
    done = booking.events.filter(detail__kind="orphan_cancelled", detail__agency=agency.slug)
    if done.exists():
        return False
    get_backend(agency).cancel_by_key(booking)
    booking_event_record(
        booking=booking,
        kind="orphan_cancelled",
        source="worker",
        detail={"agency": agency.slug, "cancel_reason": reason, "cancellation_fee_ore": 0},
    )
    return True


def _record_acceptance(booking: InterpreterBooking, backend: Any, event: AgencyEvent, source: str) -> DispatchOutcome:
    at = timezone.now()
    with transaction.atomic():  # the reference and its event are written together or not at all
        recorded = InterpreterBooking.objects.filter(pk=booking.pk, status=S.PENDING).update(
            agency_reference=event.reference, next_attempt_at=None, updated_at=at
        )
        booking.refresh_from_db()
        if booking.agency is None:  # booking_dispatch_step claimed it for an agency first
            raise RuntimeError(f"booking {booking.pk} was accepted by an agency it was never sent to")
        if recorded and event.requirement_answers:
            requirements_answer(booking=booking, answers=event.requirement_answers, delivered=delivered_from(event))
        if recorded:
            booking_event_record(
                booking=booking,
                kind="accepted",
                source=f"agency:{booking.agency.slug}",
                detail={"reference": event.reference},
                now=at,
            )
            if event.type != E.CONFIRMED:
                _planned_events_schedule(booking, backend, at)
    if not recorded:
        if booking.status == S.CANCELLED:
            # Cancelled while we were waiting on the agency: the cancel task may have run before
            # the agency had a reference, so cancel here too (cancel is idempotent at the agency).
            booking.agency_reference = event.reference
            try:
                backend.cancel(booking)
            except (TransientAgencyError, PermanentAgencyError) as exc:
                logger.warning("cancel at agency failed for booking %s: %s", booking.pk, exc.message)
        return DispatchOutcome("noop", detail=f"booking is {booking.status}")
    if event.type == E.CONFIRMED:
        try:
            booking_apply_agency_event(booking=booking, event=event, source=f"agency:{booking.agency.slug}")
        except DomainError:
            return DispatchOutcome("noop", detail="moved on meanwhile")
        return DispatchOutcome("confirmed")
    return DispatchOutcome("accepted")


def _planned_events_schedule(booking: InterpreterBooking, backend: Any, at: datetime) -> None:
    """The callbacks the agency will play by itself (the simulated agency), as outbox rows due at
    their times: written with the acceptance, so an acceptance is never recorded without them."""
    for planned in backend.planned_events(booking):
        outbox_enqueue(
            task="interpreters.simulated_agency_event",
            args=[booking.pk, str(planned.type)],
            kwargs={"agency_id": booking.agency_id},
            not_before=at + timedelta(seconds=planned.after_seconds),
            dedupe_key=f"interpreters.simulated_agency_event:{booking.pk}:{planned.type}",
            now=at,
        )


def booking_cancel_at_agency(*, booking_id: int) -> bool:
    """Tell the agency a cancelled booking is off. Returns False when there is nothing to tell."""
    booking = (
        InterpreterBooking.objects.select_related("agency", "visit__office", "appointment__office")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.status != S.CANCELLED or booking.agency is None or not booking.agency_reference:
        return False
    get_backend(booking.agency).cancel(booking)
    booking_event_record(
        booking=booking, kind="cancelled_at_agency", source="worker", detail={"agency": booking.agency.slug}
    )
    return True


def booking_reschedule_at_agency(*, booking_id: int) -> bool:
    """Tell the agency a live pre-booking's new time (its appointment was moved). Returns False when
    there is nothing to tell; raises AgencyError for the task to retry."""
    booking = (
        InterpreterBooking.objects.select_related("agency", "visit__office", "appointment__office")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.agency is None or booking.status not in (S.PENDING, S.CONFIRMED):
        return False
    if not booking.agency_reference:
        return False  # the dispatch still under way sends the current time with book()
    get_backend(booking.agency).reschedule(booking)
    booking_event_record(
        booking=booking,
        kind="rescheduled_at_agency",
        source="worker",
        detail={
            "agency": booking.agency.slug,
            "scheduled_for": booking.scheduled_for.isoformat() if booking.scheduled_for else None,
        },
    )
    return True


def booking_sync_status(*, booking_id: int) -> bool:
    """Ask the agency where a long-pending booking stands and apply the answer."""
    booking = (
        InterpreterBooking.objects.select_related("agency", "visit__office", "appointment__office")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.agency is None or booking.status not in (S.PENDING, S.CONFIRMED, S.IN_PROGRESS):
        return False
    event = get_backend(booking.agency).status(booking)
    if event is None or event.type not in EVENT_TO_STATUS:
        return False
    return booking_apply_agency_event(booking=booking, event=event, source=f"agency:{booking.agency.slug}")


# ----------------------------------------------------------------------------------------------
# Sweeper and escalation (Celery beat)


@dataclass(frozen=True)
class SweepResult:
    redispatch: list[int]
    sync: list[int]


def bookings_sweep_stuck(*, now: datetime | None = None) -> SweepResult:
    """Bookings a lost task or killed worker left behind: still `requested` after the threshold, or
    `pending` without an agency reference whose dispatch lease has run out (re-dispatch); `pending`
    with a reference but no confirmation for a while (ask the agency).

    No storm: a booking whose task still waits in the outbox is skipped (that message is live), and
    each booking sent again gets its `updated_at` moved to now, so the next sweep leaves it alone
    for another BOOKING_STUCK_AFTER_SECONDS: at most one sweeper copy per booking per threshold,
    however long the broker or the worker was away. The messages are outbox rows written with that
    mark, in one transaction per booking."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.BOOKING_STUCK_AFTER_SECONDS)
    requested = InterpreterBooking.objects.filter(status=S.REQUESTED, updated_at__lt=stale)
    unsent = InterpreterBooking.objects.filter(status=S.PENDING, agency_reference="", updated_at__lt=stale).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    waiting = InterpreterBooking.objects.filter(status=S.PENDING, updated_at__lt=stale).exclude(agency_reference="")
    candidates = {
        "interpreters.booking_dispatch_step": sorted(
            {*requested.values_list("pk", flat=True)[:500], *unsent.values_list("pk", flat=True)[:500]}
        ),
        "interpreters.booking_sync_status": list(waiting.values_list("pk", flat=True)[:500]),
    }
    sent: dict[str, list[int]] = {}
    for task_name, ids in candidates.items():
        live = outbox_keys_waiting([booking_task_key(task_name, pk) for pk in ids])
        sent[task_name] = []
        for pk in ids:
            if booking_task_key(task_name, pk) in live:
                continue
            with transaction.atomic():
                # Conflicts with: a second sweeper (two beats) and the booking's own progress. The
                # conditional UPDATE takes the booking for this sweep only if nobody touched it since.
                taken = InterpreterBooking.objects.filter(pk=pk, updated_at__lt=stale).update(updated_at=now)
                if taken:
                    outbox_enqueue(task=task_name, args=[pk], dedupe_key=booking_task_key(task_name, pk))
                    sent[task_name].append(pk)
    return SweepResult(
        redispatch=sent["interpreters.booking_dispatch_step"], sync=sent["interpreters.booking_sync_status"]
    )


@dataclass(frozen=True)
class EscalationOutcome:
    booking_id: int
    action: str  # "escalated", "failed", "noop"
    detail: str = ""


def booking_escalate(*, booking_id: int, now: datetime | None = None) -> EscalationOutcome:
    """A pre-booked interpreter not confirmed BOOKING_ESCALATE_BEFORE_MINUTES before the time.

    Policy: escalate once, N minutes before: record an "escalated" event, withdraw the order from
    the agency that has not confirmed and send it to the next agency in the chain. With no other
    agency the order stays where it is. If the scheduled time itself passes unconfirmed, the
    booking fails with a reason the officer sees at once."""
    now = now or timezone.now()
    booking = (
        InterpreterBooking.objects.select_related("agency", "visit__office", "appointment__office")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.status not in (S.REQUESTED, S.PENDING) or booking.scheduled_for is None:
        return EscalationOutcome(booking_id, "noop")
    if booking.scheduled_for <= now:
        outcome = _fail(booking, _("No interpreter confirmed by the booked time."), "escalation", now, [])
        return EscalationOutcome(booking_id, outcome.action, outcome.detail)
    if booking.escalated_at is not None:
        return EscalationOutcome(booking_id, "noop", "already escalated")
    if booking.scheduled_for - now > timedelta(minutes=settings.BOOKING_ESCALATE_BEFORE_MINUTES):
        return EscalationOutcome(booking_id, "noop", "not due")
    current = booking.agency
    next_agency = _next_agency(booking_agency_chain(booking=booking), current)
    with transaction.atomic():
        # Conflicts with: a second escalation run (two beats). The conditional UPDATE lets one mark it;
        # the event and the notices are written by that one only.
        marked = InterpreterBooking.objects.filter(
            pk=booking.pk, status__in=[S.REQUESTED, S.PENDING], escalated_at__isnull=True
        ).update(escalated_at=now, updated_at=now)
        if not marked:
            return EscalationOutcome(booking_id, "noop", "already escalated")
        booking_event_record(
            booking=booking,
            kind="escalated",
            source="escalation",
            detail={"from": current.slug if current else None, "to": next_agency.slug if next_agency else None},
            now=now,
        )
        notification_send(event=NotificationEvent.PREBOOKING_ESCALATED, booking_id=booking.pk, now=now)
    if next_agency is None or booking.status == S.REQUESTED:
        return EscalationOutcome(booking_id, "escalated", "no other agency" if next_agency is None else "redispatch")
    if current is not None and booking.agency_reference:
        try:
            get_backend(current).cancel(booking)
        except (TransientAgencyError, PermanentAgencyError) as exc:
            logger.warning("withdrawing booking %s from %s failed: %s", booking.pk, current.slug, exc.message)
    with transaction.atomic():
        moved = InterpreterBooking.objects.filter(pk=booking.pk, status=S.PENDING, agency=current).update(
            agency=next_agency, agency_reference="", agency_attempts=0, next_attempt_at=None, updated_at=now
        )
        if moved:
            _rollup_follows_agency(booking)
    return EscalationOutcome(booking_id, "escalated", f"moved to {next_agency.slug}")


def bookings_escalate_unconfirmed(*, now: datetime | None = None) -> list[str]:
    """Escalate every pre-booked interpreter due (beat), then send each escalated booking to be
    dispatched again (through the outbox). Not one transaction: booking_escalate withdraws the order
    from the agency over HTTP, which stays outside any transaction. Returns "<id>:<action>" each."""
    actions = []
    for booking_id in bookings_due_for_escalation(now=now):
        outcome = booking_escalate(booking_id=booking_id, now=now)
        if outcome.action == "escalated":
            outbox_enqueue(task="interpreters.booking_dispatch_step", args=[booking_id])
        actions.append(f"{booking_id}:{outcome.action}")
    return actions


def bookings_due_for_escalation(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    horizon = now + timedelta(minutes=settings.BOOKING_ESCALATE_BEFORE_MINUTES)
    # A pre-booking with an answer deadline escalates at that deadline instead
    # (bookings_past_answer_by); it still fails here once its time has passed unconfirmed.
    due = InterpreterBooking.objects.filter(
        status__in=[S.REQUESTED, S.PENDING], scheduled_for__isnull=False, scheduled_for__lte=horizon
    ).filter(Q(escalated_at__isnull=True, answer_by__isnull=True) | Q(scheduled_for__lte=now))
    return list(due.values_list("pk", flat=True)[:500])


# ----------------------------------------------------------------------------------------------
# Answer deadlines (issue 11): an agency that has not confirmed by `answer_by` loses the booking


# Given to the next agency when the framework leaves the deadline to the officer (ordered late).
DEADLINE_FALLBACK_MINUTES = 30


def bookings_past_answer_by(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Sent bookings whose agency has not confirmed by the answer deadline."""
    now = now or timezone.now()
    due = InterpreterBooking.objects.filter(status=S.PENDING, answer_by__isnull=False, answer_by__lte=now)
    return list(due.order_by("answer_by", "pk").values_list("pk", flat=True)[:limit])


def _next_answer_by(booking: InterpreterBooking, now: datetime) -> datetime | None:
    start = booking.scheduled_for
    if start is None or start <= now:
        return None
    deadline = answer_deadline(ordered_at=now, start=start).answer_by
    if deadline is None:
        deadline = min(now + timedelta(minutes=DEADLINE_FALLBACK_MINUTES), start)
    return deadline


def booking_answer_deadline_pass(*, booking_id: int, now: datetime | None = None) -> EscalationOutcome:
    """The agency holding a pending booking let its answer deadline pass: withdraw the order there
    (a system cancel, no fee for the office) and send it to the next agency in the county's
    ranking with a new deadline for the remaining lead time; with none left, the booking fails and
    the office is told (prebooking_failed_notify).

    Idempotent and safe against a second beat and the agency's own late confirmation: the move is
    one conditional UPDATE on (status pending, this agency, this deadline) and acts only when it
    changed one row. An agency confirming first wins (the row is no longer pending); one confirming
    after the move is refused (the booking is no longer at that agency)."""
    now = now or timezone.now()
    booking = (
        InterpreterBooking.objects.select_related("agency", "visit__office", "appointment__office")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or booking.status != S.PENDING or booking.answer_by is None or booking.answer_by > now:
        return EscalationOutcome(booking_id, "noop", "not due")
    current = booking.agency
    next_agency = _next_agency(booking_agency_chain(booking=booking), current)
    new_deadline = _next_answer_by(booking, now)
    if next_agency is None or new_deadline is None:
        return _deadline_fail(booking, current, now)
    with transaction.atomic():
        moved = InterpreterBooking.objects.filter(
            pk=booking.pk, status=S.PENDING, agency=current, answer_by=booking.answer_by
        ).update(
            agency=next_agency,
            agency_reference="",
            agency_attempts=0,
            next_attempt_at=None,
            answer_by=new_deadline,
            escalated_at=now,
            updated_at=now,
        )
        if not moved:
            return EscalationOutcome(booking_id, "noop", "moved on meanwhile")
        _rollup_follows_agency(booking)
        booking_event_record(
            booking=booking,
            kind="deadline_passed",
            source="escalation",
            detail={
                "from": current.slug if current else None,
                "to": next_agency.slug,
                "answer_by": new_deadline.isoformat(),
                "cancel_reason": CancelReason.SYSTEM_DEADLINE,
                "fee_ore": 0,
            },
            now=now,
        )
        if current is not None:
            _withdraw_later(booking, current)
        outbox_enqueue(
            task="interpreters.booking_dispatch_step",
            args=[booking.pk],
            dedupe_key=booking_task_key("interpreters.booking_dispatch_step", booking.pk),
        )
        prebooking_escalated_notify(booking_id=booking.pk, from_agency_id=current.pk if current else None)
    return EscalationOutcome(booking_id, "escalated", f"moved to {next_agency.slug}")


def _withdraw_later(booking: InterpreterBooking, agency: InterpreterAgency) -> None:
    """Withdraw the order from `agency` by the booking's idempotency key (booking_cancel_orphan, a
    system reason and no fee for the office), through the outbox in the caller's transaction."""
    outbox_enqueue(
        task="interpreters.booking_cancel_orphan",
        args=[booking.pk, agency.pk, CancelReason.SYSTEM_DEADLINE.value],
        dedupe_key=f"interpreters.booking_cancel_orphan:{booking.pk}:{agency.pk}:deadline",
    )


def _deadline_fail(booking: InterpreterBooking, current: InterpreterAgency | None, now: datetime) -> EscalationOutcome:
    reason = _("No agency confirmed by the answer deadline.")
    with transaction.atomic():
        try:
            booking_transition(
                booking=booking,
                to_status=S.FAILED,
                source="escalation",
                expected_from={S.PENDING},
                detail={"reason": "deadline", "agency": current.slug if current else None},
                changes={"failure_reason": reason},
                now=now,
            )
        except StaleBookingError:
            return EscalationOutcome(booking.pk, "noop", "moved on meanwhile")
        if current is not None:
            _withdraw_later(booking, current)
        prebooking_failed_notify(booking_id=booking.pk)
    return EscalationOutcome(booking.pk, "failed", reason)


def prebooking_failed_notify(*, booking_id: int) -> None:
    """A pre-booking failed (no agency confirmed by its deadline; none left in the ranking). The
    notice itself is written by booking_transition (-> FAILED, interpreters/services/bookings.py:
    PREBOOKING_NOTICES) in the same transaction, once, whoever fails the booking; this only logs."""
    logger.warning("pre-booking %s failed: no agency confirmed by the deadline", booking_id)


def prebooking_escalated_notify(*, booking_id: int, from_agency_id: int | None) -> None:
    """A pre-booking passed to the next agency because `from_agency_id` did not confirm by its
    deadline. Called inside the escalating transaction: the notices commit with the escalation."""
    logger.info("pre-booking %s escalated from agency %s at its deadline", booking_id, from_agency_id)
    notification_send(event=NotificationEvent.PREBOOKING_ESCALATED, booking_id=booking_id)
