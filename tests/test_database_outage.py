"""Database stopped or restarting: every request answers 503 with Retry-After (JSON on the API, the
styled page elsewhere), never Django's 500, and the next request after it returns works again."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from tests.factories import MembershipFactory, OfficeFactory, UserFactory
from visits.models import StaffRole


@pytest.fixture
def logged_in(db):
    user = UserFactory(username="outage-reception")
    MembershipFactory(user=user, office=OfficeFactory(), role=StaffRole.RECEPTIONIST)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _refuse(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def database_down():
    """Every new query fails the way a stopped PostgreSQL makes it fail (undone before teardown)."""
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", _refuse)


@pytest.mark.parametrize("path", ["/api/v1/visits/", "/api/v1/bookings/", "/api/v1/offices/"])
def test_an_api_request_while_the_database_is_down_gets_a_json_503_with_retry_after(logged_in, path):
    with database_down():
        response = logged_in.get(path)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}


def test_a_check_in_post_while_the_database_is_down_gets_a_json_503(logged_in):
    with database_down():
        response = logged_in.post("/api/v1/visits/", {"office": 1}, content_type="application/json")
    assert response.status_code == 503 and "detail" in response.json()


@pytest.mark.parametrize("path", ["/", "/officer/", "/login/"])
def test_a_page_while_the_database_is_down_gets_the_styled_503_page(logged_in, path):
    with database_down():
        response = logged_in.get(path)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "tolkdesk.css" in body and "Server Error (500)" not in body


def test_any_other_error_is_still_a_500_not_a_503(logged_in):
    with mock.patch("visits.apis.VisitListCreateApi.get", side_effect=ValueError("a bug")):
        response = logged_in.get("/api/v1/visits/")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_after_the_database_returns_the_next_request_works(logged_in):
    with database_down():
        assert logged_in.get("/api/v1/offices/").status_code == 503
    assert logged_in.get("/api/v1/offices/").status_code == 200


def test_the_database_settings_check_a_reused_connection_before_each_request(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
