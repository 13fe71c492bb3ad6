"""A real Celery worker on a real broker is SIGKILLed while it waits on the agency; a new worker
(with beat running the sweeper) finishes the booking, and the agency books exactly once."""

import json
import time

import pytest
from django.db import transaction
from django.urls import reverse

from interpreters.models import AgencyBackend, BookingEvent, BookingStatus
from interpreters.services import agency_callback_signature, booking_request
from tests.factories import LanguageNeedFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, seed_price_lists
from tests.interpreters.worker import BrokerSetup, Worker, database_url_for_current_connection, wait_for

S = BookingStatus
SECRET = "worker-test-secret"


def signed_post(client, slug, payload):
    body = json.dumps(payload).encode()
    ts = str(int(time.time()))
    sig = agency_callback_signature(secret=SECRET.encode(), timestamp=ts, body=body)
    return client.post(
        reverse("api-agency-callback", args=[slug]),
        data=body,
        content_type="application/json",
        HTTP_X_TOLKDESK_TIMESTAMP=ts,
        HTTP_X_TOLKDESK_SIGNATURE=sig,
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_booking_survives_a_killed_worker_and_completes_exactly_once(tmp_path, fake_agencies, client, monkeypatch):
    monkeypatch.setenv("TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET", SECRET)
    database_url = database_url_for_current_connection()
    server = fake_agencies(script=["hold"], hold_max=30)
    agency = AgencyFactory(
        slug="http-agency",
        backend=AgencyBackend.HTTP_JSON,
        backend_settings={
            "base_url": server.base_url,
            "connect_timeout": 1,
            "read_timeout": 3,  # lease = 1 + 3 + 5 s
            "webhook_secret_env": "TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET",
        },
    )
    seed_price_lists()
    visit = VisitFactory(office=OfficeFactory())
    LanguageNeedFactory(visit=visit, language="ar")
    fast_sweeper = {
        "TOLKDESK_BOOKING_STUCK_AFTER_SECONDS": "1",
        "TOLKDESK_BOOKING_SWEEP_INTERVAL_SECONDS": "1",
        "TOLKDESK_BOOKING_RETRY_BASE_SECONDS": "0.2",
    }
    workers: list[Worker] = []
    try:
        with BrokerSetup(tmp_path):
            first = Worker(run_dir=tmp_path, database_url=database_url, name="first", env=fast_sweeper)
            workers.append(first)
            first.wait_ready()
            with transaction.atomic():  # the officer's request: row first, task sent on commit
                booking = booking_request(visit=visit, requested_by=UserFactory(), modality="phone")

            # The worker claimed the booking and is waiting on the agency: kill it there.
            assert wait_for(server.booking_arrivals, 30), first.log()
            first.kill()
            booking.refresh_from_db()
            assert booking.status == S.PENDING and booking.agency_reference == ""
            server.hold.set()  # the agency recovers; the first worker never hears its answer

            second = Worker(run_dir=tmp_path, database_url=database_url, name="second", beat=True, env=fast_sweeper)
            workers.append(second)
            second.wait_ready()
            accepted = wait_for(
                lambda: BookingEvent.objects.filter(booking=booking, detail__kind="accepted").exists(), 40
            )
            assert accepted, second.log()
    finally:
        for worker in workers:
            worker.stop()

    # The agency saw the same idempotency key twice and booked once.
    arrivals = server.booking_arrivals()
    assert len(arrivals) >= 2 and {a.idempotency_key for a in arrivals} == {str(booking.idempotency_key)}
    assert len(server.bookings) == 1
    reference = server.bookings[str(booking.idempotency_key)]["reference"]
    booking.refresh_from_db()
    assert booking.agency_reference == reference and booking.status == S.PENDING

    key = str(booking.idempotency_key)
    interpreter = {"name": "Amal", "competence": "auktoriserad"}
    steps = [
        {"event_id": "c1", "type": "confirmed", "interpreter": interpreter, "connection": {"phone": "+46101112233"}},
        {"event_id": "s1", "type": "started"},
        {"event_id": "e1", "type": "ended", "minutes": 25},
        {"event_id": "e1", "type": "ended", "minutes": 25},  # delivered twice
    ]
    for step in steps:
        response = signed_post(client, agency.slug, {"booking_id": key, "reference": reference, **step})
        assert response.status_code == 200, response.content
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED and booking.minutes_used == 25 and booking.cost_ore
    moves = [(e.from_status, e.to_status) for e in booking.events.all() if e.from_status != e.to_status]
    assert moves == [
        ("", S.REQUESTED),
        (S.REQUESTED, S.PENDING),
        (S.PENDING, S.CONFIRMED),
        (S.CONFIRMED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.COMPLETED),
    ]
    assert [e.detail.get("kind") for e in booking.events.all()].count("accepted") == 1
