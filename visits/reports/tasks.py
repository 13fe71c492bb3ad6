"""Celery tasks keeping the usage rollups current. Both are idempotent: a refresh recomputes whole
office-days from the raw rows, so running one twice (acks_late redelivery) changes nothing."""

from datetime import date

from celery import shared_task
from django.db import OperationalError

from visits.reports.services import usage_dirty_days_refresh, usage_rollup_refresh, usage_rollups_refresh_recent


@shared_task(
    name="reports.usage_rollup_refresh",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def usage_rollup_refresh_task(office_id: int, day: str) -> None:
    usage_rollup_refresh(office_id=office_id, day=date.fromisoformat(day))


@shared_task(
    name="reports.usage_dirty_days_refresh",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def usage_dirty_days_refresh_task() -> int:
    """Beat, every minute: recompute each office-day some write marked dirty, once."""
    return usage_dirty_days_refresh()


@shared_task(
    name="reports.usage_rollups_refresh_recent",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def usage_rollups_refresh_recent_task(days: int = 2) -> int:
    return usage_rollups_refresh_recent(days=days)
