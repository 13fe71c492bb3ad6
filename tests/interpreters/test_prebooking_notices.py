"""A pre-booking whose agency let its answer deadline pass (issue 11): passed to the next agency, or
failed for good when none is left, and in both cases its requester is notified by notification_send
inside the same transaction (a notice that cannot be written rolls the escalation back: never a
booking moved or failed without its notice, nor a notice for a move that did not happen)."""

import datetime as dt

import pytest
from django.utils import timezone

from config.outbox.models import OutboxMessage
from interpreters.models import BookingStatus, InterpreterBooking, Notification, NotificationEvent
from interpreters.services import agency as agency_module
from interpreters.services import booking_answer_deadline_pass
from interpreters.services import bookings as bookings_module
from interpreters.services.notifications import DELIVER_TASK
from tests.factories import AppointmentFactory, MembershipFactory, UserFactory
from tests.interpreters.factories import AgencyFactory, RankingFactory
from visits.models import StaffRole

S = BookingStatus


class NoticeFailed(Exception):
    pass


@pytest.fixture
def requester(office):
    user = UserFactory(username="bokare", email="bokare@example.se")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICER)
    return user


@pytest.fixture
def ranked(db):
    first = AgencyFactory(slug="forsta-n", name="Första", priority=1)
    second = AgencyFactory(slug="andra-n", name="Andra", priority=2)
    RankingFactory(agency=first, county="C", rank=1)
    RankingFactory(agency=second, county="C", rank=2)
    return first, second


def _past_deadline(office, agency, requester) -> InterpreterBooking:
    start = (timezone.localtime() + dt.timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    appointment = AppointmentFactory(office=office, start=start)
    return InterpreterBooking.objects.create(
        appointment=appointment, language="ar", modality="phone", status=S.PENDING, agency=agency,
        agency_reference="R-7", scheduled_for=start, requested_at=timezone.now() - dt.timedelta(days=2),
        answer_by=timezone.now() - dt.timedelta(minutes=1), requested_by=requester,
    )  # fmt: skip


def _notices(booking) -> list[tuple[str, int]]:
    return list(Notification.objects.filter(booking=booking).values_list("event", "recipient_id"))


def test_a_prebooking_passed_to_the_next_agency_notifies_its_requester(office, requester, ranked):
    first, second = ranked
    booking = _past_deadline(office, first, requester)
    assert booking_answer_deadline_pass(booking_id=booking.pk).action == "escalated"
    assert _notices(booking) == [(NotificationEvent.PREBOOKING_ESCALATED, requester.pk)]
    [row] = Notification.objects.filter(booking=booking)
    assert OutboxMessage.objects.filter(task=DELIVER_TASK, args=[row.pk]).exists()
    assert booking_answer_deadline_pass(booking_id=booking.pk).action == "noop"  # a second beat: no second notice
    assert len(_notices(booking)) == 1


def test_a_prebooking_with_no_agency_left_fails_and_notifies_its_requester(office, requester, ranked):
    booking = _past_deadline(office, ranked[1], requester)
    assert booking_answer_deadline_pass(booking_id=booking.pk).action == "failed"
    assert _notices(booking) == [(NotificationEvent.PREBOOKING_FAILED, requester.pk)]
    [row] = Notification.objects.filter(booking=booking)
    assert OutboxMessage.objects.filter(task=DELIVER_TASK, args=[row.pk]).exists()


def test_an_escalation_whose_notice_cannot_be_written_is_rolled_back_whole(office, requester, ranked, monkeypatch):
    first, _second = ranked
    booking = _past_deadline(office, first, requester)

    def broken(**kwargs):
        raise NoticeFailed

    monkeypatch.setattr(agency_module, "notification_send", broken)
    with pytest.raises(NoticeFailed):
        booking_answer_deadline_pass(booking_id=booking.pk)
    booking.refresh_from_db()
    assert (booking.agency, booking.status, booking.escalated_at) == (first, S.PENDING, None)
    assert not OutboxMessage.objects.exists()  # no withdrawal, no dispatch to the next agency
    assert not booking.events.exists()


def test_a_failure_whose_notice_cannot_be_written_is_rolled_back_whole(office, requester, ranked, monkeypatch):
    booking = _past_deadline(office, ranked[1], requester)

    def broken(**kwargs):
        raise NoticeFailed

    monkeypatch.setattr(bookings_module, "notification_send", broken)
    with pytest.raises(NoticeFailed):
        booking_answer_deadline_pass(booking_id=booking.pk)
    booking.refresh_from_db()
    assert (booking.status, booking.failure_reason) == (S.PENDING, "")
    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()
