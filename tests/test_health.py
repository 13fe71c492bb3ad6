"""/healthz and /readyz: unauthenticated probes that say only what is up or failing."""

import datetime as dt
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.utils import timezone

from config.outbox.models import Heartbeat


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.fixture
def alive(db):
    now = timezone.now()
    Heartbeat.objects.create(name="worker", at=now)
    Heartbeat.objects.create(name="beat", at=now)


def test_healthz_answers_without_touching_the_database(anonymous):
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("down")):
        response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_every_part_is(anonymous, alive):
    response = anonymous.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "parts": {"database": "ok", "broker": "ok", "worker": "ok", "beat": "ok"},
    }


def test_readyz_names_a_stale_worker_and_a_missing_beat(anonymous, db):
    Heartbeat.objects.create(name="worker", at=timezone.now() - dt.timedelta(minutes=10))
    response = anonymous.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["beat", "worker"]
    assert body["parts"] == {"database": "ok", "broker": "ok", "worker": "stale", "beat": "unavailable"}
    assert response["Retry-After"].isdigit()


def test_readyz_names_the_database_when_it_is_down(anonymous, alive):
    with mock.patch("config.health.connection.cursor", side_effect=OperationalError("secret host detail")):
        response = anonymous.get("/readyz")
    assert response.status_code == 503
    assert "database" in response.json()["failing"]
    assert b"secret host detail" not in response.content


def test_readyz_names_the_broker_when_it_is_down(anonymous, alive, tmp_path):
    from django.conf import settings

    from tests.servers import celery_broker, free_port

    with celery_broker(f"redis://127.0.0.1:{free_port()}/0", settings.REDIS_BROKER_TRANSPORT_OPTIONS):
        response = anonymous.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert b"127.0.0.1" not in response.content


@pytest.mark.parametrize("path", ["/healthz/", "/readyz/"])
def test_the_probes_have_no_trailing_slash(anonymous, db, path):
    assert anonymous.get(path).status_code == 404


def test_the_probes_only_answer_get(anonymous, db):
    assert anonymous.post("/healthz").status_code == 405
