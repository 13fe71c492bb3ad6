import io
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from interpreters.models import InterpreterBooking
from visits.models import LanguageNeed, Office, Visit, VisitOutcome
from visits.reports.selectors import UsageQuery, usage_counters

pytestmark = pytest.mark.django_db

END = date(2026, 3, 31)


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_visits", *args, "--end-date", END.isoformat(), verbosity=0, stdout=out)
    return out.getvalue()


def test_it_writes_realistic_visits_and_matching_rollups():
    out = generate("--years", "1", "--visits-per-year", "3000", "--seed", "7")

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


def test_it_refuses_to_write_over_existing_visits_or_out_of_range_sizes():
    generate("--years", "1", "--visits-per-year", "50", "--no-rollups")
    before = Visit.objects.count()

    with pytest.raises(CommandError, match="already exist"):
        generate("--years", "1", "--visits-per-year", "50")
    with pytest.raises(CommandError, match="--years"):
        generate("--years", "0")
    with pytest.raises(CommandError, match="--visits-per-year"):
        generate("--visits-per-year", "0")
    assert Visit.objects.count() == before
