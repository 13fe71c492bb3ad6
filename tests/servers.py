
"""Private servers for outage tests: a redis-server (and helpers) on a spare port that the test
starts, stops and restarts itself, never the shared services CI's own pass uses."""

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from config.celery import app as celery_app
from tests.interpreters.worker import BrokerSetup


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """redis-server on 127.0.0.1:<port>, no persistence; start() and stop() as often as needed."""

    def __init__(self, run_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.run_dir = run_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> "PrivateRedis":
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.run_dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def llen(self, queue: str = "celery") -> int:
        import redis

        return int(redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2).llen(queue))


class FrozenServer:
    """A listening socket that never accepts or answers: a broker that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = int(self.sock.getsockname()[1])

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def celery_broker(url: str, transport_options: dict[str, Any]) -> Iterator[None]:
    """This process's Celery app publishes to `url` for real (not eager) inside the block."""
    conf = celery_app.conf
    saved = {
        "task_always_eager": conf.task_always_eager,
        "broker_url": conf.broker_url,
        "broker_transport_options": conf.broker_transport_options,
        "broker_transport": conf.broker_transport,
    }
    # Celery's conf.broker_url prefers the CELERY_BROKER_URL environment variable (set in CI's
    # PostgreSQL pass) over the configured value: point both at `url` for the block.
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    conf.task_always_eager = False
    conf.broker_transport = None  # the embedded default names the filesystem transport
    conf.broker_url = url
    conf.broker_transport_options = transport_options
    BrokerSetup._reset_pools()
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        for key, value in saved.items():
            setattr(conf, key, value)
        BrokerSetup._reset_pools()
