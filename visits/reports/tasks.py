"""Celery tasks keeping the usage rollups current. Both are idempotent: a refresh recomputes whole
office-days from the raw rows, so running one twice (acks_late redelivery) changes nothing."""

from datetime import date, timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from visits.models import Visit
from visits.reports.services import usage_dirty_days_refresh, usage_rollup_refresh, usage_rollups_rebuild


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
    """Beat: recompute the last ``days`` days for every office, a safety net for marks lost between
    a claim and its recompute (a worker killed mid-run) and for writes that call no hook."""
    today = timezone.localdate()
    since = today - timedelta(days=max(1, days) - 1)
    offices = set(Visit.objects.filter(service_date__range=(since, today)).values_list("office_id", flat=True))
    if not offices:
        return 0
    return usage_rollups_rebuild(since=since, until=today)
