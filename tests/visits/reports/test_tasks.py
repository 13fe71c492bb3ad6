"""The beat task recomputes the recent days and writes exactly what the rebuild command writes."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from interpreters.models import BookingStatus
from tests.factories import AuthorityFactory, OfficeFactory
from tests.interpreters.factories import AgencyFactory
from tests.visits.reports.data import B, local, visit_with
from tests.visits.reports.test_services import ROLLUPS, snapshot
from visits.models import Office
from visits.reports.models import DailyOfficeUsage
from visits.reports.tasks import usage_rollup_refresh_task, usage_rollups_refresh_recent_task


@pytest.fixture
def recent(db):
    """Visits today, yesterday and a week ago at two offices, with bookings."""
    today = timezone.localdate()
    authority, agency = AuthorityFactory(), AgencyFactory()
    S = BookingStatus
    for office in (OfficeFactory(), OfficeFactory()):
        for back in (0, 1, 7):
            visit_with(office=office, authority=authority, at=local(today - timedelta(days=back), 8),
                       need=("ar", "yes"), outcome=True,
                       bookings=(B(S.COMPLETED, agency, connect_s=50, minutes=12, cost_ore=32800),))  # fmt: skip
            visit_with(office=office, authority=authority, at=local(today - timedelta(days=back), 8, 30))
    return today


def test_the_beat_task_rebuilds_today_and_yesterday_like_the_rebuild_command(recent):
    today = recent
    assert usage_rollups_refresh_recent_task.delay(2).get() == 2
    by_beat = snapshot()
    assert sorted(set(DailyOfficeUsage.objects.values_list("day", flat=True))) == [today - timedelta(days=1), today]

    for model in ROLLUPS:
        model.objects.all().delete()
    yesterday = (today - timedelta(days=1)).isoformat()
    out = io.StringIO()
    call_command("rebuild_usage_rollups", since=yesterday, until=today.isoformat(), stdout=out)
    assert out.getvalue().strip() == "Rebuilt usage rollups for 2 days."
    assert snapshot() == by_beat
    assert sorted(DailyOfficeUsage.objects.filter(day=today).values_list("visits", "wanted_used")) == [(2, 1), (2, 1)]


def test_the_beat_task_without_recent_visits_writes_nothing(db):
    assert usage_rollups_refresh_recent_task.delay(2).get() == 0
    assert not DailyOfficeUsage.objects.exists()


def test_the_refresh_task_takes_an_iso_day_and_is_idempotent(recent):
    office_id = Office.objects.order_by("pk").values_list("pk", flat=True)[0]
    usage_rollup_refresh_task.delay(office_id, recent.isoformat()).get()
    first = snapshot()
    usage_rollup_refresh_task.delay(office_id, recent.isoformat()).get()
    assert snapshot() == first
    row = DailyOfficeUsage.objects.get()
    assert (row.day, row.visits, row.wanted_used, row.minutes) == (recent, 2, 1, 12)


def test_both_schedules_name_a_registered_acks_late_task():
    app.loader.import_default_modules()
    for key in ("usage-rollups-recent", "usage-rollups-nightly"):
        task = app.tasks[settings.CELERY_BEAT_SCHEDULE[key]["task"]]
        assert task.acks_late
    assert settings.CELERY_BEAT_SCHEDULE["usage-rollups-nightly"]["args"] == (35,)
