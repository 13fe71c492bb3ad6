"""Security round 2 (issue 14): one test at least per audit finding."""

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

from tests.factories import UserFactory


@override_settings(AXES_ENABLED=True)
@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x7f"])
def test_a_failed_login_with_a_control_character_in_the_user_agent_is_recorded(client, db, bad):
    UserFactory(username="reception")
    response = client.post(
        "/login/", {"username": "reception", "password": "wrong"}, HTTP_USER_AGENT=f"Mozilla{bad}/5.0"
    )
    assert response.status_code == 200
    attempt = AccessAttempt.objects.get(username="reception")
    assert attempt.user_agent == "Mozilla/5.0"


@override_settings(AXES_ENABLED=True)
def test_a_login_with_a_nul_in_the_username_is_refused_without_an_error(client, db):
    UserFactory(username="reception")
    response = client.post("/login/", {"username": "recep\x00tion", "password": "wrong"})
    assert response.status_code == 200


# --- item 10: personal-data responses are never stored by a browser or proxy -------------------------


@pytest.fixture
def desk_visit(office):
    from tests.factories import LanguageNeedFactory, VisitFactory

    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/queue/",
        "/officer/",
        "/visits/{pk}/",
        "/visits/{pk}/status.json",
        "/api/v1/visits/",
        "/api/v1/visits/{pk}/",
        "/api/v1/bookings/",
    ],
)
def test_personal_data_pages_and_api_answers_say_no_store(client, officer, receptionist, desk_visit, url):
    client.force_login(officer if "visits/" in url and "api" not in url or url == "/officer/" else receptionist)
    response = client.get(url.format(pk=desk_visit.pk))
    assert response.status_code == 200, url
    assert "no-store" in response["Cache-Control"]


def test_report_exports_say_no_store(client, db):
    client.force_login(UserFactory(username="national", is_superuser=True, is_staff=True))
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/reports/?table=totals&export={fmt}")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
