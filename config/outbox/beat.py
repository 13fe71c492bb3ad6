"""One Celery beat at a time, and a heartbeat that /readyz can read.

Two beats would send every periodic task twice. `Scheduler` (CELERY_BEAT_SCHEDULER) takes a
single-instance lock when beat starts and exits if another beat holds it:

- PostgreSQL: a session-level advisory lock on a connection of its own, held while beat lives (it
  is released by the server when the process dies, however it dies);
- the embedded default (SQLite): an exclusive `flock` on RUN_DIR/celerybeat.lock (released by the
  kernel when the process dies).

`beat_lock_try()` is the same lock for any other caller (rundemo checks it before it starts its own
beat: `if beat_lock_held_elsewhere(): refuse`). Every periodic task is also safe to run twice at
once: they re-read state and their writes are conditional (see each task's docstring).
"""

import fcntl
import logging
import os
import zlib
from typing import Any

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from config.outbox.models import Heartbeat

logger = logging.getLogger(__name__)

# A fixed key (the advisory lock space is per database).
ADVISORY_KEY = zlib.crc32(b"tolkdesk.celery-beat")
HEARTBEAT_EVERY_SECONDS = 10.0


class BeatLock:
    """A held single-instance lock; `release()` gives it back (also done by process exit)."""

    def __init__(self, *, file: Any = None, connection: Any = None) -> None:
        self._file = file
        self._connection = connection

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._connection is not None:
            self._connection.close()  # ends the session: the advisory lock goes with it
            self._connection = None


def beat_lock_try() -> BeatLock | None:
    """Take the beat lock, or None if another process holds it. Never waits."""
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        # A connection of its own, outside Django's per-request handling, kept open while held.
        connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            (locked,) = cursor.fetchone()
        if not locked:
            connection.close()
            return None
        return BeatLock(connection=connection)
    path = settings.RUN_DIR / "celerybeat.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open for the life of the lock
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return BeatLock(file=handle)


def beat_lock_held_elsewhere() -> bool:
    """True if a beat is running (for rundemo: refuse to start a second one)."""
    lock = beat_lock_try()
    if lock is None:
        return True
    lock.release()
    return False


class Scheduler(PersistentScheduler):
    """celery beat's default scheduler, refusing to run as a second beat and writing a heartbeat."""

    lock: BeatLock | None = None

    def setup_schedule(self) -> None:
        lock = beat_lock_try()
        if lock is None:
            logger.error("another celery beat holds the single-instance lock: this one exits")
            raise SystemExit(1)
        Scheduler.lock = lock
        self._last_heartbeat = 0.0
        super().setup_schedule()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        now = timezone.now().timestamp()
        if now - self._last_heartbeat >= HEARTBEAT_EVERY_SECONDS:
            self._last_heartbeat = now
            heartbeat_record("beat")
        return min(interval, HEARTBEAT_EVERY_SECONDS)


def heartbeat_record(name: str) -> None:
    """Note that process `name` is alive (readyz reads it). Never raises: a database outage must not
    stop beat or a worker, and /readyz reports the database separately."""
    try:
        Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    except Exception:
        logger.warning("heartbeat %s not recorded", name, exc_info=True)
    finally:
        connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
