"""bench/reports.py runs on the database generate_visits writes, including a one-year database that
ends on 31 December (a closed day the generator never writes, like 1 January)."""

import importlib.util
import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from visits.reports.generator import open_days

BENCH = Path(__file__).resolve().parents[3] / "bench" / "reports.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_reports", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_year_from_its_first_to_its_last_open_day_is_covered(bench):
    days = [d for d, _factor in open_days(date(2025, 1, 1), date(2025, 12, 31))]
    assert (days[0], days[-1]) == (date(2025, 1, 2), date(2025, 12, 30))
    assert bench.covers(2025, days[0], days[-1])
    assert not bench.covers(2025, date(2025, 1, 10), days[-1])  # a week of January missing
    assert not bench.covers(2025, days[0], date(2025, 12, 1))
    assert not bench.covers(2026, days[0], days[-1])


@pytest.mark.django_db
def test_the_bench_measures_a_one_year_database_ending_on_31_december(bench, monkeypatch):
    # Enough visits that the first and last open days of the year have some (with a few hundred a
    # year, a quiet 29-30 December can stay empty and the year would not be covered).
    call_command(
        "generate_visits", "--years", "1", "--visits-per-year", "2000", "--end-date", "2025-12-31", "--verbosity", "0"
    )
    monkeypatch.setattr(sys, "argv", ["reports.py", "--visits", "300", "--repeat", "1", "--raw-repeat", "1"])
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = bench.main()
    assert code in (0, 1), err.getvalue()  # 2 would be "the database does not cover the year"
    assert "(a) national per-office report, 2025" in out.getvalue()
