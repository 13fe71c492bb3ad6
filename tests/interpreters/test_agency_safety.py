"""Issue 14, items 6 and 7: what an agency's configuration may reach and what its answers may store."""

import json
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from interpreters.backends import PermanentAgencyError, get_backend
from interpreters.models import AgencyBackend, BookingStatus
from interpreters.services import agency_callback_signature, booking_dispatch_step, booking_request
from tests.factories import LanguageNeedFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory

S = BookingStatus
SECRET = "agency-webhook-secret"


@pytest.fixture
def arabic_visit(db, office):
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


def http_row(**backend_settings):
    return AgencyFactory(slug="x", backend=AgencyBackend.HTTP_JSON, backend_settings=backend_settings)


# --- item 6: secrets and base URLs --------------------------------------------------------------------


def test_an_agency_cannot_send_a_server_secret_as_its_bearer_token(arabic_visit, officer, http_agency, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "the-server-secret")
    row, server = http_agency("alfa")
    row.backend_settings["api_key_env"] = "DJANGO_SECRET_KEY"
    row.save()
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="phone")
    booking_dispatch_step(booking_id=booking.pk)
    [arrival] = server.booking_arrivals()
    assert "Authorization" not in arrival.headers
    assert "the-server-secret" not in json.dumps(arrival.headers)


def test_an_agency_token_comes_from_a_tolkdesk_agency_variable(arabic_visit, officer, http_agency, monkeypatch):
    monkeypatch.setenv("TOLKDESK_AGENCY_ALFA_TOKEN", "agency-token")
    row, server = http_agency("alfa")
    row.backend_settings["api_key_env"] = "TOLKDESK_AGENCY_ALFA_TOKEN"
    row.save()
    booking = booking_dispatch_step(
        booking_id=booking_request(visit=arabic_visit, requested_by=officer, modality="phone").pk
    )
    assert booking.action == "accepted"
    assert server.booking_arrivals()[0].headers["Authorization"] == "Bearer agency-token"


def test_the_webhook_secret_is_only_read_from_a_tolkdesk_agency_variable(client, visit, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", SECRET)
    row = AgencyFactory(
        slug="beta",
        backend=AgencyBackend.HTTP_JSON,
        backend_settings={"base_url": "https://agency.example", "webhook_secret_env": "DJANGO_SECRET_KEY"},
    )
    booking = BookingFactory(visit=visit, agency=row, status=S.PENDING)
    body = json.dumps({"event_id": "e1", "type": "confirmed", "booking_id": str(booking.idempotency_key)}).encode()
    ts = str(int(time.time()))
    sig = agency_callback_signature(secret=SECRET.encode(), timestamp=ts, body=body)
    response = client.post(
        reverse("api-agency-callback", args=["beta"]),
        data=body,
        content_type="application/json",
        HTTP_X_TOLKDESK_TIMESTAMP=ts,
        HTTP_X_TOLKDESK_SIGNATURE=f"sha256={sig}",
    )
    assert response.status_code == 401
    booking.refresh_from_db()
    assert booking.status == S.PENDING


@pytest.mark.parametrize(
    "base_url",
    ["http://agency.example", "ftp://agency.example", "javascript:alert(1)", "https://user:pw@agency.example", ""],
)
def test_the_backend_refuses_a_base_url_that_is_not_https_before_any_request(db, base_url):
    backend = get_backend(http_row(base_url=base_url))
    booking = BookingFactory(agency=backend.agency, status=S.PENDING, agency_reference="R-1")
    with pytest.raises(PermanentAgencyError):
        backend.status(booking)


def test_plain_http_to_this_machine_is_refused_when_the_setting_does_not_allow_it(db, http_agency, settings):
    row, server = http_agency("alfa")
    settings.TOLKDESK_AGENCY_HTTP_HOSTS = []
    booking = BookingFactory(agency=row, status=S.PENDING, agency_reference="R-1")
    with pytest.raises(PermanentAgencyError):
        get_backend(row).status(booking)
    assert server.arrivals == []


def test_production_allows_no_plain_http_agency():
    from config.settings import base

    assert base.TOLKDESK_AGENCY_HTTP_HOSTS == []


def test_a_redirect_from_the_agency_is_not_followed(arabic_visit, officer, http_agency, fake_agencies):
    elsewhere = fake_agencies()
    _row, server = http_agency("alfa", script=[f"redirect:{elsewhere.base_url}/bookings"])
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="phone")
    booking_dispatch_step(booking_id=booking.pk)
    assert len(server.booking_arrivals()) == 1
    assert elsewhere.arrivals == []
    booking.refresh_from_db()
    assert booking.status != S.PENDING  # not booked anywhere


@pytest.mark.parametrize(
    ("backend_settings", "bad"),
    [
        ({"base_url": "https://agency.example", "api_key_env": "DJANGO_SECRET_KEY"}, "api_key_env"),
        ({"base_url": "https://agency.example", "webhook_secret_env": "DATABASE_URL"}, "webhook_secret_env"),
        ({"base_url": "http://agency.example"}, "https://"),
        ({}, "base URL"),
    ],
)
def test_the_admin_refuses_agency_settings_that_reach_outside_the_allow_list(db, backend_settings, bad):
    row = AgencyFactory.build(slug="x", name="X", backend=AgencyBackend.HTTP_JSON, backend_settings=backend_settings)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert bad in " ".join(exc.value.message_dict["backend_settings"])


def test_the_admin_accepts_an_https_agency_with_allow_listed_secret_names(db):
    row = AgencyFactory.build(
        slug="x",
        name="X",
        backend=AgencyBackend.HTTP_JSON,
        backend_settings={
            "base_url": "https://agency.example/api",
            "api_key_env": "TOLKDESK_AGENCY_X_TOKEN",
            "webhook_secret_env": "TOLKDESK_AGENCY_X_WEBHOOK",
        },
    )
    row.full_clean()


def test_the_admin_page_shows_the_refusal(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.post(
        reverse("admin:interpreters_interpreteragency_add"),
        {
            "name": "Evil",
            "slug": "evil",
            "backend": "http_json",
            "priority": 1,
            "active": "on",
            "backend_settings": json.dumps({"base_url": "https://evil.example", "api_key_env": "DJANGO_SECRET_KEY"}),
            "modalities": "[]",
            "languages": "[]",
            "rankings-TOTAL_FORMS": 0,
            "rankings-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "TOLKDESK_AGENCY_" in response.content.decode()
    from interpreters.models import InterpreterAgency

    assert not InterpreterAgency.objects.filter(slug="evil").exists()


# --- item 7: connection details from agency answers -----------------------------------------------------


@pytest.mark.parametrize(
    "connection",
    [{"url": "javascript:alert(document.cookie)"}, {"url": "http://video.example/r"}, {"phone": "not a number"}],
)
def test_a_bad_connection_detail_in_a_book_answer_is_not_stored(
    arabic_visit, officer, http_agency, connection, fake_agencies
):
    _row, server = http_agency("alfa", confirm_immediately=True)
    server.connection = connection
    booking = booking_request(visit=arabic_visit, requested_by=officer, modality="video")
    assert booking_dispatch_step(booking_id=booking.pk).action == "confirmed"
    booking.refresh_from_db()
    assert booking.connection_url == "" and str(booking.connection_phone or "") == ""


def test_a_javascript_link_in_a_webhook_is_refused(client, monkeypatch, http_agency, visit):
    monkeypatch.setenv("TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET", SECRET)
    row, _server = http_agency("alfa")
    booking = BookingFactory(visit=visit, agency=row, status=S.PENDING, agency_reference="FA-1")
    body = json.dumps(
        {
            "event_id": "e1",
            "type": "confirmed",
            "booking_id": str(booking.idempotency_key),
            "connection": {"url": "javascript:alert(1)"},
        }
    ).encode()
    ts = str(int(time.time()))
    sig = agency_callback_signature(secret=SECRET.encode(), timestamp=ts, body=body)
    response = client.post(
        reverse("api-agency-callback", args=["alfa"]),
        data=body,
        content_type="application/json",
        HTTP_X_TOLKDESK_TIMESTAMP=ts,
        HTTP_X_TOLKDESK_SIGNATURE=f"sha256={sig}",
    )
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.connection_url == "" and booking.status == S.PENDING


def test_the_admin_refuses_a_javascript_video_link(db):
    booking = BookingFactory(status=S.CONFIRMED)
    booking.connection_url = "javascript:alert(1)"
    with pytest.raises(ValidationError) as exc:
        booking.full_clean()
    assert "connection_url" in exc.value.message_dict


def test_a_stored_javascript_link_is_never_rendered_or_served(client, officer, visit):
    booking = BookingFactory(visit=visit, status=S.CONFIRMED, modality="video")
    type(booking).objects.filter(pk=booking.pk).update(connection_url="javascript:alert(1)")
    client.force_login(officer)
    page = client.get(f"/visits/{visit.pk}/")
    assert page.status_code == 200
    assert "javascript:" not in page.content.decode()
    api = client.get(f"/api/v1/bookings/{booking.pk}/")
    assert api.status_code == 200
    assert "javascript:" not in api.content.decode()
