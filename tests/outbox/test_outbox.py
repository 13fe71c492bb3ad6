"""The transactional outbox: tasks are rows written in the business transaction, relayed to the
broker after commit, deleted only once the broker took them; a broker that is down or frozen never
fails or blocks the request that wrote them."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from config.outbox.models import OutboxMessage
from config.outbox.services import outbox_enqueue, outbox_relay
from config.outbox.tasks import outbox_relay_task
from interpreters.models import BookingStatus, InterpreterBooking
from interpreters.services import booking_request
from tests.factories import AuthorityFactory, MembershipFactory, OfficeFactory, UserFactory
from tests.interpreters.factories import AgencyFactory, RankingFactory
from tests.servers import FrozenServer, PrivateRedis, celery_broker, free_port
from visits.models import StaffRole, Visit


@pytest.fixture
def visit(db):
    from tests.factories import LanguageNeedFactory, VisitFactory

    visit = VisitFactory()
    agency = AgencyFactory(slug="first", priority=1)
    RankingFactory(agency=agency, county=visit.office.county, rank=1)
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


def test_a_rolled_back_transaction_leaves_no_outbox_row(visit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                booking_request(visit=visit, requested_by=None, modality="phone")
                assert OutboxMessage.objects.filter(task="interpreters.booking_dispatch_step").exists()
                raise RuntimeError("the view failed after the service call")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert not InterpreterBooking.objects.exists()


def test_a_booking_click_writes_its_dispatch_in_the_same_transaction_and_relays_it_after_commit(
    visit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        booking = booking_request(visit=visit, requested_by=None, modality="phone")
    rows = {row.task: row for row in OutboxMessage.objects.all()}
    assert rows["interpreters.booking_dispatch_step"].args == [booking.pk]
    assert len(callbacks) == len(rows)  # one after-commit relay per row
    with django_capture_on_commit_callbacks(execute=True):  # eager in tests: relaying runs the tasks
        for callback in callbacks:
            callback()
    assert not OutboxMessage.objects.exists()
    booking.refresh_from_db()
    assert booking.status != BookingStatus.REQUESTED


def test_arguments_json_cannot_hold_are_refused_before_a_row_is_written(db):
    with pytest.raises(TypeError):
        outbox_enqueue(task="interpreters.booking_dispatch_step", args=[object()])
    assert not OutboxMessage.objects.exists()


# --- Real broker: a private redis-server on a spare port -------------------------------------------


@pytest.fixture
def redis_down(tmp_path):
    """A private Redis that is not running yet (its port is free): the broker is down."""
    server = PrivateRedis(tmp_path)
    with celery_broker(server.url, settings.REDIS_BROKER_TRANSPORT_OPTIONS):
        yield server
    server.stop()


@pytest.fixture
def desk(db):
    office = OfficeFactory()
    agency = AgencyFactory(slug="first", priority=1)
    RankingFactory(agency=agency, county=office.county, rank=1)
    officer = UserFactory(username="desk-officer")
    receptionist = UserFactory(username="desk-reception")
    MembershipFactory(user=officer, office=office, role=StaffRole.OFFICER)
    MembershipFactory(user=receptionist, office=office, role=StaffRole.RECEPTIONIST)
    return office, officer, receptionist


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_check_in_and_booking_answer_2xx_and_the_relay_delivers_when_it_returns(desk, redis_down):
    office, officer, receptionist = desk
    started = time.monotonic()
    checked_in = _api(receptionist).post(
        "/api/v1/visits/",
        {
            "office": office.pk,
            "authority": AuthorityFactory().code,
            "language_need": {"language": "ar", "interpreter_wanted": "yes"},
        },
        format="json",
    )
    assert checked_in.status_code == 201, checked_in.content
    visit = Visit.objects.get(pk=checked_in.json()["id"])
    booked = _api(officer).post("/api/v1/bookings/", {"visit": visit.pk, "modality": "phone"}, format="json")
    assert booked.status_code == 201, booked.content
    assert time.monotonic() - started < 10  # two requests, each bounded by the publish timeout
    booking = InterpreterBooking.objects.get()
    assert booking.status == BookingStatus.REQUESTED
    waiting = OutboxMessage.objects.filter(task="interpreters.booking_dispatch_step", args=[booking.pk])
    assert waiting.count() == 1 and waiting.get().attempts == 1 and waiting.get().last_error

    assert outbox_relay(now=waiting.get().available_at).sent == 0  # still down: the row stays
    assert waiting.exists()

    redis_down.start()
    result = outbox_relay(now=waiting.get().available_at)
    assert result.failed == 0 and result.sent >= 1
    assert not OutboxMessage.objects.exists()
    assert redis_down.llen() == result.sent  # every row became exactly one message


@pytest.mark.django_db(transaction=True)
def test_a_frozen_broker_does_not_hold_the_booking_click(desk, tmp_path):
    office, officer, _ = desk
    frozen = FrozenServer()
    try:
        from tests.factories import LanguageNeedFactory, VisitFactory

        visit = VisitFactory(office=office)
        LanguageNeedFactory(visit=visit, language="ar")
        with celery_broker(f"redis://127.0.0.1:{frozen.port}/0", settings.REDIS_BROKER_TRANSPORT_OPTIONS):
            started = time.monotonic()
            booked = _api(officer).post("/api/v1/bookings/", {"visit": visit.pk, "modality": "phone"}, format="json")
            elapsed = time.monotonic() - started
    finally:
        frozen.close()
    assert booked.status_code == 201
    assert elapsed < 8, f"the request waited {elapsed:.1f}s on a frozen broker"
    assert OutboxMessage.objects.filter(task="interpreters.booking_dispatch_step").count() == 1


@pytest.mark.django_db(transaction=True)
def test_rows_asking_for_the_same_work_are_sent_once_per_relay_run(tmp_path):
    server = PrivateRedis(tmp_path, port=free_port())
    with celery_broker(server.url, settings.REDIS_BROKER_TRANSPORT_OPTIONS):
        for _ in range(5):  # broker down: each after-commit relay fails and leaves its row
            outbox_enqueue(
                task="reports.usage_rollup_refresh", args=[1, "2026-01-05"], dedupe_key="rollup:1:2026-01-05"
            )
        outbox_enqueue(task="reports.usage_rollup_refresh", args=[2, "2026-01-05"], dedupe_key="rollup:2:2026-01-05")
        assert OutboxMessage.objects.count() == 6
        server.start()
        try:
            later = max(OutboxMessage.objects.values_list("available_at", flat=True))
            result = outbox_relay(now=later)
            assert (result.sent, result.collapsed) == (2, 4)
            assert server.llen() == 2
            assert not OutboxMessage.objects.exists()
        finally:
            server.stop()


@pytest.mark.django_db(transaction=True)
def test_a_row_another_relay_has_claimed_is_not_sent_twice(tmp_path):
    server = PrivateRedis(tmp_path).start()
    try:
        with celery_broker(server.url, settings.REDIS_BROKER_TRANSPORT_OPTIONS):
            with transaction.atomic():  # written, not yet relayed
                row = outbox_enqueue(task="interpreters.booking_dispatch_step", args=[1])
                # A second relay took it first: its lease pushed available_at forward.
                OutboxMessage.objects.filter(pk=row.pk).update(available_at=row.available_at.replace(year=2100))
            assert outbox_relay().sent == 0
            assert server.llen() == 0
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_a_row_for_later_stays_in_the_outbox_until_it_is_due_then_is_sent_once(tmp_path):
    server = PrivateRedis(tmp_path).start()
    try:
        with celery_broker(server.url, settings.REDIS_BROKER_TRANSPORT_OPTIONS):
            now = timezone.now()
            row = outbox_enqueue(
                task="interpreters.simulated_agency_event",
                args=[1, "confirmed"],
                not_before=now + timedelta(seconds=60),
                now=now,
            )
            assert row.available_at == now + timedelta(seconds=60)
            assert outbox_relay(now=now + timedelta(seconds=59)).sent == 0
            assert server.llen() == 0 and OutboxMessage.objects.filter(pk=row.pk).exists()
            assert outbox_relay(now=now + timedelta(seconds=60)).sent == 1
            assert server.llen() == 1 and not OutboxMessage.objects.exists()
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_when_the_broker_is_back_the_beat_relay_sends_rows_still_backing_off_at_once(tmp_path):
    server = PrivateRedis(tmp_path)
    with celery_broker(server.url, settings.REDIS_BROKER_TRANSPORT_OPTIONS):
        for booking_id in (1, 2, 3):  # broker down: each after-commit publish fails, the row backs off
            outbox_enqueue(task="interpreters.booking_dispatch_step", args=[booking_id])
        backing_off = OutboxMessage.objects.exclude(last_error="")
        assert backing_off.count() == 3
        backing_off.update(available_at=timezone.now() + timedelta(seconds=30))  # deep in the backoff
        later = outbox_enqueue(
            task="interpreters.simulated_agency_event",
            args=[1, "confirmed"],
            not_before=timezone.now() + timedelta(seconds=300),
        )
        assert outbox_relay_task() == 0  # still down: nothing sent, nothing woken
        assert backing_off.count() == 3
        server.start()
        try:
            assert outbox_relay_task() == 3  # at once, not 30 s later
            assert server.llen() == 3
            assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [later.pk]  # not due: stays
        finally:
            server.stop()
