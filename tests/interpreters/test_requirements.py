"""Requirements on a booking (gender, dialect, competence, named/denied interpreter), required or
wished, and whether the agency met them: API contract, simulated agency, real HTTP agency."""

import datetime as dt
import json
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.models import BlockScope, BookingRequirement, BookingStatus, InterpreterBlock, InterpreterBooking
from interpreters.services import agency_callback_signature, booking_dispatch_step, booking_request
from interpreters.services.requirements import RequirementInput, requirements_build
from tests.factories import LanguageNeedFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, InterpreterFactory, RankingFactory
from visits.errors import DomainError

S = BookingStatus
SECRET = "s3cret-for-tests"


@pytest.fixture
def api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


@pytest.fixture
def second(db):
    agency = AgencyFactory(slug="second", name="Andra Tolkförmedlingen", priority=2)
    RankingFactory(agency=agency, county="C", rank=2)
    return agency


@pytest.fixture
def dispatch(django_capture_on_commit_callbacks):
    """Dispatch a booking and let the simulated agency play what it planned: its callbacks are
    outbox rows written with the acceptance (run eagerly in tests once that commits)."""

    def run(booking):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = booking_dispatch_step(booking_id=booking.pk)
        booking.refresh_from_db()
        return outcome

    return run


def req(kind, value, required=False, rank=1):
    return {"kind": kind, "value": value, "required": required, "rank": rank}


def test_booking_create_takes_requirements_and_returns_each_with_met_empty(api, visit):
    body = {
        "visit": visit.pk,
        "modality": "phone",
        "requirements": [
            req("gender", "female", True),
            req("dialect", "levantinsk"),
            req("competence", "auktoriserad", False, 1),
            req("competence", "utbildad", True, 2),
            req("named_interpreter", "1234"),
            req("denied_interpreter", "9999", True),
        ],
    }
    response = api.post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 201, response.content
    got = response.json()["requirements"]
    assert len(got) == 6 and all(r["met"] is None for r in got)
    assert {(r["kind"], r["value"], r["required"], r["rank"]) for r in got} == {
        (r["kind"], r["value"], r["required"], r["rank"]) for r in body["requirements"]
    }
    booking = InterpreterBooking.objects.get()
    # The older single-value fields still say the same thing.
    assert (booking.gender_preference, booking.competence_required, booking.competence_wished) == (
        "female",
        "utbildad",
        "auktoriserad",
    )


def test_the_older_fields_are_accepted_as_aliases_for_requirements(api, visit):
    body = {
        "visit": visit.pk,
        "modality": "phone",
        "gender_preference": "male",
        "competence_required": "utbildad",
        "competence_wished": "auktoriserad",
    }
    response = api.post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 201, response.content
    got = {(r["kind"], r["value"], r["required"], r["rank"], r["met"]) for r in response.json()["requirements"]}
    assert got == {
        ("gender", "male", False, 1, None),
        ("competence", "auktoriserad", False, 1, None),
        ("competence", "utbildad", True, 2, None),
    }


@pytest.mark.parametrize(
    "requirements",
    [
        [req("height", "tall")],
        [req("gender", "other")],
        [req("competence", "excellent")],
        [req("gender", "female", rank=3)],
        [req("gender", "female", rank=True)],
        [{"kind": "gender", "value": "female", "required": "yes"}],
        [req("dialect", "")],
        [req("dialect", "x" * 81)],
        [req("gender", "female"), req("gender", "male")],
        [req("named_interpreter", "12"), req("denied_interpreter", "12")],
        [req("competence", "utbildad", rank=1), req("competence", "rattstolk", rank=2)],
        [{**req("gender", "female"), "colour": "red"}],
        [req("denied_interpreter", str(n)) for n in range(13)],
        "gender=female",
    ],
)
def test_bad_requirements_are_400_on_requirements_and_write_nothing(api, visit, requirements):
    response = api.post(
        "/api/v1/bookings/", {"visit": visit.pk, "modality": "phone", "requirements": requirements}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "requirements" in response.json()
    assert not InterpreterBooking.objects.exists() and not BookingRequirement.objects.exists()


def test_requirement_building_is_one_function_for_bookings_and_appointments():
    built = requirements_build(requirements=[req("gender", "female", True)], competence_wished="auktoriserad")
    assert built == [
        RequirementInput(kind="gender", value="female", required=True, rank=1),
        RequirementInput(kind="competence", value="auktoriserad", required=False, rank=1),
    ]
    with pytest.raises(DomainError) as exc:
        requirements_build(requirements=[req("gender", "nobody")])
    assert exc.value.field == "requirements"


# --- the simulated agency ------------------------------------------------------------------------


def test_an_agency_that_cannot_meet_a_required_requirement_declines_and_the_next_one_is_asked(
    visit, officer, agency, second, dispatch
):
    InterpreterFactory(agency=agency, gender="male", competence="auktoriserad")
    woman = InterpreterFactory(agency=second, gender="female", competence="utbildad")
    booking = booking_request(
        visit=visit, requested_by=officer, modality="phone", requirements=[req("gender", "female", True)]
    )
    dispatch(booking)
    assert booking.agency == second and booking.status == S.CONFIRMED
    assert booking.interpreter == woman and booking.interpreter_gender == "female"
    fallback = booking.events.get(detail__kind="fallback")
    assert fallback.detail["from"] == "first" and "declined" in fallback.detail["reason"]
    assert list(booking.requirements.values_list("met", flat=True)) == [True]


def test_when_no_agency_can_meet_a_required_requirement_the_booking_fails(visit, officer, agency, second):
    InterpreterFactory(agency=agency, gender="male")
    InterpreterFactory(agency=second, gender="male")
    booking = booking_request(
        visit=visit, requested_by=officer, modality="phone", requirements=[req("gender", "female", True)]
    )
    assert booking_dispatch_step(booking_id=booking.pk).action == "failed"
    booking.refresh_from_db()
    assert booking.status == S.FAILED and "declined" in booking.failure_reason


def test_a_wished_requirement_not_met_still_books_and_is_recorded_as_unmet(visit, officer, agency, dispatch):
    InterpreterFactory(agency=agency, gender="male", competence="auktoriserad", official_number="555")
    booking = booking_request(
        visit=visit,
        requested_by=officer,
        modality="phone",
        requirements=[req("gender", "female"), req("competence", "utbildad", True)],
    )
    dispatch(booking)
    assert booking.status == S.CONFIRMED and booking.agency == agency
    assert booking.interpreter_official_number == "555" and booking.interpreter_competence == "auktoriserad"
    met = dict(booking.requirements.values_list("kind", "met"))
    assert met == {"gender": False, "competence": True}


def test_the_simulated_agency_honours_dialect_and_denied_interpreters(visit, officer, agency, dispatch):
    denied = InterpreterFactory(agency=agency, competence="rattstolk", languages=[{"language": "ar", "dialects": []}])
    levantine = InterpreterFactory(
        agency=agency, competence="utbildad", languages=[{"language": "ar", "dialects": ["levantinsk"]}]
    )
    booking = booking_request(
        visit=visit,
        requested_by=officer,
        modality="phone",
        requirements=[req("dialect", "levantinsk"), req("denied_interpreter", str(denied.pk), True)],
    )
    dispatch(booking)
    assert booking.interpreter == levantine
    assert set(booking.requirements.values_list("met", flat=True)) == {True}


def test_the_simulated_agency_sometimes_misses_a_wish(visit, officer, agency, dispatch):
    agency.backend_settings = {**agency.backend_settings, "wished_miss_rate": 1.0}
    agency.save()
    InterpreterFactory(agency=agency, gender="female")
    InterpreterFactory(agency=agency, gender="male")
    booking = booking_request(visit=visit, requested_by=officer, modality="phone", gender_preference="female")
    dispatch(booking)
    assert booking.status == S.CONFIRMED and booking.interpreter_gender == "male"
    assert booking.requirements.get().met is False


def test_blocked_interpreters_go_to_the_agency_as_denied_in_every_booking(visit, officer, agency, office, dispatch):
    blocked = InterpreterFactory(agency=agency, competence="rattstolk", official_number="777")
    other = InterpreterFactory(agency=agency, competence="utbildad")
    InterpreterBlock.objects.create(
        scope=BlockScope.OFFICE,
        office=office,
        interpreter="777",
        reason="Kom inte",
        ends_on=timezone.localdate() + dt.timedelta(days=30),
        created_at=timezone.now(),
    )
    booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    dispatch(booking)
    assert booking.interpreter == other != blocked
    assert not booking.requirements.exists()  # the block is not the officer's requirement


# --- the real HTTP path ------------------------------------------------------------------------------


@pytest.fixture
def arabic_visit(db, office):
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


def test_http_agency_receives_the_requirements_and_its_answers_are_stored(arabic_visit, officer, http_agency, office):
    _row, server = http_agency("alfa", confirm_immediately=True, unmeetable={"dialect"})
    InterpreterBlock.objects.create(
        scope=BlockScope.NATIONAL,
        interpreter="K-1",
        reason="Tystnadsplikt",
        ends_on=timezone.localdate() + dt.timedelta(days=1),
        created_at=timezone.now(),
    )
    booking = booking_request(
        visit=arabic_visit,
        requested_by=officer,
        modality="phone",
        requirements=[req("gender", "female", True), req("dialect", "najdi"), req("named_interpreter", "4711")],
    )
    assert booking_dispatch_step(booking_id=booking.pk).action == "confirmed"
    [arrival] = server.booking_arrivals()
    sent = {(r["kind"], r["value"], r["required"]) for r in arrival.body["requirements"]}
    assert sent == {
        ("gender", "female", True),
        ("dialect", "najdi", False),
        ("named_interpreter", "4711", False),
        ("denied_interpreter", "K-1", True),
    }
    booking.refresh_from_db()
    assert (booking.interpreter_agency_ref, booking.interpreter_official_number) == ("LK-17", "4711")
    assert (booking.interpreter_gender, booking.interpreter_competence) == ("female", "auktoriserad")
    assert dict(booking.requirements.values_list("kind", "met")) == {
        "gender": True,
        "dialect": False,
        "named_interpreter": True,
    }


def test_http_agency_declining_a_required_requirement_falls_back_to_the_next(arabic_visit, officer, http_agency):
    _alfa, alfa_server = http_agency("alfa", rank=1, unmeetable={"gender"})
    beta, beta_server = http_agency("beta", rank=2)
    booking = booking_request(
        visit=arabic_visit, requested_by=officer, modality="phone", requirements=[req("gender", "female", True)]
    )
    assert booking_dispatch_step(booking_id=booking.pk).action == "accepted"
    booking.refresh_from_db()
    assert booking.agency == beta and booking.status == S.PENDING
    assert len(alfa_server.booking_arrivals()) == 1 and len(beta_server.booking_arrivals()) == 1
    assert "422" in booking.events.get(detail__kind="fallback").detail["reason"]
    assert booking.requirements.get().met is True  # beta answered it at acceptance


# --- interpreter_changed --------------------------------------------------------------------------


def _signed_post(client, agency, payload):
    body = json.dumps(payload).encode()
    ts = str(int(time.time()))
    sig = agency_callback_signature(secret=SECRET.encode(), timestamp=ts, body=body)
    return client.post(
        reverse("api-agency-callback", args=[agency.slug]),
        data=body,
        content_type="application/json",
        HTTP_X_TOLKDESK_TIMESTAMP=ts,
        HTTP_X_TOLKDESK_SIGNATURE=f"sha256={sig}",
    )


def test_an_interpreter_change_is_stored_recorded_and_redecides_the_requirements(
    client, visit, http_agency, monkeypatch
):
    monkeypatch.setenv("TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET", SECRET)
    row, _server = http_agency("alfa")
    booking = BookingFactory(
        visit=visit,
        agency=row,
        status=S.CONFIRMED,
        agency_reference="FA-1",
        interpreter_name="Nour A.",
        interpreter_gender="female",
        interpreter_agency_ref="N-1",
    )
    gender = BookingRequirement.objects.create(booking=booking, kind="gender", value="female", met=True)
    response = _signed_post(
        client,
        row,
        {
            "event_id": "ev-chg",
            "type": "interpreter_changed",
            "booking_id": str(booking.idempotency_key),
            "interpreter": {"name": "Omar B.", "gender": "male", "competence": "utbildad", "id": "O-2"},
        },
    )
    assert response.status_code == 200, response.content
    booking.refresh_from_db()
    gender.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert (booking.interpreter_name, booking.interpreter_agency_ref, booking.interpreter_gender) == (
        "Omar B.",
        "O-2",
        "male",
    )
    assert gender.met is False
    event = booking.events.get(detail__kind="interpreter_changed")
    assert event.detail["from"]["name"] == "Nour A." and event.detail["to"]["name"] == "Omar B."


def test_an_interpreter_change_before_confirmation_is_409_and_writes_nothing(client, visit, http_agency, monkeypatch):
    monkeypatch.setenv("TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET", SECRET)
    row, _server = http_agency("alfa")
    booking = BookingFactory(visit=visit, agency=row, status=S.PENDING, agency_reference="FA-1")
    response = _signed_post(
        client,
        row,
        {
            "event_id": "ev-chg",
            "type": "interpreter_changed",
            "booking_id": str(booking.idempotency_key),
            "interpreter": {"name": "Omar B."},
        },
    )
    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.interpreter_name == "" and not booking.events.exists()


# --- quarantine -------------------------------------------------------------------------------------


def test_a_quarantined_agency_is_skipped_in_its_county_and_the_booking_says_why(visit, officer, agency, second):
    from interpreters.models import AgencyQuarantine

    today = timezone.localdate()
    AgencyQuarantine.objects.create(
        agency=agency,
        county="C",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=30),
        motivation="Upprepade uteblivna tolkar",
        created_at=timezone.now(),
    )
    booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    booking_dispatch_step(booking_id=booking.pk)
    booking.refresh_from_db()
    assert booking.agency == second
    skipped = booking.events.get(detail__kind="agency_skipped")
    assert skipped.detail["agency"] == "first" and skipped.detail["reason"] == "quarantine"
    assert skipped.detail["motivation"] == "Upprepade uteblivna tolkar"


def test_a_quarantine_that_has_ended_or_is_for_another_county_changes_nothing(visit, officer, agency, second):
    from interpreters.models import AgencyQuarantine

    today = timezone.localdate()
    for county, ends in (("C", today - dt.timedelta(days=1)), ("AB", today + dt.timedelta(days=5))):
        AgencyQuarantine.objects.create(
            agency=agency,
            county=county,
            starts_on=today - dt.timedelta(days=10),
            ends_on=ends,
            motivation="x",
            created_at=timezone.now(),
        )
    booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    booking_dispatch_step(booking_id=booking.pk)
    booking.refresh_from_db()
    assert booking.agency == agency and not booking.events.filter(detail__kind="agency_skipped").exists()
