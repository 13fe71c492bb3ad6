"""Writes of the usage rollups. The counters are the SQL expressions of visits.reports.measures,
run as INSERT ... SELECT so a rebuild of millions of visits never goes through Python objects.

A refresh replaces whole office-days (delete + insert). Rollup writers (the dirty office-day refresh,
the 10-minute and the nightly rebuild) serialise among themselves on a lock of the rollup table
(``_lock_rollup_writers``), never on the office rows or the desk's queue counters: a check-in locks
only its office-day's queue counter and never waits for a refresh, and a refresh never waits for a
check-in.

Which office-days to refresh: every write a report depends on marks its office-day dirty through
visits.hooks.office_day_changed, in the write's own transaction; ``usage_dirty_days_refresh`` (a beat
task every minute) claims the marks and recomputes each office-day once."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.utils import timezone

from interpreters.models import InterpreterBooking
from visits.models import StaffingDay, UsageDirtyDay, Visit
from visits.reports.dimensions import (
    BOOKING_OWNERS,
    BOOKING_ROLLUP_KEYS,
    DAY,
    VISIT_ROLLUP_KEYS,
    BookingOwner,
    Source,
    dimension,
    held_by,
    report_filter,
    rollup_key_expressions,
)
from visits.reports.measures import (
    BOOKING_COUNTER_NAMES,
    OFFICE_COUNTER_NAMES,
    SERVICE_SECONDS,
    VISIT_COUNTER_NAMES,
    annotate_connect,
    booking_counter_expressions,
    completed_visit_ids,
    visit_counter_expressions,
)
from visits.reports.models import DailyBookingUsage, DailyOfficeUsage, DailyVisitUsage, MonthlyOfficeUsage
from visits.reports.selectors import next_month

logger = logging.getLogger(__name__)

# The key columns of the fine tables and where each comes from: visits/reports/dimensions.py, the same
# definition the report queries read (bookings: one owner at a time, booking_counter_rows).
VISIT_DIMS = rollup_key_expressions(VISIT_ROLLUP_KEYS, "visit")
BOOKING_COLUMNS = [dimension(name).rollup for name in BOOKING_ROLLUP_KEYS]


def _aliased(dims: dict[str, Any]) -> dict[str, Any]:
    # Distinct aliases ("d_day", …) so the SELECT columns can be referenced by name whatever order
    # Django compiles them in.
    return {f"d_{name}": expr for name, expr in dims.items()}


# The ids of the refreshed visits that have a completed booking, computed ONCE per window as a
# materialised CTE in front of the INSERT (``_insert_select``): the 11 counters that ask "was an
# interpreter used?" each read this small set instead of each scanning the bookings.
USED_CTE = "rollup_completed_visits"
USED_CTE_IDS = "SELECT visit_id FROM rollup_completed_visits"


def visit_counter_rows(visits: QuerySet[Visit], completed_visits: Any = None) -> QuerySet:
    """The visit counters per dimension row. ``completed_visits`` defaults to a subquery over
    ``visits`` (for callers reading the rows directly rather than through ``_insert_select``)."""
    dims = _aliased(VISIT_DIMS)
    if completed_visits is None:
        completed_visits = completed_visit_ids(visits)
    counters = visit_counter_expressions(completed_visits=completed_visits)
    return visits.order_by().annotate(**dims).values(*dims).annotate(**counters)


def booking_counter_rows(bookings: QuerySet[InterpreterBooking], owner: BookingOwner = "visit") -> QuerySet:
    """The booking counters per dimension row of `bookings`, all held by `owner`."""
    dims = _aliased(rollup_key_expressions(BOOKING_ROLLUP_KEYS, "booking", owner=owner))
    return (
        annotate_connect(bookings.order_by()).annotate(**dims).values(*dims).annotate(**booking_counter_expressions())
    )


def _insert_select(
    table: str, dims: list[str], counters: tuple[str, ...], qs: QuerySet, cte: QuerySet | None = None
) -> None:
    """INSERT the rows of ``qs``; ``cte``, if given, is computed once in front as USED_CTE."""
    sql, params = qs.query.sql_with_params()
    with_sql = ""
    if cte is not None:
        cte_sql, cte_params = cte.query.sql_with_params()
        with_sql, params = f"WITH {USED_CTE} AS MATERIALIZED ({cte_sql}) ", (*cte_params, *params)
    columns = [*dims, *counters]
    select = ", ".join([*(f"s.d_{d}" for d in dims), *(f"s.{c}" for c in counters)])
    column_list = ", ".join(columns)
    with connection.cursor() as cursor:
        # Identifiers come from the rollup models and the ORM's own SQL; every value is a bound param.
        cursor.execute(f"{with_sql}INSERT INTO {table} ({column_list}) SELECT {select} FROM ({sql}) s", params)  # noqa: S608  # nosec B608


def _insert_office_rows(where: str, params: list[Any]) -> None:
    """DailyOfficeUsage = the fine tables summed per office-day. An office-day may have bookings and
    no visits (an appointment's pre-booking, a no-show), so the keys are the union of both tables'."""
    vt, bt, ot = DailyVisitUsage._meta.db_table, DailyBookingUsage._meta.db_table, DailyOfficeUsage._meta.db_table
    v_sums = ", ".join(f"SUM({c}) AS {c}" for c in VISIT_COUNTER_NAMES)
    b_sums = ", ".join(f"SUM({c}) AS {c}" for c in BOOKING_COUNTER_NAMES)
    columns = ", ".join(["day", "office_id", *VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES, *OFFICE_COUNTER_NAMES])
    select = ", ".join(
        ["k.day", "k.office_id"]
        + [f"COALESCE(v.{c}, 0)" for c in VISIT_COUNTER_NAMES]
        + [f"COALESCE(b.{c}, 0)" for c in BOOKING_COUNTER_NAMES]
        + ["0" for _c in OFFICE_COUNTER_NAMES]  # filled in by _apply_staffing
    )
    sql = (
        f"INSERT INTO {ot} ({columns}) SELECT {select} FROM "  # noqa: S608 - identifiers, bound values  # nosec B608
        f"(SELECT day, office_id FROM {vt} WHERE {where} UNION SELECT day, office_id FROM {bt} WHERE {where}) k "
        f"LEFT JOIN (SELECT day, office_id, {v_sums} FROM {vt} WHERE {where} GROUP BY day, office_id) v "
        "ON v.day = k.day AND v.office_id = k.office_id "
        f"LEFT JOIN (SELECT day, office_id, {b_sums} FROM {bt} WHERE {where} GROUP BY day, office_id) b "
        "ON b.day = k.day AND b.office_id = k.office_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, *params, *params])


def _window(
    source: Source, *, first: date, last: date, offices: frozenset[int] | None, owner: BookingOwner = "visit"
) -> Q:
    """The raw rows of `source` a refresh of [first, last] at `offices` (None: every office) reads:
    the report queries' own filter (visits/reports/dimensions.py:report_filter)."""
    return report_filter(source, date_from=first, date_to=last, offices=offices, values={}, owner=owner)


def _replace(*, first: date, last: date, offices: frozenset[int] | None, where: str, params: list[Any]) -> None:
    """Recompute the daily rows of [first, last] at `offices` (None: every office). The bookings
    are inserted one owner at a time (an OR across both joins would cost the refresh its indexes);
    the readers sum the booking rows, so two rows with the same dimensions add up."""
    visits = Visit.objects.filter(_window("visit", first=first, last=last, offices=offices))
    for model in (DailyOfficeUsage, DailyVisitUsage, DailyBookingUsage):
        model.objects.filter(_window("rollup", first=first, last=last, offices=offices))._raw_delete(connection.alias)
    counters = visit_counter_rows(visits, RawSQL(USED_CTE_IDS, ()))  # noqa: S611  # nosec B611 - a constant
    _insert_select(
        DailyVisitUsage._meta.db_table, list(VISIT_DIMS), VISIT_COUNTER_NAMES, counters, cte=completed_visit_ids(visits)
    )
    for owner in BOOKING_OWNERS:
        owned = InterpreterBooking.objects.filter(
            _window("booking", first=first, last=last, offices=offices, owner=owner)
        )
        _insert_select(
            DailyBookingUsage._meta.db_table, BOOKING_COLUMNS, BOOKING_COUNTER_NAMES, booking_counter_rows(owned, owner)
        )
    _insert_office_rows(where, params)
    _apply_staffing(where, params)


def _apply_staffing(where: str, params: list[Any]) -> None:
    """Officer hours onto the office-day rows just written, and a row of their own for a staffed
    office-day without visits (its hours still count). ``where`` names ``office_id`` and ``day``."""
    ot, st = DailyOfficeUsage._meta.db_table, StaffingDay._meta.db_table
    same_day = f"FROM {st} s WHERE s.office_id = {ot}.office_id AND s.date = {ot}.day"
    staffed = f"EXISTS (SELECT 1 {same_day})"
    minutes = f"SELECT CAST(ROUND(s.officer_hours * 60) AS INTEGER) {same_day}"
    served = " + ".join(SERVICE_SECONDS.values())
    others = [*VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES, "staffed_visits", "staffed_service_s"]
    # Identifiers come from the models; every value is a bound parameter.
    update = (
        f"UPDATE {ot} SET officer_minutes = COALESCE(({minutes}), 0), "  # noqa: S608  # nosec B608
        f"staffed_visits = CASE WHEN {staffed} THEN visits ELSE 0 END, "
        f"staffed_service_s = CASE WHEN {staffed} THEN {served} ELSE 0 END WHERE {where}"
    )
    insert = (
        f"INSERT INTO {ot} (day, office_id, officer_minutes, {', '.join(others)}) "  # noqa: S608  # nosec B608
        f"SELECT s.day, s.office_id, CAST(ROUND(s.officer_hours * 60) AS INTEGER), {', '.join('0' for _ in others)} "
        f"FROM (SELECT office_id, date AS day, officer_hours FROM {st}) s WHERE {where} "
        f"AND NOT EXISTS (SELECT 1 FROM {ot} o WHERE o.office_id = s.office_id AND o.day = s.day)"
    )
    with connection.cursor() as cursor:
        cursor.execute(update, params)
        cursor.execute(insert, params)


def _replace_months(*, first: date, last: date, offices: frozenset[int] | None = None) -> None:
    """Recompute MonthlyOfficeUsage for the calendar months of [first, last] from the daily rows
    (whole months, whatever part of them was refreshed)."""
    lo, hi = first.replace(day=1), next_month(last) - timedelta(days=1)
    months = MonthlyOfficeUsage.objects.filter(month__range=(lo, hi))
    days = DailyOfficeUsage.objects.filter(day__range=(lo, hi))
    if offices is not None:
        months, days = months.filter(office_id__in=offices), days.filter(office_id__in=offices)
    months._raw_delete(connection.alias)
    names = (*VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES, *OFFICE_COUNTER_NAMES)
    sums = (
        days.order_by()
        .annotate(d_month=TruncMonth("day"), d_office_id=F("office_id"))
        .values("d_month", "d_office_id")
        .annotate(**{name: Sum(name) for name in names})
    )
    _insert_select(MonthlyOfficeUsage._meta.db_table, ["month", "office_id"], names, sums)


def _lock_rollup_writers() -> None:
    """Serialise rollup writers: two refreshes of one office-day must not both delete and insert it
    (DailyBookingUsage has no unique key to stop a double insert). SHARE ROW EXCLUSIVE conflicts
    with itself and with other writers of this table, but not with readers (reports take ACCESS
    SHARE) and not with anything a check-in does (it never touches the rollups). Released at commit.
    One table stands for all four: only the functions in this module write them, all through here.
    SQLite serialises every writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {DailyOfficeUsage._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def usage_rollup_refresh(*, office_id: int, day: date) -> None:
    """Recompute one office-day of every rollup from the raw rows. Idempotent."""
    usage_rollups_refresh_offices(day=day, office_ids=[office_id])


def usage_rollups_refresh_offices(*, day: date, office_ids: list[int]) -> None:
    """Recompute one day of every rollup at these offices, in one transaction. Idempotent.

    One pass whatever the number of offices: building the ~140 counters' SQL costs about 0.1 s of
    Python per pass, and the statements read each office-day's rows through the same indexes, so 16
    dirty offices of one day cost about what one does (issue 16: the dirty-day refresh ran one pass
    per office-day, 0.17 s each, 22 s a minute for 130 busy offices)."""
    offices = frozenset(office_ids)
    if not offices:
        return
    placeholders = ", ".join(["%s"] * len(offices))
    with transaction.atomic():
        _lock_rollup_writers()
        _replace(
            first=day,
            last=day,
            offices=offices,
            where=f"office_id IN ({placeholders}) AND day = %s",
            params=[*sorted(offices), day],
        )
        _replace_months(first=day, last=day, offices=offices)


def usage_dirty_days_claim(*, limit: int) -> list[tuple[int, date]]:
    """Take up to ``limit`` dirty office-days off the list, oldest mark first, and commit at once.

    Races, and why each ends right:
    - Two refresh tasks claiming at once: SKIP LOCKED hands each mark to one of them only.
    - A write marking an office-day after the claim commits: the mark was deleted, so its INSERT
      creates a new one, which the next run refreshes (this run may or may not already see the write).
    - A write marking it while the claim is open: its INSERT waits for the claim's commit (the
      unique key), then inserts a new mark, as above. The claim is two short statements, so the
      wait is as short as a check-in's own.
    The mark is deleted BEFORE the recompute (not after) so no write can slip between the
    recompute's read and the mark's deletion. A crash between claim and recompute loses the marks;
    the 10-minute beat refresh of today and yesterday (and the nightly rebuild) repair that."""
    with transaction.atomic():
        rows = list(
            UsageDirtyDay.objects.select_for_update(skip_locked=True)
            .order_by("marked_at", "pk")
            .values_list("pk", "office_id", "day")[:limit]
        )
        UsageDirtyDay.objects.filter(pk__in=[pk for pk, _office, _day in rows])._raw_delete(connection.alias)
    return [(office_id, day) for _pk, office_id, day in rows]


def usage_dirty_days_refresh(*, limit: int = 1000) -> int:
    """Recompute every dirty office-day once: one pass (and transaction) per day, for all the offices
    marked on it (usually today's and a few of yesterday's). Returns how many office-days."""
    claimed = usage_dirty_days_claim(limit=limit)
    by_day: dict[date, list[int]] = {}
    for office_id, day in claimed:
        by_day.setdefault(day, []).append(office_id)
    days = sorted(by_day)
    for done, day in enumerate(days):
        try:
            usage_rollups_refresh_offices(day=day, office_ids=by_day[day])
        except Exception:
            # Put the unfinished marks back so the retry (or the next run) does them.
            UsageDirtyDay.objects.bulk_create(
                [UsageDirtyDay(office_id=o, day=d) for d in days[done:] for o in by_day[d]], ignore_conflicts=True
            )
            raise
    return len(claimed)


ANALYZE_AFTER_DAYS = 60


def usage_rollups_rebuild(*, since: date | None = None, until: date | None = None, progress: bool = False) -> int:
    """Rebuild the rollups for every day in [since, until] (default: every day with visits or
    staffing), a month per transaction. Returns the number of days covered."""
    visit_days = Visit.objects.aggregate(lo=Min("service_date"), hi=Max("service_date"))
    staffed_days = StaffingDay.objects.aggregate(lo=Min("date"), hi=Max("date"))
    # Pre-bookings count on their appointment's date, which may have no visit.
    before_check_in = DAY.path("booking", owner="appointment")
    booked_days = InterpreterBooking.objects.filter(held_by("appointment")).aggregate(
        lo=Min(before_check_in), hi=Max(before_check_in)
    )
    days = [day for day in (*visit_days.values(), *staffed_days.values(), *booked_days.values()) if day is not None]
    first = since or (min(days) if days else None)
    last = until or (max(days) if days else None)
    if first is None or last is None or first > last:
        return 0
    chunks: list[tuple[date, date]] = []
    start = first
    while start <= last:
        nxt = next_month(start)
        chunks.append((start, min(last, nxt - timedelta(days=1))))
        start = nxt
    iterator: Any = chunks
    if progress:
        from tqdm import tqdm

        iterator = tqdm(chunks, unit="month", desc="rollups")
    for lo, hi in iterator:
        with transaction.atomic():
            _lock_rollup_writers()
            _replace(
                first=lo,
                last=hi,
                offices=None,
                where="day BETWEEN %s AND %s",
                params=[lo, hi],
            )
            _replace_months(first=lo, last=hi)
    # Fresh planner statistics after a bulk rebuild. Not after the 10-minute (2 days) or nightly
    # (35 days) refresh: ANALYZE reads a sample of each whole table, 4.6 of the 6 s of a 2-day
    # refresh at 1.2 M visits and growing with history; autovacuum keeps those statistics current.
    if connection.vendor == "postgresql" and (last - first).days >= ANALYZE_AFTER_DAYS:
        with connection.cursor() as cursor:
            for model in (MonthlyOfficeUsage, DailyOfficeUsage, DailyVisitUsage, DailyBookingUsage):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return (last - first).days + 1


def usage_rollups_refresh_recent(*, days: int = 2) -> int:
    """Recompute the last ``days`` days for every office (beat, every 10 minutes): a safety net for
    marks lost between a claim and its recompute (a worker killed mid-run) and for writes that call
    no hook."""
    today = timezone.localdate()
    since = today - timedelta(days=max(1, days) - 1)
    if not Visit.objects.filter(service_date__range=(since, today)).exists():
        return 0
    return usage_rollups_rebuild(since=since, until=today)
