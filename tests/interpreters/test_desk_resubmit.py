"""The officer's desk with the Back button, double clicks and two tabs: a resubmitted form writes
nothing new, and an out-of-date page gets a plain message about what happened."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interpreters.models import BookingStatus, InterpreterBooking, Modality
from tests.factories import LanguageNeedFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory
from visits.models import VisitStatus

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
TOKEN = "t" * 32


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, visit, *args):
    return reverse(f"interpreters:{name}", args=[visit.pk, *args])


@pytest.fixture
def in_service(office):
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


@pytest.fixture
def agency(db):
    return AgencyFactory(slug="sim", name="Simulerad", languages=["ar"])


def test_a_resubmitted_end_visit_form_shows_the_ended_visit_instead_of_a_400(in_service, officer):
    client = login(officer)
    data = {"interpreter_used": "no", "reason_not_used": "solved_without", "form_token": TOKEN}
    first = client.post(url("visit-end", in_service), data)
    again = client.post(url("visit-end", in_service), data)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] == url("visit-detail", in_service)
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.DONE


def test_a_second_end_visit_answer_from_another_tab_gets_a_plain_message(in_service, officer):
    client = login(officer)
    data = {"interpreter_used": "no", "reason_not_used": "solved_without"}
    client.post(url("visit-end", in_service), {**data, "form_token": "a" * 32})
    stale = client.post(url("visit-end", in_service), {**data, "form_token": "b" * 32})
    body = stale.content.decode()
    assert stale.status_code == 400
    assert "had already been ended" in body or "redan avslutats" in body
    assert "kan inte gå från" not in body and "cannot go from" not in body


def test_starting_a_visit_another_officer_started_says_so_plainly(in_service, officer):
    response = login(officer).post(url("visit-start", in_service))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Betjänas” till" not in body
    assert "påbörjats" in body or "already been started" in body


def test_a_double_clicked_booking_request_books_once(in_service, officer, agency):
    client = login(officer)
    first = client.post(url("visit-booking-request", in_service), {"modality": "phone", "form_token": TOKEN}, **FETCH)
    again = client.post(url("visit-booking-request", in_service), {"modality": "phone", "form_token": TOKEN}, **FETCH)
    assert first.status_code == again.status_code == 200
    assert InterpreterBooking.objects.filter(visit=in_service).count() == 1
    assert again.json()["booking"]["id"] == first.json()["booking"]["id"]


def test_a_video_request_while_a_phone_request_is_in_flight_says_so(in_service, officer, agency):
    InterpreterBooking.objects.create(
        visit=in_service,
        language="ar",
        modality=Modality.PHONE,
        status=BookingStatus.PENDING,
        requested_at=timezone.now(),
    )
    response = login(officer).post(url("visit-booking-request", in_service), {"modality": "video"}, **FETCH)
    data = response.json()
    assert response.status_code == 200
    assert data["booking"]["modality"] == "phone"
    assert "telefon" in data["message"] or "phone" in data["message"]
    assert InterpreterBooking.objects.filter(visit=in_service).count() == 1


def test_cancelling_a_booking_that_already_ended_says_so_and_shows_the_panel(in_service, officer):
    b = InterpreterBooking.objects.create(
        visit=in_service,
        language="ar",
        modality=Modality.PHONE,
        status=BookingStatus.CANCELLED,
        requested_at=timezone.now(),
    )
    response = login(officer).post(url("visit-booking-cancel", in_service, b.pk), **FETCH)
    data = response.json()
    assert response.status_code == 400
    assert data["html"] is not None and data["errors"]["__all__"][0]["code"] == "stale"
    assert "kan inte gå från" not in data["message"] and "cannot go from" not in data["message"]


@pytest.mark.parametrize("when", ["9999-12-31T10:00", "2999-01-01T10:00"])
def test_a_pre_booking_more_than_a_year_ahead_is_refused_on_its_field(in_service, officer, agency, when):
    response = login(officer).post(
        url("visit-booking-request", in_service), {"modality": "phone", "scheduled_for": when}, **FETCH
    )
    assert response.status_code == 400
    assert "scheduled_for" in response.json()["errors"]
    assert not InterpreterBooking.objects.exists()
