"""The workload measures worked out by hand on five visits (issue 12): wait and service times per
group, visits that left before service, cost per visit and what closing the gap would cost."""

from datetime import timedelta

import pytest

from interpreters.models import BookingStatus
from tests.factories import AuthorityFactory, OfficeFactory
from tests.visits.reports.data import DAY, B, local, visit_with
from visits.models import VisitStatus
from visits.reports.selectors import UsageQuery, usage_report
from visits.reports.services import usage_rollups_rebuild

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
