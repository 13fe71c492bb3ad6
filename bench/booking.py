"""How fast does an officer's click reach the interpreter agency? A real Celery worker process on a
real broker books against the real HTTP agency backend, talking to a fake agency on 127.0.0.1.

Times the click (the officer page's POST through Django's full request stack, as the page's own
fetch sends it) to the moment the agency receives the booking, one booking at a time (median / p95),
then a burst of bookings clicked back to back (bookings/second until the last is confirmed). Every
booking must end `confirmed` exactly once and the agency must have received exactly one request
per booking, or the script exits non-zero. Runs on a throwaway database it creates and drops:
SQLite under .run/, or `<name>_bench` next to the PostgreSQL database DATABASE_URL names. The
broker is CELERY_BROKER_URL (default: the embedded filesystem broker, in a private folder).

    .venv/bin/python bench/booking.py [--bookings 50] [--burst 100] [--concurrency 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tolkdesk_x CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/booking.py
"""

import argparse
import logging
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from interpreters.models import (  # noqa: E402
    AgencyBackend,
    BookingEvent,
    BookingStatus,
    InterpreterAgency,
    InterpreterBooking,
)
from tests.interpreters.fake_agency import FakeAgency  # noqa: E402
from tests.interpreters.worker import (  # noqa: E402
    BrokerSetup,
    Worker,
    database_url_for_current_connection,
    wait_for,
)
from visits.management.commands.seed_demo import DEMO_OFFICE  # noqa: E402
from visits.models import Authority, Office, Visit  # noqa: E402
from visits.services import LanguageNeedInput, visit_check_in  # noqa: E402

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}  # what static/interpreters/visit.js sends


class BenchFailure(Exception):
    pass


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(label: str, values_ms: list[float]) -> str:
    return (
        f"  {label:<38} median {statistics.median(values_ms):8.1f} ms   p95 {percentile(values_ms, 0.95):8.1f} ms"
        f"   max {max(values_ms):8.1f} ms"
    )


def wait_until(predicate, timeout: float, what: str, interval: float = 0.002):  # type: ignore[no-untyped-def]
    value = wait_for(predicate, timeout, interval)
    if not value:
        raise BenchFailure(f"timed out after {timeout:.0f} s waiting for {what}")
    return value


class Bench:
    def __init__(self, *, agency: FakeAgency, client: Client, visits: list[Visit], step_timeout: float) -> None:
        self.agency = agency
        self.client = client
        self.visits = iter(visits)
        self.step_timeout = step_timeout
        self.clicks: dict[int, tuple[float, float]] = {}  # visit id -> (click started, response received)

    def click(self) -> int:
        visit = next(self.visits)
        url = reverse("interpreters:visit-booking-request", args=[visit.pk])
        started = time.time()
        response = self.client.post(url, {"modality": "phone"}, **FETCH)
        answered = time.time()
        if response.status_code != 200 or not (response.json().get("booking") or {}).get("id"):
            raise BenchFailure(f"click on visit {visit.pk}: {response.status_code} {response.content[:300]!r}")
        self.clicks[visit.pk] = (started, answered)
        return visit.pk

    def arrivals(self) -> int:
        return len(self.agency.booking_arrivals())

    def confirmed(self, visit_ids: list[int]) -> int:
        return InterpreterBooking.objects.filter(visit_id__in=visit_ids, status=BookingStatus.CONFIRMED).count()

    def timings(self, visit_ids: list[int]) -> dict[str, list[float]]:
        """Per booking: request stack, click -> agency received, click -> confirmed (ms)."""
        first_arrival: dict[str, float] = {}
        for arrival in self.agency.booking_arrivals():
            first_arrival.setdefault(arrival.idempotency_key, arrival.at)
        rows = InterpreterBooking.objects.filter(visit_id__in=visit_ids).values(
            "visit_id", "idempotency_key", "confirmed_at"
        )
        out: dict[str, list[float]] = {"request": [], "agency": [], "confirmed": []}
        for row in rows:
            started, answered = self.clicks[row["visit_id"]]
            out["request"].append((answered - started) * 1000)
            out["agency"].append((first_arrival[str(row["idempotency_key"])] - started) * 1000)
            out["confirmed"].append((row["confirmed_at"].timestamp() - started) * 1000)
        return out

    def one_at_a_time(self, count: int) -> list[int]:
        ids = []
        for _ in range(count):
            before = self.arrivals()
            visit_id = self.click()
            ids.append(visit_id)
            wait_until(lambda before=before: self.arrivals() > before, self.step_timeout, "the agency to get a booking")
            wait_until(lambda v=visit_id: self.confirmed([v]), self.step_timeout, "a confirmation", interval=0.005)
        return ids

    def burst(self, count: int) -> tuple[list[int], float, float]:
        """Click `count` bookings back to back; returns the visit ids, the clicks' and the whole
        burst's duration (first click to last confirmation) in seconds."""
        ids = [self.click() for _ in range(count)]
        first = self.clicks[ids[0]][0]
        clicking = self.clicks[ids[-1]][1] - first
        wait_until(
            lambda: self.confirmed(ids) == count,
            self.step_timeout + count,
            f"{count} confirmations",
            interval=0.02,
        )
        confirmed_at = InterpreterBooking.objects.filter(visit_id__in=ids).values_list("confirmed_at", flat=True)
        last = max(at.timestamp() for at in confirmed_at)
        return ids, clicking, last - first


def check_exactly_once(agency: FakeAgency, total: int) -> None:
    bookings = InterpreterBooking.objects.all()
    statuses = Counter(bookings.values_list("status", flat=True))
    if statuses != Counter({BookingStatus.CONFIRMED: total}):
        raise BenchFailure(f"expected {total} confirmed bookings, found {dict(statuses)}")
    confirmations = (
        BookingEvent.objects.filter(to_status=BookingStatus.CONFIRMED)
        .values("booking_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    if sorted(confirmations) != [1] * total:
        raise BenchFailure(f"expected one confirmation event per booking, found {Counter(confirmations)}")
    arrivals = agency.booking_arrivals()
    keys = {str(k) for k in bookings.values_list("idempotency_key", flat=True)}
    if len(arrivals) != total or {a.idempotency_key for a in arrivals} != keys or len(agency.bookings) != total:
        raise BenchFailure(
            f"the agency received {len(arrivals)} requests for {len(agency.bookings)} bookings; expected {total}"
        )


def seed(total: int, base_url: str) -> tuple[Client, list[Visit]]:
    call_command("seed_demo", "--no-visits", stdout=open(os.devnull, "w"))  # noqa: SIM115
    InterpreterAgency.objects.create(
        name="Bänkens tolkförmedling",
        slug="bench-agency",
        backend=AgencyBackend.HTTP_JSON,
        backend_settings={"base_url": base_url, "connect_timeout": 2, "read_timeout": 10},
        priority=1,
        modalities=["phone", "video"],
        languages=["ar"],
    )
    office = Office.objects.get(name=DEMO_OFFICE)
    authority = Authority.objects.get(code="forsakringskassan")
    reception = get_user_model().objects.get(username="reception")
    visits = [
        visit_check_in(
            office=office, authority=authority, checked_in_by=reception, language_need=LanguageNeedInput(language="ar")
        )
        for _ in range(total)
    ]
    client = Client()
    client.force_login(get_user_model().objects.get(username="officer"))
    return client, visits


def run(args: argparse.Namespace, run_dir: Path) -> None:
    total = args.warmup + args.bookings + args.burst
    agency = FakeAgency(confirm_immediately=True).start()
    worker: Worker | None = None
    try:
        client, visits = seed(total, agency.base_url)
        with BrokerSetup(run_dir) as broker:
            worker = Worker(
                run_dir=run_dir,
                database_url=database_url_for_current_connection(),
                name="bench",
                concurrency=args.concurrency,
            )
            started = time.monotonic()
            worker.wait_ready(timeout=60)
            print(
                f"database: {connection.vendor}; broker: {broker.url.split('://')[0]}; worker: prefork "
                f"x{args.concurrency} (ready in {time.monotonic() - started:.1f} s); agency: {agency.base_url}"
            )
            bench = Bench(agency=agency, client=client, visits=visits, step_timeout=args.step_timeout)
            try:
                bench.one_at_a_time(args.warmup)  # first connections, imports, pool start-up
                single = bench.timings(bench.one_at_a_time(args.bookings))
                print(f"one at a time, n={args.bookings}:")
                print(summary("click -> agency received", single["agency"]))
                print(summary("click -> confirmed (booking row)", single["confirmed"]))
                print(summary("click request/response (web only)", single["request"]))

                ids, clicking, duration = bench.burst(args.burst)
                burst = bench.timings(ids)
                print(f"burst of {args.burst} clicked back to back:")
                print(
                    f"  sustained {args.burst / duration:6.1f} bookings/s (first click to last confirmation "
                    f"{duration:.2f} s); clicks alone {args.burst / clicking:.1f}/s"
                )
                print(summary("click -> agency received", burst["agency"]))
                print(summary("click -> confirmed (booking row)", burst["confirmed"]))
                check_exactly_once(agency, total)
            except BaseException:
                print(f"--- worker log (tail) ---\n{worker.log()}", file=sys.stderr)
                raise
            print(f"check: {total} bookings, {total} confirmed once each, the agency received {total} requests: OK")
    finally:
        if worker is not None:
            worker.stop()
        agency.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=50, help="bookings timed one at a time")
    parser.add_argument("--burst", type=int, default=100, help="bookings clicked back to back")
    parser.add_argument("--warmup", type=int, default=3, help="untimed bookings first")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--step-timeout", type=float, default=30, help="seconds any one wait may take")
    parser.add_argument("--timeout", type=int, default=600, help="seconds the whole run may take")
    args = parser.parse_args()
    if min(args.bookings, args.burst) < 1 or args.warmup < 0:
        parser.error("--bookings and --burst must be at least 1")

    def out_of_time(*_: object) -> None:
        raise BenchFailure(f"the run took longer than --timeout {args.timeout} s")

    logging.disable(logging.INFO)  # the seeding's eager tasks log every run; the worker logs to its file
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # "filesystem:// has no hostname"
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.timeout)

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        db["TEST"] = {**db.get("TEST", {}), "NAME": str(settings.RUN_DIR / "bench_booking.sqlite3")}
    else:
        # Not test_<name>: that is the test suite's database, and creating this one drops it.
        db["TEST"] = {**db.get("TEST", {}), "NAME": f"{db['NAME']}_bench"}
    run_dir = Path(tempfile.mkdtemp(prefix="bench-booking-", dir=settings.RUN_DIR))
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args, run_dir)
    except BenchFailure as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
