"""The beat relay: the outbox's safety net for rows whose after-commit publish failed."""

from celery import shared_task

from config.outbox.services import outbox_relay_all


@shared_task(name="outbox.relay", acks_late=True, ignore_result=True)
def outbox_relay_task() -> int:
    return outbox_relay_all().sent
