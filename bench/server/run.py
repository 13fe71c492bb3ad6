"""bench/checkin.py --server: start gunicorn, drive it from threads, print the figures."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from visits.models import Authority, Office, OfficeMembership, StaffRole

ROOT = Path(__file__).resolve().parent.parent.parent
TARGET_RATIO = 0.50
CHECK_IN, BARE = "/api/v1/visits/", "/bench/bare/"


@dataclass
class Sample:
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # CPU seconds the server spent on the sample: gunicorn's workers, and the PostgreSQL sessions they
    # opened (CpuMeter). Unlike req/s, these hardly move when other programs share the machine.
    web_cpu: float = 0.0
    db_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def database_ready() -> str | None:
    """Why the database cannot be used, or None."""
    if connection.vendor != "postgresql":
        return "--server needs PostgreSQL: set DATABASE_URL=postgres://…"
    try:
        plan = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    except Exception as exc:  # noqa: BLE001 - no server, no database: say so
        return f"cannot reach the database: {exc}"
    if plan:
        return f"{len(plan)} migrations not applied: run manage.py migrate"
    if not Office.objects.filter(active=True).exists() or not Authority.objects.filter(active=True).exists():
        return "no active office or authority: run manage.py seed_demo --no-visits (or generate_visits)"
    return None


def prepare(offices: int) -> tuple[dict[str, str], list[dict]]:
    """A receptionist at ``offices`` offices, signed in (a session row) with a CSRF token: the headers
    every request sends, and one check-in body per office (connection i checks in at office i mod n:
    check-ins at ONE office queue on its row lock, which numbers the queue)."""
    chosen = list(Office.objects.filter(active=True).order_by("pk")[:offices])
    authority = Authority.objects.filter(active=True).order_by("pk").first()
    user, _created = get_user_model().objects.get_or_create(username="bench-reception")
    for office in chosen:
        OfficeMembership.objects.get_or_create(user=user, office=office, role=StaffRole.RECEPTIONIST)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session.create()
    csrf = secrets.token_hex(16)  # 32 characters, as Django's CSRF cookie
    headers = {
        "Content-Type": "application/json",
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
        # Behind the TLS proxy production expects: no redirect to https, and CSRF checks the Referer.
        "X-Forwarded-Proto": "https",
    }
    bodies = [
        {
            "office": office.pk,
            "authority": authority.code,
            "language_need": {"language": "ar", "interpreter_wanted": "yes"},
        }
        for office in chosen
    ]
    return headers, bodies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(args: argparse.Namespace, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.server.settings",
        # The key that signed the bench's session (prepare()): the server must accept it.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "TOLKDESK_DEBUG": "0",
        # The budget is for real clients; here it would only answer 429 to the bench.
        "TOLKDESK_THROTTLE_USER": "1000000/min",
        # libpq names the server's database sessions, so CpuMeter finds their backends and --stall can
        # tell the desk's lock waits from the rollup jobs' own (LockWaits).
        "PGAPPNAME": WEB_APP_NAME,
    }
    if args.cache_url:
        env["TOLKDESK_CACHE_URL"] = args.cache_url
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--chdir", str(ROOT),
        "--workers", str(args.workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)  # noqa: S603


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", BARE, headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            return True
        except OSError:
            time.sleep(0.3)
    return False


def run(
    port: int,
    path: str,
    headers: dict[str, str],
    bodies: list[bytes],
    requests: int,
    concurrency: int,
    meter: CpuMeter | None = None,
) -> Sample:
    """``requests`` POSTs to ``path`` from ``concurrency`` threads, each with its own connection
    (thread i sends bodies[i mod len(bodies)])."""
    sample = Sample()
    cpu_before = meter.read() if meter else (0.0, 0.0)
    lock = threading.Lock()
    per_thread = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    start = threading.Barrier(concurrency + 1)

    def worker(count: int, body: bytes) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        own = Sample()
        start.wait()
        for _ in range(count):
            began = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                content = response.read()
            except OSError as exc:
                own.errors.append(str(exc))
                conn.close()
                continue
            own.latencies_ms.append((time.perf_counter() - began) * 1000)
            if response.status != 201:
                own.errors.append(f"{response.status}: {content[:200]!r}")
            own.statements.append(int(response.getheader("X-Statements", "-1")))
        conn.close()
        with lock:
            sample.latencies_ms += own.latencies_ms
            sample.statements += own.statements
            sample.errors += own.errors

    threads = [threading.Thread(target=worker, args=(n, bodies[i % len(bodies)])) for i, n in enumerate(per_thread)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    sample.seconds = time.perf_counter() - began
    if meter:
        web, db = meter.read()
        sample.web_cpu, sample.db_cpu = web - cpu_before[0], db - cpu_before[1]
    return sample


def summary(label: str, samples: list[Sample]) -> str:
    latencies = [ms for s in samples for ms in s.latencies_ms]
    statements = [n for s in samples for n in s.statements]
    return (
        f"    {label:<9} p50 {percentile(latencies, 0.50):7.1f} ms  p95 {percentile(latencies, 0.95):7.1f} ms  "
        f"p99 {percentile(latencies, 0.99):7.1f} ms  median {statistics.median(s.rate for s in samples):6.1f} req/s  "
        f"statements/request {statistics.median(statements):.0f}  "
        f"server CPU/request {cpu_per_request(samples):.1f} ms"
    )


def cpu_split(samples: list[Sample]) -> tuple[float, float]:
    """Milliseconds of server CPU per answered request: the web workers', their database sessions'."""
    answered = sum(len(s.latencies_ms) for s in samples) or 1
    return (1000 * sum(s.web_cpu for s in samples) / answered, 1000 * sum(s.db_cpu for s in samples) / answered)


def cpu_per_request(samples: list[Sample]) -> float:
    """Milliseconds of server CPU (web workers + their database sessions) per answered request."""
    return sum(cpu_split(samples))


def cpu_split_text(samples: list[Sample]) -> str:
    web, db = cpu_split(samples)
    return f"web {web:.1f} ms + database {db:.1f} ms"


WEB_APP_NAME = "tolkdesk-bench-web"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class CpuMeter:
    """CPU used by the server's side of a run: the gunicorn workers (children of the master) and the
    PostgreSQL backends of their sessions (found by application name; same machine, so /proc shows
    them). Per request, the two figures say what a check-in costs whatever else the machine runs."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.server = server

    def _pids(self) -> tuple[list[int], list[int]]:
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [WEB_APP_NAME])
            backends = [pid for (pid,) in cursor.fetchall()]
        return workers, backends

    def read(self) -> tuple[float, float]:
        workers, backends = self._pids()
        return sum(map(_cpu_seconds, workers)), sum(map(_cpu_seconds, backends))


class LockWaits:
    """Samples pg_stat_activity every 20 ms while a phase runs: how often a check-in (a session of the
    bench's gunicorn) was seen waiting on a lock. A check-in slowed by CPU contention alone shows 0;
    one held up by a rollup job's lock shows here, whatever the latencies say."""

    def __init__(self) -> None:
        self.samples = self.waiting = 0
        self.events: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        from django.db import connections

        try:
            with connections["default"].cursor() as cursor:
                while not self._stop.is_set():
                    cursor.execute(
                        "SELECT wait_event FROM pg_stat_activity WHERE application_name = %s "
                        "AND wait_event_type = 'Lock'",
                        [WEB_APP_NAME],
                    )
                    rows = cursor.fetchall()
                    self.samples += 1
                    self.waiting += bool(rows)
                    for (event,) in rows:
                        self.events[event] = self.events.get(event, 0) + 1
                    time.sleep(0.02)
        finally:
            connections.close_all()

    def __str__(self) -> str:
        detail = ", ".join(f"{event} {count}" for event, count in sorted(self.events.items())) or "none"
        return f"check-ins waiting on a lock in {self.waiting} of {self.samples} samples ({detail})"


def stall_bench(port: int, headers: dict[str, str], body: list[bytes], requests: int) -> None:
    """Check-in latency while the rollup jobs run, against the same check-ins with nothing else
    running (issue 16: no stall above normal p99). The jobs run here, in threads with their own
    database connections, exactly as the beat tasks call them: the dirty-day refresh plus the
    10-minute refresh of today and yesterday, then the nightly 35-day rebuild, each in a loop for
    as long as the check-ins run."""
    from django.db import connections
    from django.utils import timezone

    from visits.reports.services import usage_dirty_days_refresh, usage_rollups_rebuild

    today = timezone.localdate()
    jobs = {
        "dirty-day + 10-minute refresh": lambda: (
            usage_dirty_days_refresh(),
            usage_rollups_rebuild(since=today - timedelta(days=1), until=today),
        ),
        "nightly 35-day rebuild": lambda: usage_rollups_rebuild(since=today - timedelta(days=34), until=today),
    }
    concurrency = 8
    with LockWaits() as waits:
        baseline = run(port, CHECK_IN, headers, body, requests, concurrency)
    p99 = percentile(baseline.latencies_ms, 0.99)
    print(f"stall: {concurrency} connections, {requests} check-ins per phase")
    print(f"    nothing else running: p50 {percentile(baseline.latencies_ms, 0.5):.0f} ms, p99 {p99:.0f} ms, "
          f"max {max(baseline.latencies_ms):.0f} ms  load {os.getloadavg()[0]:.2f}; {waits}")  # fmt: skip
    for label, job in jobs.items():
        stop = threading.Event()
        durations: list[float] = []

        def loop(job=job, stop=stop, durations=durations) -> None:
            try:
                while not stop.is_set():
                    began = time.perf_counter()
                    job()
                    durations.append(time.perf_counter() - began)
            finally:
                connections.close_all()

        runner = threading.Thread(target=loop)
        runner.start()
        with LockWaits() as waits:
            sample = run(port, CHECK_IN, headers, body, requests, concurrency)
        stop.set()
        runner.join()
        worst = max(sample.latencies_ms)
        each = statistics.median(durations) if durations else 0.0
        during = sample.latencies_ms
        print(
            f"    during the {label} ({len(durations)} runs, {each:.2f} s each): p50 {percentile(during, 0.5):.0f} ms, "
            f"p99 {percentile(during, 0.99):.0f} ms, max {worst:.0f} ms ({worst / p99:.2f}x the normal p99)  "
            f"load {os.getloadavg()[0]:.2f}"
        )
        print(f"        {waits}")


def run_server_bench(args: argparse.Namespace) -> int:
    problem = database_ready()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    headers, payloads = prepare(args.offices)
    body = [json.dumps(payload).encode() for payload in payloads]
    port = free_port()
    headers = {**headers, "Referer": f"https://127.0.0.1:{port}/"}
    log = Path(tempfile.mkdtemp(prefix="bench-checkin-")) / "gunicorn.log"
    server = start_gunicorn(args, port, log)
    try:
        if not wait_until_up(port, server):
            print(f"gunicorn did not start; see {log}", file=sys.stderr)
            return 2
        print(
            f"database: {connection.settings_dict['NAME']}; gunicorn {args.workers} sync workers, production "
            f"settings, cache {args.cache_url or 'local memory'}; {args.requests} requests per round and target; "
            f"check-ins spread over {len(payloads)} offices; "
            f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        for path in (CHECK_IN, BARE):  # warm every worker (connections, imports, CLDR names)
            run(port, path, headers, body, args.workers * 4, args.workers)
        if args.stall:
            stall_bench(port, headers, body, args.requests)
            return 0
        meter = CpuMeter(server)
        results: dict[tuple[int, str], list[Sample]] = {}
        ratios: dict[int, list[float]] = {1: [], 16: []}
        failed = False
        for round_no in range(1, args.rounds + 1):
            for concurrency in (1, 16):
                order = (CHECK_IN, BARE) if round_no % 2 else (BARE, CHECK_IN)
                got = {path: run(port, path, headers, body, args.requests, concurrency, meter) for path in order}
                for path, sample in got.items():
                    results.setdefault((concurrency, path), []).append(sample)
                    if sample.errors:
                        failed = True
                        print(f"    {path} c={concurrency}: {len(sample.errors)} failed, e.g. {sample.errors[0]}")
                ratio = got[CHECK_IN].rate / got[BARE].rate if got[BARE].rate else 0.0
                ratios[concurrency].append(ratio)
                print(
                    f"round {round_no} c={concurrency:<2}  check-in {got[CHECK_IN].rate:6.1f} req/s  "
                    f"bare {got[BARE].rate:6.1f} req/s  ratio {ratio:.3f}  load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
        for concurrency in (1, 16):
            print(f"c={concurrency}: ratio check-in/bare, median of {args.rounds} rounds: "
                  f"{statistics.median(ratios[concurrency]):.3f}")  # fmt: skip
            print(summary("check-in", results[(concurrency, CHECK_IN)]))
            print(summary("bare", results[(concurrency, BARE)]))
            check_in_cpu, bare_cpu = (cpu_per_request(results[(concurrency, path)]) for path in (CHECK_IN, BARE))
            print(
                f"    server CPU per request: check-in {cpu_split_text(results[(concurrency, CHECK_IN)])}, bare "
                f"{cpu_split_text(results[(concurrency, BARE)])}; bare/check-in "
                f"{bare_cpu / check_in_cpu if check_in_cpu else 0:.3f} (the ratio a CPU-bound server would show)"
            )
        print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        met = statistics.median(ratios[16]) >= TARGET_RATIO
        print(f"target: ratio at 16 connections >= {TARGET_RATIO:.2f} {'met' if met else 'MISSED'}")
        return 0 if met and not failed else 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
