import threading

import pytest
from django.db import connection
from django.utils import timezone

from interpreters.desk.services import visit_outcome_record
from interpreters.models import BookingStatus, InterpreterBooking, Modality
from tests.factories import LanguageNeedFactory, VisitFactory
from visits.errors import DomainError
from visits.models import InterpreterWanted, NotUsedReason, VisitOutcome, VisitStatus
from visits.services import outcome_warnings, visit_outcome_required


def _booking(visit, status):
    return InterpreterBooking.objects.create(
        visit=visit, language="ar", modality=Modality.PHONE, status=status, requested_at=timezone.now()
    )


@pytest.fixture
def visit_in_service(db):
    return VisitFactory(status=VisitStatus.IN_SERVICE, started_at=timezone.now())


def test_it_records_interpreter_used(visit_in_service, officer):
    outcome, _created = visit_outcome_record(visit=visit_in_service, interpreter_used=True, recorded_by=officer)
    outcome.refresh_from_db()
    assert outcome.interpreter_used is True
    assert outcome.reason_not_used == ""
    assert outcome.recorded_by == officer
    assert outcome.visit_id == visit_in_service.pk


def test_it_records_not_used_with_reason(visit_in_service, officer):
    outcome, _created = visit_outcome_record(
        visit=visit_in_service,
        interpreter_used=False,
        reason_not_used=NotUsedReason.TOOK_TOO_LONG,
        recorded_by=officer,
    )
    assert VisitOutcome.objects.get(pk=outcome.pk).reason_not_used == "took_too_long"


def test_it_requires_a_reason_when_not_used(visit_in_service, officer):
    with pytest.raises(DomainError) as err:
        visit_outcome_record(visit=visit_in_service, interpreter_used=False, recorded_by=officer)
    assert err.value.field == "reason_not_used"
    assert not VisitOutcome.objects.exists()


def test_it_refuses_a_reason_when_used(visit_in_service, officer):
    with pytest.raises(DomainError) as err:
        visit_outcome_record(
            visit=visit_in_service, interpreter_used=True, reason_not_used="none_available", recorded_by=officer
        )
    assert err.value.field == "reason_not_used"
    assert not VisitOutcome.objects.exists()


def test_it_refuses_an_unknown_reason(visit_in_service, officer):
    with pytest.raises(DomainError) as err:
        visit_outcome_record(
            visit=visit_in_service, interpreter_used=False, reason_not_used="bored", recorded_by=officer
        )
    assert err.value.field == "reason_not_used"
    assert not VisitOutcome.objects.exists()


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_it_refuses_a_non_boolean_answer(visit_in_service, officer, value):
    with pytest.raises(DomainError) as err:
        visit_outcome_record(visit=visit_in_service, interpreter_used=value, recorded_by=officer)
    assert err.value.field == "interpreter_used"


def test_it_refuses_a_visit_still_waiting(db, officer):
    visit = VisitFactory(status=VisitStatus.WAITING)
    with pytest.raises(DomainError) as err:
        visit_outcome_record(visit=visit, interpreter_used=True, recorded_by=officer)
    assert err.value.field == "visit"
    assert not VisitOutcome.objects.exists()


@pytest.mark.parametrize("status", [VisitStatus.DONE, VisitStatus.LEFT])
def test_it_accepts_finished_visits(db, officer, status):
    now = timezone.now()
    visit = VisitFactory(status=status, checked_in_at=now, ended_at=now)
    outcome, _created = visit_outcome_record(
        visit=visit, interpreter_used=False, reason_not_used=NotUsedReason.VISITOR_LEFT, recorded_by=officer
    )
    assert outcome.pk is not None


def test_recording_twice_updates_the_one_outcome(visit_in_service, officer, receptionist):
    first, _created = visit_outcome_record(
        visit=visit_in_service, interpreter_used=False, reason_not_used="none_available", recorded_by=officer
    )
    second, _created = visit_outcome_record(visit=visit_in_service, interpreter_used=True, recorded_by=receptionist)
    assert VisitOutcome.objects.count() == 1
    assert second.pk == first.pk
    stored = VisitOutcome.objects.get()
    assert stored.interpreter_used is True and stored.reason_not_used == ""
    assert stored.recorded_by == receptionist


def test_recording_the_same_answer_twice_changes_nothing(visit_in_service, officer, receptionist):
    first, _created = visit_outcome_record(visit=visit_in_service, interpreter_used=True, recorded_by=officer)
    visit_outcome_record(visit=visit_in_service, interpreter_used=True, recorded_by=receptionist)
    stored = VisitOutcome.objects.get()
    assert stored.recorded_at == first.recorded_at
    assert stored.recorded_by == officer


@pytest.mark.parametrize("status", [BookingStatus.COMPLETED, BookingStatus.IN_PROGRESS])
def test_not_used_contradicts_a_connected_booking(visit_in_service, officer, status):
    _booking(visit_in_service, status)
    with pytest.raises(DomainError) as err:
        visit_outcome_record(
            visit=visit_in_service, interpreter_used=False, reason_not_used="solved_without", recorded_by=officer
        )
    assert err.value.field == "interpreter_used"
    assert not VisitOutcome.objects.exists()
    assert visit_outcome_record(visit=visit_in_service, interpreter_used=True, recorded_by=officer)[0].interpreter_used


@pytest.mark.parametrize("status", [BookingStatus.FAILED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW])
def test_not_used_is_fine_after_a_booking_that_never_connected(visit_in_service, officer, status):
    _booking(visit_in_service, status)
    outcome, _created = visit_outcome_record(
        visit=visit_in_service, interpreter_used=False, reason_not_used="none_available", recorded_by=officer
    )
    assert outcome.interpreter_used is False


def test_child_as_interpreter_is_recorded_with_a_warning(visit_in_service, officer):
    outcome, _created = visit_outcome_record(
        visit=visit_in_service, interpreter_used=False, reason_not_used=NotUsedReason.CHILD, recorded_by=officer
    )
    assert VisitOutcome.objects.get().reason_not_used == "child"
    assert outcome_warnings(outcome=outcome)
    other = VisitOutcome(interpreter_used=False, reason_not_used=NotUsedReason.RELATIVE)
    assert outcome_warnings(outcome=other) == []


@pytest.mark.parametrize(
    ("wanted", "required"),
    [
        (InterpreterWanted.YES, True),
        (InterpreterWanted.UNSURE, True),
        (InterpreterWanted.NO, False),
        (InterpreterWanted.DECLINED, False),
    ],
)
def test_outcome_is_required_when_an_interpreter_was_or_may_be_wanted(db, wanted, required):
    need = LanguageNeedFactory(interpreter_wanted=wanted)
    assert visit_outcome_required(visit=need.visit) is required


def test_outcome_is_not_required_without_a_language_need(visit_in_service):
    assert visit_outcome_required(visit=visit_in_service) is False


@pytest.mark.django_db(transaction=True)
def test_two_officers_recording_at_once_leave_one_outcome(officer):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    visit = VisitFactory(status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def record(used: bool) -> None:
        try:
            barrier.wait()
            visit_outcome_record(
                visit=visit, interpreter_used=used, reason_not_used="" if used else "none_available", recorded_by=None
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(used,)) for used in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert VisitOutcome.objects.filter(visit=visit).count() == 1
