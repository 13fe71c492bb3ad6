"""A guard for kombu's Redis transport: a worker must survive the broker going away mid-task.

When the Redis connection drops while a worker holds a message it has not acknowledged yet
(acks_late: every task that was running), Celery's consumer closes the connection to reconnect.
Closing the channel tries to put those messages back through a transport that is already closed, and
kombu (5.7) fails with AttributeError ("'NoneType' object has no attribute 'hostname'") instead of a
connection error. Celery treats that as unrecoverable and the worker process exits: bench/outage.py
found it (the worker died in the first second of a broker outage and nothing was sent after the
broker returned), tests/test_outages.py keeps it fixed.

Raised as redis's ConnectionError instead, it is one of the transport's connection errors: the
consumer ignores it while closing and keeps reconnecting until the broker is back. The messages stay
in Redis's unacked set and are delivered again after the visibility timeout (every task is safe to run
twice); a booking whose dispatch was cut off is also re-sent by the sweeper.
"""

import functools
from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


def guard_closed_transport() -> None:
    """Make kombu's Redis channel raise a connection error, not AttributeError, once its transport
    is closed. Idempotent (config/celery.py calls it in every process)."""
    channel: Any = kombu_redis.Channel
    original = channel._connparams
    if getattr(original, "tolkdesk_guarded", False):
        return

    @functools.wraps(original)
    def _connparams(self: Any, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection is closed")
        return original(self, asynchronous=asynchronous)

    _connparams.tolkdesk_guarded = True  # type: ignore[attr-defined]
    channel._connparams = _connparams
