"""The error pages look like the site, speak the user's language and offer a way back."""

import logging

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from config.log_filters import ClientErrorsWithoutTraceback
from tests.factories import UserFactory


@pytest.mark.parametrize(("lang", "text"), [("sv", "Sidan finns inte"), ("en", "Page not found")])
def test_404_is_the_styled_page_in_the_users_language(client, db, lang, text):
    client.cookies["django_language"] = lang
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert text in body and 'class="site-header"' in body and "<main" in body
    assert 'href="/"' in body  # the way back


def test_403_is_the_styled_page_with_the_reason(client, visit_of_other_role):
    visit, receptionist = visit_of_other_role
    client.force_login(receptionist)
    response = client.post(reverse("interpreters:visit-start", args=[visit.pk]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "<main" in body and "<header" in body and "403" in body


@pytest.fixture
def visit_of_other_role(office, receptionist):
    from tests.factories import VisitFactory

    return VisitFactory(office=office), receptionist


def test_500_page_renders_without_the_database(rf):
    from django.views import defaults

    response = defaults.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "<main" in response.content.decode()


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=2)
def test_a_locked_out_login_says_when_to_try_again(db):
    UserFactory(username="kim")
    client = Client()
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "kim", "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "15" in body and "<main" in body and reverse("login") in body


def test_an_ordinary_403_is_logged_without_a_traceback():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden", None, None)
    try:
        raise PermissionError("no")
    except PermissionError:
        import sys

        record.exc_info = sys.exc_info()
    record.status_code = 403
    ClientErrorsWithoutTraceback().filter(record)
    assert record.exc_info is None
    record.status_code = 500
    record.exc_info = (None, None, None)
    ClientErrorsWithoutTraceback().filter(record)
    assert record.exc_info == (None, None, None)
