import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from config.idempotency.models import KEEP_HOURS, IdempotencyRecord


@dataclass(frozen=True)
class IdempotencyClaim:
    """Who is sending which key to which path, and a fingerprint of what they sent."""

    scope: str
    path: str
    key: str
    fingerprint: str


def body_fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def idempotency_record_save(
    *, claim: IdempotencyClaim, status_code: int, response: dict[str, Any], now: datetime | None = None
) -> IdempotencyRecord:
    """Store the first answer. Call it inside the write's transaction: two requests racing with one
    key (a double click, a client retrying a slow request) both write, but the second's insert
    fails on the unique key (on PostgreSQL it waits for the first to commit), so its whole
    transaction rolls back and it replays the first answer instead. One INSERT."""
    return IdempotencyRecord.objects.create(
        scope=claim.scope[:80],
        path=claim.path[:255],
        key=claim.key,
        fingerprint=claim.fingerprint,
        status_code=status_code,
        response=response,
        created_at=now or timezone.now(),
    )


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Forget answers older than KEEP_HOURS; returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(hours=KEEP_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
