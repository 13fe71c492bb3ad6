"""Writes of the usage rollups. The counters are the SQL expressions of visits.reports.measures,
run as INSERT ... SELECT so a rebuild of millions of visits never goes through Python objects.

A refresh replaces whole office-days (delete + insert) under a row lock on the offices involved, so
two refreshes of the same office-day (a write-triggered task and the beat task) serialise instead of
inserting twice."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from config.outbox.services import outbox_enqueue
from interpreters.models import InterpreterBooking
from visits.models import Office, Visit
from visits.reports.measures import (
    BOOKING_COUNTER_NAMES,
    VISIT_COUNTER_NAMES,
    annotate_connect,
    booking_counter_expressions,
    visit_counter_expressions,
)
from visits.reports.models import DailyBookingUsage, DailyOfficeUsage, DailyVisitUsage, MonthlyOfficeUsage
from visits.reports.selectors import next_month

logger = logging.getLogger(__name__)

VISIT_DIMS = {
    "day": F("service_date"),
    "office_id": F("office_id"),
    "authority_id": F("authority_id"),
    "language": Coalesce(F("language_need__language"), Value("")),
}
BOOKING_DIMS = {
    "day": F("visit__service_date"),
    "office_id": F("visit__office_id"),
    "authority_id": F("visit__authority_id"),
    "language": F("language"),
    "agency_id": F("agency_id"),
    "modality": F("modality"),
}


def _aliased(dims: dict[str, Any]) -> dict[str, Any]:
    # Distinct aliases ("d_day", …) so the SELECT columns can be referenced by name whatever order
    # Django compiles them in.
    return {f"d_{name}": expr for name, expr in dims.items()}


def visit_counter_rows(visits: QuerySet[Visit]) -> QuerySet:
    dims = _aliased(VISIT_DIMS)
    return visits.order_by().annotate(**dims).values(*dims).annotate(**visit_counter_expressions())


def booking_counter_rows(bookings: QuerySet[InterpreterBooking]) -> QuerySet:
    dims = _aliased(BOOKING_DIMS)
    return (
        annotate_connect(bookings.order_by()).annotate(**dims).values(*dims).annotate(**booking_counter_expressions())
    )


def _insert_select(table: str, dims: list[str], counters: tuple[str, ...], qs: QuerySet) -> None:
    sql, params = qs.query.sql_with_params()
    columns = [*dims, *counters]
    select = ", ".join([*(f"s.d_{d}" for d in dims), *(f"s.{c}" for c in counters)])
    column_list = ", ".join(columns)
    with connection.cursor() as cursor:
        # Identifiers come from the rollup models and the ORM's own SQL; every value is a bound param.
        cursor.execute(f"INSERT INTO {table} ({column_list}) SELECT {select} FROM ({sql}) s", params)  # noqa: S608  # nosec B608


def _insert_office_rows(where: str, params: list[Any]) -> None:
    """DailyOfficeUsage = the fine tables summed per office-day (a booking always has a visit, so
    every office-day with bookings also has a visit row)."""
    vt, bt, ot = DailyVisitUsage._meta.db_table, DailyBookingUsage._meta.db_table, DailyOfficeUsage._meta.db_table
    v_sums = ", ".join(f"SUM({c}) AS {c}" for c in VISIT_COUNTER_NAMES)
    b_sums = ", ".join(f"SUM({c}) AS {c}" for c in BOOKING_COUNTER_NAMES)
    columns = ", ".join(["day", "office_id", *VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES])
    select = ", ".join(
        ["v.day", "v.office_id", *(f"v.{c}" for c in VISIT_COUNTER_NAMES)]
        + [f"COALESCE(b.{c}, 0)" for c in BOOKING_COUNTER_NAMES]
    )
    sql = (
        f"INSERT INTO {ot} ({columns}) SELECT {select} FROM "  # noqa: S608 - identifiers, bound values  # nosec B608
        f"(SELECT day, office_id, {v_sums} FROM {vt} WHERE {where} GROUP BY day, office_id) v "
        f"LEFT JOIN (SELECT day, office_id, {b_sums} FROM {bt} WHERE {where} GROUP BY day, office_id) b "
        "ON b.day = v.day AND b.office_id = v.office_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params])


def _replace(*, visits: QuerySet[Visit], bookings: QuerySet[InterpreterBooking], rollup_filter: Q,
             where: str, params: list[Any]) -> None:  # fmt: skip
    for model in (DailyOfficeUsage, DailyVisitUsage, DailyBookingUsage):
        model.objects.filter(rollup_filter)._raw_delete(connection.alias)
    _insert_select(DailyVisitUsage._meta.db_table, list(VISIT_DIMS), VISIT_COUNTER_NAMES, visit_counter_rows(visits))
    _insert_select(
        DailyBookingUsage._meta.db_table, list(BOOKING_DIMS), BOOKING_COUNTER_NAMES, booking_counter_rows(bookings)
    )
    _insert_office_rows(where, params)


def _replace_months(*, first: date, last: date, office_id: int | None = None) -> None:
    """Recompute MonthlyOfficeUsage for the calendar months of [first, last] from the daily rows
    (whole months, whatever part of them was refreshed)."""
    lo, hi = first.replace(day=1), next_month(last) - timedelta(days=1)
    months = MonthlyOfficeUsage.objects.filter(month__range=(lo, hi))
    days = DailyOfficeUsage.objects.filter(day__range=(lo, hi))
    if office_id is not None:
        months, days = months.filter(office_id=office_id), days.filter(office_id=office_id)
    months._raw_delete(connection.alias)
    names = (*VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES)
    sums = (
        days.order_by()
        .annotate(d_month=TruncMonth("day"), d_office_id=F("office_id"))
        .values("d_month", "d_office_id")
        .annotate(**{name: Sum(name) for name in names})
    )
    _insert_select(MonthlyOfficeUsage._meta.db_table, ["month", "office_id"], names, sums)


def usage_rollup_refresh(*, office_id: int, day: date) -> None:
    """Recompute one office-day of every rollup from the raw rows. Idempotent."""
    with transaction.atomic():
        # The lock serialises refreshes of this office; check-in holds it only for an instant.
        if not list(Office.objects.select_for_update().filter(pk=office_id).values_list("pk", flat=True)):
            return
        _replace(
            visits=Visit.objects.filter(office_id=office_id, service_date=day),
            bookings=InterpreterBooking.objects.filter(visit__office_id=office_id, visit__service_date=day),
            rollup_filter=Q(office_id=office_id, day=day),
            where="office_id = %s AND day = %s",
            params=[office_id, day],
        )
        _replace_months(first=day, last=day, office_id=office_id)


def usage_rollups_rebuild(*, since: date | None = None, until: date | None = None, progress: bool = False) -> int:
    """Rebuild the rollups for every day in [since, until] (default: all visits), a month per
    transaction. Returns the number of days covered."""
    bounds = Visit.objects.order_by("service_date").values_list("service_date", flat=True)
    first = since or bounds.first()
    last = until or Visit.objects.order_by("-service_date").values_list("service_date", flat=True).first()
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
            list(Office.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
            _replace(
                visits=Visit.objects.filter(service_date__range=(lo, hi)),
                bookings=InterpreterBooking.objects.filter(visit__service_date__range=(lo, hi)),
                rollup_filter=Q(day__range=(lo, hi)),
                where="day BETWEEN %s AND %s",
                params=[lo, hi],
            )
            _replace_months(first=lo, last=hi)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (MonthlyOfficeUsage, DailyOfficeUsage, DailyVisitUsage, DailyBookingUsage):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return (last - first).days + 1


def usage_rollup_touch(*, office_id: int, service_date: date) -> None:
    """Refresh an office-day's rollups once the caller's transaction commits (nothing is enqueued if
    it rolls back)."""
    day = service_date.isoformat()
    outbox_enqueue(
        task="reports.usage_rollup_refresh", args=[office_id, day], dedupe_key=f"rollup:{office_id}:{day}"
    )
