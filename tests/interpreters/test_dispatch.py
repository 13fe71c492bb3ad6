"""Dispatch against real HTTP agencies on 127.0.0.1: retry with backoff, fallback, failure, idempotency."""

import datetime as dt
import threading
import time

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from interpreters.backends import get_backend
from interpreters.models import AgencyCallback, BookingStatus, InterpreterBooking
from interpreters.selectors import agencies_for
from interpreters.services import booking_cancel, booking_dispatch_step, booking_request
from interpreters.services.agency import backoff_seconds
from interpreters.tasks import booking_dispatch_step_task
from tests.factories import LanguageNeedFactory, OfficeFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, InterpreterFactory, RankingFactory
from visits.models import OfficeMembership, StaffRole
from visits.reports.models import DailyBookingUsage
from visits.reports.services import usage_dirty_days_refresh

S = BookingStatus


def later(seconds: float = 3600) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


@pytest.fixture
def arabic_visit(db, office):
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


def kinds(booking):
    return [(e.from_status, e.to_status, e.detail.get("kind", "")) for e in booking.events.order_by("at", "pk")]


def test_agency_receives_the_booking_with_the_idempotency_key(arabic_visit, officer, http_agency):
    row, server = http_agency("alfa")
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="phone")
    outcome = booking_dispatch_step(booking_id=booking.pk)
    assert outcome.action == "accepted"
    booking.refresh_from_db()
    [arrival] = server.booking_arrivals()
    assert arrival.idempotency_key == str(booking.idempotency_key)
    assert arrival.body["language"] == "ar" and arrival.body["modality"] == "phone"
    assert booking.status == S.PENDING and booking.agency == row
    assert booking.agency_reference == server.bookings[str(booking.idempotency_key)]["reference"]
    assert kinds(booking) == [("", S.REQUESTED, ""), (S.REQUESTED, S.PENDING, ""), (S.PENDING, S.PENDING, "accepted")]


def test_agency_that_confirms_at_once_gives_connection_details(arabic_visit, officer, http_agency):
    http_agency("alfa", confirm_immediately=True)
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="phone")
    assert booking_dispatch_step(booking_id=booking.pk).action == "confirmed"
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert str(booking.connection_phone) == "+46101112233"
    assert booking.interpreter_name == "Leyla Karimi" and booking.interpreter_competence == "auktoriserad"


def test_5xx_and_timeouts_are_retried_with_backoff_at_the_same_agency(arabic_visit, officer, http_agency, settings):
    settings.BOOKING_AGENCY_MAX_ATTEMPTS = 3
    _row, server = http_agency("alfa", script=["503", "timeout"], timeout_sleep=1.0)
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="video")
    first = booking_dispatch_step(booking_id=booking.pk)
    assert first.action == "retry" and first.retry_in is not None and "503" in first.detail
    # Not yet due: a re-delivered task may not jump the backoff.
    assert booking_dispatch_step(booking_id=booking.pk).action == "noop"
    second = booking_dispatch_step(booking_id=booking.pk, now=later())
    assert second.action == "retry" and "timeout" in second.detail
    assert booking_dispatch_step(booking_id=booking.pk, now=later(7200)).action == "accepted"
    booking.refresh_from_db()
    assert booking.attempts == 3 and booking.status == S.PENDING
    keys = {a.idempotency_key for a in server.booking_arrivals()}
    assert keys == {str(booking.idempotency_key)} and len(server.booking_arrivals()) == 3
    assert len(server.bookings) == 1
    assert [k for *_, k in kinds(booking)].count("retry") == 2


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling(settings):
    settings.BOOKING_RETRY_BASE_SECONDS = 2
    settings.BOOKING_RETRY_MAX_SECONDS = 30
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 30), (9, 30)]:
        samples = [backoff_seconds(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= s <= ceiling for s in samples)
        assert max(samples) - min(samples) > ceiling / 10  # jittered, not fixed


def test_chain_follows_county_ranking_then_priority(db):
    unranked_first = AgencyFactory(slug="unranked", priority=1)
    second = AgencyFactory(slug="ranked-2", priority=50)
    first = AgencyFactory(slug="ranked-1", priority=90)
    AgencyFactory(slug="no-arabic", priority=0, languages=["so"])
    AgencyFactory(slug="inactive", priority=0, active=False)
    RankingFactory(agency=first, county="C", rank=1)
    RankingFactory(agency=second, county="C", rank=2)
    RankingFactory(agency=unranked_first, county="AB", rank=1)
    assert [a.slug for a in agencies_for(language="ar", county="C")] == ["ranked-1", "ranked-2", "unranked"]
    assert [a.slug for a in agencies_for(language="ar", county="AB")][0] == "unranked"
    assert [a.slug for a in agencies_for(language="ar-IQ", modality="phone")] == ["unranked", "ranked-2", "ranked-1"]


def test_falls_back_through_the_chain_and_fails_with_the_reason(db, officer, http_agency, settings):
    settings.BOOKING_AGENCY_MAX_ATTEMPTS = 2
    office = OfficeFactory(county="C")
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    _a, server_a = http_agency("ranked-1", priority=9, rank=1, script=["422"])
    _b, server_b = http_agency("ranked-2", priority=8, rank=2, script=["500", "500"])
    _c, server_c = http_agency("unranked", priority=1, script=["404"])
    booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    # 422 at ranked-1: permanent, straight on to ranked-2, which fails transiently.
    assert booking_dispatch_step(booking_id=booking.pk).action == "retry"
    booking.refresh_from_db()
    assert booking.agency.slug == "ranked-2"
    # Second 500 at ranked-2 exhausts its attempts; unranked answers 404: nobody left.
    assert booking_dispatch_step(booking_id=booking.pk, now=later()).action == "failed"
    booking.refresh_from_db()
    assert booking.status == S.FAILED and booking.failed_at is not None
    assert "ranked-1, ranked-2, unranked" in booking.failure_reason and "404" in booking.failure_reason
    assert (len(server_a.booking_arrivals()), len(server_b.booking_arrivals()), len(server_c.booking_arrivals())) == (
        1,
        2,
        1,
    )
    fallbacks = [e.detail for e in booking.events.all() if e.detail.get("kind") == "fallback"]
    assert [(f["from"], f["to"]) for f in fallbacks] == [("ranked-1", "ranked-2"), ("ranked-2", "unranked")]
    assert booking.events.last().to_status == S.FAILED


def test_fallback_lands_on_the_next_agency_that_books(arabic_visit, officer, http_agency):
    http_agency("alfa", rank=1, script=["400"])
    beta, server_b = http_agency("beta", rank=2)
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="phone")
    assert booking_dispatch_step(booking_id=booking.pk).action == "accepted"
    usage_dirty_days_refresh()
    booking.refresh_from_db()
    assert booking.agency == beta and len(server_b.bookings) == 1 and booking.agency_attempts == 1
    # The reports' per-agency counts follow the move.
    assert list(DailyBookingUsage.objects.values_list("agency", "bookings")) == [(beta.pk, 1)]


def test_a_booking_waiting_at_the_fallback_agency_is_counted_there(arabic_visit, officer, http_agency):
    alfa, _server_a = http_agency("alfa", rank=1, script=["503", "400"])
    beta, _server_b = http_agency("beta", rank=2, script=["503"])
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="phone")
    assert booking_dispatch_step(booking_id=booking.pk).action == "retry"
    usage_dirty_days_refresh()
    assert list(DailyBookingUsage.objects.values_list("agency", "bookings")) == [(alfa.pk, 1)]
    # Refused at alfa, moved to beta, which asks for a retry: no status change, still counted at beta.
    assert booking_dispatch_step(booking_id=booking.pk, now=later()).action == "retry"
    usage_dirty_days_refresh()
    booking.refresh_from_db()
    assert booking.agency == beta and booking.status == S.PENDING
    assert list(DailyBookingUsage.objects.values_list("agency", "bookings")) == [(beta.pk, 1)]


def test_running_the_same_dispatch_task_twice_books_once(arabic_visit, officer, http_agency):
    _row, server = http_agency("alfa")
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="phone")
    assert booking_dispatch_step_task.apply(args=[booking.pk]).get() == "accepted"
    assert booking_dispatch_step_task.apply(args=[booking.pk]).get() == "noop"
    assert booking_dispatch_step(booking_id=booking.pk, now=later()).action == "noop"
    assert len(server.booking_arrivals()) == 1
    booking.refresh_from_db()
    assert [e.to_status for e in booking.events.all()].count(S.PENDING) == 2  # the move + "accepted"


def test_a_redispatch_after_a_lost_worker_resends_the_same_key_and_the_agency_books_once(
    arabic_visit, officer, http_agency
):
    _row, server = http_agency("alfa")
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="phone")
    backend = get_backend(_row)
    # The first worker reached the agency, then died before recording the answer.
    backend.book(booking)
    InterpreterBooking.objects.filter(pk=booking.pk).update(status=S.PENDING, agency=_row)
    assert booking_dispatch_step(booking_id=booking.pk).action == "accepted"
    assert len(server.booking_arrivals()) == 2 and len(server.bookings) == 1
    booking.refresh_from_db()
    assert booking.agency_reference == server.bookings[str(booking.idempotency_key)]["reference"]


@pytest.mark.django_db(transaction=True)
def test_cancel_during_the_agency_call_is_passed_on_to_the_agency(http_agency):
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a database shared between connections")
    _row, server = http_agency("alfa", script=["hold"], read_timeout=10)
    visit = VisitFactory(office=OfficeFactory())
    booking = BookingFactory(visit=visit)  # committed; dispatched below, in another thread
    outcome: list = []

    def dispatch():
        try:
            outcome.append(booking_dispatch_step(booking_id=booking.pk))
        finally:
            connections.close_all()

    thread = threading.Thread(target=dispatch)
    thread.start()
    deadline = time.time() + 10
    while not server.booking_arrivals() and time.time() < deadline:
        time.sleep(0.02)
    assert server.booking_arrivals(), "the agency call never started"
    booking_cancel(booking=InterpreterBooking.objects.get(pk=booking.pk), by=None)
    server.hold.set()
    thread.join(10)
    assert outcome[0].action == "noop"
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED
    assert [b["status"] for b in server.bookings.values()] == ["cancelled"]


def test_simulated_agency_confirms_through_the_callback_path_with_a_matching_interpreter(
    arabic_visit, officer, agency, django_capture_on_commit_callbacks
):
    InterpreterFactory(agency=agency, name="Omar (utbildad)", competence="utbildad")
    wished = InterpreterFactory(agency=agency, name="Huda (auktoriserad)", competence="auktoriserad", gender="female")
    InterpreterFactory(agency=agency, name="Sami (rättstolk)", competence="rattstolk", modalities=["video"])
    booking = booking_request(
        visit=arabic_visit, requested_by=officer, modality="phone", competence_wished="auktoriserad"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the outbox relays the callbacks after commit
        booking_dispatch_step_task.apply(args=[booking.pk])  # eager: the simulated confirmation runs at once
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert booking.interpreter == wished and booking.interpreter_name == "Huda (auktoriserad)"
    assert str(booking.connection_phone).startswith("+4610")
    assert AgencyCallback.objects.filter(agency=agency, event_id=f"sim-{booking.idempotency_key}-confirmed").exists()
    assert booking.events.last().source == f"agency:{agency.slug}"


def test_simulated_agency_failure_rate_is_a_transient_error(arabic_visit, officer, agency):
    agency.backend_settings = {"book_latency_seconds": 0, "failure_rate": 1.0}
    agency.save()
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="video")
    outcome = booking_dispatch_step(booking_id=booking.pk)
    assert outcome.action == "retry" and "simulated" in outcome.detail


def test_simulated_latency_is_applied(arabic_visit, officer, agency):
    agency.backend_settings = {"book_latency_seconds": 0.3, "confirm_after_seconds": 0}
    agency.save()
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="video")
    start = time.monotonic()
    booking_dispatch_step(booking_id=booking.pk)
    assert time.monotonic() - start >= 0.3


def test_when_every_agency_fails_the_officer_sees_the_failed_booking_and_why(
    db, officer, http_agency, settings, client, django_capture_on_commit_callbacks
):
    settings.BOOKING_AGENCY_MAX_ATTEMPTS = 1
    visit = VisitFactory(office=OfficeFactory(county="C"))
    LanguageNeedFactory(visit=visit, language="ar")
    OfficeMembership.objects.create(user=officer, office=visit.office, role=StaffRole.OFFICER)
    _a, server_a = http_agency("ranked-1", rank=1, script=["503"])
    _b, server_b = http_agency("ranked-2", rank=2, script=["timeout"], timeout_sleep=1.0)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the dispatch runs on commit
        clicked = client.post(
            reverse("interpreters:visit-booking-request", args=[visit.pk]),
            {"modality": "phone"},
            HTTP_X_REQUESTED_WITH="fetch",
        )
    assert clicked.status_code == 200
    assert (len(server_a.booking_arrivals()), len(server_b.booking_arrivals())) == (1, 1)
    client.cookies["django_language"] = "en"
    shown = client.get(reverse("interpreters:visit-booking-status", args=[visit.pk])).json()["booking"]
    assert shown["status"] == S.FAILED and shown["active"] is False
    assert "ranked-1, ranked-2" in shown["failure_reason"] and "timeout" in shown["failure_reason"]
    assert InterpreterBooking.objects.get(visit=visit).failure_reason == shown["failure_reason"]


def test_a_message_queued_under_the_old_dispatch_name_still_books(arabic_visit, officer, http_agency):
    _row, server = http_agency("alfa")
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="phone")
    # What a worker does with a message named "interpreters.booking_dispatch": look it up, run it.
    assert app.tasks["interpreters.booking_dispatch"].apply(args=[booking.pk]).get() == "accepted"
    assert len(server.booking_arrivals()) == 1
    booking.refresh_from_db()
    assert booking.status == "pending" or booking.status == "confirmed"
    # The new name finds it done: the same service, guarded on the booking's state.
    assert app.tasks["interpreters.booking_dispatch_step"].apply(args=[booking.pk]).get() == "noop"
