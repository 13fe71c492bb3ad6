import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from tests.factories import AuthorityFactory, OfficeFactory
from tests.visits.reports.data import local, visit_with
from visits.reports.models import DailyOfficeUsage

pytestmark = pytest.mark.django_db


def rebuild(*args: str) -> str:
    out = io.StringIO()
    call_command("rebuild_usage_rollups", *args, stdout=out)
    return out.getvalue().strip()


def test_it_rebuilds_every_day_with_visits_and_repairs_stale_rows():
    office, authority = OfficeFactory(), AuthorityFactory()
    for day in (date(2026, 2, 27), date(2026, 3, 2)):
        visit_with(office=office, authority=authority, at=local(day, 10), need=("ar", "yes"))
    assert rebuild() == "Rebuilt usage rollups for 4 days."
    DailyOfficeUsage.objects.update(visits=7, gap_unrecorded=0)

    assert rebuild("--since", "2026-03-01") == "Rebuilt usage rollups for 2 days."

    assert sorted(DailyOfficeUsage.objects.values_list("day", "visits", "gap_unrecorded")) == [
        (date(2026, 2, 27), 7, 0),  # before --since: left alone
        (date(2026, 3, 2), 1, 1),
    ]


def test_an_empty_database_rebuilds_nothing():
    assert rebuild() == "Rebuilt usage rollups for 0 days."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-13-01"], "is not a date"),
        (["--until", "yesterday"], "is not a date"),
        (["--since", "2026-03-02", "--until", "2026-03-01"], "--since must not be after --until"),
    ],
)
def test_bad_dates_are_refused_with_a_message_and_write_nothing(args, message):
    visit_with(office=OfficeFactory(), authority=AuthorityFactory(), at=local(date(2026, 3, 1), 10))
    with pytest.raises(CommandError, match=message):
        rebuild(*args)
    assert not DailyOfficeUsage.objects.exists()
