"""The workload measures worked out by hand on five visits (issue 12): wait and service times per
group, visits that left before service, cost per visit and what closing the gap would cost."""

from datetime import timedelta

import pytest

from interpreters.models import BookingStatus
from tests.factories import AuthorityFactory, OfficeFactory
from tests.visits.reports.data import DAY, B, local, visit_with
from visits.models import VisitStatus
from visits.reports.measures import WAIT_BUCKETS, derive, is_staffing_outlier, is_wait_outlier
from visits.reports.selectors import UsageQuery, usage_report
from visits.reports.services import usage_rollups_rebuild
from visits.services import staffing_day_set

pytestmark = pytest.mark.django_db


def timed(visit, *, wait_min, service_min):
    visit.started_at = visit.checked_in_at + timedelta(minutes=wait_min)
    visit.ended_at = visit.started_at + timedelta(minutes=service_min)
    visit.save(update_fields=["started_at", "ended_at"])


@pytest.fixture
def five_visits():
    office, authority = OfficeFactory(), AuthorityFactory()

    def make(hour, **kwargs):
        return visit_with(office=office, authority=authority, at=local(DAY, hour), **kwargs)

    timed(make(9), wait_min=4, service_min=10)  # no need
    timed(make(10), wait_min=20, service_min=20)  # no need
    used = make(11, need=("ar", "yes"), outcome=True, bookings=(B(BookingStatus.COMPLETED, connect_s=60,
                                                                     minutes=30, cost_ore=50_000),))  # fmt: skip
    timed(used, wait_min=30, service_min=40)  # interpreted
    timed(make(12, need=("ar", "yes"), outcome="none_available"), wait_min=2, service_min=15)  # need, gap
    left = make(13, need=("so", "yes"))
    left.status, left.started_at = VisitStatus.LEFT, None
    left.save(update_fields=["status", "started_at"])
    usage_rollups_rebuild(since=DAY, until=DAY)


@pytest.mark.parametrize("source", ["rollup", "raw"])
def test_wait_and_service_times_follow_the_definitions(five_visits, source):
    (row,) = usage_report(UsageQuery(DAY, DAY), source=source)
    m = row.measures
    # Waits 2, 4, 20, 30 min -> buckets 120, 300, 1200, 1800 s; nearest rank 2 of 4 and 4 of 4.
    assert (m.wait_median_s, m.wait_p90_s) == (300, 1800)
    # Services 10, 15, 20, 40 min -> buckets 600, 900, 1200, 2700 s.
    assert (m.service_median_s, m.service_p90_s) == (900, 2700)
    assert m.left_before_service == 1
    groups = m.times_by_group
    assert (groups["interpreted"]["served"], groups["need"]["served"], groups["none"]["served"]) == (1, 1, 2)
    assert groups["none"]["service_mean_s"] == 900 and groups["interpreted"]["service_mean_s"] == 2400
    # An interpreted visit took 40 min, one without a need 15 min on average: 25 extra minutes.
    assert m.extra_service_minutes_interpreted == pytest.approx(25.0)


@pytest.mark.parametrize("source", ["rollup", "raw"])
def test_cost_per_visit_and_the_cost_of_closing_the_gap(five_visits, source):
    (row,) = usage_report(UsageQuery(DAY, DAY), source=source)
    m = row.measures
    assert (m.visits, m.cost_ore, m.wanted, m.wanted_used, m.gap) == (5, 50_000, 3, 1, 2)
    assert m.cost_per_visit_ore == 10_000
    # Two unmet wants at the slice's 50,000 öre per interpreted visit.
    assert m.gap_cost_ore == 100_000


def test_booking_slices_carry_no_visit_time_measures(five_visits):
    (row,) = usage_report(UsageQuery(DAY, DAY, modality="phone"))
    assert row.measures.wait_median_s is None and row.measures.times_by_group is None


@pytest.fixture
def staffed_days():
    """Office A: 4 visits of 30 min on a day with 8 officer hours, 2 on a day without staffing.
    Office B: no visits on a day with 4 officer hours."""
    a, b, authority = OfficeFactory(), OfficeFactory(), AuthorityFactory()
    staffed, unstaffed = DAY, DAY + timedelta(days=1)
    for hour in (8, 9, 10, 11):
        visit_with(office=a, authority=authority, at=local(staffed, hour))  # served 29 min
    for hour in (8, 9):
        visit_with(office=a, authority=authority, at=local(unstaffed, hour))
    staffing_day_set(office=a, day=staffed, officer_hours="8", by=None)
    staffing_day_set(office=b, day=staffed, officer_hours="4", by=None)
    usage_rollups_rebuild(since=staffed, until=unstaffed)
    return a, b


@pytest.mark.parametrize("source", ["rollup", "raw"])
def test_visits_per_officer_hour_count_only_staffed_days(staffed_days, source):
    a, b = staffed_days
    rows = {r.group: r.measures for r in usage_report(UsageQuery(DAY, DAY + timedelta(days=1), group_by="office"),
                                                      source=source)}  # fmt: skip
    assert rows[a.pk].officer_hours == 8 and rows[a.pk].visits == 6
    assert rows[a.pk].visits_per_officer_hour == pytest.approx(4 / 8)  # the unstaffed day's 2 visits stay out
    assert rows[a.pk].served_minutes_per_officer_hour == pytest.approx(4 * 29 / 8)
    # A staffed day without visits still counts its hours.
    assert rows[b.pk].officer_hours == 4 and rows[b.pk].visits_per_officer_hour == 0


@pytest.mark.parametrize("source", ["rollup", "raw"])
def test_officer_hours_are_null_when_sliced_narrower_than_an_office(staffed_days, source):
    (row,) = usage_report(UsageQuery(DAY, DAY, group_by="language"), source=source)
    assert row.measures.officer_hours is None and row.measures.visits_per_officer_hour is None
    (total,) = usage_report(UsageQuery(DAY, DAY), source=source)
    assert total.measures.officer_hours == 12


def test_changing_staffing_marks_the_day_and_the_refresh_picks_it_up(staffed_days):
    from visits.reports.services import usage_dirty_days_refresh

    a, _b = staffed_days
    staffing_day_set(office=a, day=DAY, officer_hours="2", by=None)
    usage_dirty_days_refresh()
    rows = {r.group: r.measures for r in usage_report(UsageQuery(DAY, DAY, group_by="office"))}
    assert rows[a.pk].officer_hours == 2 and rows[a.pk].visits_per_officer_hour == 2


def staffing_measures(*, visits, officer_hours, waits_at_bucket=None):
    counters = {"visits": visits, "staffed_visits": visits, "officer_minutes": officer_hours * 60,
                "staffed_service_s": 0}  # fmt: skip
    if waits_at_bucket is not None:
        bucket, count = waits_at_bucket
        counters[WAIT_BUCKETS["none"][bucket]] = count
    return derive(counters)


@pytest.mark.parametrize(
    ("visits", "hours", "outlier"),
    [(100, 100, False), (66, 100, True), (67, 100, False), (150, 100, False), (151, 100, True), (1, 7, False)],
)
def test_visits_per_officer_hour_outside_two_thirds_to_three_halves_of_national_is_an_outlier(visits, hours, outlier):
    national = staffing_measures(visits=1000, officer_hours=1000)
    assert is_staffing_outlier(staffing_measures(visits=visits, officer_hours=hours), national) is outlier


@pytest.mark.parametrize(
    ("bucket", "count", "outlier"),
    [(3, 20, True), (2, 20, False), (3, 19, False)],  # bucket 3 = 600 s, 2 = 300 s; the country's median 300 s
)
def test_a_median_wait_twice_the_countrys_over_20_waits_is_an_outlier(bucket, count, outlier):
    national = staffing_measures(visits=1000, officer_hours=1000, waits_at_bucket=(2, 500))
    office = staffing_measures(visits=count, officer_hours=10, waits_at_bucket=(bucket, count))
    assert is_wait_outlier(office, national) is outlier
