"""Confirm steps and undo at the officer's desk: a visit closed by mistake can be reopened (logged),
"visitor left" and "cancel interpreter" ask first."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interpreters.models import BookingStatus, InterpreterBooking, Modality
from tests.factories import LanguageNeedFactory, VisitFactory
from visits.errors import DomainError
from visits.models import Visit, VisitOutcome, VisitStatus
from visits.services import visit_reopen


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def left(office, officer):
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    login(officer).post(reverse("interpreters:visit-left", args=[visit.pk]))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.LEFT and VisitOutcome.objects.filter(visit=visit).exists()
    return visit


def test_an_officer_reopens_a_visit_closed_by_mistake_and_it_is_logged(left, officer):
    response = login(officer).post(reverse("interpreters:visit-reopen", args=[left.pk]), follow=True)
    left.refresh_from_db()
    assert response.status_code == 200
    assert left.status == VisitStatus.WAITING and left.ended_at is None
    assert not VisitOutcome.objects.filter(visit=left).exists()
    changes = LogEntry.objects.get_for_object(left).filter(actor=officer).order_by("-timestamp").first()
    assert changes is not None and "status" in changes.changes_dict
    assert changes.changes_dict["status"][1] == VisitStatus.WAITING


def test_a_served_visit_reopens_in_service(office, officer):
    visit = VisitFactory(office=office, status=VisitStatus.DONE)
    Visit.objects.filter(pk=visit.pk).update(started_at=visit.checked_in_at, ended_at=visit.checked_in_at)
    assert visit_reopen(visit=visit, by=officer).status == VisitStatus.IN_SERVICE


def test_an_open_visit_cannot_be_reopened(office, officer):
    visit = VisitFactory(office=office)
    with pytest.raises(DomainError) as err:
        visit_reopen(visit=visit, by=officer)
    assert err.value.field == "status"


def test_yesterdays_visit_cannot_be_reopened(office, officer):
    visit = VisitFactory(office=office, status=VisitStatus.LEFT)
    Visit.objects.filter(pk=visit.pk).update(service_date=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(DomainError) as err:
        visit_reopen(visit=visit, by=officer)
    assert err.value.field == "visit"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.LEFT


def test_a_receptionist_cannot_reopen(left, receptionist):
    assert login(receptionist).post(reverse("interpreters:visit-reopen", args=[left.pk])).status_code == 403


def test_visitor_left_and_cancel_interpreter_ask_first(office, officer):
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    InterpreterBooking.objects.create(
        visit=visit, language="ar", modality=Modality.PHONE, status=BookingStatus.REQUESTED, requested_at=timezone.now()
    )
    body = login(officer).get(reverse("interpreters:visit-detail", args=[visit.pk])).content.decode()
    for question in ('id="visitor-left-confirm"', 'id="cancel-booking-confirm"'):
        assert question in body
    # The fee line of the confirm step (the cancellation-fee hook) is shown.
    assert 'id="cancellation-fee"' in body and "kostar inget" in body


def test_bookings_cancelled_by_the_close_stay_cancelled_when_the_visit_is_reopened(office, officer, caplog):
    """The close told the agency (cancel task): restoring the booking here would show one the agency
    may no longer have. The page says so before reopening and after; the officer books again."""
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=visit, language="ar")
    booking = InterpreterBooking.objects.create(
        visit=visit, language="ar", modality=Modality.PHONE, status=BookingStatus.PENDING, requested_at=timezone.now()
    )
    officer_client = login(officer)
    officer_client.post(reverse("interpreters:visit-left", args=[visit.pk]))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    page = officer_client.get(reverse("interpreters:visit-detail", args=[visit.pk])).content.decode()
    assert 'id="reopen-visit-confirm"' in page and 'id="reopen-bookings-note"' in page
    with caplog.at_level("INFO", logger="interpreters.desk.services"):
        response = officer_client.post(reverse("interpreters:visit-reopen", args=[visit.pk]), follow=True)
    visit.refresh_from_db()
    booking.refresh_from_db()
    assert visit.status == VisitStatus.IN_SERVICE
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "system_visit_closed"
    body = response.content.decode()
    assert "förblir avbokad" in body  # the warning after reopening (Swedish, the default)
    assert 'id="book-phone"' in body  # and the officer can book again at once
    assert any(f"bookings {booking.pk} cancelled at closing stay cancelled" in r.getMessage() for r in caplog.records)


def test_a_visit_closed_without_bookings_reopens_without_the_bookings_note(left, officer):
    page = login(officer).get(reverse("interpreters:visit-detail", args=[left.pk])).content.decode()
    assert 'id="reopen-visit-confirm"' in page and 'id="reopen-bookings-note"' not in page
