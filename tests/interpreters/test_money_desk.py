"""Money at the officer's desk: the estimate before the click, the fee before cancelling, and the
agency's minutes to confirm (prefilled, one click) or dispute."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interpreters.backends import AgencyEvent
from interpreters.models import BookingStatus, Requisition
from interpreters.services import booking_apply_agency_event
from tests.factories import LanguageNeedFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, seed_price_lists
from visits.models import VisitStatus

S = BookingStatus


@pytest.fixture(autouse=True)
def lists(db):
    return seed_price_lists()


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def in_service(office):
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


def test_the_booking_form_shows_the_estimate_before_the_click(in_service, officer):
    body = login(officer).get(reverse("interpreters:visit-detail", args=[in_service.pk])).content.decode()
    assert 'id="booking-estimate"' in body and "30-minute call now" in body


def test_the_officer_sees_the_fee_and_cancels_with_a_reason(in_service, officer):
    soon = timezone.now() + dt.timedelta(hours=2)
    booking = BookingFactory(
        visit=in_service, agency=AgencyFactory(), status=S.CONFIRMED, scheduled_for=soon, minutes_ordered=60
    )
    page = login(officer).get(reverse("interpreters:visit-detail", args=[in_service.pk])).content.decode()
    assert 'id="cancellation-fee"' in page and "Cancelling now costs" in page and 'value="wrong_language"' in page
    url = reverse("interpreters:visit-booking-cancel", args=[in_service.pk, booking.pk])
    assert login(officer).post(url, {"reason": "wrong_language"}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED and booking.cancel_reason == "wrong_language"
    assert booking.cancellation_fee_ore > 8500  # within 48 working hours: the full ordered price


def completed(visit):
    booking = BookingFactory(visit=visit, agency=AgencyFactory(), status=S.CONFIRMED)
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="started"), source="agency")
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="ended", minutes=23), source="agency")
    return booking


def test_the_officer_confirms_the_reported_minutes_in_one_click(in_service, officer):
    booking = completed(in_service)
    page = login(officer).get(reverse("interpreters:visit-detail", args=[in_service.pk])).content.decode()
    assert "The agency reports 23 minutes" in page and 'value="23"' in page
    url = reverse("interpreters:visit-requisition-decide", args=[in_service.pk, booking.pk])
    assert login(officer).post(url, {"action": "confirm", "minutes": "23"}).status_code == 302
    requisition = Requisition.objects.get(booking=booking)
    assert (requisition.status, requisition.confirmed_minutes) == ("confirmed", 23)
    booking.refresh_from_db()
    assert booking.cost_confirmed_ore == booking.cost_reported_ore > 0


def test_a_dispute_without_a_comment_is_refused_and_a_receptionist_may_not_decide(in_service, officer, receptionist):
    booking = completed(in_service)
    url = reverse("interpreters:visit-requisition-decide", args=[in_service.pk, booking.pk])
    assert login(officer).post(url, {"action": "dispute", "minutes": "10"}).status_code == 400
    assert login(officer).post(url, {"action": "confirm", "minutes": "ten"}).status_code == 400
    assert login(receptionist).post(url, {"action": "confirm"}).status_code == 403
    assert Requisition.objects.get(booking=booking).status == "reported"


def test_a_double_click_on_confirm_the_minutes_shows_the_first_answer_not_an_error(in_service, officer):
    booking = completed(in_service)
    url = reverse("interpreters:visit-requisition-decide", args=[in_service.pk, booking.pk])
    client = login(officer)
    body = {"action": "confirm", "minutes": "23", "form_token": "tok-" + "r" * 28}
    first, again = client.post(url, body), client.post(url, body)
    assert first.status_code == again.status_code in (302, 303)
    assert again["Location"] == first["Location"]
    assert Requisition.objects.get(booking=booking).status == "confirmed"
    # Without the token (an old form) the second answer is still refused plainly, never a 500.
    assert client.post(url, {"action": "confirm", "minutes": "23"}).status_code == 400
