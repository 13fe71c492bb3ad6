"""Complaints (reklamation) about a booking, and their status flow:

    filed -> accepted (by the agency, or by itself after COMPLAINT_AUTO_ACCEPT_MONTHS without answer)
          -> disputed (by the agency, with an answer) -> escalated (office manager)
    filed | disputed | escalated -> withdrawn (the office)

One open complaint (filed, disputed, escalated) per booking, held by a partial unique index. The
agency's answers arrive as signed callbacks (complaint_accepted / complaint_disputed) through
interpreters.services.agency.agency_callback_receive.
"""

import calendar
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interpreters.backends import AgencyEvent, get_backend
from interpreters.events import COMPLAINT_ANSWER_TYPES, AgencyEventType
from interpreters.models import (
    OPEN_COMPLAINT_STATUSES,
    BookingStatus,
    Complaint,
    ComplaintStatus,
    ComplaintType,
    InterpreterAgency,
    InterpreterBooking,
    NotificationEvent,
)
from interpreters.services.bookings import _enqueue_on_commit, booking_event_record
from interpreters.services.notifications import notification_send
from visits.errors import DomainError, validate_choice
from visits.hooks import office_day_changed

C = ComplaintStatus
# A booking that started, or whose interpreter never came: there is something to complain about.
COMPLAINABLE_STATUSES = (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
MESSAGE_MAX = 2000


def _complainable(booking: InterpreterBooking) -> bool:
    if booking.status in COMPLAINABLE_STATUSES:
        return True
    # Failed after the agency had confirmed: the agency let the office down.
    return booking.status == BookingStatus.FAILED and booking.confirmed_at is not None


def _report_changed(booking_id: int) -> None:
    """Complaints are counted in the reports on their booking's office-day (in the caller's
    transaction, like every write a report depends on)."""
    booking = InterpreterBooking.objects.select_related("visit", "appointment").get(pk=booking_id)
    office_day_changed(office_id=booking.office_id, day=booking.service_date)


def _open_complaint_error() -> DomainError:
    return DomainError(_("This booking already has an open complaint."), field="booking", code="open_complaint")


def complaint_file(
    *, booking: InterpreterBooking, by: User | None, type: str, message: str, now: datetime | None = None
) -> Complaint:
    """File a complaint about a booking; it is sent to the agency once this commits."""
    now = now or timezone.now()
    validate_choice(type, ComplaintType, "type")
    message = (message or "").strip()
    if not message:
        raise DomainError(_("Say what went wrong."), field="message", code="required")
    if len(message) > MESSAGE_MAX:
        raise DomainError(_("At most %(n)d characters.") % {"n": MESSAGE_MAX}, field="message", code="max_length")
    with transaction.atomic():
        # Lock the booking: two officers filing at once are serialised, and the second one sees
        # the first complaint (the partial unique index catches any path that skips the lock).
        locked = InterpreterBooking.objects.select_for_update().get(pk=booking.pk)
        if not _complainable(locked) or locked.agency_id is None:
            raise DomainError(
                _("Only a booking that started, was a no-show or failed after confirmation can be complained about."),
                field="booking",
                code="not_started",
            )
        if Complaint.objects.filter(booking=locked, status__in=OPEN_COMPLAINT_STATUSES).exists():
            raise _open_complaint_error()
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    booking=locked,
                    agency_id=locked.agency_id,
                    type=type,
                    message=message,
                    status=C.FILED,
                    filed_by=by,
                    filed_at=now,
                )
        except IntegrityError:
            raise _open_complaint_error() from None
        booking_event_record(
            booking=locked,
            kind="complaint_filed",
            source="user",
            actor=by,
            detail={"complaint": complaint.pk, "type": type},
            now=now,
        )
        _report_changed(locked.pk)
        _enqueue_on_commit("interpreters.complaint_send", complaint.pk)
    return complaint


def complaint_send(*, complaint_id: int, now: datetime | None = None) -> bool:
    """Hand a filed complaint to its agency (a task; outside any transaction). False when there is
    nothing to send (already sent, or no longer filed)."""
    complaint = Complaint.objects.select_related("agency", "booking__visit__office").filter(pk=complaint_id).first()
    if complaint is None or complaint.sent_at is not None or complaint.status != C.FILED:
        return False
    get_backend(complaint.agency).complaint_send(complaint)
    Complaint.objects.filter(pk=complaint.pk, sent_at__isnull=True).update(sent_at=now or timezone.now())
    return True


def complaint_answer(
    *, booking: InterpreterBooking, agency: InterpreterAgency, event: AgencyEvent, now: datetime | None = None
) -> Complaint:
    """The agency accepts or disputes a complaint (from a verified callback, in its transaction).
    Only the agency complained to may answer, and only once: anything else raises DomainError and,
    the callback being one transaction, nothing is written."""
    now = now or timezone.now()
    if event.type not in COMPLAINT_ANSWER_TYPES:
        raise DomainError(_("Unknown event type."), field="type", code="invalid_choice")
    answer = (event.answer or "").strip()[:MESSAGE_MAX]
    if event.complaint_id is None:
        raise DomainError(_("A complaint answer names the complaint."), field="complaint_id", code="required")
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update()
            .filter(pk=event.complaint_id, booking_id=booking.pk, agency=agency)
            .first()
        )
        if complaint is None:
            raise DomainError(
                _("No complaint with this id for this booking at this agency."), field="complaint_id", code="not_found"
            )
        if complaint.status != C.FILED:
            # Answered already (or withdrawn): a second answer must not overwrite the first.
            raise DomainError(
                _("The complaint is already “%(status)s”.") % {"status": complaint.get_status_display()},
                field="type",
                code="illegal_transition",
            )
        accepted = event.type == AgencyEventType.COMPLAINT_ACCEPTED
        if not accepted and not answer:
            raise DomainError(_("A disputed complaint needs the agency's answer."), field="answer", code="required")
        complaint.status = C.ACCEPTED if accepted else C.DISPUTED
        complaint.agency_answer = answer
        complaint.answered_at = now
        complaint.closed_at = now if accepted else None
        complaint.save(update_fields=["status", "agency_answer", "answered_at", "closed_at", "updated_at"])
        booking_event_record(
            booking=booking,
            kind=event.type,
            source=f"agency:{agency.slug}",
            detail={"complaint": complaint.pk},
            now=now,
        )
        notification_send(
            event=NotificationEvent.COMPLAINT_ANSWERED,
            booking_id=booking.pk,
            complaint_id=complaint.pk,
            also_user_ids=[complaint.filed_by_id] if complaint.filed_by_id else [],
            now=now,
        )
        _report_changed(booking.pk)
    return complaint


def _office_move(
    *, complaint: Complaint, by: User | None, allowed_from: list[str], to: str, now: datetime | None
) -> Complaint:
    now = now or timezone.now()
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status not in allowed_from:
            raise DomainError(
                _("A complaint that is “%(status)s” cannot be %(action)s.")
                % {"status": locked.get_status_display(), "action": ComplaintStatus(to).label.lower()},
                field="status",
                code="illegal_transition",
            )
        locked.status = to
        locked.closed_by = by
        locked.closed_at = now if to == C.WITHDRAWN else None
        locked.save(update_fields=["status", "closed_by", "closed_at", "updated_at"])
        booking_event_record(
            booking=locked.booking,
            kind=f"complaint_{to}",
            source="user",
            actor=by,
            detail={"complaint": locked.pk},
            now=now,
        )
        _report_changed(locked.booking_id)
    complaint.refresh_from_db()
    return locked


def complaint_withdraw(*, complaint: Complaint, by: User | None, now: datetime | None = None) -> Complaint:
    """The office takes its complaint back (before or after the agency's answer)."""
    return _office_move(complaint=complaint, by=by, allowed_from=list(OPEN_COMPLAINT_STATUSES), to=C.WITHDRAWN, now=now)


def complaint_escalate(*, complaint: Complaint, by: User | None, now: datetime | None = None) -> Complaint:
    """An office manager does not accept the agency's dispute: escalated (to the framework owner)."""
    return _office_move(complaint=complaint, by=by, allowed_from=[C.DISPUTED], to=C.ESCALATED, now=now)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 May - 3 months = 28/29 Feb)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def complaints_auto_accept(*, now: datetime | None = None) -> int:
    """Complaints the agency has not answered within COMPLAINT_AUTO_ACCEPT_MONTHS are accepted.
    The due rows are locked, then updated on the condition that they are still filed: an agency
    answer racing it either lands first (no longer filed, not touched here) or waits for the lock
    and then finds the complaint accepted and is refused."""
    now = now or timezone.now()
    cutoff = months_before(now, settings.COMPLAINT_AUTO_ACCEPT_MONTHS)
    with transaction.atomic():
        due = Complaint.objects.filter(status=C.FILED, filed_at__lte=cutoff)
        # Only the rows this UPDATE changed are reported: select them under lock first, so an
        # answer committing in between is neither overwritten nor marked here.
        ids = list(due.select_for_update().values_list("pk", flat=True))
        changed = Complaint.objects.filter(pk__in=ids, status=C.FILED).update(
            status=C.ACCEPTED, auto_accepted=True, answered_at=now, closed_at=now, updated_at=now
        )
        bookings = InterpreterBooking.objects.filter(complaints__pk__in=ids).select_related("visit", "appointment")
        for office_id, day in {(b.office_id, b.service_date) for b in bookings}:
            office_day_changed(office_id=office_id, day=day)
    return changed
