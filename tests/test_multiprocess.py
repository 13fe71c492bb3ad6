"""The whole system as several processes: 2 gunicorn instances (two ports, nothing in front), 2
Celery workers, 1 beat, the database and broker of the environment. Steady check-ins and booking
clicks; one web instance and one worker are SIGKILLed mid-traffic and restarted. Afterwards: no
5xx, every booking the web answered for is confirmed at the agency, none is booked twice.

Heavy (about two minutes on two cores): it runs only where TOLKDESK_MULTIPROCESS=1, on PostgreSQL —
CI's PostgreSQL pass, with Redis and again with RabbitMQ (.ci/run)."""

import os
import signal
import time

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from config.outbox.models import OutboxMessage
from interpreters.models import AgencyBackend, BookingStatus, InterpreterBooking
from tests.factories import AuthorityFactory, MembershipFactory, OfficeFactory, UserFactory
from tests.interpreters.factories import AgencyFactory, RankingFactory
from tests.interpreters.fake_agency import FakeAgency
from tests.interpreters.worker import BrokerSetup, Worker, database_url_for_current_connection, wait_for
from tests.servers import Web, beat_process, free_port, login
from visits.models import StaffRole

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(os.environ.get("TOLKDESK_MULTIPROCESS") != "1", reason="set TOLKDESK_MULTIPROCESS=1"),
]
PASSWORD = "correct horse battery staple"
FAST = {
    "TOLKDESK_BOOKING_STUCK_AFTER_SECONDS": "5",
    "TOLKDESK_BOOKING_SWEEP_INTERVAL_SECONDS": "2",
    "TOLKDESK_OUTBOX_RELAY_INTERVAL_SECONDS": "2",
    "TOLKDESK_LOG_LEVEL": "WARNING",
}


@pytest.fixture
def agency_server():
    server = FakeAgency(confirm_immediately=True).start()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_killing_a_web_instance_and_a_worker_mid_traffic_loses_and_duplicates_nothing(tmp_path, agency_server):
    if connection.vendor != "postgresql":
        pytest.skip("several processes writing at once: PostgreSQL")
    database_url = database_url_for_current_connection()
    server = agency_server
    office = OfficeFactory()
    agency = AgencyFactory(
        slug="mp-agency",
        backend=AgencyBackend.HTTP_JSON,
        backend_settings={"base_url": server.base_url, "connect_timeout": 1, "read_timeout": 3},
    )
    RankingFactory(agency=agency, county=office.county, rank=1)
    # Hashed with a hasher the web processes' settings know (the suite's MD5 one is test-only).
    user = UserFactory(username="mp-officer")
    type(user).objects.filter(pk=user.pk).update(password=PBKDF2PasswordHasher().encode(PASSWORD, "mpsalt0123456789"))
    for role in (StaffRole.RECEPTIONIST, StaffRole.OFFICER):
        MembershipFactory(user=user, office=office, role=role)
    authority = AuthorityFactory().code

    webs = [
        Web(tmp_path, database_url, free_port(), "web-a", FAST),
        Web(tmp_path, database_url, free_port(), "web-b", FAST),
    ]
    workers: list[Worker] = []
    beat = None
    statuses: list[int] = []
    booked: set[int] = set()
    try:
        with BrokerSetup(tmp_path):
            for web in webs:
                web.start()
            for name in ("worker-1", "worker-2"):
                worker = Worker(run_dir=tmp_path, database_url=database_url, name=name, env=FAST, concurrency=2)
                workers.append(worker)
            for worker in workers:
                worker.wait_ready()
            beat = beat_process(tmp_path, database_url, FAST)
            sessions = {web.name: login(web, "mp-officer", PASSWORD) for web in webs}

            def post(path: str, body: dict, *, retry_elsewhere: bool) -> requests.Response | None:
                order = webs if len(statuses) % 2 == 0 else webs[::-1]
                for web in order:
                    session = sessions[web.name]
                    try:
                        response = session.post(
                            f"{web.url}{path}",
                            json=body,
                            headers={"X-CSRFToken": session.cookies["csrftoken"]},
                            timeout=15,
                        )
                    except requests.ConnectionError as exc:
                        refused = "refused" in str(exc).lower()
                        if refused or retry_elsewhere:
                            continue  # a load balancer would send it to the other instance
                        return None  # cut off mid-request: the outcome is unknown
                    statuses.append(response.status_code)
                    return response
                return None

            started = time.monotonic()
            killed = restarted = False
            while time.monotonic() - started < 30:
                elapsed = time.monotonic() - started
                if elapsed > 8 and not killed:
                    webs[0].kill()
                    workers[0].kill()
                    killed = True
                if elapsed > 16 and not restarted:
                    webs[0].start()
                    sessions[webs[0].name] = login(webs[0], "mp-officer", PASSWORD)
                    workers[0] = Worker(
                        run_dir=tmp_path, database_url=database_url, name="worker-1b", env=FAST, concurrency=2
                    )
                    workers[0].wait_ready()
                    restarted = True
                visit = post(
                    "/api/v1/visits/",
                    {
                        "office": office.pk,
                        "authority": authority,
                        "language_need": {"language": "ar", "interpreter_wanted": "yes"},
                    },
                    retry_elsewhere=False,
                )
                if visit is None or visit.status_code != 201:
                    continue
                # A booking click is safe to repeat (one active booking per visit): retry anywhere.
                booking = post(
                    "/api/v1/bookings/", {"visit": visit.json()["id"], "modality": "phone"}, retry_elsewhere=True
                )
                if booking is not None and booking.status_code in (200, 201):
                    booked.add(booking.json()["id"])

            def all_confirmed() -> bool:
                count = InterpreterBooking.objects.filter(pk__in=booked, status=BookingStatus.CONFIRMED).count()
                return count == len(booked)

            settled = wait_for(all_confirmed, 120, interval=1)
            logs = "\n".join(worker.log() for worker in workers)
    finally:
        for worker in workers:
            worker.stop()
        for web in webs:
            web.stop()
        if beat is not None:
            os.killpg(beat.pid, signal.SIGTERM)
            beat.wait(20)

    assert killed and restarted
    assert len(booked) >= 10, f"too little traffic: {len(booked)} bookings"
    assert not [s for s in statuses if s >= 500], statuses
    waiting = InterpreterBooking.objects.filter(pk__in=booked).exclude(status=BookingStatus.CONFIRMED)
    assert settled, f"not confirmed: {list(waiting.values_list('pk', 'status'))}\n{logs[-3000:]}"
    # Nothing booked twice: one booking per visit, one agency booking per idempotency key.
    bookings = InterpreterBooking.objects.filter(pk__in=booked)
    assert bookings.values("visit_id").distinct().count() == len(booked)
    keys = {str(key) for key in bookings.values_list("idempotency_key", flat=True)}
    assert keys <= set(server.bookings)
    assert len(server.bookings) == InterpreterBooking.objects.exclude(agency_reference="").count()
    assert not OutboxMessage.objects.filter(task="interpreters.booking_dispatch_step").exists()
