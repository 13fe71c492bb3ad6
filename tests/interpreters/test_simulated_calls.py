"""The demo agencies play calls to the end: minutes, cost, no-shows and corrected requisitions."""

import pytest

from interpreters.backends.simulated import call_plan
from interpreters.models import BookingStatus, Requisition
from interpreters.services import booking_dispatch_step, booking_request
from tests.factories import LanguageNeedFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, RankingFactory, seed_price_lists

S = BookingStatus


def playing_agency(**extra):
    agency = AgencyFactory(
        backend_settings={
            "book_latency_seconds": 0,
            "failure_rate": 0,
            "confirm_after_seconds": 0,
            "play_through": True,
            "seconds_per_call_minute": 0,
            **extra,
        }
    )
    RankingFactory(agency=agency, county="C", rank=1)
    return agency


def run_call(office, officer, django_capture_on_commit_callbacks):
    seed_price_lists()
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    # Tasks run eagerly in tests: the agency's whole play-through happens inside the dispatch.
    with django_capture_on_commit_callbacks(execute=True):
        booking_dispatch_step(booking_id=booking.pk)
    booking.refresh_from_db()
    return booking


def test_a_simulated_call_ends_with_minutes_cost_and_a_requisition(
    db, office, officer, django_capture_on_commit_callbacks
):
    playing_agency(no_show_rate=0, correction_rate=0)
    booking = run_call(office, officer, django_capture_on_commit_callbacks)
    assert booking.status == S.COMPLETED
    assert 3 <= booking.minutes_used <= 120 and booking.cost_reported_ore > 0
    requisition = Requisition.objects.get(booking=booking)
    assert requisition.status == "reported" and requisition.reported_minutes == booking.minutes_used
    assert requisition.reported_end > requisition.reported_start


def test_a_simulated_agency_may_send_a_corrected_requisition(db, office, officer, django_capture_on_commit_callbacks):
    playing_agency(no_show_rate=0, correction_rate=1)
    booking = run_call(office, officer, django_capture_on_commit_callbacks)
    rows = list(Requisition.objects.filter(booking=booking).order_by("pk").values_list("status", "corrected"))
    assert rows == [("replaced", False), ("reported", True)]


def test_a_simulated_agency_may_report_a_no_show(db, office, officer, django_capture_on_commit_callbacks):
    playing_agency(no_show_rate=1)
    booking = run_call(office, officer, django_capture_on_commit_callbacks)
    assert booking.status == S.NO_SHOW and not Requisition.objects.exists()


def test_call_lengths_are_mostly_ten_to_forty_minutes(db):
    plans = [call_plan(BookingFactory.build(), no_show_rate=0, correction_rate=0) for _ in range(400)]
    share = sum(10 <= plan.minutes <= 40 for plan in plans) / len(plans)
    assert share > 0.75
    assert all(3 <= plan.minutes <= 120 for plan in plans)


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_the_plan_is_the_same_every_time_it_is_asked_for(db, rate):
    booking = BookingFactory.build()
    first = call_plan(booking, no_show_rate=rate, correction_rate=rate)
    assert call_plan(booking, no_show_rate=rate, correction_rate=rate) == first
