"""Celery tasks keeping the usage rollups current. Both are idempotent: a refresh recomputes whole
office-days from the raw rows, so running one twice (acks_late redelivery) changes nothing."""

from datetime import date
from typing import Any

from celery import shared_task
from django.db import OperationalError

from visits.reports.services import usage_dirty_days_refresh, usage_rollup_refresh, usage_rollups_refresh_recent

# A database that is restarting is waited out with backoff; a second run recomputes the same rows.
RETRY_ON_DATABASE_ERRORS: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_jitter": True,
}


@shared_task(name="reports.usage_rollup_refresh", max_retries=5, **RETRY_ON_DATABASE_ERRORS)
def usage_rollup_refresh_task(office_id: int, day: str) -> None:
    usage_rollup_refresh(office_id=office_id, day=date.fromisoformat(day))


@shared_task(name="reports.usage_dirty_days_refresh", max_retries=3, **RETRY_ON_DATABASE_ERRORS)
def usage_dirty_days_refresh_task() -> int:
    """Beat, every minute: recompute each office-day some write marked dirty, once."""
    return usage_dirty_days_refresh()


@shared_task(name="reports.usage_rollups_refresh_recent", max_retries=3, **RETRY_ON_DATABASE_ERRORS)
def usage_rollups_refresh_recent_task(days: int = 2) -> int:
    return usage_rollups_refresh_recent(days=days)
