"""Appointments together with their pre-booked interpreter (issue 11).

The appointment is the visits app's (visits/services.py: appointment_create, appointment_move,
appointment_cancel); its interpreter booking is this app's. Each write here runs the appointment's
service with an `also` step that handles the booking in the same transaction, so an appointment and
its booking are written, moved or cancelled together or not at all.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Unpack

from django.contrib.auth.models import User
from django.utils import timezone

from interpreters.models import ACTIVE_BOOKING_STATUSES, CancelReason, InterpreterBooking
from interpreters.services.bookings import booking_cancel, booking_event_record, booking_prebook, booking_retime
from visits.models import Appointment, Authority, Visit
from visits.services import AppointmentAsk, LanguageNeedInput, appointment_cancel, appointment_create, appointment_move


@dataclass(frozen=True)
class PreBookingInput:
    """The interpreter to pre-book with an appointment: modality and requirements as a booking's
    (interpreters/services/requirements.py), and `answer_by` only when ordered at short notice."""

    modality: str
    requirements: list[Any] = field(default_factory=list)
    answer_by: datetime | None = None


def appointment_live_booking(appointment: Appointment) -> InterpreterBooking | None:
    return InterpreterBooking.objects.filter(appointment=appointment, status__in=ACTIVE_BOOKING_STATUSES).first()


def appointment_book(
    *, interpreter: PreBookingInput | None = None, now: datetime | None = None, **details: Unpack[AppointmentAsk]
) -> tuple[Appointment, InterpreterBooking | None]:
    """Create an appointment (`details`: visits/services.py:appointment_create) and, with
    `interpreter`, pre-book its interpreter: together or not at all (a refused booking leaves no
    appointment behind)."""
    now = now or timezone.now()
    booked: list[InterpreterBooking] = []

    def prebook(appointment: Appointment) -> None:
        if interpreter is None:
            return
        booked.append(
            booking_prebook(
                appointment=appointment,
                requested_by=details["created_by"],
                modality=interpreter.modality,
                requirements=interpreter.requirements,
                answer_by=interpreter.answer_by,
                now=now,
            )
        )

    appointment = appointment_create(now=now, also=prebook, **details)
    return appointment, (booked[0] if booked else None)


def appointment_reschedule(
    *,
    appointment: Appointment,
    by: User | None,
    start: datetime | None = None,
    expected_minutes: int | None = None,
    authority: Authority | None = None,
    language_need: LanguageNeedInput | None = None,
    visitor_name: str | None = None,
    visitor_phone: str | None = None,
    visitor_email: str | None = None,
    reminder_consent: bool | None = None,
    reminder_channel: str | None = None,
    expected_version: int | None = None,
    answer_by: datetime | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment; its live booking takes the new time and the agency is told
    (booking_retime). A booking whose interpreter has started refuses the move (400), and the
    appointment stays where it was."""
    now = now or timezone.now()

    def retime(locked: Appointment, old_start: datetime) -> None:
        booking = appointment_live_booking(locked)
        if booking is not None and (start is not None or expected_minutes is not None):
            booking_retime(booking=booking, by=by, answer_by=answer_by, now=now)

    return appointment_move(
        appointment=appointment,
        by=by,
        start=start,
        expected_minutes=expected_minutes,
        authority=authority,
        language_need=language_need,
        visitor_name=visitor_name,
        visitor_phone=visitor_phone,
        visitor_email=visitor_email,
        reminder_consent=reminder_consent,
        reminder_channel=reminder_channel,
        expected_version=expected_version,
        now=now,
        also=retime,
    )


def appointment_withdraw(
    *, appointment: Appointment, by: User | None, expected_version: int | None = None, now: datetime | None = None
) -> Appointment:
    """Cancel an appointment (the row stays, `cancelled`) and its live booking, with the price
    list's fee rules (booking_cancel: late cancellation costs the full price, earlier the broker
    fee). A booking whose call has started cannot be cancelled: the appointment stays too."""
    now = now or timezone.now()

    def cancel_booking(locked: Appointment) -> None:
        booking = appointment_live_booking(locked)
        if booking is not None:
            booking_cancel(booking=booking, by=by, reason=CancelReason.APPOINTMENT_CANCELLED, now=now)

    return appointment_cancel(
        appointment=appointment, by=by, expected_version=expected_version, now=now, also=cancel_booking
    )


def bookings_follow_check_in(appointment: Appointment, visit: Visit) -> None:
    """The visitor came: the appointment's bookings now belong to the visit, where the desk starts,
    ends and closes them (exactly one owner per booking). Same office and day (only today's
    appointments at the office are checked in), so the reports' attribution stays. Registered with
    visits/hooks.py:appointment_check_in_register; runs inside the check-in's transaction."""
    for booking in InterpreterBooking.objects.select_for_update().filter(appointment=appointment):
        booking.visit = visit
        booking.appointment = None
        booking.save(update_fields=["visit", "appointment", "updated_at"])
        booking_event_record(
            booking=booking, kind="checked_in", source="user", detail={"booking": booking.pk, "status": booking.status}
        )
