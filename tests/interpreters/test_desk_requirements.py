"""The officer's booking form with "More choices" (issue 10): requirements, each required or wished,
posted through the same requirements service as the API; and the "interpreter changed" notice."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interpreters.backends.base import AgencyEvent
from interpreters.models import BookingRequirement, BookingStatus, InterpreterBooking, Modality
from interpreters.services.agency import booking_interpreter_change
from tests.factories import LanguageNeedFactory, VisitFactory
from visits.models import VisitStatus


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def serving(office, agency):
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=visit, language="ar", dialect="levantinsk")
    return visit


def book(client, visit, **fields):
    return client.post(reverse("interpreters:visit-booking-request", args=[visit.pk]), {"modality": "phone", **fields})


def asked(visit) -> set[tuple[str, str, bool, int]]:
    booking = InterpreterBooking.objects.get(visit=visit)
    return {(r.kind, r.value, r.required, r.rank) for r in BookingRequirement.objects.filter(booking=booking)}


def test_more_choices_is_collapsed_and_the_dialect_is_prefilled_from_the_need(serving, officer):
    body = login(officer).get(reverse("interpreters:visit-detail", args=[serving.pk])).content.decode()
    start = body.index('id="more-choices"')
    assert body[start - 40 : start].count("<details") == 1 and " open" not in body[start : start + 30]
    assert 'name="req_dialect"' in body and 'value="levantinsk"' in body
    for name in ("req_gender", "req_competence", "req_competence_fallback", "req_named", "req_denied"):
        assert f'name="{name}"' in body and f'name="{name}_required"' in body


def test_one_click_books_with_only_the_prefilled_dialect_as_a_wish(serving, officer):
    client = login(officer)
    page = client.get(reverse("interpreters:visit-detail", args=[serving.pk])).content.decode()
    assert "levantinsk" in page
    response = book(client, serving, req_dialect="levantinsk")
    assert response.status_code == 302
    assert asked(serving) == {("dialect", "levantinsk", False, 1)}


def test_every_requirement_is_sent_required_or_wished(serving, officer):
    response = book(
        login(officer),
        serving,
        req_gender="female",
        req_gender_required="on",
        req_dialect="levantinsk",
        req_competence="auktoriserad",
        req_competence_fallback="utbildad",
        req_competence_fallback_required="on",
        req_named="1234",
        req_denied="N-9",
        req_denied_required="on",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert asked(serving) == {
        ("gender", "female", True, 1),
        ("dialect", "levantinsk", False, 1),
        ("competence", "auktoriserad", False, 1),
        ("competence", "utbildad", True, 2),
        ("named_interpreter", "1234", False, 1),
        ("denied_interpreter", "N-9", True, 1),
    }
    booking = InterpreterBooking.objects.get(visit=serving)
    assert booking.gender_preference == "female" and booking.competence_required == "utbildad"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"req_named": "N-1", "req_denied": "N-1"}, "req_denied", "både"),  # named and denied
        ({"req_competence": "utbildad", "req_competence_fallback": "rattstolk"}, "req_competence_fallback", "högre"),
        ({"req_competence_fallback": "utbildad"}, "req_competence_fallback", "förstahandsval"),
        ({"req_gender_required": "on"}, "req_gender", "Krav"),  # required with nothing asked
        ({"req_gender": "robot"}, "req_gender", "giltigt alternativ"),
        ({"req_named": "x" * 81}, "req_named", "81"),
    ],
)
def test_a_bad_combination_is_a_form_error_and_books_nothing(serving, officer, fields, field, words):
    response = book(login(officer), serving, **fields)
    assert response.status_code == 400
    errors = response.context["booking_form"].errors
    assert field in errors and words in " ".join(errors[field])
    body = response.content.decode()
    assert 'id="more-choices" open' in body  # the section opens on its error
    assert not InterpreterBooking.objects.filter(visit=serving).exists()


def test_a_bad_combination_from_the_page_script_is_a_400_with_the_field(serving, officer):
    response = login(officer).post(
        reverse("interpreters:visit-booking-request", args=[serving.pk]),
        {"modality": "video", "req_named": "7", "req_denied": "7"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400
    assert "req_denied" in response.json()["errors"]
    assert not InterpreterBooking.objects.exists()


# --- the agency changes the interpreter ----------------------------------------------------------


def test_the_status_poll_shows_the_new_interpreter_when_the_agency_changes_it(serving, officer, agency):
    booking = InterpreterBooking.objects.create(
        visit=serving,
        agency=agency,
        language="ar",
        modality=Modality.PHONE,
        status=BookingStatus.CONFIRMED,
        requested_at=timezone.now(),
        interpreter_name="Nour A.",
        connection_phone="+46701234567",
    )
    client = login(officer)
    url = reverse("interpreters:visit-booking-status", args=[serving.pk])
    before = client.get(url).json()
    assert 'id="interpreter-changed"' not in before["html"]
    booking_interpreter_change(
        booking=booking,
        event=AgencyEvent(
            type="interpreter_changed",
            interpreter_name="Omar B.",
            interpreter_gender="male",
            interpreter_competence="auktoriserad",
            interpreter_official_number="4711",
        ),
        source=f"agency:{agency.slug}",
    )
    after = client.get(url).json()
    assert after["version"] != before["version"]  # the page swaps the panel
    html = after["html"]
    assert 'id="interpreter-changed"' in html and "Förmedlingen har bytt tolk" in html
    assert "Nour A. är ersatt" in html
    for shown in ("Omar B.", "Auktoriserad tolk", "Man", "4711"):
        assert shown in html, shown
    assert 'role="alert"' not in html.split('id="interpreter-changed"')[1].split("</div>")[0]
