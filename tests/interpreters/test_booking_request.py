import datetime as dt

import pytest
from django.utils import timezone

from interpreters.models import BookingEvent, BookingStatus, InterpreterBooking
from interpreters.selectors import bookings_for_user, visit_bookings
from interpreters.services import booking_cancel, booking_request, booking_request_or_existing, booking_transition
from tests.factories import MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import BookingFactory
from visits.errors import DomainError
from visits.models import StaffRole, UsageDirtyDay, VisitStatus

S = BookingStatus


def test_request_takes_language_from_the_visits_need_and_dispatches_after_commit(
    visit, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    assert (booking.language, booking.dialect, booking.status) == ("ar", "levantinsk", S.REQUESTED)
    assert booking.urgent is True
    event = BookingEvent.objects.get(booking=booking)
    assert (event.from_status, event.to_status, event.actor) == ("", S.REQUESTED, officer)
    # The dispatch task, sent only once the row is committed; the rollups only get a dirty mark.
    assert len(callbacks) == 1
    assert UsageDirtyDay.objects.filter(office=visit.office, day=visit.service_date).exists()


def test_a_rolled_back_request_sends_nothing(visit, officer, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                booking_request(visit=visit, requested_by=officer, modality="phone")
                raise RuntimeError("view failed after the service call")
    assert callbacks == []
    assert not InterpreterBooking.objects.exists()


def test_second_request_for_the_same_visit_returns_the_active_booking(visit, officer):
    first = booking_request(visit=visit, requested_by=officer, modality="phone")
    second = booking_request(visit=visit, requested_by=UserFactory(), modality="video")
    assert second.pk == first.pk
    assert InterpreterBooking.objects.count() == 1


def test_the_service_says_whether_the_booking_is_new(visit, officer):
    first, created = booking_request_or_existing(visit=visit, requested_by=officer, modality="phone")
    again, created_again = booking_request_or_existing(visit=visit, requested_by=officer, modality="video")
    assert created is True and created_again is False
    assert again.pk == first.pk and InterpreterBooking.objects.filter(visit=visit).count() == 1


def test_after_a_cancel_a_new_booking_can_be_made(visit, officer):
    first = booking_request(visit=visit, requested_by=officer, modality="phone")
    booking_cancel(booking=first, by=officer)
    second = booking_request(visit=visit, requested_by=officer, modality="phone")
    assert second.pk != first.pk
    assert second.status == S.REQUESTED


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"language": "zz-nonsense-tag"}, "language"),
        ({"language": "fi"}, "language"),  # valid, but no agency offers Finnish
        ({"modality": "on_site"}, "modality"),  # no agency offers on-site
        ({"modality": "telepathy"}, "modality"),
        ({"gender_preference": "x"}, "gender_preference"),
        ({"competence_required": "auktoriserad", "competence_wished": "utbildad"}, "competence_wished"),
        ({"scheduled_for": timezone.now() - dt.timedelta(hours=2)}, "scheduled_for"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_writes_nothing(visit, officer, kwargs, field):
    args = {"visit": visit, "requested_by": officer, "modality": "phone", **kwargs}
    with pytest.raises(DomainError) as err:
        booking_request(**args)
    assert err.value.field == field
    assert not InterpreterBooking.objects.exists()
    assert not BookingEvent.objects.exists()


@pytest.mark.parametrize("status", [VisitStatus.DONE, VisitStatus.LEFT])
def test_a_finished_visit_cannot_get_a_booking(visit, officer, status):
    visit.status = status
    visit.save()
    with pytest.raises(DomainError) as err:
        booking_request(visit=visit, requested_by=officer, modality="phone")
    assert err.value.field == "visit"
    assert not InterpreterBooking.objects.exists()


def test_a_visit_without_language_need_needs_a_language(office, agency, officer):
    visit = VisitFactory(office=office)
    with pytest.raises(DomainError) as err:
        booking_request(visit=visit, requested_by=officer, modality="phone")
    assert err.value.field == "language"
    booking = booking_request(visit=visit, requested_by=officer, modality="video", language="AR-sy")
    assert booking.language == "ar-SY"  # agency offering "ar" serves the regional variant


def test_prebooking_far_ahead_is_not_urgent(visit, officer):
    later = timezone.now() + dt.timedelta(days=2)
    booking = booking_request(visit=visit, requested_by=officer, modality="video", scheduled_for=later)
    assert booking.urgent is False
    assert booking.scheduled_for == later


def test_cancelling_a_completed_booking_is_refused(db, officer):
    booking = BookingFactory(status=S.COMPLETED)
    with pytest.raises(DomainError) as err:
        booking_cancel(booking=booking, by=officer)
    assert err.value.field == "status"
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED


def test_cancel_records_who_cancelled(visit, officer):
    booking = booking_request(visit=visit, requested_by=officer, modality="phone")
    booking_cancel(booking=booking, by=officer, reason="visitor_left", note="Gick hem")
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED and booking.cancelled_at is not None
    assert (booking.cancel_reason, booking.cancel_note, booking.cancellation_fee_ore) == ("visitor_left", "Gick hem", 0)
    event = booking.events.last()
    assert (event.to_status, event.actor, event.detail) == (
        S.CANCELLED,
        officer,
        {"reason": "visitor_left", "fee_ore": 0},
    )


def test_bookings_are_scoped_to_the_users_offices(visit, officer):
    mine = booking_request(visit=visit, requested_by=officer, modality="phone")
    other_visit = VisitFactory(office=OfficeFactory())
    theirs = BookingFactory(visit=other_visit)
    assert list(bookings_for_user(officer)) == [mine]
    outsider = UserFactory()
    MembershipFactory(user=outsider, office=other_visit.office, role=StaffRole.OFFICER)
    assert list(bookings_for_user(outsider)) == [theirs]
    admin = UserFactory(is_superuser=True)
    assert set(bookings_for_user(admin)) == {mine, theirs}


def test_visit_bookings_lists_newest_first_with_events(visit, officer):
    first = booking_request(visit=visit, requested_by=officer, modality="phone")
    booking_cancel(booking=first, by=officer)
    second = booking_request(visit=visit, requested_by=officer, modality="phone")
    booking_transition(booking=second, to_status=S.PENDING, source="worker")
    rows = list(visit_bookings(visit=visit))
    assert [b.pk for b in rows] == [second.pk, first.pk]
    assert [e.to_status for e in rows[0].events.all()] == [S.REQUESTED, S.PENDING]
