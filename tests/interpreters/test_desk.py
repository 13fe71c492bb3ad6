import pytest
from django.utils import timezone

from interpreters.desk.services import booking_request_at_desk, visit_close
from interpreters.models import BookingStatus, InterpreterBooking
from tests.factories import LanguageNeedFactory, VisitFactory
from tests.interpreters.factories import BookingFactory
from visits.errors import DomainError
from visits.models import InterpreterWanted, LanguageNeed, VisitOutcome, VisitStatus
from visits.services import LanguageNeedInput


@pytest.fixture
def serving(db):
    return VisitFactory(status=VisitStatus.IN_SERVICE, started_at=timezone.now())


def test_done_needs_the_outcome_when_an_interpreter_was_wanted(serving, officer):
    LanguageNeedFactory(visit=serving, interpreter_wanted=InterpreterWanted.YES)
    booking = BookingFactory(visit=serving, status=BookingStatus.PENDING)
    with pytest.raises(DomainError) as err:
        visit_close(visit=serving, status=VisitStatus.DONE, by=officer)
    assert err.value.field == "interpreter_used"
    serving.refresh_from_db()
    booking.refresh_from_db()
    assert serving.status == VisitStatus.IN_SERVICE
    assert booking.status == BookingStatus.PENDING  # nothing half-done


def test_done_with_an_outcome_recorded_earlier_needs_no_new_answer(serving, officer):
    LanguageNeedFactory(visit=serving)
    VisitOutcome.objects.create(visit=serving, interpreter_used=True, recorded_at=timezone.now())
    assert visit_close(visit=serving, status=VisitStatus.DONE, by=officer).status == VisitStatus.DONE


def test_done_records_outcome_and_withdraws_the_unstarted_booking(serving, officer):
    LanguageNeedFactory(visit=serving)
    booking = BookingFactory(visit=serving, status=BookingStatus.CONFIRMED)
    visit = visit_close(
        visit=serving, status=VisitStatus.DONE, by=officer, interpreter_used=False, reason_not_used="took_too_long"
    )
    assert visit.status == VisitStatus.DONE and visit.ended_at is not None
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert VisitOutcome.objects.get(visit=serving).reason_not_used == "took_too_long"


def test_a_bad_outcome_rolls_back_the_cancel_and_the_status(serving, officer):
    LanguageNeedFactory(visit=serving)
    booking = BookingFactory(visit=serving, status=BookingStatus.CONFIRMED)
    with pytest.raises(DomainError):
        visit_close(visit=serving, status=VisitStatus.DONE, by=officer, interpreter_used=False, reason_not_used="")
    booking.refresh_from_db()
    serving.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert serving.status == VisitStatus.IN_SERVICE
    assert not VisitOutcome.objects.exists()


def test_visitor_who_left_is_counted_as_not_used_visitor_left(db, officer):
    waiting = VisitFactory()
    LanguageNeedFactory(visit=waiting, interpreter_wanted=InterpreterWanted.UNSURE)
    booking = BookingFactory(visit=waiting, status=BookingStatus.REQUESTED)
    visit = visit_close(visit=waiting, status=VisitStatus.LEFT, by=officer)
    assert visit.status == VisitStatus.LEFT
    outcome = VisitOutcome.objects.get(visit=waiting)
    assert (outcome.interpreter_used, outcome.reason_not_used) == (False, "visitor_left")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_visitor_left_during_a_call_counts_as_used_and_the_call_is_left_alone(serving, officer):
    LanguageNeedFactory(visit=serving)
    booking = BookingFactory(visit=serving, status=BookingStatus.IN_PROGRESS)
    visit_close(visit=serving, status=VisitStatus.LEFT, by=officer)
    assert VisitOutcome.objects.get(visit=serving).interpreter_used is True
    booking.refresh_from_db()
    assert booking.status == BookingStatus.IN_PROGRESS


def test_visitor_left_without_a_need_records_no_outcome(db, officer):
    waiting = VisitFactory()
    visit_close(visit=waiting, status=VisitStatus.LEFT, by=officer)
    assert not VisitOutcome.objects.exists()


def test_only_done_or_left_close_a_visit(serving, officer):
    with pytest.raises(DomainError) as err:
        visit_close(visit=serving, status=VisitStatus.WAITING, by=officer)
    assert err.value.field == "status"


def test_a_closed_visit_cannot_be_closed_again(serving, officer):
    visit_close(visit=serving, status=VisitStatus.DONE, by=officer)
    with pytest.raises(DomainError):
        visit_close(visit=serving, status=VisitStatus.LEFT, by=officer)


def test_a_confirmed_booking_the_officer_says_was_used_is_not_cancelled(serving, officer):
    LanguageNeedFactory(visit=serving)
    confirmed = BookingFactory(visit=serving, status=BookingStatus.CONFIRMED)
    visit_close(visit=serving, status=VisitStatus.DONE, by=officer, interpreter_used=True)
    confirmed.refresh_from_db()
    assert confirmed.status == BookingStatus.CONFIRMED
    assert VisitOutcome.objects.get(visit=serving).interpreter_used is True


def test_a_booking_still_pending_is_withdrawn_even_if_used(serving, officer):
    # No interpreter was assigned yet (e.g. one came on site another way): the open order is withdrawn.
    pending = BookingFactory(visit=serving, status=BookingStatus.PENDING)
    visit_close(visit=serving, status=VisitStatus.DONE, by=officer, interpreter_used=True)
    pending.refresh_from_db()
    assert pending.status == BookingStatus.CANCELLED


def test_the_desk_request_records_the_missing_need_and_the_booking_together(serving, officer, agency):
    booking = booking_request_at_desk(
        visit=serving, need=LanguageNeedInput(language="ar"), requested_by=officer, modality="phone", scheduled_for=None
    )
    need = LanguageNeed.objects.get(visit=serving)
    assert (need.language, need.interpreter_wanted) == ("ar", InterpreterWanted.YES)
    assert booking.language == "ar"


def test_a_refused_desk_request_leaves_no_language_need_behind(serving, officer, agency):
    with pytest.raises(DomainError) as err:
        booking_request_at_desk(
            visit=serving,
            need=LanguageNeedInput(language="ar"),
            requested_by=officer,
            modality="carrier-pigeon",
            scheduled_for=None,
        )
    assert err.value.field == "modality"
    assert not LanguageNeed.objects.filter(visit=serving).exists()
    assert not InterpreterBooking.objects.exists()
