"""Celery tasks: thin wrappers taking ids. The state they act on lives in the database, so running a
task twice, late, or after a crash is safe (each service guards on the booking's status).

A task shares its service's name: `name="interpreters.<service>"`, function `<service>_task`
(tests/test_task_names.py checks it). A task renamed for that (issue 17) stays registered under its
old name too (OLD_NAMES), so a message already queued under it, in the broker or the outbox, still
runs; drop those after one release."""

import logging
from typing import TypedDict

from celery import Task, shared_task
from django.db import OperationalError

from interpreters.backends import AgencyError
from interpreters.services import (
    agency_planned_event_play,
    booking_answer_deadline_pass,
    booking_cancel_at_agency,
    booking_cancel_orphan,
    booking_dispatch_step,
    booking_reschedule_at_agency,
    booking_sync_status,
    bookings_escalate_unconfirmed,
    bookings_past_answer_by,
    bookings_sweep_stuck,
)
from interpreters.services.complaints import complaint_send, complaints_auto_accept
from interpreters.services.notifications import (
    notification_deliver,
    notifications_deliver_due,
    prebookings_unconfirmed_notify,
)
from visits.errors import DomainError

logger = logging.getLogger(__name__)


class _TaskOptions(TypedDict):
    acks_late: bool
    reject_on_worker_lost: bool
    ignore_result: bool
    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: bool
    retry_jitter: bool


# A database that is restarting (OperationalError) is waited out with backoff instead of failing the
# task; Celery's Django fixup drops the dead connection after the failed run, so the retry reconnects.
COMMON: _TaskOptions = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_jitter": True,
}


def _booking_dispatch_step(self: Task[[int], str], booking_id: int) -> str:
    outcome = booking_dispatch_step(booking_id=booking_id)
    if outcome.action == "retry" and outcome.retry_in is not None:
        # A new message with a countdown; the booking row holds the attempt count and lease.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.action


booking_dispatch_step_task = shared_task(
    bind=True, name="interpreters.booking_dispatch_step", max_retries=None, **COMMON
)(_booking_dispatch_step)


@shared_task(bind=True, name="interpreters.booking_cancel_at_agency", max_retries=5, **COMMON)
def booking_cancel_at_agency_task(self: Task[[int], bool], booking_id: int) -> bool:
    try:
        return booking_cancel_at_agency(booking_id=booking_id)
    except AgencyError as exc:
        raise self.retry(countdown=min(300, 5 * 2**self.request.retries), exc=exc) from exc


@shared_task(bind=True, name="interpreters.booking_reschedule_at_agency", max_retries=8, **COMMON)
def booking_reschedule_at_agency_task(self: Task[[int], bool], booking_id: int) -> bool:
    try:
        return booking_reschedule_at_agency(booking_id=booking_id)
    except AgencyError as exc:
        raise self.retry(countdown=min(600, 5 * 2**self.request.retries), exc=exc) from exc


@shared_task(bind=True, name="interpreters.booking_cancel_orphan", max_retries=40, **COMMON)
def booking_cancel_orphan_task(
    self: Task[[int, int, str], bool], booking_id: int, agency_id: int, reason: str = "system_orphan"
) -> bool:
    """Retried until the agency acknowledges (about a day at the 10-minute ceiling). `reason`: why
    the agency lost the booking (a fallback's orphan, or a passed answer deadline)."""
    try:
        return booking_cancel_orphan(booking_id=booking_id, agency_id=agency_id, reason=reason)
    except AgencyError as exc:
        raise self.retry(countdown=min(600, 5 * 2**self.request.retries), exc=exc) from exc


@shared_task(name="interpreters.booking_sync_status", **COMMON)
def booking_sync_status_task(booking_id: int) -> bool:
    try:
        return booking_sync_status(booking_id=booking_id)
    except (AgencyError, DomainError) as exc:
        logger.warning("status poll for booking %s: %s", booking_id, exc)
        return False


def _bookings_sweep_stuck() -> dict[str, list[int]]:
    result = bookings_sweep_stuck()  # writes the messages to the outbox itself
    if result.redispatch:
        logger.info("sweeper re-dispatched bookings %s", result.redispatch)
    return {"redispatch": result.redispatch, "sync": result.sync}


bookings_sweep_stuck_task = shared_task(name="interpreters.bookings_sweep_stuck", **COMMON)(_bookings_sweep_stuck)


def _bookings_escalate_unconfirmed() -> list[str]:
    return bookings_escalate_unconfirmed()


bookings_escalate_unconfirmed_task = shared_task(name="interpreters.bookings_escalate_unconfirmed", **COMMON)(
    _bookings_escalate_unconfirmed
)


@shared_task(name="interpreters.booking_answer_deadlines", **COMMON)
def booking_answer_deadlines() -> list[str]:
    """Beat: pre-bookings whose agency let the answer deadline pass move on or fail."""
    return [
        f"{booking_id}:{booking_answer_deadline_pass(booking_id=booking_id).action}"
        for booking_id in bookings_past_answer_by()
    ]


@shared_task(name="interpreters.simulated_agency_event", **COMMON)
def simulated_agency_event(booking_id: int, event_type: str, agency_id: int | None = None) -> bool:
    """A callback the simulated agency planned, delivered through the webhook's own service."""
    return agency_planned_event_play(booking_id=booking_id, event_type=event_type, agency_id=agency_id)


@shared_task(bind=True, name="interpreters.complaint_send", max_retries=24, **COMMON)
def complaint_send_task(self: Task[[int], bool], complaint_id: int) -> bool:
    """Retried for about three and a half hours; each wait stays under the broker's visibility
    timeout (README, "Redis visibility timeout"), so a waiting retry is never delivered twice."""
    try:
        return complaint_send(complaint_id=complaint_id)
    except AgencyError as exc:
        raise self.retry(countdown=min(600, 30 * 2**self.request.retries), exc=exc) from exc


def _complaints_auto_accept() -> int:
    return complaints_auto_accept()


@shared_task(name="interpreters.notification_deliver", **COMMON)
def notification_deliver_task(notification_id: int) -> str:
    """One e-mail. A mail server that is down is not retried here but recorded on the row, which the
    beat task below sends later: the row, not a Celery retry message, is what cannot be lost."""
    return notification_deliver(notification_id=notification_id)


@shared_task(name="interpreters.notifications_deliver_due", **COMMON)
def notifications_deliver_due_task() -> int:
    return notifications_deliver_due().sent


@shared_task(name="interpreters.prebookings_unconfirmed_notify", **COMMON)
def prebookings_unconfirmed_notify_task() -> int:
    return prebookings_unconfirmed_notify()


complaints_auto_accept_task = shared_task(name="interpreters.complaints_auto_accept", **COMMON)(_complaints_auto_accept)


# Names before issue 17 -> the task now doing that work. Each old name stays registered (same code,
# same options) so messages queued under it still run. Drop after one release.
OLD_NAMES = {
    "interpreters.booking_dispatch": booking_dispatch_step_task,
    "interpreters.booking_sweep_stuck": bookings_sweep_stuck_task,
    "interpreters.booking_escalate_unconfirmed": bookings_escalate_unconfirmed_task,
    "interpreters.complaint_auto_accept": complaints_auto_accept_task,
}
shared_task(bind=True, name="interpreters.booking_dispatch", max_retries=None, **COMMON)(_booking_dispatch_step)
shared_task(name="interpreters.booking_sweep_stuck", **COMMON)(_bookings_sweep_stuck)
shared_task(name="interpreters.booking_escalate_unconfirmed", **COMMON)(_bookings_escalate_unconfirmed)
shared_task(name="interpreters.complaint_auto_accept", **COMMON)(_complaints_auto_accept)

TASKS_BY_NAME = {
    task.name: task
    for task in (
        booking_dispatch_step_task,
        booking_cancel_at_agency_task,
        booking_reschedule_at_agency_task,
        booking_cancel_orphan_task,
        booking_sync_status_task,
        bookings_sweep_stuck_task,
        bookings_escalate_unconfirmed_task,
        booking_answer_deadlines,
        simulated_agency_event,
        complaint_send_task,
        complaints_auto_accept_task,
        notification_deliver_task,
        notifications_deliver_due_task,
        prebookings_unconfirmed_notify_task,
    )
}
