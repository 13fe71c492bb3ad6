"""Every channel counted (issue 11): the ranked agency's direct line and an interpreter ordered
outside tolkdesk become completed bookings with minutes and price, and the reports count them."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.desk.services import (
    ExternalOrder,
    direct_line_connect,
    direct_line_end,
    external_order_record,
)
from interpreters.models import (
    AgencyDirectLine,
    BookingChannel,
    BookingStatus,
    InterpreterBooking,
    Modality,
)
from interpreters.services.pricing import booking_price
from tests.factories import LanguageNeedFactory, MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, RankingFactory, seed_price_lists
from visits.errors import DomainError
from visits.models import StaffRole, VisitStatus
from visits.reports.selectors import UsageQuery, usage_counters
from visits.reports.services import usage_rollups_rebuild

S = BookingStatus


@pytest.fixture(autouse=True)
def price_lists(db):
    return seed_price_lists()


@pytest.fixture
def second(db):
    """The county's second-ranked agency, with a direct line for Arabic."""
    agency = AgencyFactory(slug="andra", name="Andra Tolk AB", priority=2)
    RankingFactory(agency=agency, county="C", rank=2)
    AgencyDirectLine.objects.create(agency=agency, language="ar", phone="+46101239999")
    return agency


@pytest.fixture
def first_line(agency):
    return AgencyDirectLine.objects.create(agency=agency, language="ar", phone="+46101239100", opening_hours="08-17")


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- direct line --------------------------------------------------------------------------------


def test_the_officer_is_shown_the_first_ranked_agencys_direct_number(officer, visit, first_line, second):
    response = api_for(officer).get(f"/api/v1/visits/{visit.pk}/direct-line/")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "agency": {"slug": "first", "name": "Första Tolkförmedlingen"},
        "language": "ar",
        "phone": "+46101239100",
        "opening_hours": "08-17",
    }
    first_line.active = False
    first_line.save()
    assert api_for(officer).get(f"/api/v1/visits/{visit.pk}/direct-line/").json()["agency"]["slug"] == "andra"


def test_a_language_without_a_direct_line_is_a_clear_400(officer, visit, first_line):
    response = api_for(officer).get(f"/api/v1/visits/{visit.pk}/direct-line/?language=so")
    assert response.status_code == 400
    assert "language" in response.json()


def test_connected_then_ended_is_a_completed_booking_with_minutes_and_on_demand_price(officer, visit, first_line):
    start = timezone.now() - dt.timedelta(minutes=30)
    booking = direct_line_connect(visit=visit, by=officer, now=start)
    assert (booking.status, booking.channel, booking.modality, booking.agency.slug) == (
        S.IN_PROGRESS,
        BookingChannel.DIRECT_LINE,
        Modality.PHONE,
        "first",
    )
    assert str(booking.connection_phone) == "+46101239100"
    done = direct_line_end(booking=booking, by=officer, ended_at=start + dt.timedelta(minutes=17, seconds=5))
    assert (done.status, done.minutes_used) == (S.COMPLETED, 18)  # a started minute counts
    expected = booking_price(booking=done, minutes=18, start=start)
    assert expected is not None and expected.total_ore > 0
    assert done.cost_ore == done.cost_reported_ore == expected.total_ore
    assert [e.to_status for e in done.events.order_by("at", "pk")] == [S.IN_PROGRESS, S.COMPLETED]


def test_direct_line_through_the_api(officer, visit, first_line):
    api = api_for(officer)
    created = api.post(f"/api/v1/visits/{visit.pk}/direct-line/", {}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["channel"], body["status"], body["connection"]["phone"]) == (
        "direct_line",
        "in_progress",
        "+46101239100",
    )
    again = api.post(f"/api/v1/visits/{visit.pk}/direct-line/", {}, format="json")
    assert again.status_code == 400  # one live booking per visit
    assert InterpreterBooking.objects.filter(visit=visit).count() == 1
    ended = api.post(f"/api/v1/bookings/{body['id']}/direct-line/end/", {"minutes": 12}, format="json")
    assert ended.status_code == 200, ended.content
    assert (ended.json()["status"], ended.json()["minutes_used"]) == ("completed", 12)
    twice = api.post(f"/api/v1/bookings/{body['id']}/direct-line/end/", {"minutes": 12}, format="json")
    assert twice.status_code == 400
    assert "status" in twice.json()


def test_direct_line_end_refuses_bad_input_and_changes_nothing(officer, visit, first_line):
    start = timezone.now() - dt.timedelta(minutes=10)
    booking = direct_line_connect(visit=visit, by=officer, now=start)
    api = api_for(officer)
    url = f"/api/v1/bookings/{booking.pk}/direct-line/end/"
    for body, field in (
        ({"ended_at": (start - dt.timedelta(minutes=1)).isoformat()}, "ended_at"),  # end before start
        ({"ended_at": (timezone.now() + dt.timedelta(hours=2)).isoformat()}, "ended_at"),  # in the future
        ({"minutes": 100000}, "minutes"),  # absurd
        ({"minutes": -5}, "minutes"),
        ({"minutes": "lots"}, "minutes"),
        ({"colour": "red"}, "colour"),
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json(), (body, response.json())
    booking.refresh_from_db()
    assert (booking.status, booking.minutes_used, booking.cost_ore) == (S.IN_PROGRESS, None, None)


def test_a_call_left_running_for_days_needs_its_minutes_given(officer, visit, first_line):
    booking = direct_line_connect(visit=visit, by=officer, now=timezone.now() - dt.timedelta(days=3))
    with pytest.raises(DomainError) as err:
        direct_line_end(booking=booking, by=officer)
    assert err.value.field == "minutes"
    assert direct_line_end(booking=booking, by=officer, minutes=25).minutes_used == 25


def test_only_a_direct_line_booking_ends_that_way(officer, visit, agency):
    booking = BookingFactory(visit=visit, agency=agency, status=S.IN_PROGRESS, started_at=timezone.now())
    with pytest.raises(DomainError) as err:
        direct_line_end(booking=booking, by=officer)
    assert err.value.field == "booking"


def test_no_direct_line_on_a_closed_visit(officer, visit, first_line):
    visit.status = VisitStatus.DONE
    visit.save()
    with pytest.raises(DomainError) as err:
        direct_line_connect(visit=visit, by=officer)
    assert err.value.code == "visit_closed"
    assert not InterpreterBooking.objects.exists()


# --- ordered elsewhere --------------------------------------------------------------------------


def order(visit, **overrides):
    start = timezone.localtime(visit.checked_in_at).replace(hour=10, minute=0, second=0, microsecond=0)
    values = {
        "order_number": "KK-2026-001234",
        "agency_name": "Tolkjouren Norr",
        "started_at": start,
        "ended_at": start + dt.timedelta(minutes=45),
        "modality": Modality.VIDEO,
    }
    values.update(overrides)
    return ExternalOrder(**values)


@pytest.fixture
def past_visit(office):
    yesterday = timezone.now() - dt.timedelta(days=1)
    visit = VisitFactory(office=office, checked_in_at=yesterday, status=VisitStatus.DONE)
    LanguageNeedFactory(visit=visit, language="so")
    return visit


def test_an_order_placed_elsewhere_is_a_completed_booking_with_its_minutes_and_framework_price(officer, past_visit):
    booking = external_order_record(visit=past_visit, by=officer, order=order(past_visit))
    assert (booking.status, booking.channel, booking.language, booking.minutes_used) == (
        S.COMPLETED,
        BookingChannel.ORDERED_ELSEWHERE,
        "so",
        45,
    )
    assert (booking.external_order_number, booking.external_agency_name, booking.agency) == (
        "KK-2026-001234",
        "Tolkjouren Norr",
        None,
    )
    expected = booking_price(booking=booking, minutes=45, start=booking.started_at)
    assert expected is not None and booking.cost_ore == expected.total_ore > 0


def test_an_invoiced_cost_is_taken_as_given(officer, past_visit, agency):
    booking = external_order_record(
        visit=past_visit, by=officer, order=order(past_visit, agency=agency, agency_name="", cost_ore=123_45)
    )
    assert (booking.agency, booking.cost_ore) == (agency, 123_45)


def test_ordered_elsewhere_through_the_api_and_its_bad_input(officer, past_visit, agency):
    api = api_for(officer)
    url = f"/api/v1/visits/{past_visit.pk}/external-orders/"
    start = timezone.localtime(past_visit.checked_in_at).replace(hour=9, minute=0, second=0, microsecond=0)
    good = {
        "order_number": "KK-77",
        "agency": agency.slug,
        "started_at": start.isoformat(),
        "ended_at": (start + dt.timedelta(minutes=30)).isoformat(),
    }
    for body, field in (
        ({**good, "ended_at": (start - dt.timedelta(minutes=5)).isoformat()}, "ended_at"),  # end before start
        ({**good, "ended_at": (start + dt.timedelta(days=3)).isoformat()}, "ended_at"),  # absurd minutes
        ({**good, "started_at": (start - dt.timedelta(days=3)).isoformat()}, "started_at"),  # not the visit's day
        ({**good, "agency": "no-such-agency"}, "agency"),
        ({k: v for k, v in good.items() if k != "agency"}, "agency"),  # no agency at all
        ({**good, "order_number": ""}, "order_number"),
        ({**good, "modality": "pigeon"}, "modality"),
        ({**good, "cost_ore": -1}, "cost_ore"),
        ({**good, "language": "not a language!"}, "language"),
        ({**good, "extra": 1}, "extra"),
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    assert not InterpreterBooking.objects.exists()
    created = api.post(url, good, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["channel"], created.json()["minutes_used"]) == ("ordered_elsewhere", 30)
    duplicate = api.post(url, good, format="json")
    assert duplicate.status_code == 400
    assert "order_number" in duplicate.json()
    assert InterpreterBooking.objects.count() == 1


def test_another_offices_visit_is_404_and_a_receptionist_403(officer, receptionist, past_visit, first_line):
    foreign = VisitFactory(office=OfficeFactory())
    api = api_for(officer)
    assert api.get(f"/api/v1/visits/{foreign.pk}/direct-line/").status_code == 404
    assert api.post(f"/api/v1/visits/{foreign.pk}/direct-line/", {}, format="json").status_code == 404
    assert api.post(f"/api/v1/visits/{foreign.pk}/external-orders/", {}, format="json").status_code == 404
    reception = api_for(receptionist)
    assert reception.get(f"/api/v1/visits/{past_visit.pk}/direct-line/").status_code == 403
    assert reception.post(f"/api/v1/visits/{past_visit.pk}/external-orders/", {}, format="json").status_code == 403
    other_officer = UserFactory(username="annan-handlaggare")
    MembershipFactory(user=other_officer, office=foreign.office, role=StaffRole.OFFICER)
    mine = direct_line_connect(visit=VisitFactory(office=past_visit.office), by=officer, language="ar")
    assert (
        api_for(other_officer).post(f"/api/v1/bookings/{mine.pk}/direct-line/end/", {}, format="json").status_code
        == 404
    )
    assert (
        api_for(receptionist).post(f"/api/v1/bookings/{mine.pk}/direct-line/end/", {}, format="json").status_code == 403
    )


# --- the reports count every channel ------------------------------------------------------------


def test_every_channel_counts_in_use_minutes_and_cost_and_rollups_equal_raw(officer, office, agency, first_line):
    day = timezone.localdate() - dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    direct_visit = VisitFactory(office=office, checked_in_at=at, status=VisitStatus.IN_SERVICE)
    LanguageNeedFactory(visit=direct_visit, language="ar")
    elsewhere_visit = VisitFactory(office=office, checked_in_at=at, status=VisitStatus.DONE)
    LanguageNeedFactory(visit=elsewhere_visit, language="so")
    unserved = VisitFactory(office=office, checked_in_at=at, status=VisitStatus.DONE)
    LanguageNeedFactory(visit=unserved, language="ti")

    line = direct_line_connect(visit=direct_visit, by=officer, now=at)
    line = direct_line_end(booking=line, by=officer, ended_at=at + dt.timedelta(minutes=20))
    elsewhere = external_order_record(
        visit=elsewhere_visit,
        by=officer,
        order=order(elsewhere_visit, started_at=at, ended_at=at + dt.timedelta(minutes=60), cost_ore=90000),
    )
    usage_rollups_rebuild()
    q = UsageQuery(date_from=day, date_to=day)
    raw = usage_counters(q, source="raw")
    assert usage_counters(q, source="rollup") == raw
    [counters] = raw.values()
    assert (counters["wanted"], counters["wanted_used"]) == (3, 2)
    assert counters["bookings_completed"] == 2
    assert counters["minutes"] == 20 + 60
    assert counters["cost_ore"] == line.cost_ore + elsewhere.cost_ore
    # No connect time for calls logged when already connected or after the fact.
    assert sum(counters[name] for name in counters if name.startswith("connect_b")) == 0
