"""How fast are the usage reports at full volume, and how much do the daily rollups buy? Times the
two heaviest reports through the selectors the pages and the API use (visits.reports.selectors.
usage_report), once over the rollups and once straight over visits and bookings (source="raw"),
checks both give the same numbers, and prints median / p95 latency and the raw/rollup ratio.

    (a) the national per-office report for one calendar year (every office, outlier flags included)
    (b) one office's monthly trend over the last 5 years (default: the busiest office)

Targets (issue 4): rollup p95 under 200 ms, and at least 20x faster than raw (median).
Runs against the database in DATABASE_URL as it is (nothing is written); generate the volume first:

    manage.py generate_visits --years 5 --visits-per-year 3000000   # then rebuild_usage_rollups
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tolkdesk_bench .venv/bin/python bench/reports.py [--repeat 30]
    .venv/bin/python bench/reports.py --visits 20000     # a smaller database (e.g. the demo slice)

Exit codes: 0 targets met, 1 a target missed or rollup and raw disagree, 2 the database does not
hold the volume asked for (or has no rollups).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("TOLKDESK_DEBUG", "0")  # DEBUG would record every query and slow the timed code

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Max, Min, Sum  # noqa: E402

from visits.models import Office, Visit  # noqa: E402
from visits.reports.generator import open_days  # noqa: E402
from visits.reports.models import DailyOfficeUsage  # noqa: E402
from visits.reports.selectors import UsageQuery, UsageRow, usage_report  # noqa: E402

TARGET_MS = 200.0
TARGET_RATIO = 20.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def covers(year: int, first: date, last: date) -> bool:
    """The visits cover the whole year: no day the offices are open falls before the first visit or
    after the last (generate_visits never writes the closed days, 1 January and 31 December among
    them, so a year of data runs from the first working day of January to 30 December)."""
    before = open_days(date(year, 1, 1), first - timedelta(days=1))
    after = open_days(last + timedelta(days=1), date(year, 12, 31))
    return first.year <= year <= last.year and not before and not after


def fingerprint(rows: list[UsageRow]) -> list[tuple]:
    return [(r.group, r.period, sorted(r.counters.items()), r.outlier) for r in rows]


def measure(query: UsageQuery, source: str, repeat: int) -> tuple[list[UsageRow], list[float]]:
    """One untimed run (warms caches; its rows are compared), then ``repeat`` timed runs."""
    rows = usage_report(query, source=source)
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        usage_report(query, source=source)
        durations.append((time.perf_counter() - started) * 1000)
    return rows, durations


def report(label: str, query: UsageQuery, args: argparse.Namespace) -> bool:
    print(label, flush=True)
    rollup_rows, rollup = measure(query, "rollup", args.repeat)
    raw_rows, raw = measure(query, "raw", args.raw_repeat)
    for name, values in (("rollup", rollup), ("raw", raw)):
        print(
            f"    {name:<7} n={len(values):<4} median {statistics.median(values):9.1f} ms   "
            f"p95 {percentile(values, 0.95):9.1f} ms"
        )
    ratio_median = statistics.median(raw) / statistics.median(rollup)
    ratio_p95 = percentile(raw, 0.95) / percentile(rollup, 0.95)
    identical = fingerprint(rollup_rows) == fingerprint(raw_rows)
    fast = percentile(rollup, 0.95) < TARGET_MS
    print(f"    raw/rollup: median {ratio_median:.0f}x, p95 {ratio_p95:.0f}x")
    print(f"    rows: {len(rollup_rows)}; rollup and raw numbers identical: {'yes' if identical else 'NO'}")
    print(
        f"    targets: rollup p95 < {TARGET_MS:.0f} ms {'met' if fast else 'MISSED'}; "
        f"raw/rollup >= {TARGET_RATIO:.0f}x {'met' if ratio_median >= TARGET_RATIO else 'MISSED'}",
        flush=True,
    )
    return identical and fast and ratio_median >= TARGET_RATIO


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=15_000_000, help="volume to measure (default 15 M)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs over the rollups")
    parser.add_argument("--raw-repeat", type=int, default=3, help="timed runs over raw visits (slow)")
    parser.add_argument("--year", type=int, default=None, help="report (a): default the last complete year")
    parser.add_argument("--office", type=int, default=None, help="report (b): default the busiest office")
    parser.add_argument("--years", type=int, default=5, help="report (b): length of the trend")
    args = parser.parse_args()
    if args.repeat < 1 or args.raw_repeat < 1 or args.years < 1:
        parser.error("--repeat, --raw-repeat and --years must be at least 1")

    if connection.vendor == "postgresql":
        # PostgreSQL's JIT compiles the raw queries' 50 aggregates for seconds on every run; that is
        # not work the raw path has to do, so it is off for both paths (the ratio stays honest).
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    total = Visit.objects.count()
    if total < 0.9 * args.visits:
        print(
            f"The database holds {total:,} visits, far fewer than the {args.visits:,} to measure. Generate them "
            "(manage.py generate_visits --years 5 --visits-per-year 3000000) or pass --visits "
            f"{total}.",
            file=sys.stderr,
        )
        return 2
    bounds = Visit.objects.aggregate(first=Min("service_date"), last=Max("service_date"))
    first, last = bounds["first"], bounds["last"]
    in_rollups = DailyOfficeUsage.objects.aggregate(n=Sum("visits"))["n"] or 0
    if in_rollups < 0.9 * total:
        print(
            f"The rollups count {in_rollups:,} of {total:,} visits; run manage.py rebuild_usage_rollups first.",
            file=sys.stderr,
        )
        return 2
    year = args.year or (last.year if covers(last.year, min(first, date(last.year, 1, 1)), last) else last.year - 1)
    if not covers(year, first, last):
        print(f"The visits ({first}..{last}) do not cover the year {year}; pass --year.", file=sys.stderr)
        return 2
    if args.office is None:
        busiest = DailyOfficeUsage.objects.values("office_id").annotate(n=Sum("visits")).order_by("-n").first()
        office = Office.objects.get(pk=busiest["office_id"])
    else:
        office = Office.objects.filter(pk=args.office).first()
        if office is None:
            print(f"No office with id {args.office}.", file=sys.stderr)
            return 2
    trend_from = max(first, date(last.year - args.years, last.month, 1) + timedelta(days=32)).replace(day=1)

    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; {total:,} visits {first}..{last}; "
        f"{DailyOfficeUsage.objects.count():,} office-day rollup rows"
        + ("; jit off" if connection.vendor == "postgresql" else "")
    )
    ok = report(
        f"(a) national per-office report, {year}",
        UsageQuery(date_from=date(year, 1, 1), date_to=date(year, 12, 31), group_by="office"),
        args,
    )
    ok &= report(
        f"(b) {office.name} (id {office.pk}): monthly trend {trend_from}..{last}",
        UsageQuery(date_from=trend_from, date_to=last, period="month", office=office.pk),
        args,
    )
    print("all targets met" if ok else "TARGETS MISSED (or results differ)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
