"""Fuzz every operation of the OpenAPI schema with schemathesis, in-process against the WSGI app, on
a throwaway test database seeded with demo data (tests/api_fuzz.py has the harness). Prints the
number of requests per operation (with the status codes seen) and every failure found: a 5xx, an
undocumented status code, a body or content type that does not match the schema.

    .venv/bin/python bench/fuzz_api.py --requests 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tolkdesk_x .venv/bin/python bench/fuzz_api.py

Exit status 1 if anything failed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000, help="at least this many requests in all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the counts and failures to this file")
    args = parser.parse_args()

    from tests.api_fuzz import as_json, fuzz, seed_world

    setup_test_environment()
    # Its own throwaway database: never the one a concurrent pytest run creates and destroys.
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        db["TEST"]["NAME"] = str(settings.RUN_DIR / "test_fuzz_api.sqlite3")
    else:
        db["TEST"]["NAME"] = f"test_{db['NAME']}_fuzz_api"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        world = seed_world()
        started = time.perf_counter()
        last = [0.0]

        def progress(text: str) -> None:
            if time.perf_counter() - last[0] > 10:
                last[0] = time.perf_counter()
                print(f"  … {text}", file=sys.stderr, flush=True)

        report = fuzz(world, requests=args.requests, seed=args.seed, progress=progress)
        elapsed = time.perf_counter() - started
        print(f"database: {connection.vendor}; principals: {', '.join(p.name for p in world.principals)}")
        print(report.summary())
        print(f"{report.total} requests in {elapsed:.0f} s ({report.total / elapsed:.0f}/s)")
        if args.json:
            Path(args.json).write_text(as_json(report))
        return 1 if report.failures else 0
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
