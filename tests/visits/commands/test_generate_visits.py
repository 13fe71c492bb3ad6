import io
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from interpreters.models import InterpreterBooking
from visits.models import LanguageNeed, Office, Visit, VisitOutcome
from visits.reports.models import DailyOfficeUsage, MonthlyOfficeUsage
from visits.reports.selectors import UsageQuery, usage_counters

pytestmark = pytest.mark.django_db

END = date(2026, 3, 31)
TABLES = [m._meta.db_table for m in (Visit, LanguageNeed, InterpreterBooking, VisitOutcome)]


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_visits", *args, "--verbosity", "0", stdout=out)
    return out.getvalue()


def test_it_writes_realistic_visits_and_matching_rollups():
    out = generate("--years", "1", "--visits-per-year", "3000", "--seed", "7", "--end-date", END.isoformat())

    counts = dict(
        zip(["visits", "needs", "bookings", "outcomes"], map(int, re.findall(r"(\d+) \w", out)), strict=False)
    )
    assert counts["visits"] == Visit.objects.count() > 2000
    assert counts["needs"] == LanguageNeed.objects.count() > 0
    assert counts["bookings"] == InterpreterBooking.objects.count() > 0
    assert counts["outcomes"] == VisitOutcome.objects.count() > 0
    assert Office.objects.count() >= 130
    # Every visit sits on the Stockholm date of its check-in, on a weekday, within opening hours.
    for checked_in_at, service_date in Visit.objects.values_list("checked_in_at", "service_date")[:500]:
        local = timezone.localtime(checked_in_at)
        assert local.date() == service_date and service_date.weekday() < 5
        assert 9 <= local.hour < 16 or (local.hour, local.minute, local.second) == (16, 0, 0)
    # The rollups were rebuilt: they agree with the rows for any slice.
    for group_by in (None, "office", "language", "agency"):
        q = UsageQuery(date_from=date(2025, 4, 1), date_to=END, group_by=group_by, period="month")
        assert usage_counters(q) == usage_counters(q, source="raw"), group_by
    # Some offices book interpreters less often than the rest (the outliers the report must find).
    wanted = usage_counters(UsageQuery(date_from=date(2025, 4, 1), date_to=END))
    (total,) = wanted.values()
    assert 0 < total["wanted_used"] < total["wanted"]


def schema() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) UNION ALL "
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [TABLES, TABLES],
        )
        return sorted(cursor.fetchall())


def test_a_bulk_load_on_postgresql_restores_every_index_and_constraint():
    if connection.vendor != "postgresql":
        pytest.skip("indexes are only dropped around a PostgreSQL load")
    before = schema()
    assert len(before) > 20
    output = generate("--years", "1", "--visits-per-year", "12000", "--end-date", "2020-12-31")

    after = schema()
    assert after == before
    assert f"Generated {Visit.objects.count()} visits" in output
    assert Visit.objects.count() > 10_000
    assert LanguageNeed.objects.count() > 0 and VisitOutcome.objects.count() > 0
    assert InterpreterBooking.objects.filter(visit__isnull=True).count() == 0
    # The rollups were rebuilt from what was written, monthly rows included.
    assert sum(DailyOfficeUsage.objects.values_list("visits", flat=True)) == Visit.objects.count()
    assert sum(MonthlyOfficeUsage.objects.values_list("visits", flat=True)) == Visit.objects.count()


def test_a_second_slice_with_the_same_seed_does_not_repeat_booking_keys():
    generate("--years", "1", "--visits-per-year", "400", "--end-date", "2020-12-31", "--no-rollups")
    first = Visit.objects.count()
    generate("--years", "1", "--visits-per-year", "400", "--end-date", "2019-12-31", "--no-rollups")

    assert Visit.objects.count() > first
    keys = InterpreterBooking.objects.values_list("idempotency_key", flat=True)
    assert len(set(keys)) == len(keys) > 0


def test_it_refuses_an_overlapping_slice_and_bad_sizes_without_writing():
    generate("--years", "1", "--visits-per-year", "300", "--end-date", "2020-12-31", "--no-rollups")
    count = Visit.objects.count()
    with pytest.raises(CommandError, match="already exist"):
        generate("--years", "1", "--visits-per-year", "300", "--end-date", "2020-06-30")
    with pytest.raises(CommandError, match="--years"):
        generate("--years", "0")
    with pytest.raises(CommandError, match="--visits-per-year"):
        generate("--visits-per-year", "0")
    assert Visit.objects.count() == count
