"""Ending a visit with a completed call asks for the agency's minutes as a step of the close
(issue 9): prefilled with the agency's minutes, one click when they agree, a comment to dispute;
recorded with the close or not at all; safe with two tabs, a resubmitted form and a correction
that arrives while the page is open."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interpreters.backends import AgencyEvent
from interpreters.desk.services import RequisitionAnswer, visit_close
from interpreters.models import BookingEvent, BookingStatus, Requisition
from interpreters.services import booking_apply_agency_event, requisition_correct, requisition_decide
from tests.factories import LanguageNeedFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, seed_price_lists
from visits.errors import DomainError
from visits.models import VisitOutcome, VisitStatus

S = BookingStatus


@pytest.fixture(autouse=True)
def lists(db):
    return seed_price_lists()


@pytest.fixture
def in_service(office):
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


@pytest.fixture
def booking(in_service):
    booking = BookingFactory(visit=in_service, agency=AgencyFactory(), status=S.CONFIRMED)
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="started"), source="agency")
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="ended", minutes=23), source="agency")
    return booking


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def page(client, visit) -> str:
    return client.get(reverse("interpreters:visit-detail", args=[visit.pk])).content.decode()


def end(client, visit, token, **fields):
    data = {"interpreter_used": "yes", "form_token": token, **fields}
    return client.post(reverse("interpreters:visit-end", args=[visit.pk]), data)


def the_step(html: str) -> str:
    match = re.search(r'<div id="requisition-step".*?</div>\n', html, re.S)
    assert match, "no requisition step on the page"
    return match.group(0)


def current(booking) -> Requisition:
    return Requisition.objects.exclude(status="replaced").get(booking=booking)


def decisions(booking) -> int:
    return BookingEvent.objects.filter(booking=booking, detail__kind__startswith="requisition_c").count()


def test_the_end_form_asks_for_the_agencys_minutes_prefilled_with_confirm_chosen(in_service, booking, officer):
    html = page(login(officer), in_service)
    step = the_step(html)
    requisition = current(booking)
    assert f'name="requisition" value="{requisition.pk}"' in step
    assert 'name="requisition_minutes" id="requisition-step-minutes" min="0" max="1440" value="23"' in step
    assert re.search(r'value="confirm" id="requisition-step-confirm" checked', step)
    assert "The agency reports 23 minutes" in step
    # One place to answer while the visit is open: the panel points at the end form.
    assert 'id="requisition-at-end"' in html and 'id="requisition-confirm"' not in html


def test_one_click_ends_the_visit_and_confirms_the_reported_minutes(in_service, booking, officer):
    requisition = current(booking)
    response = end(
        login(officer),
        in_service,
        "a" * 32,
        requisition=requisition.pk,
        requisition_action="confirm",
        requisition_minutes="23",
    )
    assert response.status_code == 302
    in_service.refresh_from_db()
    requisition.refresh_from_db()
    booking.refresh_from_db()
    assert in_service.status == VisitStatus.DONE
    assert (requisition.status, requisition.confirmed_minutes) == ("confirmed", 23)
    # The office's own record is the visit's service time, now that it has ended.
    assert requisition.office_end == in_service.ended_at
    assert booking.cost_confirmed_ore == booking.cost_reported_ore > 0
    assert 'name="requisition_action"' not in page(login(officer), in_service)


def test_a_dispute_needs_a_comment_and_nothing_is_written_without_it(in_service, booking, officer):
    requisition = current(booking)
    client = login(officer)
    refused = end(
        client, in_service, "b" * 32, requisition=requisition.pk, requisition_action="dispute", requisition_minutes="15"
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Say what is wrong with the minutes" in body
    # The answer is shown again as given, to add the comment.
    assert 'value="dispute" id="requisition-step-dispute" checked' in the_step(body) and 'value="15"' in the_step(body)
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.IN_SERVICE
    assert current(booking).status == "reported" and not VisitOutcome.objects.filter(visit=in_service).exists()

    ok = end(
        client,
        in_service,
        "c" * 32,
        requisition=requisition.pk,
        requisition_action="dispute",
        requisition_minutes="15",
        requisition_comment="The call ended after a quarter of an hour.",
    )
    assert ok.status_code == 302
    requisition.refresh_from_db()
    assert (requisition.status, requisition.confirmed_minutes) == ("disputed", 15)
    assert requisition.comment == "The call ended after a quarter of an hour."
    booking.refresh_from_db()
    assert booking.cost_confirmed_ore is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"requisition_minutes": "ten"}, "Give the minutes as a whole number"),
        ({"requisition_minutes": "-3"}, "Give the minutes as a whole number from 0 to 1440"),
        ({"requisition_minutes": "99999"}, "Give the minutes as a whole number from 0 to 1440"),
        ({"requisition_action": "maybe"}, "Choose confirm or dispute"),
        ({"requisition_action": ""}, "Choose confirm or dispute"),
    ],
)
def test_bad_answers_are_refused_with_the_visit_still_open(in_service, booking, officer, fields, message):
    data = {"requisition": current(booking).pk, "requisition_action": "confirm", **fields}
    response = end(login(officer), in_service, "d" * 32, **data)
    assert response.status_code == 400 and message in response.content.decode()
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.IN_SERVICE and current(booking).status == "reported"


def test_another_visits_requisition_is_refused(in_service, booking, officer, office):
    other_visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    response = end(login(officer), other_visit, "e" * 32, requisition=current(booking).pk, requisition_action="confirm")
    assert response.status_code == 400
    other_visit.refresh_from_db()
    assert other_visit.status == VisitStatus.IN_SERVICE and current(booking).status == "reported"


def test_minutes_corrected_while_the_page_was_open_are_asked_again(in_service, booking, officer):
    client = login(officer)
    shown = current(booking)
    corrected = requisition_correct(booking=booking, minutes=31)
    response = end(
        client, in_service, "f" * 32, requisition=shown.pk, requisition_action="confirm", requisition_minutes="23"
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "corrected minutes (31)" in body
    # The step now asks about the corrected requisition, prefilled with its minutes.
    assert f'name="requisition" value="{corrected.pk}"' in the_step(body) and 'value="31"' in the_step(body)
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.IN_SERVICE and current(booking).status == "reported"


def test_a_resubmitted_or_second_tab_close_records_the_answer_once(in_service, booking, officer):
    requisition = current(booking)
    answer = {"requisition": requisition.pk, "requisition_action": "confirm", "requisition_minutes": "23"}
    first, second = login(officer), login(officer)
    assert end(first, in_service, "g" * 32, **answer).status_code == 302
    # The Back button and submit again: the same token replays the first answer.
    assert end(first, in_service, "g" * 32, **answer).status_code == 302
    # The other tab, with its own token: told the visit had already ended; nothing written.
    stale = end(second, in_service, "h" * 32, **answer)
    assert stale.status_code == 400 and "had already been ended" in stale.content.decode()
    assert decisions(booking) == 1
    requisition.refresh_from_db()
    assert requisition.status == "confirmed"


def test_the_same_answer_given_twice_changes_nothing_and_a_different_one_is_refused(in_service, booking, officer):
    requisition = current(booking)
    # Another tab confirmed on the panel while this one was ending the visit.
    requisition_decide(booking=booking, by=officer, action="confirm", minutes=23)
    closed = visit_close(
        visit=in_service,
        status=VisitStatus.DONE,
        by=officer,
        interpreter_used=True,
        requisition=RequisitionAnswer(requisition_id=requisition.pk, action="confirm", minutes=23),
    )
    assert closed.status == VisitStatus.DONE and decisions(booking) == 1


def test_a_different_answer_to_confirmed_minutes_keeps_the_visit_open(in_service, booking, officer):
    requisition = current(booking)
    requisition_decide(booking=booking, by=officer, action="confirm", minutes=23)
    with pytest.raises(DomainError) as exc:
        visit_close(
            visit=in_service,
            status=VisitStatus.DONE,
            by=officer,
            interpreter_used=True,
            requisition=RequisitionAnswer(requisition_id=requisition.pk, action="confirm", minutes=40),
        )
    assert exc.value.field == "requisition_action" and exc.value.code == "already_confirmed"
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.IN_SERVICE


def test_the_status_poll_brings_the_step_when_the_report_arrives(in_service, officer):
    booking = BookingFactory(visit=in_service, agency=AgencyFactory(), status=S.CONFIRMED)
    client = login(officer)
    status_url = reverse("interpreters:visit-booking-status", args=[in_service.pk])
    assert client.get(status_url).json()["requisition_step"]["id"] is None
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="started"), source="agency")
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="ended", minutes=12), source="agency")
    step = client.get(status_url).json()["requisition_step"]
    assert step["id"] == current(booking).pk and 'value="12"' in step["html"]


def test_someone_without_the_right_to_decide_may_not_send_an_answer(in_service, booking, receptionist):
    response = end(login(receptionist), in_service, "i" * 32, requisition=current(booking).pk)
    assert response.status_code == 403
    assert current(booking).status == "reported"
