"""Outages of the broker and the database against real processes and PRIVATE servers: a redis-server
on a spare port that the test stops and starts, and a TCP proxy on a spare port in front of the test
database that the test cuts (the shared servers CI's own pass uses are never touched). Each outage
lasts well under 30 seconds.

- Broker down: check-ins and booking clicks answer 2xx at once; when the broker is back, the outbox
  drains by itself (beat's relay on a real worker) and every booking reaches the agency exactly once.
- Database gone (PostgreSQL): a real gunicorn answers 503 with Retry-After (JSON on the API, the styled
  page elsewhere) while the liveness probe stays up; both the web and the worker recover by themselves
  when it returns, and the booking the worker was sending when it vanished is booked once."""

import time

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from rest_framework.test import APIClient

from config.outbox.models import OutboxMessage
from interpreters.models import AgencyBackend, BookingStatus, InterpreterBooking
from tests.factories import AuthorityFactory, MembershipFactory, OfficeFactory, UserFactory
from tests.interpreters.factories import AgencyFactory, RankingFactory
from tests.interpreters.worker import Worker, database_url_for_current_connection, wait_for
from tests.servers import CuttableProxy, PrivateRedis, Web, celery_broker, free_port, login
from visits.models import StaffRole

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
# Beat's relay, the sweeper and the dispatch retries at test speed.
FAST = {
    "TOLKDESK_OUTBOX_RELAY_INTERVAL_SECONDS": "1",
    "TOLKDESK_BOOKING_STUCK_AFTER_SECONDS": "2",
    "TOLKDESK_BOOKING_SWEEP_INTERVAL_SECONDS": "1",
    "TOLKDESK_BOOKING_RETRY_BASE_SECONDS": "0.2",
    "TOLKDESK_LOG_LEVEL": "WARNING",
}


@pytest.fixture
def agency_server(fake_agencies):
    return fake_agencies(confirm_immediately=True)


def desk_with_http_agency(server, *, read_timeout: float = 3):
    office = OfficeFactory()
    agency = AgencyFactory(
        slug="outage-agency",
        backend=AgencyBackend.HTTP_JSON,
        backend_settings={"base_url": server.base_url, "connect_timeout": 1, "read_timeout": read_timeout},
    )
    RankingFactory(agency=agency, county=office.county, rank=1)
    user = UserFactory(username="outage-desk")
    # Hashed with a hasher the web process's settings know (the suite's MD5 one is test-only).
    type(user).objects.filter(pk=user.pk).update(password=PBKDF2PasswordHasher().encode(PASSWORD, "outagesalt012345"))
    for role in (StaffRole.RECEPTIONIST, StaffRole.OFFICER):
        MembershipFactory(user=user, office=office, role=role)
    user.refresh_from_db()
    return office, user


def check_in_body(office, authority: str) -> dict:
    return {
        "office": office.pk,
        "authority": authority,
        "language_need": {"language": "ar", "interpreter_wanted": "yes"},
    }


def test_with_the_broker_down_the_desk_answers_2xx_and_every_booking_reaches_the_agency_once_it_is_back(
    tmp_path, fake_agencies
):
    # The first booking holds the worker at the agency while the broker goes: the worker then has a
    # message it has not acknowledged, the case that made kombu's Redis transport kill the worker
    # (config/kombu_redis.py).
    agency_server = fake_agencies(confirm_immediately=True, script=["hold"], hold_max=20)
    office, user = desk_with_http_agency(agency_server, read_timeout=20)
    authority = AuthorityFactory().code
    api = APIClient()
    api.force_authenticate(user)
    redis = PrivateRedis(tmp_path).start()
    worker = None
    try:
        with celery_broker(redis.url, settings.REDIS_BROKER_TRANSPORT_OPTIONS):
            env = {**FAST, "CELERY_BROKER_URL": redis.url}
            worker = Worker(
                run_dir=tmp_path, database_url=database_url_for_current_connection(), name="w", beat=True, env=env
            )
            worker.wait_ready()
            visit = api.post("/api/v1/visits/", check_in_body(office, authority), format="json")
            held = api.post("/api/v1/bookings/", {"visit": visit.json()["id"], "modality": "phone"}, format="json")
            assert held.status_code == 201, held.content
            assert wait_for(agency_server.booking_arrivals, 30), worker.log()  # the worker waits on the agency

            redis.stop()
            down_at = time.monotonic()
            agency_server.hold.set()  # the task ends while the broker is away: its ack cannot be sent
            slowest, booked = 0.0, [held.json()["id"]]
            for _ in range(3):
                began = time.monotonic()
                visit = api.post("/api/v1/visits/", check_in_body(office, authority), format="json")
                assert visit.status_code == 201, visit.content
                booking = api.post(
                    "/api/v1/bookings/", {"visit": visit.json()["id"], "modality": "phone"}, format="json"
                )
                assert booking.status_code == 201, booking.content
                booked.append(booking.json()["id"])
                slowest = max(slowest, time.monotonic() - began)
            assert slowest < 5, f"a check-in + booking click took {slowest:.1f} s with the broker down"
            waiting = OutboxMessage.objects.filter(task="interpreters.booking_dispatch_step")
            assert waiting.count() == 3  # nothing reached a broker: every dispatch waits as a row
            assert len(agency_server.booking_arrivals()) == 1  # the held one only

            time.sleep(max(0.0, 10 - (time.monotonic() - down_at)))  # a 10-second outage
            redis.start()
            back_at = time.monotonic()

            def delivered() -> bool:
                done = InterpreterBooking.objects.filter(pk__in=booked, status=BookingStatus.CONFIRMED).count()
                return done == len(booked)

            settled = wait_for(delivered, 60, interval=0.5)
            took = time.monotonic() - back_at
            log = worker.log()
            alive = worker.process.poll() is None
    finally:
        if worker is not None:
            worker.stop()
        redis.stop()
    assert alive, f"the worker died during the outage\n{log}"
    assert settled, f"not all bookings confirmed 60 s after the broker returned\n{log}"
    assert took < 60
    keys = set(InterpreterBooking.objects.filter(pk__in=booked).values_list("idempotency_key", flat=True))
    assert {str(key) for key in keys} == set(agency_server.bookings)  # each booked at the agency, once
    assert not OutboxMessage.objects.filter(task="interpreters.booking_dispatch_step").exists()


def test_with_the_database_gone_web_answers_503_and_web_and_worker_recover_by_themselves(tmp_path, fake_agencies):
    if connection.vendor != "postgresql":
        pytest.skip("the database is cut with a TCP proxy in front of PostgreSQL")
    server = fake_agencies(confirm_immediately=True, script=["hold"], hold_max=25)
    office, user = desk_with_http_agency(server, read_timeout=20)
    authority = AuthorityFactory().code
    settings_dict = connection.settings_dict
    proxy = CuttableProxy(settings_dict.get("HOST") or "127.0.0.1", int(settings_dict.get("PORT") or 5432))
    direct = database_url_for_current_connection()
    proxied = direct.replace(f"@{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}/",
                             f"@127.0.0.1:{proxy.port}/")  # fmt: skip
    assert proxied != direct
    redis = PrivateRedis(tmp_path).start()
    env = {**FAST, "CELERY_BROKER_URL": redis.url, "DATABASE_CONN_MAX_AGE": "60"}
    web = Web(tmp_path, proxied, free_port(), "web", env)
    worker = None
    try:
        with celery_broker(redis.url, settings.REDIS_BROKER_TRANSPORT_OPTIONS):
            worker = Worker(run_dir=tmp_path, database_url=proxied, name="w", beat=True, env=env)
            web.start()
            worker.wait_ready()
            session = login(web, "outage-desk", PASSWORD)
            csrf = {"X-CSRFToken": session.cookies["csrftoken"]}

            def post(path: str, body: dict) -> requests.Response:
                return session.post(f"{web.url}{path}", json=body, headers=csrf, timeout=15)

            visit = post("/api/v1/visits/", check_in_body(office, authority))
            assert visit.status_code == 201, visit.text[:500]
            booking = post("/api/v1/bookings/", {"visit": visit.json()["id"], "modality": "phone"})
            assert booking.status_code == 201, booking.text[:500]
            assert wait_for(server.booking_arrivals, 30), worker.log()  # the worker waits on the agency

            proxy.cut()
            cut_at = time.monotonic()
            api = session.get(f"{web.url}/api/v1/visits/", timeout=15)
            assert api.status_code == 503 and api.headers["Retry-After"].isdigit(), api.text[:300]
            assert api.headers["Content-Type"].startswith("application/json") and set(api.json()) == {"detail"}
            page = session.get(f"{web.url}/", timeout=15)
            assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
            assert page.headers["Content-Type"].startswith("text/html") and "tolkdesk.css" in page.text
            refused = post("/api/v1/visits/", check_in_body(office, authority))
            assert refused.status_code == 503 and "detail" in refused.json()
            assert requests.get(f"{web.url}/healthz", timeout=5).status_code == 200
            ready = requests.get(f"{web.url}/readyz", timeout=15)
            assert ready.status_code == 503 and "database" in ready.json()["failing"]
            server.hold.set()  # the agency answers while the worker cannot write it down
            time.sleep(max(0.0, 10 - (time.monotonic() - cut_at)))  # a 10-second outage
            proxy.restore()

            back = wait_for(lambda: session.get(f"{web.url}/api/v1/visits/", timeout=15).status_code == 200, 30)
            assert back, web.log()
            again = post("/api/v1/visits/", check_in_body(office, authority))
            assert again.status_code == 201, again.text[:500]
            booking_id = booking.json()["id"]
            confirmed = wait_for(
                lambda: InterpreterBooking.objects.filter(pk=booking_id, status=BookingStatus.CONFIRMED).exists(),
                90,
                interval=0.5,
            )
            log = worker.log()
    finally:
        if worker is not None:
            worker.stop()
        web.stop()
        proxy.cut()
        redis.stop()
    assert confirmed, f"the worker did not recover\n{log}"
    assert len(server.bookings) == 1  # sent again after the outage under the same key: booked once
