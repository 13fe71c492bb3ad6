"""Coalesced rollup refresh: writes mark their office-day dirty in their own transaction and send no
task; one periodic task recomputes each dirty office-day once."""

from datetime import timedelta

import pytest
from django.conf import settings

from config.celery import app
from interpreters.desk.services import visit_outcome_record
from interpreters.models import BookingStatus, Modality
from interpreters.services.bookings import booking_request, booking_transition
from tests.factories import AuthorityFactory, OfficeFactory
from tests.interpreters.factories import AgencyFactory, RankingFactory
from tests.visits.reports.data import DAY, local, visit_with
from visits.hooks import office_day_changed
from visits.models import County, UsageDirtyDay, VisitStatus
from visits.reports import services
from visits.reports.models import DailyOfficeUsage, MonthlyOfficeUsage
from visits.reports.services import usage_dirty_days_claim, usage_dirty_days_refresh
from visits.services import (
    LanguageNeedInput,
    language_need_record,
    visit_check_in,
    visit_set_status,
)


@pytest.fixture
def office_and_authority(db):
    return OfficeFactory(), AuthorityFactory()


def marks() -> list[tuple[int, object]]:
    return sorted(UsageDirtyDay.objects.values_list("office_id", "day"))


def test_every_desk_write_marks_its_office_day_once_and_sends_no_task(
    office_and_authority, django_capture_on_commit_callbacks
):
    office, authority = office_and_authority
    with django_capture_on_commit_callbacks() as callbacks:
        visit = visit_check_in(office=office, authority=authority, checked_in_by=None, now=local(DAY, 9))
        language_need_record(visit=visit, need=LanguageNeedInput(language="ar"), recorded_by=None)
        visit_set_status(visit=visit, status=VisitStatus.IN_SERVICE, by=None, now=local(DAY, 9, 5))
        visit_outcome_record(visit=visit, interpreter_used=False, reason_not_used="relative", recorded_by=None)
    assert callbacks == []
    assert marks() == [(office.pk, DAY)]


def test_booking_writes_mark_the_visits_office_day(db):
    office, authority = OfficeFactory(county=County.UPPSALA), AuthorityFactory()
    RankingFactory(agency=AgencyFactory(), county=County.UPPSALA, rank=1)
    visit = visit_with(office=office, authority=authority, at=local(DAY, 9), need=("ar", "yes"))
    visit.status = VisitStatus.IN_SERVICE
    visit.save(update_fields=["status"])
    booking = booking_request(visit=visit, requested_by=None, modality=Modality.PHONE, now=local(DAY, 9, 5))
    assert marks() == [(office.pk, DAY)]

    UsageDirtyDay.objects.all().delete()
    booking_transition(booking=booking, to_status=BookingStatus.PENDING, source="worker", now=local(DAY, 9, 6))
    assert marks() == [(office.pk, DAY)]


def test_the_refresh_recomputes_each_dirty_office_day_once_and_clears_the_marks(office_and_authority, monkeypatch):
    office, authority = office_and_authority
    other = OfficeFactory()
    for at in (local(DAY, 9), local(DAY, 10), local(DAY, 11)):
        visit_check_in(office=office, authority=authority, checked_in_by=None, now=at)
    visit_check_in(office=other, authority=authority, checked_in_by=None, now=local(DAY + timedelta(days=1), 9))
    refreshed = []
    real = services.usage_rollups_refresh_offices
    monkeypatch.setattr(services, "usage_rollups_refresh_offices", lambda **kw: refreshed.append(kw) or real(**kw))

    assert usage_dirty_days_refresh() == 2
    assert sorted((r["day"], r["office_ids"]) for r in refreshed) == [
        (DAY, [office.pk]),
        (DAY + timedelta(days=1), [other.pk]),
    ]
    assert DailyOfficeUsage.objects.get(office=office, day=DAY).visits == 3
    assert marks() == []
    assert usage_dirty_days_refresh() == 0  # nothing dirty: nothing recomputed


def test_the_offices_dirty_on_one_day_are_recomputed_in_one_pass(office_and_authority, monkeypatch):
    """One pass per day, not per office-day (issue 16): the SQL of ~140 counters is built once, and
    every office's rows come out as their own refresh would write them."""
    office, authority = office_and_authority
    others = [OfficeFactory() for _ in range(3)]
    for n, at_office in enumerate([office, *others]):
        for hour in range(9, 10 + n):
            visit_check_in(office=at_office, authority=authority, checked_in_by=None, now=local(DAY, hour))
    visit_check_in(office=office, authority=authority, checked_in_by=None, now=local(DAY + timedelta(days=1), 9))
    passes = []
    real = services.usage_rollups_refresh_offices
    monkeypatch.setattr(services, "usage_rollups_refresh_offices", lambda **kw: passes.append(kw) or real(**kw))

    assert usage_dirty_days_refresh() == 5
    assert [(p["day"], sorted(p["office_ids"])) for p in passes] == [
        (DAY, sorted(o.pk for o in [office, *others])),
        (DAY + timedelta(days=1), [office.pk]),
    ]
    visits = dict(DailyOfficeUsage.objects.filter(day=DAY).values_list("office_id", "visits"))
    assert visits == {at_office.pk: n + 1 for n, at_office in enumerate([office, *others])}
    assert DailyOfficeUsage.objects.get(office=office, day=DAY + timedelta(days=1)).visits == 1
    monthly = dict(MonthlyOfficeUsage.objects.filter(month=DAY.replace(day=1)).values_list("office_id", "visits"))
    assert monthly == {office.pk: 2, **{at_office.pk: n + 2 for n, at_office in enumerate(others)}}


def test_a_write_after_the_claim_leaves_a_mark_for_the_next_run(office_and_authority):
    office, authority = office_and_authority
    visit_check_in(office=office, authority=authority, checked_in_by=None, now=local(DAY, 9))
    assert usage_dirty_days_claim(limit=10) == [(office.pk, DAY)]
    # A check-in commits between the claim and the recompute: its mark is new, not swallowed.
    visit_check_in(office=office, authority=authority, checked_in_by=None, now=local(DAY, 10))
    assert marks() == [(office.pk, DAY)]
    assert usage_dirty_days_refresh() == 1
    assert DailyOfficeUsage.objects.get(office=office, day=DAY).visits == 2


def test_a_failed_recompute_puts_the_unfinished_marks_back(office_and_authority, monkeypatch):
    office, _authority = office_and_authority
    office_day_changed(office_id=office.pk, day=DAY)
    office_day_changed(office_id=office.pk, day=DAY + timedelta(days=1))

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "usage_rollups_refresh_offices", broken)
    with pytest.raises(RuntimeError):
        usage_dirty_days_refresh()
    assert marks() == [(office.pk, DAY), (office.pk, DAY + timedelta(days=1))]


def test_the_claim_takes_the_oldest_marks_first_up_to_its_limit(office_and_authority):
    office, _authority = office_and_authority
    for offset in range(3):
        office_day_changed(office_id=office.pk, day=DAY + timedelta(days=offset))
    assert usage_dirty_days_claim(limit=2) == [(office.pk, DAY), (office.pk, DAY + timedelta(days=1))]
    assert marks() == [(office.pk, DAY + timedelta(days=2))]


def test_the_dirty_refresh_runs_every_minute_as_a_registered_acks_late_task():
    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["usage-rollups-dirty"]
    assert entry["schedule"] <= 60
    assert app.tasks[entry["task"]].acks_late
