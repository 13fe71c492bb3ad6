"""Closing a visit at the officer's desk: the outcome, the bookings and the visit status move
together, in one transaction, or not at all.

Imported as `from interpreters.desk.services import visit_close` (it uses the booking services, and
visits must not depend on interpreters)."""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interpreters.models import CONNECTED_BOOKING_STATUSES, BookingStatus, CancelReason, InterpreterBooking
from interpreters.services.bookings import booking_cancel, booking_request
from visits.errors import DomainError
from visits.models import NotUsedReason, Visit, VisitOutcome, VisitStatus
from visits.services import (
    LanguageNeedInput,
    language_need_record,
    visit_outcome_record,
    visit_outcome_required,
    visit_set_status,
)

# Bookings that closing the visit withdraws: the interpreter has not started, so nobody should call.
WITHDRAWN_ON_CLOSE = (BookingStatus.REQUESTED, BookingStatus.PENDING, BookingStatus.CONFIRMED)


def visit_close(
    *,
    visit: Visit,
    status: str,
    by: User | None,
    interpreter_used: bool | None = None,
    reason_not_used: str = "",
    now: datetime | None = None,
) -> Visit:
    """End a visit (`done`) or record that the visitor left (`left`).

    When an interpreter was wanted (or maybe wanted), the outcome is the under-use report's only
    source, so ending a served visit requires it. A visitor who left is recorded as "not used,
    visitor left" unless an interpreter was connected. A booking whose interpreter has not started
    is withdrawn (unless the officer says the confirmed interpreter was used); a call in progress is
    left for the agency to end."""
    if status not in (VisitStatus.DONE, VisitStatus.LEFT):
        raise DomainError(_("A visit is closed as done or left."), field="status", code="invalid_choice")
    now = now or timezone.now()
    with transaction.atomic():
        # Lock first: the checks below must hold until the status changes.
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        bookings = InterpreterBooking.objects.filter(visit=locked)
        connected = bookings.filter(status__in=CONNECTED_BOOKING_STATUSES).exists()
        if interpreter_used is None and visit_outcome_required(visit=locked):
            if status == VisitStatus.DONE and not VisitOutcome.objects.filter(visit=locked).exists():
                raise DomainError(
                    _("Answer whether an interpreter was used before ending the visit."),
                    field="interpreter_used",
                    code="required",
                )
            if status == VisitStatus.LEFT and not VisitOutcome.objects.filter(visit=locked).exists():
                interpreter_used = connected
                reason_not_used = "" if connected else NotUsedReason.VISITOR_LEFT
        withdrawn = list(WITHDRAWN_ON_CLOSE)
        if interpreter_used:
            # The officer says the interpreter was used: a confirmed booking whose agency has not
            # reported the call yet was real, so it is not cancelled (the agency's "ended" completes it).
            withdrawn.remove(BookingStatus.CONFIRMED)
        for booking in bookings.filter(status__in=withdrawn):
            booking_cancel(booking=booking, by=by, reason=CancelReason.SYSTEM_VISIT_CLOSED, now=now)
        locked = visit_set_status(visit=locked, status=status, by=by, now=now)
        if interpreter_used is not None:
            visit_outcome_record(
                visit=locked,
                interpreter_used=interpreter_used,
                reason_not_used=reason_not_used,
                recorded_by=by,
                now=now,
            )
    return locked


def booking_request_at_desk(
    *,
    visit: Visit,
    need: LanguageNeedInput | None,
    requested_by: User | None,
    modality: str,
    scheduled_for: datetime | None,
) -> InterpreterBooking:
    """The officer's "book an interpreter" button: records the language need first when the visit
    had none (the officer noticed it mid-visit), and requests the booking, together or not at all.
    Returns the live booking, which is an earlier one if the visit already had one."""
    with transaction.atomic():
        if need is not None:
            language_need_record(visit=visit, need=need, recorded_by=requested_by)
        return booking_request(visit=visit, requested_by=requested_by, modality=modality, scheduled_for=scheduled_for)
