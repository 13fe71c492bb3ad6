"""How fast is check-in? Two modes.

In-process (default): times GET / (form, picker, today's queue) and the check-in POST (+ redirect)
through Django's full request stack, on a throwaway test database that holds the demo data and a
busy queue. Prints median / p95 and queries per request.

    .venv/bin/python bench/checkin.py [--requests 200] [--queue 40]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tolkdesk_x .venv/bin/python bench/checkin.py

Server (--server): gunicorn (sync workers) with the production settings on the PostgreSQL database
in DATABASE_URL, as it is (migrated; any history in it stays: check-ins are added to today's queues
of --offices offices, connection i at office i mod n). The API check-in with a language need
(POST /api/v1/visits/) is measured against a bare DRF view (same middleware, authentication,
permission, throttles and parser, no work) in the same run: interleaved rounds, each at 1 and 16
connections. Prints per round req/s and the ratio
check-in/bare, then p50/p95/p99 and SQL statements per request (counted in the server) and the load
average, since the machine may be shared. Target (issue 16): ratio >= 0.50 at 16 connections.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tolkdesk_bench .venv/bin/python bench/checkin.py \
        --server [--rounds 8] [--requests 160] [--workers 4] [--offices 16] [--cache-url redis://127.0.0.1:6379/11]

--stall (with --server): instead of the ratio, check-in latency at 8 connections with nothing else
running, then while the dirty-day + 10-minute rollup refresh runs in a loop, then while the nightly
35-day rebuild does: p50 / p99 / max per phase (target: no check-in slower than the normal p99).

Exit codes: 0 target met, 1 target missed or requests failed, 2 the database is not ready.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from visits.management.commands.seed_demo import DEMO_OFFICE  # noqa: E402
from visits.models import Authority, Office  # noqa: E402
from visits.services import LanguageNeedInput, visit_check_in  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(label: str, count: int, call) -> None:
    durations, queries = [], 0
    for _ in range(count):
        # The query log is a bounded deque (9,000): once full, counting by index says 0.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            durations.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    print(
        f"{label:<34} n={count:<5} median {statistics.median(durations):7.1f} ms   "
        f"p95 {percentile(durations, 0.95):7.1f} ms   queries/request {queries}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="per mode (in-process) or per round and target")
    parser.add_argument("--queue", type=int, default=40, help="visitors already waiting today (in-process)")
    parser.add_argument("--server", action="store_true", help="gunicorn + PostgreSQL, against a bare view")
    parser.add_argument("--rounds", type=int, default=8, help="--server: interleaved rounds")
    parser.add_argument("--workers", type=int, default=4, help="--server: gunicorn sync workers")
    parser.add_argument(
        "--cache-url", default="", help="--server: TOLKDESK_CACHE_URL for the server (default local memory)"
    )
    parser.add_argument("--offices", type=int, default=16, help="--server: offices the connections check in at")
    parser.add_argument(
        "--stall", action="store_true", help="--server: check-in latency while the rollup refresh / nightly rebuild run"
    )
    args = parser.parse_args()
    if args.requests < 16 or args.rounds < 1 or args.workers < 1 or args.offices < 1:
        parser.error("--requests must be at least 16, --rounds, --workers and --offices at least 1")
    if args.server:
        from bench.server.run import run_server_bench

        return run_server_bench(args)

    # Not setup_test_environment(): its template instrumentation would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("seed_demo", "--no-visits", stdout=open(os.devnull, "w"))  # noqa: SIM115
        office = Office.objects.get(name=DEMO_OFFICE)
        authority = Authority.objects.get(code="forsakringskassan")
        user = get_user_model().objects.get(username="reception")
        for n in range(args.queue):
            need = LanguageNeedInput(language=["ar", "so", "ti", "prs"][n % 4]) if n % 3 else None
            visit_check_in(office=office, authority=authority, checked_in_by=user, language_need=need)

        client = Client()
        client.force_login(user)
        client.get("/")  # warm caches (templates, CLDR names)
        print(f"database: {connection.vendor}; {args.queue} visitors in today's queue at {office.name}")

        def page() -> None:
            assert client.get("/").status_code == 200

        def check_in_swedish() -> None:
            response = client.post("/", {"office": office.pk, "authority": authority.pk, "language": ""})
            assert response.status_code == 302, response.content[:500]

        def check_in_with_need() -> None:
            response = client.post(
                "/",
                {
                    "office": office.pk,
                    "authority": authority.pk,
                    "language": "ti",
                    "interpreter_wanted": "yes",
                    "identified_by": "pointed_at_card",
                },
            )
            assert response.status_code == 302, response.content[:500]

        timed("GET / (page with picker + queue)", args.requests, page)
        timed("POST / check-in, Swedish", args.requests // 2, check_in_swedish)
        timed("POST / check-in, language need", args.requests // 2, check_in_with_need)
        print(f"page size: {len(client.get('/').content) / 1024:.0f} KiB (queue now {args.queue + args.requests})")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
