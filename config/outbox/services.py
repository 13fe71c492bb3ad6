"""Write tasks into the outbox inside the business transaction; relay them to the broker after.

    with transaction.atomic():
        booking = ...create(...)
        outbox_enqueue(task="interpreters.booking_dispatch_step", args=[booking.pk])

The row commits or rolls back with the booking. Once the transaction commits, the relay tries to
publish it at once; that attempt is bounded (OUTBOX_PUBLISH_TIMEOUT_SECONDS, no retries) and never
raises: if the broker is down or frozen the user's request still succeeds and the row waits for the
beat relay (`outbox.relay`, every OUTBOX_RELAY_INTERVAL_SECONDS), which is the safety net.

A row is deleted only after the broker took the message. A relay that dies between the publish and
the delete sends the task again later: every task is safe to run twice (their services check state).
"""

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.outbox.models import OutboxMessage
from config.requestid import current_request_id

logger = logging.getLogger(__name__)


def outbox_enqueue(
    *,
    task: str,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    eta: datetime | None = None,
    countdown: float | None = None,
    not_before: datetime | None = None,
    dedupe_key: str = "",
    now: datetime | None = None,
) -> OutboxMessage:
    """Record a task to send once the caller's transaction commits (nothing if it rolls back).

    Call it inside the transaction that makes the task necessary. Arguments are ids and ISO strings:
    anything JSON cannot hold is refused here, not in the relay. Outside a transaction the row is
    committed at once and relayed straight away.

    `not_before` keeps the row in the outbox until then: the beat relay sends it once it is due
    (within OUTBOX_RELAY_INTERVAL_SECONDS). Unlike `eta`/`countdown` (held by a worker once sent),
    the wait survives a broker outage and worker restarts, and no broker visibility timeout has to
    cover it: use it for anything later than a few seconds."""
    now = now or timezone.now()
    payload_args, payload_kwargs = list(args), dict(kwargs or {})
    json.dumps([payload_args, payload_kwargs])  # TypeError now rather than a row the relay cannot send
    if countdown is not None:
        eta = now + timedelta(seconds=countdown)
    row = OutboxMessage.objects.create(
        task=task,
        args=payload_args,
        kwargs=payload_kwargs,
        eta=eta,
        dedupe_key=dedupe_key[:200],
        request_id=current_request_id.get()[:64],
        created_at=now,
        available_at=max(now, not_before) if not_before is not None else now,
    )
    if row.available_at <= now or current_app.conf.task_always_eager:
        # Eager (tests): a later row runs at once, as a countdown did before the outbox.
        transaction.on_commit(partial(outbox_relay_after_commit, ids=[row.pk]))
    return row


def outbox_relay_after_commit(*, ids: list[int]) -> None:
    """The on-commit hook: one bounded attempt, errors logged and left to the beat relay."""
    if current_app.conf.task_always_eager:
        # Tests run tasks in-process: the "publish" is the task itself, and its errors are the
        # test's business (CELERY_TASK_EAGER_PROPAGATES), as they were before the outbox.
        _run_eagerly(ids)
        return
    try:
        outbox_relay(ids=ids, timeout=settings.OUTBOX_PUBLISH_TIMEOUT_SECONDS)
    except Exception:  # the request that wrote the rows succeeded: never turn that into a 500
        logger.warning("outbox: relay after commit failed; the beat relay will send rows %s", ids, exc_info=True)


@dataclass(frozen=True)
class RelayResult:
    sent: int
    failed: int
    collapsed: int = 0
    woken: int = 0  # rows backing off from an earlier failure, made due again (the broker is back)


def outbox_relay(
    *, ids: list[int] | None = None, limit: int = 500, timeout: float | None = None, now: datetime | None = None
) -> RelayResult:
    """Publish due outbox rows (all of them, or only `ids`) and delete each once the broker took it.

    Two relays may run at once (the request's hook and the beat relay, or two beat relays): each row
    is claimed with a conditional UPDATE of its `available_at` before it is published, so only one
    of them sends it. Rows sharing a dedupe key are sent once per relay run. The first failed
    publish stops the run (the broker is down: trying the rest would only wait longer) and pushes
    the claimed row back by a growing delay."""
    now = now or timezone.now()
    timeout = settings.OUTBOX_RELAY_TIMEOUT_SECONDS if timeout is None else timeout
    due = OutboxMessage.objects.filter(available_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    rows = list(due.order_by("pk")[:limit])
    if not rows:
        return RelayResult(0, 0)
    lease_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    # Conflicts with: another relay claiming the same row. One UPDATE per row, row count checked.
    # A claimed row has no last_error while it is leased: only rows backing off carry one.
    claimed = [
        row
        for row in rows
        if OutboxMessage.objects.filter(pk=row.pk, available_at=row.available_at).update(
            available_at=lease_until, attempts=F("attempts") + 1, last_error=""
        )
    ]
    sent = collapsed = 0
    keys_sent: set[str] = set()
    try:
        with _producer(timeout) as producer:
            for index, row in enumerate(claimed):
                if row.dedupe_key and row.dedupe_key in keys_sent:
                    # Read before this run's message for the key was published: that message covers it.
                    OutboxMessage.objects.filter(pk=row.pk).delete()
                    collapsed += 1
                    continue
                try:
                    _publish(row, producer)
                except Exception as exc:  # broker down, frozen, refused: this row and the rest wait
                    _back_off(claimed[index:], exc)
                    return RelayResult(sent, len(claimed) - index, collapsed)
                OutboxMessage.objects.filter(pk=row.pk).delete()
                sent += 1
                if row.dedupe_key:
                    keys_sent.add(row.dedupe_key)
    except Exception as exc:  # no connection at all
        _back_off(claimed, exc)
        return RelayResult(0, len(claimed))
    if sent or collapsed:
        logger.info("outbox: sent %s, collapsed %s", sent, collapsed)
    return RelayResult(sent, 0, collapsed)


def outbox_relay_all(*, max_runs: int = 20) -> RelayResult:
    """The beat relay: relay runs until nothing due is left, at most `max_runs` of them (a backlog
    larger than one run's limit goes in one beat tick). When nothing is due but rows are still
    backing off from a failed publish, and the broker answers again, those rows are made due at once:
    after an outage the backlog goes now, not up to OUTBOX_RETRY_MAX_SECONDS later."""
    sent = failed = collapsed = woken = 0
    for _ in range(max_runs):
        result = outbox_relay()
        sent, failed, collapsed = sent + result.sent, failed + result.failed, collapsed + result.collapsed
        if result.failed:
            break
        if not (result.sent or result.collapsed):
            made_due = _wake_backed_off_if_broker_answers()
            woken += made_due
            if not made_due:
                break
    return RelayResult(sent, failed, collapsed, woken)


def _wake_backed_off_if_broker_answers() -> int:
    """Make rows that are waiting out a backoff due now, if the broker takes connections again.
    Leased rows (their claim cleared last_error) and rows not due yet that never failed
    (`not_before`) are left alone. Conflicts with: a relay claiming one of these rows; its
    conditional UPDATE on the old available_at then matches nothing and it skips the row."""
    backing_off = OutboxMessage.objects.filter(available_at__gt=timezone.now()).exclude(last_error="")
    if not backing_off.exists():
        return 0
    try:
        with _producer(settings.OUTBOX_RELAY_TIMEOUT_SECONDS):
            pass
    except Exception:  # still down: the rows keep their backoff
        return 0
    return backing_off.update(available_at=timezone.now())


def outbox_depth() -> int:
    return OutboxMessage.objects.count()


def _back_off(rows: list[OutboxMessage], exc: Exception) -> None:
    """Leave the rows for a later relay, later the more often they failed."""
    if not rows:
        return
    error = f"{type(exc).__name__}: {exc}"[:255]
    at = timezone.now()
    for row in rows:
        attempts = row.attempts + 1  # the claim counted this attempt
        delay = min(settings.OUTBOX_RETRY_MAX_SECONDS, 2 ** min(attempts, 10))
        OutboxMessage.objects.filter(pk=row.pk).update(available_at=at + timedelta(seconds=delay), last_error=error)
    logger.warning(
        "outbox: cannot publish %s rows (first %s, %s): %s", len(rows), rows[0].pk, rows[0].task, type(exc).__name__
    )


@contextmanager
def _producer(timeout: float) -> Iterator[Any]:
    """A producer from Celery's pool whose connection is up, tried once within `timeout` seconds.
    kombu would otherwise retry a refused connection forever; the broker transport options
    (config/settings/base.py) bound each socket operation of the publish itself."""
    with current_app.producer_pool.acquire(block=True, timeout=timeout) as producer:
        connection: Any = producer.connection
        try:
            connection.ensure_connection(max_retries=0, timeout=timeout)
        except Exception:
            connection.collect()
            raise
        try:
            yield producer
        except Exception:
            connection.collect()
            raise


def _publish(row: OutboxMessage, producer: Any) -> None:
    options: dict[str, Any] = {"producer": producer, "retry": False, "headers": {"request_id": row.request_id}}
    if row.eta is not None:
        options["eta"] = row.eta
    task = _registered_task(row.task)
    if task is not None:
        task.apply_async(args=row.args, kwargs=row.kwargs, **options)
    else:  # a task this process has not imported (a worker-only app): send by name
        current_app.send_task(row.task, args=row.args, kwargs=row.kwargs, **options)


def _run_eagerly(ids: list[int]) -> None:
    for row in OutboxMessage.objects.filter(pk__in=ids).order_by("pk"):
        OutboxMessage.objects.filter(pk=row.pk).delete()
        task = _registered_task(row.task)
        if task is None:
            raise LookupError(f"outbox: no task named {row.task!r}")
        task.apply_async(args=row.args, kwargs=row.kwargs)


def _registered_task(name: str) -> Any:
    """The task object, importing every app's tasks module the first time one is missing (a web
    process imports tasks modules only as code happens to use them)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks.get(name)
