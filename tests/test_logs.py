"""Logs: JSON lines in production, the request id on every line and carried into the tasks a
request enqueues (through the outbox row), and no personal data."""

import json
import logging
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from config.logs import JsonFormatter, RequestIdFilter
from config.outbox.models import OutboxMessage
from config.outbox.workerhooks import _task_request_id, _task_request_id_clear
from config.requestid import current_request_id
from interpreters.models import InterpreterBooking
from tests.factories import AuthorityFactory, MembershipFactory, OfficeFactory, UserFactory
from tests.interpreters.factories import AgencyFactory, RankingFactory
from visits.models import StaffRole, Visit

PLANTED_NAME = "Planted Visitorname Zqx"
PLANTED_PHONE = "070-987 65 43"


@pytest.fixture
def desk(db):
    office = OfficeFactory()
    agency = AgencyFactory(slug="first", priority=1)
    RankingFactory(agency=agency, county=office.county, rank=1)
    user = UserFactory(username="log-officer")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICER)
    MembershipFactory(user=user, office=office, role=StaffRole.RECEPTIONIST)
    client = APIClient()
    client.force_authenticate(user)
    return office, client


def test_a_request_logs_no_personal_data_and_its_tasks_carry_its_request_id(
    desk, caplog, django_capture_on_commit_callbacks, settings
):
    office, client = desk
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RequestIdFilter())  # as the console handler does, at emit time
    logging.getLogger("tolkdesk.request").setLevel(logging.INFO)
    with django_capture_on_commit_callbacks() as callbacks:
        checked_in = client.post(
            "/api/v1/visits/",
            {
                "office": office.pk,
                "authority": AuthorityFactory().code,
                "visitor_name": PLANTED_NAME,
                "visitor_phone": PLANTED_PHONE,
                "language_need": {"language": "ar", "interpreter_wanted": "yes"},
            },
            format="json",
            HTTP_X_REQUEST_ID="req-checkin-0001",
        )
        visit = Visit.objects.get(pk=checked_in.json()["id"])
        booked = client.post(
            "/api/v1/bookings/",
            {"visit": visit.pk, "modality": "phone"},
            format="json",
            HTTP_X_REQUEST_ID="req-book-0001",
        )
        # A search by the visitor's name: the URL holds it, the log must not.
        client.get("/api/v1/visits/", {"search": PLANTED_NAME})
    assert checked_in.status_code == 201 and booked.status_code == 201
    assert booked["X-Request-ID"] == "req-book-0001"
    booking = InterpreterBooking.objects.get()
    row = OutboxMessage.objects.get(task="interpreters.booking_dispatch_step", args=[booking.pk])
    assert row.request_id == "req-book-0001"
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()  # the relay, then (eager) the tasks, with their own log lines

    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    text = "\n".join(lines)
    requests = [json.loads(line) for line in lines if json.loads(line)["logger"] == "tolkdesk.request"]
    assert {"view": "api-bookings", "status": 201, "request_id": "req-book-0001"}.items() <= requests[1].items()
    for secret in (PLANTED_NAME, "Planted", "Zqx", PLANTED_PHONE, "987 65 43", "+46709876543"):
        assert secret not in text
        assert secret not in caplog.text


def test_a_task_runs_under_the_request_id_of_the_request_that_enqueued_it():
    task = SimpleNamespace(request=SimpleNamespace(request_id="req-book-0001", headers=None))
    _task_request_id(task=task)
    try:
        assert current_request_id.get() == "req-book-0001"
    finally:
        _task_request_id_clear()
    assert current_request_id.get() == ""


def test_json_lines_carry_level_logger_message_and_request_id():
    token = current_request_id.set("req-abc-12345")
    try:
        record = logging.makeLogRecord(
            {"name": "tolkdesk.x", "levelname": "INFO", "msg": "booking %s sent", "args": (7,)}
        )
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        current_request_id.reset(token)
    assert line["message"] == "booking 7 sent"
    assert (line["level"], line["logger"], line["request_id"]) == ("INFO", "tolkdesk.x", "req-abc-12345")


def test_a_malformed_request_id_from_the_client_is_replaced(db, client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\r\nwith spaces")
    assert response["X-Request-ID"] != "bad id\r\nwith spaces"
    assert len(response["X-Request-ID"]) == 32
