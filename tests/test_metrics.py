"""/metrics: Prometheus text, token-protected (or local-only without a token)."""

import pytest
from django.test import Client

from config.outbox.counters import ops_counter_add
from config.outbox.services import outbox_enqueue
from interpreters.models import BookingStatus
from tests.interpreters.factories import BookingFactory


@pytest.fixture
def local():
    return Client(REMOTE_ADDR="127.0.0.1")


def test_without_a_token_metrics_are_served_to_this_machine_only(db, local, settings):
    settings.TOLKDESK_METRICS_TOKEN = ""
    assert local.get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 404


def test_with_a_token_only_the_bearer_gets_metrics(db, settings):
    settings.TOLKDESK_METRICS_TOKEN = "t0ken-for-tests"
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
    remote = Client(REMOTE_ADDR="10.1.2.3")
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken-for-tests").status_code == 200


def test_metrics_report_bookings_outbox_failures_agency_errors_and_latency_by_view(
    db, local, settings, django_capture_on_commit_callbacks
):
    settings.TOLKDESK_METRICS_TOKEN = ""
    BookingFactory(status=BookingStatus.REQUESTED)
    BookingFactory(status=BookingStatus.REQUESTED)
    outbox_enqueue(task="interpreters.booking_dispatch_step", args=[1])  # not relayed: the test never commits
    ops_counter_add(name="task_failures", label="interpreters.booking_dispatch_step")
    ops_counter_add(name="agency_errors", label="alfa")
    ops_counter_add(name="agency_errors", label="alfa")
    local.get("/healthz")
    body = local.get("/metrics").content.decode()
    assert 'tolkdesk_bookings{status="requested"} 2.0' in body
    assert 'tolkdesk_bookings{status="confirmed"} 0.0' in body
    assert "tolkdesk_oldest_unsent_booking_age_seconds" in body
    assert "tolkdesk_outbox_depth 1.0" in body
    assert 'tolkdesk_task_failures_total{task="interpreters.booking_dispatch_step"} 1.0' in body
    assert 'tolkdesk_agency_errors_total{agency="alfa"} 2.0' in body
    assert 'tolkdesk_request_seconds_count{method="GET",view="healthz"}' in body
