"""One command for the whole demo: migrate, load demo data, start a real Celery worker (with beat)
on the configured broker, and serve the site. Ctrl-C stops the server and then the worker."""

import fcntl
import os
import re
import signal
import socket
import subprocess  # nosec B404: starts our own Celery worker, with a fixed argument list
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import IO, Any

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from visits.management.commands.seed_demo import ADMIN_USERNAME, DEMO_PASSWORD, DEMO_STAFF
from visits.models import Visit

WORKER_STOP_TIMEOUT = 15  # seconds a worker gets for a warm shutdown before it is killed
# A year of history for the report pages: a small slice of the ~3 million visits a year the
# offices see, enough for trends and an office ranking (about 15 s on SQLite).
DEMO_HISTORY_VISITS = 20_000


def worker_command(*, loglevel: str = "info") -> list[str]:
    """A real worker with embedded beat (the booking sweeper is a beat task). The solo pool keeps
    one process: enough for the demo and gentle on SQLite."""
    return [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "-l", loglevel, "--pool=solo"]


def _ensure_runtime_dirs() -> None:
    """A fresh clone has no .run/: SQLite and kombu's filesystem transport need their folders."""
    Path(settings.RUN_DIR).mkdir(parents=True, exist_ok=True)
    for folder in getattr(settings, "CELERY_BROKER_FILESYSTEM_DIRS", ()):
        Path(folder).mkdir(parents=True, exist_ok=True)
    Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)


WORKER_READY = re.compile(rb"celery@\S+ ready")
READY_TIMEOUT = 60  # seconds to wait for the worker and the web server before printing the logins


def _hold_demo_lock() -> IO[str]:
    """One demo per folder: the demo's worker runs beat, and two beats send every periodic task
    twice. The lock (an flock on .run/rundemo.lock) is released by the OS when this process ends,
    however it ends; the file says which pid holds it."""
    path = Path(settings.RUN_DIR) / "rundemo.lock"
    handle = open(path, "a+")  # noqa: SIM115  # held open for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip() or "?"
        handle.close()
        raise CommandError(
            f"A demo is already running from this folder (pid {pid}), with its Celery beat; a second one "
            "would send every periodic task twice. Stop it with Ctrl-C in its terminal, or run: "
            f"kill {pid}"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _port_answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise CommandError(f"Port {port} on 127.0.0.1 is in use; choose another with --port.") from exc


class Command(BaseCommand):
    help = "Migrate, seed demo data, start a Celery worker with beat, and run the web server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port for the web server (127.0.0.1).")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the Celery worker.")
        parser.add_argument(
            "--worker-log", default="", help="Write the worker's output to this file instead of the console."
        )
        parser.add_argument(
            "--history",
            type=int,
            default=DEMO_HISTORY_VISITS,
            help="Past visits (over the last year) to generate for the reports on a first run; 0 for none.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        if not 0 < port < 65536:
            raise CommandError(f"Invalid port: {port}")
        # runserver leaves with os._exit() when the port is taken, which would orphan the worker:
        # find out before starting one.
        _ensure_runtime_dirs()
        self._lock = _hold_demo_lock()
        _check_port_free(port)
        call_command("migrate", interactive=False, verbosity=1)
        call_command("seed_demo")
        if "seed_agencies" in get_commands():
            call_command("seed_agencies")
        self._seed_history(options["history"])

        worker = None if options["no_worker"] else self._start_worker(options["worker_log"])
        # Ctrl-C and SIGTERM (a process manager) must both stop the worker: make them exceptions so
        # the finally block runs. SIGINT is set explicitly because a shell starting us in the
        # background leaves it ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, self._exit_on_signal)
        try:
            # The logins come last, once the worker's banner and the server's lines are out.
            threading.Thread(target=self._print_logins_when_ready, args=(port, worker), daemon=True).start()
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            if worker is not None:
                self._stop_worker(worker)

    def _seed_history(self, visits: int) -> None:
        """Generated past visits, so the report pages have something to show. Only when the
        database has no past visit at all: a second run of the demo adds nothing."""
        if visits < 0:
            raise CommandError("--history must be 0 or more.")
        if visits == 0 or Visit.objects.filter(service_date__lt=timezone.localdate()).exists():
            return
        call_command("generate_visits", years=1, visits_per_year=visits, verbosity=0)

    @staticmethod
    def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    def _start_worker(self, log_path: str) -> subprocess.Popen:
        env = {**os.environ}
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        worker = subprocess.Popen(  # noqa: S603  # nosec B603: fixed argv, no shell
            worker_command(),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        out = open(log_path, "ab") if log_path else None  # noqa: SIM115  # closed with the worker
        self._worker_log = out
        self._worker_ready = threading.Event()
        threading.Thread(target=self._copy_worker_output, args=(worker, out), daemon=True).start()
        time.sleep(0.5)
        if worker.poll() is not None:
            raise CommandError(f"The Celery worker exited at once (code {worker.returncode}).")
        self.stdout.write(f"Celery worker with beat started (pid {worker.pid}) on {settings.CELERY_BROKER_URL}")
        return worker

    def _copy_worker_output(self, worker: subprocess.Popen, out: IO[bytes] | None) -> None:
        """The worker's output, to the console or its log file; notes when the worker is ready."""
        if worker.stdout is None:  # started without stdout=PIPE: nothing to copy
            return
        target = out or sys.stdout.buffer
        for line in iter(worker.stdout.readline, b""):
            try:
                target.write(line)
                target.flush()
            except (OSError, ValueError):  # the log was closed at shutdown
                pass
            if WORKER_READY.search(line):
                self._worker_ready.set()

    def _print_logins_when_ready(self, port: int, worker: subprocess.Popen | None) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        if worker is not None:
            self._worker_ready.wait(timeout=READY_TIMEOUT)
        while not _port_answers(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.3)  # let runserver finish its own lines
        self._print_logins(port, worker)

    def _stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is None:
            self.stdout.write("Stopping the Celery worker…")
            worker.terminate()  # SIGTERM = Celery's warm shutdown: finishes the task at hand
            try:
                worker.wait(timeout=WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        log = getattr(self, "_worker_log", None)
        if log:
            log.close()

    def _print_logins(self, port: int, worker: subprocess.Popen | None) -> None:
        base = f"http://127.0.0.1:{port}"
        lines = [
            "",
            "tolkdesk demo",
            f"  check-in page : {base}/",
            f"  admin         : {base}/admin/",
            f"  reports       : {base}/reports/ (manager, admin)",
            f"  API docs      : {base}/api/docs/",
            f"  logins (password for all: {DEMO_PASSWORD}):",
        ]
        for username, (role, offices) in DEMO_STAFF.items():
            lines.append(f"    {username:<10} {role.label} at {', '.join(offices)}")
        lines.append(f"    {ADMIN_USERNAME:<10} national admin (superuser)")
        lines.append(f"  worker        : {f'running, pid {worker.pid}' if worker else 'not started'}")
        lines.append("  Ctrl-C stops the server and the worker. The demo keeps this terminal:")
        lines.append("  run the tests or other commands in a second one.")
        lines.append("")
        self.stdout.write("\n".join(lines))
