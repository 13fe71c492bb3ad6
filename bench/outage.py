"""Broker outage under steady traffic (issue 15): the broker (a private redis-server on a spare port)
is stopped for --outage seconds (default 5 minutes) while receptionists check visitors in and
officers click "book", against gunicorn, a real Celery prefork worker, beat (the outbox relay) and
PostgreSQL, with a local fake HTTP agency that records when each booking reaches it.

    createdb -h 127.0.0.1 -U postgres tolkdesk_outage      # a database of its own: it is seeded
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tolkdesk_outage \\
      .venv/bin/python bench/outage.py [--outage 300] [--before 20] [--after 30] [--clients 2] [--pace 1.0]

Prints the requests made and their status codes (5xx count), latency during the outage, the lost
count (a check-in or booking answered 2xx that is not in the database, or a booking not at the agency
and confirmed after the drain), agency bookings per idempotency key, and the time from the broker's
return to each booking clicked during the outage reaching the agency (max, target 60 s), with the
machine's load average. Exit 0 when 0 5xx, 0 lost and that max <= 60 s; 1 when missed; 2 when the
database or redis-server is not there.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("TOLKDESK_DEBUG", "false")
RUN_DIR = Path(tempfile.mkdtemp(prefix="bench-outage-"))
os.environ.setdefault("TOLKDESK_RUN_DIR", str(RUN_DIR))
PASSWORD = "tolkdesk-outage-bench"
TARGET_SECONDS = 60.0

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from interpreters.models import (  # noqa: E402
    AgencyBackend,
    AgencyRanking,
    BookingStatus,
    InterpreterAgency,
    InterpreterBooking,
)
from tests.factories import AuthorityFactory, OfficeFactory  # noqa: E402
from tests.interpreters.factories import AgencyFactory, RankingFactory  # noqa: E402
from tests.interpreters.fake_agency import FakeAgency  # noqa: E402
from tests.interpreters.worker import Worker  # noqa: E402
from tests.servers import PrivateRedis, Web, beat_process, free_port, login  # noqa: E402
from visits.models import OfficeMembership, StaffRole, Visit  # noqa: E402


@dataclass
class Traffic:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # no HTTP answer at all
    outage_latencies: list[float] = field(default_factory=list)
    other_latencies: list[float] = field(default_factory=list)
    visits: list[int] = field(default_factory=list)
    bookings: dict[int, float] = field(default_factory=dict)  # id -> wall time of the click's answer


def prepare(agency_url: str) -> tuple[int, str]:
    """Migrate and seed: an office, an authority, one desk user, and one HTTP agency (the fake) as
    the only active one."""
    call_command("migrate", verbosity=0)
    office = OfficeFactory(name=f"Outage bench {time.strftime('%Y-%m-%d %H:%M:%S')}")
    authority = AuthorityFactory().code
    InterpreterAgency.objects.update(active=False)
    agency = AgencyFactory(
        slug=f"outage-fake-{int(time.time())}",
        name=f"Outage fake agency {int(time.time())}",
        backend=AgencyBackend.HTTP_JSON,
        priority=1,
        backend_settings={"base_url": agency_url, "connect_timeout": 1, "read_timeout": 5},
    )
    AgencyRanking.objects.filter(county=office.county).delete()
    RankingFactory(agency=agency, county=office.county, rank=1)
    user, _ = get_user_model().objects.get_or_create(username="outage-desk")
    user.set_password(PASSWORD)
    user.save()
    for role in (StaffRole.RECEPTIONIST, StaffRole.OFFICER):
        OfficeMembership.objects.get_or_create(user=user, office=office, role=role)
    return office.pk, authority


def drive(web: Web, office_id: int, authority: str, traffic: Traffic, stop: threading.Event, pace: float,
          outage: dict[str, float]) -> None:  # fmt: skip
    """One desk: check a visitor in, click "book" for them, every `pace` seconds."""
    session = login(web, "outage-desk", PASSWORD)
    headers = {"X-CSRFToken": session.cookies["csrftoken"]}
    body = {
        "office": office_id,
        "authority": authority,
        "language_need": {"language": "ar", "interpreter_wanted": "yes"},
    }

    def post(path: str, payload: dict) -> requests.Response | None:
        began = time.time()
        try:
            response = session.post(f"{web.url}{path}", json=payload, headers=headers, timeout=30)
        except requests.RequestException as exc:
            with traffic.lock:
                traffic.errors.append(f"{type(exc).__name__}")
            return None
        took = time.time() - began
        during = outage["down"] <= began and (not outage["up"] or began < outage["up"])
        with traffic.lock:
            traffic.statuses.append(response.status_code)
            (traffic.outage_latencies if during else traffic.other_latencies).append(took)
        return response

    while not stop.is_set():
        began = time.monotonic()
        visit = post("/api/v1/visits/", body)
        if visit is not None and visit.status_code == 201:
            with traffic.lock:
                traffic.visits.append(visit.json()["id"])
            booking = post("/api/v1/bookings/", {"visit": visit.json()["id"], "modality": "phone"})
            if booking is not None and booking.status_code in (200, 201):
                with traffic.lock:
                    traffic.bookings[booking.json()["id"]] = time.time()
        stop.wait(max(0.0, pace - (time.monotonic() - began)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=300, help="seconds the broker is down")
    parser.add_argument("--before", type=float, default=20, help="seconds of traffic before the outage")
    parser.add_argument("--after", type=float, default=30, help="seconds of traffic after the broker returns")
    parser.add_argument("--drain", type=float, default=180, help="seconds to wait for every booking afterwards")
    parser.add_argument("--clients", type=int, default=2, help="desks sending traffic at once")
    parser.add_argument("--pace", type=float, default=1.0, help="seconds between one desk's check-ins")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="prefork processes (README: 4)")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/tolkdesk_outage", file=sys.stderr)
        return 2
    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001 - say why and stop
        print(f"database not ready ({exc}); createdb -h 127.0.0.1 -U postgres {settings.DATABASES['default']['NAME']}",
              file=sys.stderr)  # fmt: skip
        return 2
    agency = FakeAgency(confirm_immediately=True).start()
    redis = PrivateRedis(RUN_DIR)
    try:
        redis.start()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    office_id, authority = prepare(agency.base_url)
    database_url = os.environ["DATABASE_URL"]
    # Production defaults for the relay (5 s), the sweeper and the retries; only the broker is private.
    env = {"CELERY_BROKER_URL": redis.url, "TOLKDESK_LOG_LEVEL": "WARNING", "TOLKDESK_DATABASE_CONN_MAX_AGE": "60"}
    os.environ["CELERY_BROKER_URL"] = redis.url
    web = Web(RUN_DIR, database_url, free_port(), "web", env)
    worker = Worker(
        run_dir=RUN_DIR, database_url=database_url, name="worker", concurrency=args.worker_concurrency, env=env
    )
    beat = beat_process(RUN_DIR, database_url, env)
    traffic = Traffic()
    stop = threading.Event()
    outage = {"down": float("inf"), "up": 0.0}
    loads: list[float] = []
    try:
        web.start()
        worker.wait_ready()
        load_start = os.getloadavg()
        print(f"run dir {RUN_DIR}; private redis :{redis.port}; gunicorn 2 workers "
              f"({web.url}); worker prefork {args.worker_concurrency}; beat; "
              f"database {settings.DATABASES['default']['NAME']}; "
              f"{args.clients} desks, one check-in + booking click each every {args.pace:g} s; "
              f"load average {' '.join(f'{x:.2f}' for x in load_start)}", flush=True)  # fmt: skip
        desks = [
            threading.Thread(target=drive, args=(web, office_id, authority, traffic, stop, args.pace, outage))
            for _ in range(args.clients)
        ]
        for desk in desks:
            desk.start()
        time.sleep(args.before)
        outage["down"] = time.time()
        redis.stop()
        print(f"broker stopped at {time.strftime('%H:%M:%S')}", flush=True)
        until = time.monotonic() + args.outage
        while time.monotonic() < until:
            time.sleep(min(10.0, until - time.monotonic()))
            loads.append(os.getloadavg()[0])
        redis.start()
        outage["up"] = time.time()
        print(f"broker back at {time.strftime('%H:%M:%S')}", flush=True)
        time.sleep(args.after)
        stop.set()
        for desk in desks:
            desk.join(60)
        booked = dict(traffic.bookings)

        def done() -> int:
            return InterpreterBooking.objects.filter(pk__in=booked, status=BookingStatus.CONFIRMED).count()

        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and done() < len(booked):
            time.sleep(1)
            loads.append(os.getloadavg()[0])
        confirmed = done()
    finally:
        stop.set()
        worker.stop()
        web.stop()
        if beat.poll() is None:
            beat.terminate()
            beat.wait(20)
        redis.stop()
        agency.stop()

    statuses = traffic.statuses
    server_errors = sum(1 for s in statuses if s >= 500)
    refused = sum(1 for s in statuses if 400 <= s < 500)
    keys = dict(InterpreterBooking.objects.filter(pk__in=booked).values_list("pk", "idempotency_key"))
    first_arrival: dict[str, float] = {}
    copies: dict[str, int] = {}
    for arrival in agency.booking_arrivals():
        first_arrival.setdefault(arrival.idempotency_key, arrival.at)
        copies[arrival.idempotency_key] = copies.get(arrival.idempotency_key, 0) + 1
    visits_missing = len(traffic.visits) - Visit.objects.filter(pk__in=traffic.visits).count()
    bookings_missing = len(booked) - len(keys)
    not_at_agency = [pk for pk, key in keys.items() if str(key) not in agency.bookings]
    confirmed_ids = set(
        InterpreterBooking.objects.filter(pk__in=booked, status=BookingStatus.CONFIRMED).values_list("pk", flat=True)
    )
    undelivered = set(not_at_agency) | (set(keys) - confirmed_ids)
    failed = InterpreterBooking.objects.filter(pk__in=booked, status=BookingStatus.FAILED).count()
    # Lost: answered 2xx but not in the database, or given up on (failed). A booking still queued
    # when the drain ended is not lost, only late: it counts against the 60-second target.
    lost = visits_missing + bookings_missing + failed
    during = {pk: at for pk, at in booked.items() if outage["down"] <= at < outage["up"]}
    after_return = [first_arrival[str(keys[pk])] - outage["up"] for pk in during if str(keys[pk]) in first_arrival]
    normal = [first_arrival[str(keys[pk])] - at for pk, at in booked.items()
              if pk not in during and pk in keys and str(keys[pk]) in first_arrival]  # fmt: skip

    def ms(values: list[float], share: float) -> str:
        if not values:
            return "-"
        ordered = sorted(values)
        return f"{ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] * 1000:.0f} ms"

    print(f"\nbroker down {args.outage:.0f} s; {len(statuses)} requests answered, {len(traffic.errors)} without an "
          f"answer; statuses {sorted(set(statuses))}")  # fmt: skip
    print(f"5xx: {server_errors}   4xx: {refused}")
    print(f"latency while the broker was down: p50 {ms(traffic.outage_latencies, 0.5)}, "
          f"p99 {ms(traffic.outage_latencies, 0.99)}, max {ms(traffic.outage_latencies, 1.0)} "
          f"({len(traffic.outage_latencies)} requests); otherwise p50 {ms(traffic.other_latencies, 0.5)}, "
          f"p99 {ms(traffic.other_latencies, 0.99)}")  # fmt: skip
    print(
        f"check-ins answered 201: {len(traffic.visits)} (missing in the database: {visits_missing}); "
        f"bookings answered: {len(booked)} (missing: {bookings_missing}), {len(during)} clicked while down"
    )
    print(
        f"at the agency: {len(keys) - len(not_at_agency)} of {len(keys)}; confirmed {confirmed}; "
        f"agency bookings per key: 1 each ({len(agency.bookings)} keys), "
        f"booking requests per key max {max(copies.values(), default=0)}"
    )
    print(f"lost: {lost} (answered 2xx but missing: {visits_missing + bookings_missing}; bookings failed: {failed}); "
          f"not at the agency and confirmed when the drain ended: {len(undelivered)}")  # fmt: skip
    if after_return:
        print(f"broker return -> at the agency, bookings clicked while down: max {max(after_return):.1f} s, "
              f"median {statistics.median(after_return):.1f} s (target <= {TARGET_SECONDS:.0f} s)")  # fmt: skip
    if normal:
        print(f"click -> at the agency otherwise: median {statistics.median(normal):.2f} s, max {max(normal):.2f} s")
    print(f"load average at start {' '.join(f'{x:.2f}' for x in load_start)}; during the run (1 min) mean "
          f"{statistics.fmean(loads) if loads else 0:.2f}, max {max(loads, default=0):.2f}; at end "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    met = (
        server_errors == 0
        and lost == 0
        and not undelivered
        and not traffic.errors
        and bool(after_return)
        and (max(after_return) <= TARGET_SECONDS)
    )
    print("targets (0 5xx, 0 lost, every booking at the agency within 60 s of the broker's return):",
          "met" if met else "MISSED")  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
