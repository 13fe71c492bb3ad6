"""Reminders to the visitor of an appointment (issue 11): only with the visitor's consent, by the
channel they chose (SMS or e-mail), through the backend named by TOLKDESK_VISITOR_REMINDER_BACKEND
(visits/reminder_backends.py: the console in the demo).

    beat (every few minutes)            appointment_reminders_due()
      claims each due appointment   ->  reminder_status "" -> "queued", outbox row, one transaction
    task visits.appointment_reminder_send
                                        appointment_reminder_send(appointment_id=...)
      takes it for one send         ->  "queued" -> "sending" (a lease), then "sent" or "skipped"
                                        (with its reason), or back to "queued" for a retry later

Due: scheduled, consent recorded, a channel and that channel's contact present, not yet reminded,
starting within TOLKDESK_VISITOR_REMINDER_HOURS_BEFORE hours and still in the future.

Guarantees:
- once: every step claims the row with one conditional UPDATE (the state it read in the WHERE
  clause, the row count says who won), so two beats, or a beat and a redelivered task, never both
  send. A sender that dies between the send and its record leaves the row "sending"; once its lease
  has passed the beat records it skipped ("interrupted": it may have been delivered) rather than
  risk a second message to the visitor;
- not lost: a mail server or gateway that is down puts the row back to "queued" with a growing
  delay and an outbox row due then (the outbox holds it, not a broker's countdown); a queued row
  whose task never ran is queued again by the beat;
- recorded: a refusal, an erased or withdrawn contact, a cancelled appointment are a skip with its
  reason (a database constraint: no skip without a reason, no "sent" without its time).

Moving an appointment (visits/services.py:appointment_move) starts its reminder over; cancelling it
means none is sent. The message names the office, its address and phone if stored, and the date and
time (Europe/Stockholm), in Swedish and English: never the visitor's name, the authority or the
language, which a lock screen would show to anyone.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from config.outbox.services import outbox_enqueue
from visits.audit import audit_appointment_read
from visits.models import Appointment, AppointmentStatus, ReminderChannel, ReminderSkip, ReminderStatus
from visits.reminder_backends import ReminderRefused, ReminderUnavailable, VisitorMessage, reminder_backend
from visits.workdays import STOCKHOLM

logger = logging.getLogger(__name__)

R = ReminderStatus
SEND_TASK = "visits.appointment_reminder_send"
# The languages of every reminder: we do not know the visitor's, and these two every office reads.
REMINDER_LANGUAGES = ("sv", "en")


def reminder_contact_field(channel: str) -> str:
    """The appointment field a channel sends to."""
    return "visitor_phone" if channel == ReminderChannel.SMS else "visitor_email"


def _contact(appointment: Appointment) -> str:
    if appointment.reminder_channel == ReminderChannel.SMS:
        return str(appointment.visitor_phone or "")
    if appointment.reminder_channel == ReminderChannel.EMAIL:
        return appointment.visitor_email or ""
    return ""


def _due(now: datetime) -> Q:
    horizon = now + timedelta(hours=settings.TOLKDESK_VISITOR_REMINDER_HOURS_BEFORE)
    has_contact = Q(reminder_channel=ReminderChannel.SMS) & ~Q(visitor_phone="") | Q(
        reminder_channel=ReminderChannel.EMAIL
    ) & ~Q(visitor_email="")
    return (
        Q(
            status=AppointmentStatus.SCHEDULED,
            reminder_consent=True,
            reminder_status="",
            personal_data_erased_at__isnull=True,
            start__gt=now,
            start__lte=horizon,
        )
        & has_contact
    )


@dataclass(frozen=True)
class RemindersDueResult:
    queued: list[int]
    requeued: list[int]
    interrupted: list[int]


def appointment_reminders_due(*, now: datetime | None = None, limit: int = 500) -> RemindersDueResult:
    """The beat: claim every appointment whose reminder is due and put its send in the outbox, in one
    transaction per appointment. Also the safety net: a row still queued long after it was due is
    queued again, and a row whose sender died mid-send is recorded as interrupted."""
    now = now or timezone.now()
    queued = []
    for pk in list(Appointment.objects.filter(_due(now)).order_by("start", "pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            # Conflicts with: another beat run (an overlapping run, or two beat processes during a
            # failover). The WHERE clause is the state this run read; only the run whose UPDATE
            # counted a row writes the outbox row, so the send is enqueued once.
            if Appointment.objects.filter(_due(now), pk=pk).update(
                reminder_status=R.QUEUED, reminder_next_attempt_at=now, reminder_attempts=0, reminder_skip_reason=""
            ):
                outbox_enqueue(task=SEND_TASK, args=[pk], now=now)
                queued.append(pk)
    stale_before = now - timedelta(seconds=settings.VISITOR_REMINDER_REQUEUE_AFTER_SECONDS)
    requeued = []
    for pk in list(
        Appointment.objects.filter(reminder_status=R.QUEUED, reminder_next_attempt_at__lte=stale_before).values_list(
            "pk", flat=True
        )[:limit]
    ):
        with transaction.atomic():
            # Its task was lost (or is very late): send it again. If the first one still runs, the
            # send's own claim lets only one of them through.
            if Appointment.objects.filter(
                pk=pk, reminder_status=R.QUEUED, reminder_next_attempt_at__lte=stale_before
            ).update(reminder_next_attempt_at=now):
                outbox_enqueue(task=SEND_TASK, args=[pk], dedupe_key=f"{SEND_TASK}:{pk}", now=now)
                requeued.append(pk)
    interrupted = []
    for pk in list(
        Appointment.objects.filter(reminder_status=R.SENDING, reminder_next_attempt_at__lt=now).values_list(
            "pk", flat=True
        )[:limit]
    ):
        # A sender died holding the row: the message may have gone out. Recorded, not sent again.
        if Appointment.objects.filter(pk=pk, reminder_status=R.SENDING, reminder_next_attempt_at__lt=now).update(
            reminder_status=R.SKIPPED, reminder_skip_reason=ReminderSkip.INTERRUPTED, reminder_next_attempt_at=None
        ):
            logger.warning("visitor reminder of appointment %s: interrupted while sending, not sent again", pk)
            interrupted.append(pk)
    return RemindersDueResult(queued, requeued, interrupted)


def _skip_reason(appointment: Appointment, now: datetime) -> str:
    if appointment.personal_data_erased_at is not None:
        return ReminderSkip.ERASED
    if appointment.status != AppointmentStatus.SCHEDULED:
        return ReminderSkip.NOT_SCHEDULED
    if not appointment.reminder_consent:
        return ReminderSkip.NO_CONSENT
    if not _contact(appointment):
        return ReminderSkip.NO_CONTACT
    if appointment.start <= now:
        return ReminderSkip.TOO_LATE
    return ""


def _backoff_seconds(attempts: int) -> float:
    return float(
        min(
            settings.VISITOR_REMINDER_RETRY_MAX_SECONDS,
            settings.VISITOR_REMINDER_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1),
        )
    )


def _finish(appointment_id: int, **changes: object) -> int:
    # Only the holder of the claim writes the outcome (status still "sending"). A move meanwhile
    # reset the row to "" (visits/services.py:appointment_move): this write then counts nothing and
    # the beat sends a reminder with the new time.
    return Appointment.objects.filter(pk=appointment_id, reminder_status=R.SENDING).update(**changes)


def appointment_reminder_send(*, appointment_id: int, now: datetime | None = None) -> str:
    """Send one appointment's reminder if it is queued and due. Returns "sent", "skipped", "retry"
    or "noop" (not queued, not due, or another sender has it). Never raises for a mail server or
    gateway problem: the row records it and the outbox holds the retry."""
    now = now or timezone.now()
    lease_until = now + timedelta(seconds=settings.VISITOR_REMINDER_SEND_LEASE_SECONDS)
    # Conflicts with: a second delivery of the same task (the outbox relays at least once) and the
    # beat's re-queue. One conditional UPDATE; the row count says who sends.
    if not Appointment.objects.filter(
        pk=appointment_id, reminder_status=R.QUEUED, reminder_next_attempt_at__lte=now
    ).update(
        reminder_status=R.SENDING, reminder_next_attempt_at=lease_until, reminder_attempts=F("reminder_attempts") + 1
    ):
        return "noop"
    appointment = Appointment.objects.select_related("office").get(pk=appointment_id)
    skip = _skip_reason(appointment, now)
    if skip:
        _finish(appointment_id, reminder_status=R.SKIPPED, reminder_skip_reason=skip, reminder_next_attempt_at=None)
        logger.info("visitor reminder of appointment %s skipped: %s", appointment_id, skip)
        return "skipped"
    message = reminder_message(appointment)
    # The system reads the visitor's contact to send it: logged like a person's read (only the field).
    audit_appointment_read(
        user=None,
        appointment=appointment,
        via="task:visitor-reminder",
        fields=[reminder_contact_field(appointment.reminder_channel)],
    )
    try:
        # Outside any transaction: the server may be slow; the lease covers the wait.
        reminder_backend().send(message)
    except ReminderRefused as exc:
        _finish(
            appointment_id,
            reminder_status=R.SKIPPED,
            reminder_skip_reason=ReminderSkip.REFUSED,
            reminder_next_attempt_at=None,
        )
        logger.warning("visitor reminder of appointment %s refused: %s", appointment_id, exc)
        return "skipped"
    except ReminderUnavailable as exc:
        return _retry_later(appointment, reason=str(exc), now=now)
    # A crash here (after the send, before this UPDATE) is what the beat records as interrupted.
    _finish(appointment_id, reminder_status=R.SENT, reminder_sent_at=timezone.now(), reminder_next_attempt_at=None)
    return "sent"


def _retry_later(appointment: Appointment, *, reason: str, now: datetime) -> str:
    attempts = Appointment.objects.filter(pk=appointment.pk).values_list("reminder_attempts", flat=True).first() or 0
    if attempts >= settings.VISITOR_REMINDER_MAX_ATTEMPTS:
        _finish(
            appointment.pk,
            reminder_status=R.SKIPPED,
            reminder_skip_reason=ReminderSkip.GAVE_UP,
            reminder_next_attempt_at=None,
        )
        logger.warning(
            "visitor reminder of appointment %s: gave up after %s tries (%s)", appointment.pk, attempts, reason
        )
        return "skipped"
    retry_at = now + timedelta(seconds=_backoff_seconds(attempts))
    with transaction.atomic():
        # The row and its next try commit together: the retry cannot be lost, nor written twice.
        if _finish(appointment.pk, reminder_status=R.QUEUED, reminder_next_attempt_at=retry_at):
            outbox_enqueue(task=SEND_TASK, args=[appointment.pk], not_before=retry_at, now=now)
    logger.warning("visitor reminder of appointment %s not sent (%s); next try at %s", appointment.pk, reason, retry_at)
    return "retry"


# ---------------------------------------------------------------------------------------------
# The message


def _office_phone(appointment: Appointment) -> str:
    phone = appointment.office.phone
    if not phone:
        return ""
    return str(getattr(phone, "as_national", "") or phone)


def _lines(appointment: Appointment, *, email: bool) -> list[str]:
    """The message in the active language."""
    local = appointment.start.astimezone(STOCKHOLM)
    office = appointment.office
    facts = {
        "office": office.name,
        "date": formats.date_format(local, "l j F Y"),
        "time": local.strftime("%H:%M"),
    }
    lines = [_("Reminder: you have an appointment at %(office)s on %(date)s at %(time)s.") % facts]
    if office.address:
        lines.append(_("Address: %(address)s") % {"address": office.address})
    phone = _office_phone(appointment)
    if phone:
        lines.append(_("To change or cancel it, call %(phone)s.") % {"phone": phone})
    if email:
        lines.append(_("You get this message because you asked for a reminder when the appointment was booked."))
    return lines


def reminder_message(appointment: Appointment) -> VisitorMessage:
    """The reminder of `appointment` to its visitor, in Swedish then English."""
    email = appointment.reminder_channel == ReminderChannel.EMAIL
    parts, subjects = [], []
    for language in REMINDER_LANGUAGES:
        with translation.override(language):
            parts.append("\n".join(_lines(appointment, email=email)))
            subjects.append(_("Reminder: your appointment at %(office)s") % {"office": appointment.office.name})
    # Stable for this appointment at this time: a retry is the same message (Message-ID, the SMS
    # gateway's Idempotency-Key); a move gives a new one. No personal data in it.
    key = f"reminder.{appointment.pk}.{appointment.start.astimezone(STOCKHOLM):%Y%m%dT%H%M}"
    return VisitorMessage(
        channel=appointment.reminder_channel,
        to=_contact(appointment),
        subject=" / ".join(subjects),
        body="\n\n".join(parts) + "\n",
        key=key,
    )
