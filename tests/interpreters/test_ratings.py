"""Ratings after the call: one click in the end-of-visit form, and the booking's rating API."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.desk.services import visit_close
from interpreters.models import BookingEvent, BookingRating, BookingStatus
from interpreters.services.ratings import RatingInput, booking_rate
from tests.factories import OfficeFactory, VisitFactory
from tests.interpreters.factories import BookingFactory
from visits.errors import DomainError
from visits.models import VisitOutcome, VisitStatus

S = BookingStatus


def client_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def serving(office):
    return VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())


@pytest.fixture
def call(serving, agency):
    return BookingFactory(visit=serving, agency=agency, status=S.COMPLETED, started_at=timezone.now())


def url(booking):
    return f"/api/v1/bookings/{booking.pk}/rating/"


def test_an_officer_rates_a_call_and_reads_it_back(officer, call):
    api = client_for(officer)
    response = api.put(url(call), {"stars": 2, "problems": ["poor_sound_video", "late"]}, format="json")
    assert response.status_code == 201, response.content
    # Stored in the list's order, whatever order they came in.
    assert response.json()["problems"] == ["late", "poor_sound_video"]
    assert api.get(url(call)).json()["stars"] == 2
    assert api.get(f"/api/v1/bookings/{call.pk}/").json()["rating"] == {
        "stars": 2,
        "problems": ["late", "poor_sound_video"],
    }
    again = api.put(url(call), {"stars": 5}, format="json")
    assert again.status_code == 200
    rating = BookingRating.objects.get(booking=call)
    assert (rating.stars, rating.problems, rating.rated_by) == (5, [], officer)
    assert BookingEvent.objects.filter(booking=call, detail__kind="rated").count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stars": 0}, "stars"),
        ({"stars": 6}, "stars"),
        ({"stars": -1}, "stars"),
        ({"stars": "five"}, "stars"),
        ({"stars": True}, "stars"),
        ({}, "stars"),
        ({"stars": 3, "problems": ["late"]}, "problems"),
        ({"stars": 5, "problems": ["other"]}, "problems"),
        ({"stars": 1, "problems": ["boring"]}, "problems"),
        ({"stars": 1, "problems": "late"}, "problems"),
        ({"stars": 1, "problems": ["late", "late"]}, "problems"),
        ({"stars": 1, "comment": "x"}, "comment"),
    ],
)
def test_bad_ratings_are_400_on_their_field_and_write_nothing(officer, call, body, field):
    response = client_for(officer).put(url(call), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not BookingRating.objects.exists()


@pytest.mark.parametrize("status", [S.REQUESTED, S.PENDING, S.CONFIRMED, S.CANCELLED, S.FAILED, S.NO_SHOW])
def test_a_call_that_never_started_cannot_be_rated(officer, serving, agency, status):
    booking = BookingFactory(visit=serving, agency=agency, status=status)
    response = client_for(officer).put(url(booking), {"stars": 4}, format="json")
    assert response.status_code == 400
    assert "booking" in response.json()
    assert not BookingRating.objects.exists()
    with pytest.raises(DomainError) as err:
        booking_rate(booking=booking, by=officer, rating=RatingInput(stars=4))
    assert err.value.code == "not_started"


def test_a_receptionist_may_not_rate_and_another_office_is_404(receptionist, officer, call, agency):
    assert client_for(receptionist).put(url(call), {"stars": 4}, format="json").status_code == 403
    elsewhere = BookingFactory(
        visit=VisitFactory(office=OfficeFactory()), agency=agency, status=S.COMPLETED, started_at=timezone.now()
    )
    assert client_for(officer).put(url(elsewhere), {"stars": 4}, format="json").status_code == 404
    assert client_for(officer).get(url(elsewhere)).status_code == 404
    assert not BookingRating.objects.exists()


def test_a_booking_without_a_rating_reads_404(officer, call):
    assert client_for(officer).get(url(call)).status_code == 404


# --- the end-of-visit form ------------------------------------------------------------------------


def test_ending_the_visit_rates_its_call_in_one_click(client, officer, serving, call):
    client.force_login(officer)
    page = client.get(reverse("interpreters:visit-detail", args=[serving.pk]))
    assert b'name="stars"' in page.content and b'name="problems"' in page.content
    response = client.post(
        reverse("interpreters:visit-end", args=[serving.pk]),
        {"interpreter_used": "yes", "stars": "1", "problems": ["unprofessional", "other"]},
    )
    assert response.status_code == 302, response.content[:500]
    rating = BookingRating.objects.get(booking=call)
    assert (rating.stars, rating.problems) == (1, ["unprofessional", "other"])
    serving.refresh_from_db()
    assert serving.status == VisitStatus.DONE


def test_the_form_without_stars_ends_the_visit_unrated(client, officer, serving, call):
    client.force_login(officer)
    response = client.post(reverse("interpreters:visit-end", args=[serving.pk]), {"interpreter_used": "yes"})
    assert response.status_code == 302
    assert not BookingRating.objects.exists()


@pytest.mark.parametrize("data", [{"stars": "4", "problems": ["late"]}, {"stars": "9"}, {"problems": ["late"]}])
def test_a_bad_rating_in_the_form_is_a_form_error_and_the_visit_stays_open(client, officer, serving, call, data):
    client.force_login(officer)
    response = client.post(reverse("interpreters:visit-end", args=[serving.pk]), {"interpreter_used": "yes", **data})
    assert response.status_code == 400
    assert not BookingRating.objects.exists()
    serving.refresh_from_db()
    assert serving.status == VisitStatus.IN_SERVICE
    assert not VisitOutcome.objects.filter(visit=serving).exists()


def test_stars_at_a_visit_whose_call_never_started_refuse_to_close_it(officer, serving, agency):
    BookingFactory(visit=serving, agency=agency, status=S.CANCELLED)
    with pytest.raises(DomainError) as err:
        visit_close(visit=serving, status=VisitStatus.DONE, by=officer, interpreter_used=False,
                    reason_not_used="solved_without", rating_stars=3)  # fmt: skip
    assert (err.value.field, err.value.code) == ("stars", "not_started")
    serving.refresh_from_db()
    assert serving.status == VisitStatus.IN_SERVICE
    assert not BookingRating.objects.exists() and not VisitOutcome.objects.exists()


def test_the_page_asks_for_stars_only_when_a_call_started(client, officer, serving, agency):
    BookingFactory(visit=serving, agency=agency, status=S.CANCELLED)
    client.force_login(officer)
    page = client.get(reverse("interpreters:visit-detail", args=[serving.pk]))
    assert b'name="stars"' not in page.content
