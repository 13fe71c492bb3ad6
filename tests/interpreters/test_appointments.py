"""Appointments with pre-booked interpreters (issue 11): the API contract, moving and cancelling with
the booking, check-in, no-shows, answer deadlines and their escalation, reports and retention."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from rest_framework.test import APIClient

from config.outbox.models import OutboxMessage
from interpreters.models import BookingEvent, BookingStatus, CancelReason, InterpreterBooking
from interpreters.services import booking_answer_deadline_pass, bookings_past_answer_by
from tests.factories import (
    AppointmentFactory,
    AuthorityFactory,
    MembershipFactory,
    OfficeFactory,
    UserFactory,
)
from tests.interpreters.factories import AgencyFactory, RankingFactory, seed_price_lists
from visits.models import Appointment, AppointmentStatus, StaffRole, UsageDirtyDay, Visit
from visits.services import appointments_no_show_due, visit_check_in

S = BookingStatus


def _client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _at(days: int, hour: int = 10) -> dt.datetime:
    return (timezone.localtime() + dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def _body(office, **extra) -> dict:
    body = {
        "office": office.pk,
        "authority": "forsakringskassan",
        "start": _at(40).isoformat(),
        "expected_minutes": 45,
        "language_need": {"language": "ar", "interpreter_wanted": "yes", "identified_by": "visitor_said"},
        "visitor_name": "Amal Haddad",
        "visitor_phone": "+46701234567",
    }
    body.update(extra)
    return body


@pytest.fixture
def agencies(db):
    seed_price_lists()
    first = AgencyFactory(slug="forsta", name="Första", priority=1)
    second = AgencyFactory(slug="andra", name="Andra", priority=2)
    RankingFactory(agency=first, county="C", rank=1)
    RankingFactory(agency=second, county="C", rank=2)
    return first, second


@pytest.fixture
def setting(office, officer, receptionist, agencies):
    AuthorityFactory()
    return office, officer, receptionist


# --- the API contract ---------------------------------------------------------------------------------


def test_creating_an_appointment_with_an_interpreter_answers_201_with_the_booking_and_its_deadline(setting):
    office, officer, _receptionist = setting
    response = _client(officer).post(
        "/api/v1/appointments/", _body(office, interpreter={"modality": "video"}), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    appointment = Appointment.objects.get(pk=data["id"])
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert (appointment.language, appointment.visitor_name, appointment.created_by) == ("ar", "Amal Haddad", officer)
    booking = InterpreterBooking.objects.get(appointment=appointment)
    assert booking.visit is None
    assert (booking.modality, booking.scheduled_for, booking.minutes_ordered) == ("video", appointment.start, 45)
    # 40 days ahead is more than 20 working days: the agency has 4 working days, at the same clock time.
    assert booking.answer_by is not None and booking.answer_by > timezone.now() + dt.timedelta(days=3)
    assert data["booking"]["id"] == booking.pk
    assert data["booking"]["answer_by"] is not None
    assert data["booking"]["appointment"] == appointment.pk
    assert data["date"] == appointment.service_date.isoformat()
    # The dispatch goes out through the outbox, and the office-day is marked for the reports.
    assert OutboxMessage.objects.filter(task="interpreters.booking_dispatch_step", args=[booking.pk]).exists()
    assert UsageDirtyDay.objects.filter(office=office, day=appointment.service_date).exists()


def test_an_appointment_in_the_past_is_refused_on_start_and_nothing_is_written(setting):
    office, officer, _receptionist = setting
    past = (timezone.localtime() - dt.timedelta(hours=1)).isoformat()
    response = _client(officer).post(
        "/api/v1/appointments/", _body(office, start=past, interpreter={"modality": "phone"}), format="json"
    )
    assert response.status_code == 400
    assert "start" in response.json()
    assert not Appointment.objects.exists()
    assert not InterpreterBooking.objects.exists()


def test_a_start_without_its_offset_is_refused(setting):
    office, officer, _receptionist = setting
    naive = _at(5).replace(tzinfo=None).isoformat()
    response = _client(officer).post("/api/v1/appointments/", _body(office, start=naive), format="json")
    assert response.status_code == 400
    assert "start" in response.json()
    assert not Appointment.objects.exists()


def test_a_receptionist_books_an_appointment_but_may_not_pre_book_an_interpreter(setting):
    office, _officer, receptionist = setting
    client = _client(receptionist)
    refused = client.post("/api/v1/appointments/", _body(office, interpreter={"modality": "phone"}), format="json")
    assert refused.status_code == 403
    assert not Appointment.objects.exists()
    booked = client.post("/api/v1/appointments/", _body(office), format="json")
    assert booked.status_code == 201
    assert booked.json()["booking"] is None


def test_another_offices_appointment_is_not_found(setting):
    _office, officer, _receptionist = setting
    elsewhere = AppointmentFactory(office=OfficeFactory(), start=_at(3))
    client = _client(officer)
    assert client.get(f"/api/v1/appointments/{elsewhere.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/appointments/{elsewhere.pk}/", {"expected_minutes": 30}, format="json").status_code
        == 404
    )
    assert client.delete(f"/api/v1/appointments/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/api/v1/appointments/?office={elsewhere.office_id}").status_code == 404
    assert client.post("/api/v1/appointments/", _body(elsewhere.office), format="json").status_code == 404
    elsewhere.refresh_from_db()
    assert (elsewhere.status, elsewhere.expected_minutes) == (AppointmentStatus.SCHEDULED, 45)


def test_the_list_shows_one_offices_day_without_visitor_details(setting):
    office, officer, _receptionist = setting
    day = _at(3)
    wanted = AppointmentFactory(office=office, start=day, visitor_name="Amal Haddad")
    AppointmentFactory(office=office, start=day + dt.timedelta(days=1))
    AppointmentFactory(office=OfficeFactory(), start=day)
    response = _client(officer).get(f"/api/v1/appointments/?office={office.pk}&date={day.date().isoformat()}")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["id"] for row in results] == [wanted.pk]
    assert "visitor_name" not in results[0]
    bad = _client(officer).get(f"/api/v1/appointments/?office={office.pk}&date=tomorrow")
    assert bad.status_code == 400 and "date" in bad.json()


def test_reading_one_appointment_is_logged(setting):
    from auditlog.models import LogEntry

    office, officer, _receptionist = setting
    appointment = AppointmentFactory(office=office, start=_at(3), visitor_name="Amal Haddad")
    response = _client(officer).get(f"/api/v1/appointments/{appointment.pk}/")
    assert response.json()["visitor_name"] == "Amal Haddad"
    read = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_id=appointment.pk)
    assert read.actor == officer
    assert "visitor_name" in read.additional_data["fields"]


# --- moving and cancelling ----------------------------------------------------------------------------


def _booked(office, officer, *, days: int = 40) -> tuple[Appointment, InterpreterBooking]:
    response = _client(officer).post(
        "/api/v1/appointments/",
        _body(office, start=_at(days).isoformat(), interpreter={"modality": "phone"}),
        format="json",
    )
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get(pk=response.json()["id"])
    return appointment, InterpreterBooking.objects.get(appointment=appointment)


def test_moving_an_appointment_re_times_its_booking_and_tells_the_agency(setting, agencies):
    office, officer, _receptionist = setting
    appointment, booking = _booked(office, officer)
    InterpreterBooking.objects.filter(pk=booking.pk).update(
        status=S.PENDING, agency=agencies[0], agency_reference="R-1"
    )
    new_start = _at(45, hour=13)
    response = _client(officer).patch(
        f"/api/v1/appointments/{appointment.pk}/",
        {"start": new_start.isoformat(), "expected_minutes": 60, "version": appointment.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    booking.refresh_from_db()
    assert (booking.scheduled_for, booking.minutes_ordered) == (new_start, 60)
    assert booking.events.filter(detail__kind="retimed").exists()
    assert OutboxMessage.objects.filter(task="interpreters.booking_reschedule_at_agency", args=[booking.pk]).exists()
    assert response.json()["version"] == appointment.version + 1


def test_a_receptionist_may_not_move_or_cancel_an_appointment_holding_a_booking(setting):
    office, officer, receptionist = setting
    appointment, booking = _booked(office, officer)
    client = _client(receptionist)
    moved = client.patch(f"/api/v1/appointments/{appointment.pk}/", {"start": _at(50).isoformat()}, format="json")
    assert moved.status_code == 403
    assert client.delete(f"/api/v1/appointments/{appointment.pk}/").status_code == 403
    appointment.refresh_from_db()
    booking.refresh_from_db()
    assert (appointment.status, booking.status) == (AppointmentStatus.SCHEDULED, S.REQUESTED)


def test_a_booking_that_has_started_cannot_be_moved_and_the_appointment_stays(setting):
    office, officer, _receptionist = setting
    appointment, booking = _booked(office, officer)
    InterpreterBooking.objects.filter(pk=booking.pk).update(status=S.IN_PROGRESS)
    before = appointment.start
    response = _client(officer).patch(
        f"/api/v1/appointments/{appointment.pk}/", {"start": _at(50).isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "start" in response.json()
    appointment.refresh_from_db()
    assert (appointment.start, appointment.version) == (before, 1)


def test_an_appointment_that_has_started_cannot_be_moved(setting):
    office, officer, _receptionist = setting
    appointment = AppointmentFactory(office=office, start=timezone.now() - dt.timedelta(minutes=5))
    response = _client(officer).patch(
        f"/api/v1/appointments/{appointment.pk}/", {"start": _at(2).isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "start" in response.json()


def test_a_move_with_a_stale_version_is_refused_so_no_update_is_lost(setting):
    office, officer, _receptionist = setting
    appointment = AppointmentFactory(office=office, start=_at(3))
    first = _client(officer).patch(
        f"/api/v1/appointments/{appointment.pk}/", {"start": _at(4).isoformat(), "version": 1}, format="json"
    )
    other_officer = UserFactory()
    MembershipFactory(user=other_officer, office=office, role=StaffRole.OFFICER)
    second = _client(other_officer).patch(
        f"/api/v1/appointments/{appointment.pk}/", {"start": _at(6).isoformat(), "version": 1}, format="json"
    )
    assert first.status_code == 200
    assert second.status_code == 400
    assert "version" in second.json()
    appointment.refresh_from_db()
    assert appointment.start == _at(4)


@pytest.mark.django_db(transaction=True)
def test_two_officers_moving_the_same_appointment_at_once_one_wins_and_one_is_told(office, officer):
    if connection.vendor == "sqlite":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them in one file lock anyway)")
    AuthorityFactory()
    appointment = AppointmentFactory(office=office, start=_at(3))
    results: list[int] = []
    barrier = threading.Barrier(2)

    def move(days: int) -> None:
        try:
            barrier.wait()
            response = _client(officer).patch(
                f"/api/v1/appointments/{appointment.pk}/",
                {"start": _at(days).isoformat(), "version": 1},
                format="json",
            )
            results.append(response.status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=move, args=(days,)) for days in (4, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 400]
    appointment.refresh_from_db()
    assert appointment.version == 2


def test_deleting_cancels_the_appointment_and_its_booking_keeping_both_rows(setting, agencies):
    office, officer, _receptionist = setting
    appointment, booking = _booked(office, officer)
    InterpreterBooking.objects.filter(pk=booking.pk).update(
        status=S.PENDING, agency=agencies[0], agency_reference="R-1"
    )
    response = _client(officer).delete(f"/api/v1/appointments/{appointment.pk}/")
    assert response.status_code == 204
    appointment.refresh_from_db()
    booking.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == (AppointmentStatus.CANCELLED, officer)
    assert (booking.status, booking.cancel_reason) == (S.CANCELLED, CancelReason.APPOINTMENT_CANCELLED)
    # 40 days ahead is well before the price list's late-cancellation window: the fee is the
    # broker fee only (the demo lists have none), never the full price.
    assert booking.cancellation_fee_ore is not None and booking.cancellation_fee_ore < (booking.cost_estimated_ore or 1)
    assert OutboxMessage.objects.filter(task="interpreters.booking_cancel_at_agency", args=[booking.pk]).exists()
    # Cancelling again changes nothing.
    assert _client(officer).delete(f"/api/v1/appointments/{appointment.pk}/").status_code == 204


def test_a_late_cancellation_costs_the_full_price(setting, agencies):
    office, officer, _receptionist = setting
    appointment, booking = _booked(office, officer, days=40)
    soon = timezone.now() + dt.timedelta(hours=3)
    Appointment.objects.filter(pk=appointment.pk).update(start=soon, service_date=timezone.localdate(soon))
    InterpreterBooking.objects.filter(pk=booking.pk).update(
        status=S.PENDING, agency=agencies[0], agency_reference="R-1", scheduled_for=soon
    )
    assert _client(officer).delete(f"/api/v1/appointments/{appointment.pk}/").status_code == 204
    booking.refresh_from_db()
    assert booking.cancellation_fee_ore and booking.cancellation_fee_ore > 0


# --- check-in and no-shows ----------------------------------------------------------------------------


def _later_today(*, minutes: int) -> dt.datetime:
    """Some minutes from now, but still today in Stockholm: only today's appointments can be checked
    in, and a run shortly before local midnight would otherwise put the appointment on tomorrow."""
    now = timezone.localtime()
    last = now.replace(hour=23, minute=59, second=0, microsecond=0)
    return min(now + dt.timedelta(minutes=minutes), max(last, now))


def test_checking_in_for_an_appointment_links_the_visit_and_moves_the_booking(setting):
    office, officer, receptionist = setting
    start = _later_today(minutes=20)
    appointment = AppointmentFactory(
        office=office, start=start, service_date=timezone.localdate(start), dialect="levantinsk"
    )
    booking = InterpreterBooking.objects.create(
        appointment=appointment, language="ar", modality="phone", scheduled_for=start, requested_at=timezone.now()
    )
    response = _client(receptionist).post(
        "/api/v1/visits/",
        {"office": office.pk, "authority": "forsakringskassan", "appointment": appointment.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    visit = Visit.objects.get(pk=response.json()["id"])
    appointment.refresh_from_db()
    booking.refresh_from_db()
    assert visit.appointment == appointment
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert (booking.visit, booking.appointment) == (visit, None)
    # The language need came with the appointment.
    assert (visit.language_need.language, visit.language_need.dialect) == ("ar", "levantinsk")
    assert BookingEvent.objects.filter(booking=booking, detail__kind="checked_in").exists()


def test_an_appointment_of_another_day_or_office_cannot_be_checked_in(setting):
    office, _officer, receptionist = setting
    tomorrow = AppointmentFactory(office=office, start=_at(1))
    elsewhere = AppointmentFactory(office=OfficeFactory(), start=timezone.now() + dt.timedelta(minutes=5))
    client = _client(receptionist)
    for appointment in (tomorrow, elsewhere):
        response = client.post(
            "/api/v1/visits/",
            {"office": office.pk, "authority": "forsakringskassan", "appointment": appointment.pk},
            format="json",
        )
        assert response.status_code == 400
        assert "appointment" in response.json()
    assert not Visit.objects.exists()


def test_the_beat_records_no_shows_and_their_booking_keeps_counting_on_that_date(setting):
    from visits.reports.selectors import UsageQuery, usage_counters
    from visits.reports.services import usage_dirty_days_refresh

    office, _officer, _receptionist = setting
    start = timezone.now() - dt.timedelta(hours=3)
    missed = AppointmentFactory(office=office, start=start, service_date=timezone.localdate(start))
    InterpreterBooking.objects.create(
        appointment=missed, language="ar", modality="phone", status=S.CANCELLED, scheduled_for=start,
        requested_at=start - dt.timedelta(days=2), cancellation_fee_ore=12_000,
    )  # fmt: skip
    upcoming = AppointmentFactory(office=office, start=timezone.now() + dt.timedelta(minutes=10))
    assert appointments_no_show_due() == [missed.pk]
    assert appointments_no_show_due() == []  # a second run finds nothing
    missed.refresh_from_db()
    upcoming.refresh_from_db()
    assert (missed.status, upcoming.status) == (AppointmentStatus.NO_SHOW, AppointmentStatus.SCHEDULED)
    usage_dirty_days_refresh()
    q = UsageQuery(date_from=missed.service_date, date_to=missed.service_date, office=office.pk)
    raw = usage_counters(q, source="raw")
    assert usage_counters(q, source="rollup") == raw
    [counters] = raw.values()
    assert (counters["bookings"], counters["bookings_cancelled"], counters["cancellation_fees_ore"]) == (1, 1, 12_000)


def test_a_no_show_cannot_be_recorded_before_the_start(setting):
    office, officer, _receptionist = setting
    appointment = AppointmentFactory(office=office, start=_at(2))
    response = _client(officer).patch(f"/api/v1/appointments/{appointment.pk}/", {"status": "no_show"}, format="json")
    assert response.status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED


# --- answer deadlines and escalation ------------------------------------------------------------------


def _pending_past_deadline(office, agency) -> InterpreterBooking:
    start = _at(10)
    appointment = AppointmentFactory(office=office, start=start)
    return InterpreterBooking.objects.create(
        appointment=appointment, language="ar", modality="phone", status=S.PENDING, agency=agency,
        agency_reference="R-9", scheduled_for=start, requested_at=timezone.now() - dt.timedelta(days=2),
        answer_by=timezone.now() - dt.timedelta(minutes=1),
    )  # fmt: skip


def test_an_agency_that_misses_its_deadline_loses_the_booking_to_the_next_in_the_ranking(setting, agencies):
    office, _officer, _receptionist = setting
    first, second = agencies
    booking = _pending_past_deadline(office, first)
    assert bookings_past_answer_by() == [booking.pk]
    outcome = booking_answer_deadline_pass(booking_id=booking.pk)
    assert outcome.action == "escalated"
    booking.refresh_from_db()
    assert (booking.agency, booking.agency_reference, booking.status) == (second, "", S.PENDING)
    assert booking.answer_by is not None and booking.answer_by > timezone.now()
    # The first agency is told to drop it (a system reason, no fee), and the second gets it.
    withdraw = OutboxMessage.objects.get(task="interpreters.booking_cancel_orphan")
    assert withdraw.args == [booking.pk, first.pk, CancelReason.SYSTEM_DEADLINE]
    assert OutboxMessage.objects.filter(task="interpreters.booking_dispatch_step", args=[booking.pk]).exists()
    # Idempotent: a second run (another beat) changes nothing.
    assert booking_answer_deadline_pass(booking_id=booking.pk).action == "noop"
    assert OutboxMessage.objects.filter(task="interpreters.booking_cancel_orphan").count() == 1


def test_when_no_agency_is_left_the_booking_fails(setting, agencies):
    office, _officer, _receptionist = setting
    booking = _pending_past_deadline(office, agencies[1])
    outcome = booking_answer_deadline_pass(booking_id=booking.pk)
    assert outcome.action == "failed"
    booking.refresh_from_db()
    assert booking.status == S.FAILED
    assert "deadline" in booking.failure_reason
    assert booking_answer_deadline_pass(booking_id=booking.pk).action == "noop"


def test_an_agency_confirming_first_keeps_its_booking(setting, agencies):
    office, _officer, _receptionist = setting
    booking = _pending_past_deadline(office, agencies[0])
    InterpreterBooking.objects.filter(pk=booking.pk).update(status=S.CONFIRMED)
    assert booking_answer_deadline_pass(booking_id=booking.pk).action == "noop"
    booking.refresh_from_db()
    assert (booking.agency, booking.status) == (agencies[0], S.CONFIRMED)


def test_ordered_too_late_for_the_framework_the_officer_must_set_answer_by(setting):
    office, officer, _receptionist = setting
    soon = timezone.now() + dt.timedelta(hours=2)
    client = _client(officer)
    refused = client.post(
        "/api/v1/appointments/", _body(office, start=soon.isoformat(), interpreter={"modality": "phone"}), format="json"
    )
    assert refused.status_code == 400
    assert not Appointment.objects.exists()
    answer_by = soon - dt.timedelta(hours=1)
    ok = client.post(
        "/api/v1/appointments/",
        _body(office, start=soon.isoformat(), interpreter={"modality": "phone", "answer_by": answer_by.isoformat()}),
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert dt.datetime.fromisoformat(ok.json()["booking"]["answer_by"]) == answer_by


# --- retention ----------------------------------------------------------------------------------------


def test_an_appointments_visitor_details_are_purged_a_period_after_its_date(setting):
    from visits.retention import visit_purge_personal_data

    office, _officer, _receptionist = setting
    old_start = timezone.now() - dt.timedelta(days=200)
    old = AppointmentFactory(
        office=office, start=old_start, service_date=timezone.localdate(old_start), visitor_name="Amal Haddad",
        visitor_phone="+46701234567", dialect="levantinsk", status=AppointmentStatus.NO_SHOW,
    )  # fmt: skip
    booking = InterpreterBooking.objects.create(
        appointment=old, language="ar", dialect="levantinsk", modality="phone", status=S.CANCELLED,
        cancel_note="Ring Amal på 070-123 45 67", requested_at=old_start,
    )  # fmt: skip
    recent = AppointmentFactory(office=office, start=_at(2), visitor_name="Kvar Kvist")
    result = visit_purge_personal_data(older_than_days=90)
    assert result.appointments == 1
    old.refresh_from_db()
    booking.refresh_from_db()
    recent.refresh_from_db()
    assert (old.visitor_name, str(old.visitor_phone or ""), old.dialect) == ("", "", "")
    assert old.personal_data_erased_at is not None
    assert (old.language, old.status) == ("ar", AppointmentStatus.NO_SHOW)  # what the reports count stays
    assert (booking.cancel_note, booking.dialect, booking.language) == ("", "", "ar")
    assert recent.visitor_name == "Kvar Kvist"
    assert visit_purge_personal_data(older_than_days=90).appointments == 0


def test_check_in_service_refuses_an_appointment_already_checked_in(setting):
    office, _officer, receptionist = setting
    start = _later_today(minutes=30)
    appointment = AppointmentFactory(office=office, start=start, service_date=timezone.localdate(start))
    authority = AuthorityFactory()
    visit_check_in(office=office, authority=authority, checked_in_by=receptionist, appointment=appointment)
    from visits.errors import DomainError

    with pytest.raises(DomainError) as err:
        visit_check_in(office=office, authority=authority, checked_in_by=receptionist, appointment=appointment)
    assert err.value.field == "appointment"
    assert Visit.objects.count() == 1


# --- the day view page --------------------------------------------------------------------------------


def test_the_day_page_lists_the_day_and_books_moves_and_cancels(setting):
    from django.test import Client

    office, officer, _receptionist = setting
    day = _at(3)
    existing = AppointmentFactory(office=office, start=day, visitor_name="Amal Haddad")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)
    page = client.get(f"/appointments/?office={office.pk}&date={day.date().isoformat()}")
    assert page.status_code == 200
    assert "Amal Haddad" in page.content.decode()
    booked = client.post(
        "/appointments/new/",
        {
            "office": office.pk,
            "authority": existing.authority_id,
            "day": day.date().isoformat(),
            "at": "13:30",
            "expected_minutes": 30,
            "language": "ti",
            "interpreter_wanted": "yes",
            "modality": "phone",
        },
    )
    assert booked.status_code == 302
    new = Appointment.objects.exclude(pk=existing.pk).get()
    assert (timezone.localtime(new.start).strftime("%H:%M"), new.language) == ("13:30", "ti")
    moved = client.post(
        f"/appointments/{existing.pk}/move/",
        {
            f"move-{existing.pk}-day": day.date().isoformat(),
            f"move-{existing.pk}-at": "15:00",
            f"move-{existing.pk}-expected_minutes": 60,
            f"move-{existing.pk}-version": 1,
        },
    )
    assert moved.status_code == 302
    existing.refresh_from_db()
    assert (timezone.localtime(existing.start).strftime("%H:%M"), existing.expected_minutes) == ("15:00", 60)
    assert client.post(f"/appointments/{new.pk}/cancel/").status_code == 302
    new.refresh_from_db()
    assert new.status == AppointmentStatus.CANCELLED


def test_a_receptionist_books_an_appointment_on_the_day_page_without_the_interpreter_fields(setting):
    from django.test import Client

    office, _officer, receptionist = setting
    day = _at(3)
    authority = AppointmentFactory(office=office, start=day).authority_id
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(receptionist)
    page = client.get(f"/appointments/?office={office.pk}&date={day.date().isoformat()}").content.decode()
    assert 'name="modality"' not in page and 'name="prebook"' not in page
    booked = client.post(
        "/appointments/new/",
        {
            "office": office.pk,
            "authority": authority,
            "day": day.date().isoformat(),
            "at": "13:30",
            "expected_minutes": 30,
            "language": "ti",
            "interpreter_wanted": "yes",
        },
    )
    assert booked.status_code == 302
    new = Appointment.objects.get(office=office, language="ti")
    assert not InterpreterBooking.objects.filter(appointment=new).exists()


def test_the_day_page_keeps_the_form_and_shows_the_error_for_a_past_start(setting):
    from django.test import Client

    office, officer, _receptionist = setting
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        "/appointments/new/",
        {
            "office": office.pk,
            "authority": AuthorityFactory().pk,
            "day": yesterday.isoformat(),
            "at": "10:00",
            "expected_minutes": 30,
            "interpreter_wanted": "yes",
            "modality": "phone",
        },
    )
    assert response.status_code == 400
    assert "The start is in the past." in response.content.decode()
    assert not Appointment.objects.exists()
