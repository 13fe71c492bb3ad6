"""Celery tasks of the visits app. Thin: they call a service and hold no logic of their own."""

import logging
from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from visits.reminders import appointment_reminder_send, appointment_reminders_due
from visits.retention import visit_purge_personal_data
from visits.services import appointments_no_show_due

logger = logging.getLogger(__name__)


def _visit_purge_personal_data() -> dict[str, int]:
    """Celery beat (hourly): erase personal data past TOLKDESK_RETENTION_DAYS. Idempotent: a second
    run, or two overlapping runs, only find what is still due."""
    result = asdict(visit_purge_personal_data(older_than_days=settings.TOLKDESK_RETENTION_DAYS))
    logger.info("retention purge: %s", result)
    return result


_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}
visit_purge_personal_data_task = shared_task(name="visits.visit_purge_personal_data", **_OPTIONS)(
    _visit_purge_personal_data
)
# Its name before issue 17 (tasks share their service's name), kept registered so a message already
# queued under it still runs. Drop after one release.
shared_task(name="visits.purge_personal_data", **_OPTIONS)(_visit_purge_personal_data)


@shared_task(
    name="visits.appointments_no_show",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def appointments_no_show() -> list[int]:
    """Celery beat: scheduled appointments whose end has passed unattended become no-shows.
    Idempotent (each is taken under its row lock and checked again)."""
    return appointments_no_show_due()


@shared_task(name="visits.appointment_reminders_due", **_OPTIONS)
def appointment_reminders_due_task() -> int:
    """Celery beat: claim the appointments whose visitor reminder is due and queue their sends (each
    claimed once, however many beats run). Returns how many were queued."""
    return len(appointment_reminders_due().queued)


@shared_task(name="visits.appointment_reminder_send", **_OPTIONS)
def appointment_reminder_send_task(appointment_id: int) -> str:
    """One visitor reminder. A mail server or gateway that is down is not retried here but recorded
    on the appointment, with its next try in the outbox (growing delays): the row, not a Celery
    retry message, is what cannot be lost. A second run finds the row taken and does nothing."""
    return appointment_reminder_send(appointment_id=appointment_id)
