"""The demo agencies play calls to the end: minutes, cost, no-shows and corrected requisitions."""

import datetime as dt

import pytest

from config.outbox.models import OutboxMessage
from config.outbox.services import outbox_relay
from interpreters.backends.simulated import call_plan
from interpreters.models import AgencyCallback, BookingStatus, Requisition
from interpreters.services import agency_planned_event_play, booking_dispatch_step, booking_request
from interpreters.tasks import simulated_agency_event
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


# --- the simulated agency is an adapter: it plans, the acceptance's transaction schedules -----------


def test_the_simulated_agency_plans_its_callbacks_and_sends_nothing_itself(db, office, officer):
    from interpreters.backends import get_backend

    agency = playing_agency(no_show_rate=0, correction_rate=1, confirm_after_seconds=4, seconds_per_call_minute=2)
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    plan = call_plan(booking, no_show_rate=0, correction_rate=1)
    planned = get_backend(agency).planned_events(booking)
    end = 4 + 5 + plan.minutes * 2
    assert [(p.type, p.after_seconds) for p in planned] == [
        ("confirmed", 4),
        ("started", 9),
        ("ended", end),
        ("requisition_corrected", end + 10),
    ]
    assert not OutboxMessage.objects.filter(task="interpreters.simulated_agency_event").exists()


def test_an_acceptance_writes_the_planned_callbacks_to_the_outbox_due_at_their_times(
    db, office, officer, django_capture_on_commit_callbacks
):
    agency = playing_agency(no_show_rate=1, confirm_after_seconds=30, start_after_seconds=60)
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    with django_capture_on_commit_callbacks():  # recorded, not run: the rows stay in the outbox
        assert booking_dispatch_step(booking_id=booking.pk).action == "accepted"
    accepted_at = booking.events.get(detail__kind="accepted").at
    rows = OutboxMessage.objects.filter(task="interpreters.simulated_agency_event").order_by("pk")
    assert [(r.args, r.kwargs, (r.available_at - accepted_at).total_seconds()) for r in rows] == [
        ([booking.pk, "confirmed"], {"agency_id": agency.pk}, 30),
        ([booking.pk, "no_show"], {"agency_id": agency.pk}, 90),
    ]
    # Not due yet: the relay leaves them where they are.
    assert outbox_relay(ids=[r.pk for r in rows], now=accepted_at + dt.timedelta(seconds=29)).sent == 0
    assert rows.count() == 2
    booking.refresh_from_db()
    assert booking.status == S.PENDING


def test_a_planned_callback_plays_through_the_webhook_service_once(db, office, officer):
    agency = playing_agency(no_show_rate=0, correction_rate=0)
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    booking = BookingFactory(visit=visit, agency=agency, status=S.PENDING, agency_reference="SIM-X")
    assert simulated_agency_event.apply(args=[booking.pk, "confirmed"], kwargs={"agency_id": agency.pk}).get()
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert AgencyCallback.objects.filter(event_id=f"sim-{booking.idempotency_key}-confirmed").count() == 1
    assert simulated_agency_event.apply(args=[booking.pk, "confirmed"], kwargs={"agency_id": agency.pk}).get() is False


def test_a_callback_planned_by_an_agency_the_booking_has_left_is_not_played(db, office, officer):
    first = playing_agency()
    second = AgencyFactory(backend_settings=first.backend_settings)
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    booking = BookingFactory(visit=visit, agency=second, status=S.PENDING, agency_reference="SIM-Y")
    assert agency_planned_event_play(booking_id=booking.pk, event_type="confirmed", agency_id=first.pk) is False
    booking.refresh_from_db()
    assert booking.status == S.PENDING and not AgencyCallback.objects.exists()
