"""Private servers for outage tests: a redis-server on a spare port that the test starts, stops and
restarts itself, a TCP proxy in front of the database that the test cuts, never the shared services
CI's own pass uses; and the web (gunicorn) and beat processes of multi-process tests."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from config.celery import app as celery_app
from tests.interpreters.worker import ROOT, BrokerSetup, wait_for


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


class CuttableProxy:
    """A TCP proxy on 127.0.0.1:<spare port> in front of a server (a database): cut() closes every
    connection through it and refuses new ones, as a stopped server does; restore() listens again
    on the same port. The server behind it is never touched."""

    def __init__(self, upstream_host: str, upstream_port: int, port: int | None = None) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = port or free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._open = self._open, set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    server.close()
                    return
                self._open |= {client, server}
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._open -= {source, target}


def process_env(run_dir: Path, database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a web, worker or beat process the test starts (local settings, no DEBUG)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "TOLKDESK_DEBUG": "false",
        "DATABASE_URL": database_url,
        "TOLKDESK_RUN_DIR": str(run_dir),
        **(extra or {}),
    }


class Web:
    """`gunicorn -c config/gunicorn.py config.wsgi` on 127.0.0.1:<port>, in its own process group."""

    def __init__(
        self, run_dir: Path, database_url: str, port: int, name: str, env: dict[str, str] | None = None
    ) -> None:
        self.port, self.name, self.run_dir, self.database_url = port, name, run_dir, database_url
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Web":
        log = open(self.run_dir / f"{self.name}.log", "ab")  # noqa: SIM115
        cmd = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
        cmd += ["--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--timeout", "30"]
        self.process = subprocess.Popen(  # noqa: S603
            cmd,
            cwd=ROOT,
            env=process_env(self.run_dir, self.database_url, self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert wait_for(self._ready, 60), self.log()
        return self

    def log(self) -> str:
        return (self.run_dir / f"{self.name}.log").read_text(errors="replace")[-3000:]

    def _ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def beat_process(run_dir: Path, database_url: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    log = open(run_dir / "beat.log", "ab")  # noqa: SIM115
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "-s", str(run_dir / "beat-schedule")],
        cwd=ROOT,
        env=process_env(run_dir, database_url, env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def login(web: Web, username: str, password: str) -> requests.Session:
    """A signed-in session at `web` through the real login form."""
    session = requests.Session()
    session.get(f"{web.url}/login/", timeout=10)
    response = session.post(
        f"{web.url}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return session
