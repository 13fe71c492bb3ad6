"""The booking form's live estimate (issue 9): the price of the officer's choices before the click,
server-rendered (the default without JavaScript), and the estimate the booking stores is the one shown."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interpreters.models import InterpreterBooking
from interpreters.services.pricing import booking_draft_estimate, price_for
from tests.factories import LanguageNeedFactory, OfficeFactory, VisitFactory
from tests.interpreters.factories import seed_price_lists
from visits.models import VisitStatus


@pytest.fixture(autouse=True)
def lists(db):
    return seed_price_lists()


@pytest.fixture
def in_service(office, agency):
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def shown_total(html: str) -> int:
    match = re.search(r'data-total-ore="(\d+)"', html)
    assert match, html
    return int(match.group(1))


def estimate(client, visit, **fields):
    response = client.get(reverse("interpreters:visit-booking-estimate", args=[visit.pk]), fields)
    assert response.status_code == 200
    return response.content.decode()


def next_weekday_at(hour: int, days_ahead: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5 or (day.month, day.day) in {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1), (1, 6)}:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def test_without_javascript_the_page_shows_the_default_estimate(in_service, officer):
    page = login(officer).get(reverse("interpreters:visit-detail", args=[in_service.pk])).content.decode()
    assert "Estimated price for a 30-minute call now" in page
    default = booking_draft_estimate(scheduled_for=None, minutes_ordered=30, requirements=[])
    assert default is not None and shown_total(page) == default.total_ore
    assert 'name="minutes_ordered"' in page and 'value="30"' in page
    assert 'data-estimate-url="' in page


def test_a_pre_booking_is_priced_on_the_framework_list_and_the_booking_keeps_that_price(in_service, officer):
    client = login(officer)
    start = next_weekday_at(17)  # 17:00-18:30: the last half hour is unsocial
    fields = {"scheduled_for": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"), "minutes_ordered": "90"}
    html = estimate(client, in_service, **fields)
    framework = price_for(kind="framework", competence="ovrig", start=start, minutes=90)
    assert shown_total(html) == framework.total_ore
    assert 'data-kind="unsocial"' in html and 'data-kind="step"' in html
    assert "90-minute call at" in html

    response = client.post(
        reverse("interpreters:visit-booking-request", args=[in_service.pk]), {**fields, "modality": "video"}
    )
    assert response.status_code == 302
    booking = InterpreterBooking.objects.get(visit=in_service)
    assert booking.minutes_ordered == 90 and booking.scheduled_for == start
    assert booking.cost_estimated_ore == shown_total(html)
    assert [row["kind"] for row in booking.estimate_rows] == re.findall(r'data-kind="(\w+)"', html)


def test_a_call_now_follows_the_expected_length_and_the_booking_keeps_that_price(in_service, officer):
    client = login(officer)
    short, long = estimate(client, in_service, minutes_ordered="15"), estimate(client, in_service, minutes_ordered="75")
    assert shown_total(long) > shown_total(short)
    client.post(
        reverse("interpreters:visit-booking-request", args=[in_service.pk]),
        {"modality": "phone", "minutes_ordered": "75"},
    )
    booking = InterpreterBooking.objects.get(visit=in_service)
    assert booking.scheduled_for is None and booking.minutes_ordered == 75
    assert booking.cost_estimated_ore == shown_total(long)


def test_an_empty_length_prices_the_shortest_call_the_same_way_the_booking_does(in_service, officer):
    client = login(officer)
    html = estimate(client, in_service, minutes_ordered="")
    assert "shortest call now" in html
    client.post(reverse("interpreters:visit-booking-request", args=[in_service.pk]), {"modality": "phone"})
    booking = InterpreterBooking.objects.get(visit=in_service)
    assert booking.minutes_ordered is None and booking.cost_estimated_ore == shown_total(html)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"minutes_ordered": "-5"}, "greater than or equal to 1"),
        ({"minutes_ordered": "ten"}, "Enter a whole number"),
        ({"minutes_ordered": "100000"}, "less than or equal to 1440"),
        ({"scheduled_for": "2020-01-01T10:00"}, "Choose a time in the future"),
        ({"scheduled_for": "not a time"}, "Enter a valid date/time"),
    ],
)
def test_bad_choices_say_what_is_wrong_instead_of_a_price(in_service, officer, fields, message):
    html = estimate(login(officer), in_service, **fields)
    assert message in html and "data-total-ore" not in html
    assert not InterpreterBooking.objects.exists()


def test_a_time_without_a_valid_price_list_says_so(in_service, officer, lists):
    for price_list in lists:
        price_list.valid_to = timezone.localdate()
        price_list.save()
    start = timezone.localtime(next_weekday_at(10)).strftime("%Y-%m-%dT%H:%M")
    html = estimate(login(officer), in_service, scheduled_for=start, minutes_ordered="30")
    assert "No price list applies to that time" in html and "data-total-ore" not in html


def test_any_staff_member_at_the_office_may_ask_and_another_office_is_404(in_service, receptionist, officer):
    assert "data-total-ore" in estimate(login(receptionist), in_service, minutes_ordered="30")
    elsewhere = VisitFactory(office=OfficeFactory(), status=VisitStatus.IN_SERVICE)
    url = reverse("interpreters:visit-booking-estimate", args=[elsewhere.pk])
    assert login(officer).get(url, {"minutes_ordered": "30"}).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
