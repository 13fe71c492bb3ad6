"""Helpers to run a REAL Celery worker process against the test database and a real broker (Redis
when CELERY_BROKER_URL is redis://, else kombu's filesystem transport in a private folder).
Used by the worker test and by bench/booking.py."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_current_connection() -> str:
    """The URL of the database this process is connected to (the test DB under pytest)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            raise RuntimeError("an in-memory SQLite database cannot be shared with a worker process")
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


class BrokerSetup:
    """Point this process's Celery app at a real broker (not eager) and give workers the same."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.url = os.environ.get("CELERY_BROKER_URL", "filesystem://")
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> "BrokerSetup":
        conf = celery_app.conf
        self._saved = {
            "task_always_eager": conf.task_always_eager,
            "broker_url": conf.broker_url,
            "broker_transport_options": conf.broker_transport_options,
        }
        options: dict[str, Any] = {}
        if self.url.startswith("filesystem://"):
            queue, processed = self.run_dir / "broker" / "queue", self.run_dir / "broker" / "processed"
            queue.mkdir(parents=True, exist_ok=True)
            processed.mkdir(parents=True, exist_ok=True)
            # Same folders the worker's settings derive from TOLKDESK_RUN_DIR.
            options = {
                "data_folder_in": str(queue),
                "data_folder_out": str(queue),
                "processed_folder": str(processed),
                "store_processed": False,
            }
        conf.task_always_eager = False
        conf.broker_url = self.url
        conf.broker_transport_options = options
        self._reset_pools()
        if self.url.startswith("redis://"):
            with celery_app.connection_for_write() as conn:
                conn.default_channel.queue_purge("celery")
        return self

    def __exit__(self, *exc: object) -> None:
        for key, value in self._saved.items():
            setattr(celery_app.conf, key, value)
        self._reset_pools()

    @staticmethod
    def _reset_pools() -> None:
        # Connection/producer pools are built from the config the first time they are used, and
        # kombu keeps producer pools in a global registry: drop them all.
        kombu_pools.reset()
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
            celery_app._pool = None
        celery_app.amqp._producer_pool = None


class Worker:
    """A `celery worker` subprocess in its own process group (so SIGKILL takes the pool too)."""

    def __init__(
        self,
        *,
        run_dir: Path,
        database_url: str,
        name: str,
        beat: bool = False,
        concurrency: int = 1,
        env: dict[str, str] | None = None,
        pool: str = "prefork",
    ) -> None:
        self.log_path = run_dir / f"{name}.log"
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-n",
            f"{name}@%h",
            "-l",
            "INFO",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if beat:
            cmd += ["--beat", "--schedule", str(run_dir / f"{name}-beat-schedule")]
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "TOLKDESK_DEBUG": "false",
            "DATABASE_URL": database_url,
            "TOLKDESK_RUN_DIR": str(run_dir),
            **(env or {}),
        }
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            cmd, cwd=ROOT, env=worker_env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log()}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_bytes().decode(errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL the whole process group: no chance to ack, reject or clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            # Warm shutdown: the main process lets the running task finish, then exits.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


def wait_for(predicate: Any, timeout: float, interval: float = 0.1) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
