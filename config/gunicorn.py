"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Every value can be overridden from the environment (names below) or on the command line."""

import os
from typing import Any

from config.env import env_int, env_str

bind = env_str("TOLKDESK_BIND", "0.0.0.0:8000")
# Sync workers: each request holds one process; two per core plus one is gunicorn's rule of thumb.
workers = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"
# A request that runs longer than this is killed (the worker is replaced). Nothing in a request waits
# on an agency or, thanks to the outbox's bounded publish, on the broker.
timeout = env_int("TOLKDESK_WEB_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (slow leaks), staggered so they do not all restart at once.
max_requests = 2000
max_requests_jitter = 200
# The reverse proxy in front sets X-Forwarded-Proto; trust it only from these addresses.
forwarded_allow_ips = env_str("TOLKDESK_FORWARDED_ALLOW_IPS", "127.0.0.1")
# No access log here: URLs carry search terms (visitor names). Django logs each request as a JSON
# line with the route's name instead (config/logs.py).
accesslog = None
errorlog = "-"
loglevel = env_str("TOLKDESK_GUNICORN_LOG_LEVEL", "info")
proc_name = "tolkdesk-web"


def child_exit(server: Any, worker: Any) -> None:
    """prometheus-client multiprocess mode: forget the metrics files of a worker that exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
