"""Notifications to staff (issue 11): e-mail about a pre-booking's fate, an interpreter change and a
complaint's answer.

    with transaction.atomic():
        ...the event's own writes...
        notification_send(event=NotificationEvent.INTERPRETER_CHANGED, booking_id=booking.pk)

`notification_send` writes one Notification row per recipient and, in the same transaction, one
outbox row per notification (config/outbox: the one outbox): a rolled-back event notifies nobody.
The task `interpreters.notification_deliver` then calls `notification_deliver`, which sends the
e-mail through Django's e-mail backend (console in the demo, SMTP in production) and records the
result on the row. Delivery guarantees:

- never lost: a mail server that is down leaves the row pending with a growing delay; the beat task
  `interpreters.notifications_deliver_due` sends it when the server is back;
- sent once, resent at most once: a sender claims the row with a conditional UPDATE (status and
  lease in the WHERE clause, row count checked) before it talks to the mail server, so two senders
  never both send. A sender that dies after the send but before marking the row sent leaves it
  "sending"; once the lease has passed one more sender may take it (the one resend). A row found
  interrupted a second time is marked failed rather than sent a third time;
- the same Message-ID on every send of a row (derived from the row's token), so a mail client shows
  a resend as the same message.
"""

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.outbox.services import outbox_enqueue
from interpreters.models import (
    BookingStatus,
    Complaint,
    InterpreterBooking,
    Notification,
    NotificationEvent,
    NotificationLanguage,
    NotificationPreference,
    NotificationStatus,
    notification_events_all,
)
from visits.errors import DomainError, validate_choice
from visits.languages import language_names
from visits.models import OfficeMembership
from visits.permissions import Action, roles_for

logger = logging.getLogger(__name__)

N = NotificationStatus
DELIVER_TASK = "interpreters.notification_deliver"


# ---------------------------------------------------------------------------------------------
# Preferences


@dataclass(frozen=True)
class Preferences:
    language: str
    email_enabled: bool
    events: tuple[str, ...]
    office_wide: bool


DEFAULT_PREFERENCES = Preferences(
    language=NotificationLanguage.SWEDISH,
    email_enabled=True,
    events=tuple(notification_events_all()),
    office_wide=False,
)


def notification_preferences_of(user_id: int) -> Preferences:
    """The user's preferences, or the defaults when they never saved any."""
    row = NotificationPreference.objects.filter(user_id=user_id).first()
    if row is None:
        return DEFAULT_PREFERENCES
    return Preferences(row.language, row.email_enabled, tuple(row.events or ()), row.office_wide)


def notification_preference_update(
    *,
    user: Any,
    language: str | None = None,
    email_enabled: bool | None = None,
    events: list[str] | None = None,
    office_wide: bool | None = None,
) -> NotificationPreference:
    """Change the user's own preferences; arguments left None keep their value."""
    if language is not None:
        validate_choice(language, NotificationLanguage, field="language")
    if events is not None:
        if not isinstance(events, list):
            raise DomainError(_("A list of events."), field="events", code="invalid")
        for event in events:
            validate_choice(event, NotificationEvent, field="events")
        events = [event for event in notification_events_all() if event in set(events)]  # known order, no repeats
    with transaction.atomic():
        row, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        for name, value in (
            ("language", language),
            ("email_enabled", email_enabled),
            ("events", events),
            ("office_wide", office_wide),
        ):
            if value is not None:
                setattr(row, name, value)
        row.save()
    return row


# ---------------------------------------------------------------------------------------------
# Sending: rows in the event's transaction


def _recipients(booking: InterpreterBooking, event: str, also_user_ids: Sequence[int] = ()) -> list[tuple[int, str]]:
    """(user id, reason): the booking's requester, then the officers and managers of the booking's
    office who asked for the office's events. Each user once; inactive users and users without an
    e-mail address or with e-mail off or the event unticked are left out."""
    wanted: dict[int, str] = {}
    if booking.requested_by_id is not None:
        wanted[booking.requested_by_id] = "requester"
    for user_id in also_user_ids:
        wanted.setdefault(user_id, "involved")
    office_id = booking.office_id  # the visit's office, or the appointment's before check-in
    if office_id is not None:
        staff = (
            OfficeMembership.objects.filter(
                office_id=office_id,
                role__in=roles_for(Action.NOTIFICATION_RECEIVE),
                user__notification_preference__office_wide=True,
            )
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
        for user_id in staff:
            wanted.setdefault(user_id, "office")
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=wanted, is_active=True).exclude(email="")}
    result = []
    for user_id, reason in wanted.items():
        if user_id not in users:
            continue
        prefs = notification_preferences_of(user_id)
        if prefs.email_enabled and event in prefs.events:
            result.append((user_id, reason))
    return result


def notification_send(
    *,
    event: str,
    booking_id: int,
    complaint_id: int | None = None,
    also_user_ids: Sequence[int] = (),
    dedupe_key: str = "",
    now: datetime | None = None,
) -> list[Notification]:
    """Notify the booking's requester, `also_user_ids` (e.g. who filed the complaint) and the
    office's opted-in officers and managers of `event`. Call it inside the event's transaction: the
    rows and their outbox messages commit or roll back with it.

    `dedupe_key`: a non-empty key makes the notice once-only per recipient (a second call with the
    same key writes nothing for a recipient already notified). Returns the rows written."""
    validate_choice(event, NotificationEvent, field="event")
    now = now or timezone.now()
    booking = InterpreterBooking.objects.select_related("visit", "appointment").get(pk=booking_id)
    written: list[Notification] = []
    for user_id, reason in _recipients(booking, event, also_user_ids):
        key = f"{dedupe_key}:{user_id}"[:200] if dedupe_key else ""
        try:
            with transaction.atomic():
                # Conflicts with: a second sender of the same once-only notice (two beat runs); the
                # unique dedupe key lets one row in, the other's savepoint rolls back.
                row = Notification.objects.create(
                    event=event,
                    booking_id=booking_id,
                    complaint_id=complaint_id,
                    recipient_id=user_id,
                    reason=reason,
                    dedupe_key=key,
                    created_at=now,
                    next_attempt_at=now,
                )
        except IntegrityError:
            continue
        outbox_enqueue(task=DELIVER_TASK, args=[row.pk], now=now)
        written.append(row)
    return written


def booking_is_prebooking(booking: InterpreterBooking) -> bool:
    """Booked ahead for a time (an appointment's interpreter, or a visit's for later), not "now"."""
    return booking.scheduled_for is not None or getattr(booking, "appointment_id", None) is not None


def prebookings_unconfirmed_notify(*, now: datetime | None = None) -> int:
    """The beat's check: every pre-booking still not confirmed 30 minutes (or less) before its time
    gets one "still unconfirmed" notice per recipient, however often this runs (the dedupe key)."""
    now = now or timezone.now()
    horizon = now + timedelta(minutes=settings.NOTIFICATION_UNCONFIRMED_BEFORE_MINUTES)
    due = InterpreterBooking.objects.filter(
        status__in=[BookingStatus.REQUESTED, BookingStatus.PENDING],
        scheduled_for__gt=now,
        scheduled_for__lte=horizon,
    ).values_list("pk", flat=True)
    written = 0
    for booking_id in list(due[:500]):
        with transaction.atomic():
            written += len(
                notification_send(
                    event=NotificationEvent.PREBOOKING_UNCONFIRMED,
                    booking_id=booking_id,
                    dedupe_key=f"unconfirmed:{booking_id}",
                    now=now,
                )
            )
    return written


# ---------------------------------------------------------------------------------------------
# Delivery


def notification_message_id(row: Notification) -> str:
    """The Message-ID of every send of this row: the same on a retry and on a resend."""
    domain = settings.TOLKDESK_EMAIL_MESSAGE_ID_DOMAIN
    return f"<notification.{row.pk}.{row.token.hex}@{domain}>"


def _when(booking: InterpreterBooking) -> str:
    if booking.scheduled_for is None:
        return _("now")
    return timezone.localtime(booking.scheduled_for).strftime("%Y-%m-%d %H:%M")


def _compose(row: Notification) -> tuple[str, str]:
    """Subject and body in the active language. No visitor's personal data: staff read these in
    their mailbox, outside tolkdesk's access rules and retention."""
    booking = row.booking
    assert booking is not None  # noqa: S101 - every event so far is about a booking  # nosec B101
    names = language_names(booking.language)
    language = names.name_sv if translation.get_language() == "sv" else names.name_en
    facts = {
        "language": language,
        "when": _when(booking),
        "modality": booking.get_modality_display(),
        "agency": booking.agency.name if booking.agency_id and booking.agency else "-",
        "interpreter": booking.interpreter_name or "-",
        "booking": booking.pk,
    }
    subjects = {
        NotificationEvent.PREBOOKING_CONFIRMED: _("Interpreter confirmed: %(language)s, %(when)s"),
        NotificationEvent.PREBOOKING_FAILED: _("No interpreter: the pre-booking for %(language)s, %(when)s failed"),
        NotificationEvent.PREBOOKING_ESCALATED: _("Pre-booking escalated: %(language)s, %(when)s"),
        NotificationEvent.PREBOOKING_UNCONFIRMED: _("Still unconfirmed: interpreter in %(language)s, %(when)s"),
        NotificationEvent.INTERPRETER_CHANGED: _("New interpreter: %(language)s, %(when)s"),
        NotificationEvent.COMPLAINT_ANSWERED: _("Complaint answered: booking %(booking)s"),
    }
    leads = {
        NotificationEvent.PREBOOKING_CONFIRMED: _("The agency has confirmed an interpreter for your pre-booking."),
        NotificationEvent.PREBOOKING_FAILED: _(
            "No agency could provide an interpreter for your pre-booking. Book again or record why no "
            "interpreter was used."
        ),
        NotificationEvent.PREBOOKING_ESCALATED: _(
            "The agency did not confirm in time; the booking has been passed to the next agency in the ranking."
        ),
        NotificationEvent.PREBOOKING_UNCONFIRMED: _(
            "The booking starts in 30 minutes or less and no interpreter has been confirmed yet."
        ),
        NotificationEvent.INTERPRETER_CHANGED: _("The agency has replaced the interpreter of your booking."),
        NotificationEvent.COMPLAINT_ANSWERED: _("The agency has answered your complaint."),
    }
    subject = subjects[NotificationEvent(row.event)] % facts
    lines = [
        leads[NotificationEvent(row.event)],
        "",
        _("Booking: %(booking)s") % facts,
        _("Language: %(language)s") % facts,
        _("Time: %(when)s") % facts,
        _("Modality: %(modality)s") % facts,
        _("Agency: %(agency)s") % facts,
        _("Interpreter: %(interpreter)s") % facts,
    ]
    complaint = Complaint.objects.filter(pk=row.complaint_id).first() if row.complaint_id else None
    if complaint is not None:
        lines += [
            _("Complaint status: %(status)s") % {"status": complaint.get_status_display()},
            _("The agency's answer: %(answer)s") % {"answer": complaint.agency_answer or "-"},
        ]
    lines += ["", _("You get this e-mail because of your notification settings in tolkdesk.")]
    return f"tolkdesk: {subject}", "\n".join(lines) + "\n"


def notification_message(row: Notification, *, to: str, language: str) -> EmailMessage:
    with translation.override(language):
        subject, body = _compose(row)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Message-ID": notification_message_id(row),
            "Content-Language": language,
            "Auto-Submitted": "auto-generated",
        },
    )


def _backoff_seconds(attempts: int) -> int:
    return int(
        min(
            settings.NOTIFICATION_RETRY_MAX_SECONDS,
            settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1),
        )
    )


def _claim(notification_id: int, now: datetime) -> Notification | None:
    """Take the row for one send, or None when it is not due, done, or another sender holds it.

    Conflicts with: the delivery task of the row, its redelivery after a worker crash, and the
    beat's sweep. Each claims with one conditional UPDATE whose WHERE clause is the state it read
    (pending and due, or sending with an expired lease); the row count says who won."""
    lease_until = now + timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
    due = Notification.objects.filter(pk=notification_id)
    if due.filter(status=N.PENDING, next_attempt_at__lte=now).update(
        status=N.SENDING, next_attempt_at=lease_until, attempts=F("attempts") + 1
    ):
        return Notification.objects.select_related("booking__agency", "recipient").get(pk=notification_id)
    # A sender died holding the row: the mail may or may not have gone out. One resend, never two.
    interrupted = due.filter(status=N.SENDING, next_attempt_at__lt=now)
    if interrupted.filter(crash_resends__gte=settings.NOTIFICATION_MAX_CRASH_RESENDS).update(
        status=N.FAILED, last_error="interrupted twice while sending; it may have been delivered"
    ):
        logger.warning("notification %s: interrupted twice while sending, not sent again", notification_id)
        return None
    if interrupted.update(
        status=N.SENDING, next_attempt_at=lease_until, attempts=F("attempts") + 1, crash_resends=F("crash_resends") + 1
    ):
        return Notification.objects.select_related("booking__agency", "recipient").get(pk=notification_id)
    return None


def _finish(row: Notification, **changes: Any) -> None:
    # Only the holder of the claim writes the outcome (status still "sending").
    Notification.objects.filter(pk=row.pk, status=N.SENDING).update(**changes)


# Errors after which trying again cannot help: the server refused this address or this sender.
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one notification if it is due. Returns "sent", "skipped", "retry", "failed" or "noop"
    (not due, already done, or another sender has it). Never raises for a mail server problem: the
    row records it and waits (NOTIFICATION_RETRY_* settings)."""
    now = now or timezone.now()
    row = _claim(notification_id, now)
    if row is None:
        return "noop"
    recipient = row.recipient
    skip = ""
    if recipient is None:
        skip = "recipient_deleted"
    elif not recipient.is_active:
        skip = "recipient_inactive"
    elif not recipient.email:
        skip = "no_email_address"
    prefs = notification_preferences_of(recipient.pk) if recipient is not None else DEFAULT_PREFERENCES
    if not skip and not prefs.email_enabled:
        skip = "email_off"
    elif not skip and row.event not in prefs.events:
        skip = "event_off"
    if skip:
        _finish(row, status=N.SKIPPED, skip_reason=skip)
        logger.info("notification %s skipped: %s", row.pk, skip)
        return "skipped"
    assert recipient is not None  # noqa: S101 - checked above  # nosec B101
    message = notification_message(row, to=recipient.email, language=prefs.language)
    try:
        # Outside any transaction: the mail server may be slow; the row's lease covers the wait.
        get_connection(fail_silently=False).send_messages([message])
    except PERMANENT_SMTP_ERRORS as exc:
        _finish(row, status=N.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:255])
        logger.warning("notification %s refused by the mail server: %s", row.pk, type(exc).__name__)
        return "failed"
    except (OSError, smtplib.SMTPException) as exc:  # server down, timeout, 4xx: try again later
        retry_at = timezone.now() + timedelta(seconds=_backoff_seconds(row.attempts))
        _finish(row, status=N.PENDING, next_attempt_at=retry_at, last_error=f"{type(exc).__name__}: {exc}"[:255])
        logger.warning("notification %s not sent (%s); next try at %s", row.pk, type(exc).__name__, retry_at)
        return "retry"
    # A crash here (after the send, before this UPDATE) is the case the lease and crash_resends cover.
    _finish(row, status=N.SENT, sent_at=timezone.now(), language=prefs.language, last_error="")
    return "sent"


@dataclass(frozen=True)
class DeliverDueResult:
    sent: int
    retry: int
    other: int


def notifications_deliver_due(*, now: datetime | None = None, limit: int = 200) -> DeliverDueResult:
    """The beat's safety net: deliver every due row (waiting for a retry, or left "sending" by a
    sender that died). Stops at the first mail server failure: the rest would fail the same way."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            Q(status=N.PENDING, next_attempt_at__lte=now) | Q(status=N.SENDING, next_attempt_at__lt=now)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "retry": 0, "other": 0}
    for notification_id in ids:
        outcome = notification_deliver(notification_id=notification_id, now=now)
        counts[outcome if outcome in counts else "other"] += 1
        if outcome == "retry":
            break
    return DeliverDueResult(counts["sent"], counts["retry"], counts["other"])
