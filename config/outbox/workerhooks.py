"""Worker-side hooks, connected when Django starts (config/outbox/apps.py):

- a heartbeat row written every few seconds while a worker runs (/readyz reads its age);
- the request id a task was enqueued under, put back into the log context while it runs;
- task failures and retries counted for /metrics."""

import threading
from typing import Any

from celery.signals import task_failure, task_postrun, task_prerun, task_retry, worker_ready, worker_shutdown

from config.outbox.beat import HEARTBEAT_EVERY_SECONDS, heartbeat_record
from config.outbox.counters import ops_counter_add
from config.requestid import current_request_id

_stop = threading.Event()


def _beat_loop() -> None:
    while not _stop.wait(HEARTBEAT_EVERY_SECONDS):
        heartbeat_record("worker")


@worker_ready.connect
def _start_heartbeat(**kwargs: Any) -> None:
    heartbeat_record("worker")
    threading.Thread(target=_beat_loop, name="tolkdesk-heartbeat", daemon=True).start()


@worker_shutdown.connect
def _stop_heartbeat(**kwargs: Any) -> None:
    _stop.set()


@task_prerun.connect
def _task_request_id(task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    # The outbox relay sends it as a message header: Celery exposes custom headers as attributes of
    # task.request (and, depending on the path, under task.request.headers).
    request_id = getattr(request, "request_id", None) or (getattr(request, "headers", None) or {}).get("request_id")
    request_id = request_id or ""
    current_request_id.set(str(request_id)[:64])


@task_postrun.connect
def _task_request_id_clear(**kwargs: Any) -> None:
    current_request_id.set("")


@task_failure.connect
def _count_failure(sender: Any = None, **kwargs: Any) -> None:
    ops_counter_add(name="task_failures", label=getattr(sender, "name", "") or "")


@task_retry.connect
def _count_retry(sender: Any = None, **kwargs: Any) -> None:
    ops_counter_add(name="task_retries", label=getattr(sender, "name", "") or "")
