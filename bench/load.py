"""Load test: receptionists checking in, officers reading pages and requesting bookings, managers
opening reports, against gunicorn with a real Celery worker and beat, driven by locust.

    pip install '.[bench]'     # locust, kept out of the test install
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tolkdesk_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/10 \\
      .venv/bin/python bench/load.py [--users 20] [--spawn-rate 5] [--duration 120] [--web-workers 3]

The database is migrated and seeded (demo offices, simulated agencies answering fast, three bench
users, the managers with an authenticator app each, since managers sign in with two steps); use a
database of its own: today's visits at the bench office are closed first, so every run starts with
an empty queue. Prints p50/p95/p99 per request type, the request rate, the 5xx
count, bookings confirmed vs requested and the machine's load average. Exit 0 when aggregated p95 <=
150 ms, 5xx < 0.1 % and every booking requested is confirmed; 1 when a target is missed; 2 when
locust or the database is not ready.
"""

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("TOLKDESK_DEBUG", "false")
RUN_DIR = ROOT / ".run" / "bench"
os.environ.setdefault("TOLKDESK_RUN_DIR", str(RUN_DIR))
PASSWORD = "tolkdesk-bench"


def locust_binary() -> str | None:
    beside = str(Path(sys.executable).parent / "locust")
    candidates = [os.environ.get("LOCUST", ""), shutil.which("locust") or "", beside]
    return next((c for c in candidates if c and Path(c).exists()), None)


def prepare(managers: int) -> tuple[int, str, str]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from interpreters.models import AgencyBackend, InterpreterAgency
    from visits.management.commands.seed_demo import DEMO_OFFICE
    from visits.models import Authority, Office, OfficeMembership, StaffRole, Visit, VisitStatus

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_agencies", verbosity=0)
    # Simulated agencies that answer at once and confirm a second later: the bench measures us.
    for agency in InterpreterAgency.objects.filter(backend=AgencyBackend.SIMULATED):
        agency.backend_settings = {"book_latency_seconds": 0.05, "failure_rate": 0, "confirm_after_seconds": 1}
        agency.save(update_fields=["backend_settings"])
    office = Office.objects.get(name=DEMO_OFFICE)
    users = {
        "bench-reception": StaffRole.RECEPTIONIST,
        "bench-officer": StaffRole.OFFICER,
        **{f"bench-manager-{i}": StaffRole.OFFICE_MANAGER for i in range(managers)},
    }
    totp_keys = []
    for username, role in users.items():
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.save()
        OfficeMembership.objects.get_or_create(user=user, office=office, role=role)
        if role == StaffRole.OFFICE_MANAGER:
            # Managers must sign in with a code (MfaMiddleware): one authenticator app per manager
            # user, since a code is accepted once (two locust users on one account would lock it).
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            device = device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            totp_keys.append(f"{username}:{device.key}")
    # A queue left by an earlier run would make the pages that list it slower with every run.
    Visit.objects.filter(office=office, service_date=timezone.localdate(), status=VisitStatus.WAITING).update(
        status=VisitStatus.LEFT, ended_at=timezone.now()
    )
    authority = Authority.objects.order_by("code").first()
    if authority is None:
        raise RuntimeError("no authority after seed_demo")
    return office.pk, authority.code, ",".join(totp_keys)


def start(cmd: list[str], name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(RUN_DIR / f"{name}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_http(url: str, timeout: float = 60) -> bool:
    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


def read_stats(prefix: Path) -> tuple[list[dict[str, str]], int]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    server_errors = 0
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, newline="") as handle:
            for row in csv.DictReader(handle):
                if "HTTP 5" in row.get("Error", "") or "50" in row.get("Error", "")[:40]:
                    server_errors += int(row.get("Occurrences", "0") or 0)
    return rows, server_errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--drain", type=int, default=60, help="seconds to wait for bookings to be confirmed")
    args = parser.parse_args()
    locust = locust_binary()
    if locust is None:
        print("locust not found: pip install '.[bench]' (or set LOCUST=/path/to/locust)", file=sys.stderr)
        return 2
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    try:
        # Locust's weights give managers 1 user in 10: enough accounts for each to have its own.
        office_id, authority, totp_keys = prepare(managers=args.users // 10 + 1)
    except Exception as exc:  # the database is not there or not ours
        print(f"database not ready: {exc}", file=sys.stderr)
        return 2
    from django.conf import settings
    from django.utils import timezone

    from interpreters.models import BookingStatus, InterpreterBooking
    from visits.models import Visit, VisitStatus

    env = {**os.environ, "TOLKDESK_LOG_LEVEL": "WARNING"}
    port = 8700 + os.getpid() % 200
    url = f"http://127.0.0.1:{port}"
    python = sys.executable
    processes = [
        start(
            [
                python,
                "-m",
                "gunicorn",
                "-c",
                "config/gunicorn.py",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.web_workers),
            ],
            "web",
            env,
        ),  # fmt: skip
        start([python, "-m", "celery", "-A", "config", "worker", "-l", "WARNING", "-c", "2"], "worker", env),
        start([python, "-m", "celery", "-A", "config", "beat", "-l", "ERROR", "-s", str(RUN_DIR / "bt")], "beat", env),
    ]
    loads: list[float] = []
    stop_sampling = threading.Event()

    def sample() -> None:
        while not stop_sampling.wait(5):
            loads.append(os.getloadavg()[0])

    try:
        if not wait_http(f"{url}/healthz"):
            print("gunicorn did not come up (see .run/bench/web.log)", file=sys.stderr)
            return 2
        started = timezone.now()
        threading.Thread(target=sample, daemon=True).start()
        prefix = RUN_DIR / "locust"
        subprocess.run(  # noqa: S603
            [locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(args.users),
             "-r", str(args.spawn_rate), "-t", f"{args.duration}s", "-H", url, "--csv", str(prefix),
             "--only-summary", "--loglevel", "WARNING"],
            env={**os.environ, "BENCH_OFFICE_ID": str(office_id), "BENCH_AUTHORITY": authority,
                 "BENCH_PASSWORD": PASSWORD, "BENCH_MANAGER_TOTP": totp_keys},
            check=False,
        )  # fmt: skip
        stop_sampling.set()
        bookings = InterpreterBooking.objects.filter(requested_at__gte=started)
        # Officers close their visits, so a booking may be completed or (closed before the agency
        # answered) withdrawn by now: what counts is that the agency confirmed it.
        waiting = bookings.filter(confirmed_at__isnull=True).exclude(status=BookingStatus.CANCELLED)
        deadline = time.time() + args.drain
        while time.time() < deadline and waiting.exists():
            time.sleep(2)
        requested = bookings.count()
        confirmed = bookings.filter(confirmed_at__isnull=False).count()
        withdrawn = bookings.filter(confirmed_at__isnull=True, status=BookingStatus.CANCELLED).count()
        queue_left = Visit.objects.filter(office_id=office_id, checked_in_at__gte=started, status=VisitStatus.WAITING)
    finally:
        stop_sampling.set()
        for process in processes:
            stop(process)

    rows, server_errors = read_stats(prefix)
    broker = settings.CELERY_BROKER_URL.split(":")[0]
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"\n{args.users} users, {args.duration} s, gunicorn {args.web_workers} workers, {broker}, {database}")
    print(f"{'request':36} {'count':>7} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    total = None
    for row in rows:
        line = (
            f"{row['Name'][:36]:36} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
        print(line)
        if row["Name"] == "Aggregated":
            total = row
    if total is None:
        print("no requests were made", file=sys.stderr)
        return 1
    count = int(total["Request Count"])
    rate = float(total["Requests/s"])
    p95 = float(total["95%"])
    share = server_errors / count if count else 0.0
    print(f"rate {rate:.1f} requests/s; 5xx {server_errors} ({share:.3%})")
    print(f"bookings confirmed {confirmed} of {requested} ({withdrawn} withdrawn unconfirmed: the visit was closed)")
    print(f"visitors still waiting at the end: {queue_left.count()}")
    if loads:
        print(f"load average (1 min) during the run: mean {sum(loads) / len(loads):.2f}, max {max(loads):.2f}")
    ok = p95 <= 150 and share < 0.001 and confirmed == requested
    print("targets (p95 <= 150 ms, 5xx < 0.1 %, every booking confirmed):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
