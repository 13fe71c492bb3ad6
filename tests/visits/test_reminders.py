"""Reminders to visitors (issue 11): only with consent and a contact for the chosen channel, once per
appointment however many beats run, e-mail through a real SMTP server on 127.0.0.1 and SMS through a
real HTTP gateway on 127.0.0.1, retried while either is down, a refusal or an erased contact recorded
as a skip, in Swedish and English without the visitor's name."""

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from auditlog.models import LogEntry
from django.db import close_old_connections, connection
from django.utils import timezone

from config.outbox.models import OutboxMessage
from tests.factories import AppointmentFactory, OfficeFactory
from tests.mailserver import SmtpServer, header
from tests.servers import free_port
from tests.visits.fake_sms_gateway import FakeSmsGateway
from visits import reminders as reminders_module
from visits.models import Appointment, AppointmentStatus, ReminderSkip, ReminderStatus
from visits.reminder_backends import (
    DeliveryBackend,
    HttpSmsGateway,
    ReminderRefused,
    ReminderUnavailable,
    VisitorMessage,
)
from visits.reminders import (
    SEND_TASK,
    appointment_reminder_send,
    appointment_reminders_due,
    reminder_message,
)
from visits.retention import visit_purge_personal_data
from visits.services import appointment_cancel, appointment_move
from visits.workdays import STOCKHOLM

R = ReminderStatus
NOW = timezone.now().replace(microsecond=0)
EMAIL = "amal.haddad@example.se"
PHONE = "+46701234567"


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (not started: a test may want it down first), reached through
    Django's SMTP backend and the production reminder backend."""
    server = SmtpServer(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.TOLKDESK_VISITOR_REMINDER_BACKEND = "visits.reminder_backends.DeliveryBackend"
    yield server
    server.stop()


@pytest.fixture
def gateway(settings) -> Iterator[FakeSmsGateway]:
    server = FakeSmsGateway().start()
    settings.TOLKDESK_VISITOR_REMINDER_BACKEND = "visits.reminder_backends.DeliveryBackend"
    settings.TOLKDESK_SMS_GATEWAY_URL = server.url
    settings.TOLKDESK_SMS_GATEWAY_TOKEN = "test-gateway-token"
    settings.TOLKDESK_SMS_GATEWAY_CONNECT_TIMEOUT_SECONDS = 1
    settings.TOLKDESK_SMS_GATEWAY_READ_TIMEOUT_SECONDS = 0.3
    yield server
    server.stop()


def consenting(channel: str = "email", *, hours: float = 20, **extra) -> Appointment:
    start = NOW + dt.timedelta(hours=hours)
    fields = {
        "start": start,
        "service_date": timezone.localdate(start),
        "visitor_name": "Amal Haddad",
        "visitor_phone": PHONE,
        "visitor_email": EMAIL,
        "reminder_consent": True,
        "reminder_channel": channel,
        "reminder_consent_at": NOW - dt.timedelta(days=3),
        **extra,
    }
    return AppointmentFactory(**fields)


def queued_sends() -> list[list]:
    return list(OutboxMessage.objects.filter(task=SEND_TASK).order_by("pk").values_list("args", flat=True))


def state(appointment: Appointment) -> tuple[str, str]:
    appointment.refresh_from_db()
    return appointment.reminder_status, appointment.reminder_skip_reason


# --- which appointments are due -----------------------------------------------------------------------


def test_only_a_consenting_visitor_with_a_contact_for_the_channel_is_reminded(db):
    due = consenting("email")
    sms = consenting("sms")
    consenting(reminder_consent=False, reminder_channel="", reminder_consent_at=None)
    consenting("sms", visitor_phone="")
    consenting("email", visitor_email="")
    consenting("email", status=AppointmentStatus.CANCELLED)
    consenting("email", status=AppointmentStatus.NO_SHOW)
    consenting("email", reminder_status=R.SENT, reminder_sent_at=NOW - dt.timedelta(hours=1))
    result = appointment_reminders_due(now=NOW)
    assert sorted(result.queued) == sorted([due.pk, sms.pk])
    assert sorted(queued_sends()) == sorted([[due.pk], [sms.pk]])
    assert state(due) == (R.QUEUED, "")


@pytest.mark.parametrize(
    ("ahead", "due"),
    [
        (dt.timedelta(hours=24), True),  # the window's edge is inside it
        (dt.timedelta(hours=24, seconds=1), False),
        (dt.timedelta(seconds=1), True),  # still ahead
        (dt.timedelta(0), False),  # starting now: too late
        (-dt.timedelta(minutes=5), False),
    ],
)
def test_the_window_runs_from_now_to_the_configured_hours_before(db, ahead, due):
    appointment = consenting(hours=0)
    Appointment.objects.filter(pk=appointment.pk).update(start=NOW + ahead)
    assert appointment_reminders_due(now=NOW).queued == ([appointment.pk] if due else [])


def test_the_window_follows_the_setting(db, settings):
    settings.TOLKDESK_VISITOR_REMINDER_HOURS_BEFORE = 2
    later = consenting(hours=3)
    soon = consenting(hours=1.5)
    assert appointment_reminders_due(now=NOW).queued == [soon.pk]
    assert state(later) == ("", "")


# --- once ---------------------------------------------------------------------------------------------


def test_a_second_beat_finds_nothing_to_queue(db):
    appointment = consenting()
    assert appointment_reminders_due(now=NOW).queued == [appointment.pk]
    assert appointment_reminders_due(now=NOW + dt.timedelta(minutes=5)).queued == []
    assert queued_sends() == [[appointment.pk]]


def test_a_beat_that_read_the_rows_before_another_beat_claimed_them_queues_nothing(db, monkeypatch):
    """The race: run A reads the due appointments, run B claims and queues them, then A tries to
    claim. A's conditional UPDATE counts no row, so each send is queued once."""
    first, second = consenting(), consenting(hours=10)
    original = reminders_module._due
    calls = {"n": 0}
    other_run: list = []

    def due_then_another_beat(now):
        calls["n"] += 1
        condition = original(now)
        if calls["n"] == 1:  # run A has just built its read; run B runs to the end before A's claims
            monkeypatch.setattr(reminders_module, "_due", original)
            other_run.append(appointment_reminders_due(now=now))
        return condition

    monkeypatch.setattr(reminders_module, "_due", due_then_another_beat)
    result = appointment_reminders_due(now=NOW)
    assert sorted(other_run[0].queued) == sorted([first.pk, second.pk])
    assert result.queued == []
    assert sorted(queued_sends()) == sorted([[first.pk], [second.pk]])


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_queue_each_reminder_once(monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them in one file lock anyway)")
    appointments = [consenting(hours=h) for h in (2, 5, 9, 14)]
    import visits.tasks  # noqa: F401 - registers the send task the outbox runs after each commit

    # Committed for real here, so the outbox relays (runs) each send at once: count the enqueues.
    enqueued: list[list] = []
    original = reminders_module.outbox_enqueue

    def counting(**kwargs):
        enqueued.append(list(kwargs["args"]))
        return original(**kwargs)

    monkeypatch.setattr(reminders_module, "outbox_enqueue", counting)
    barrier = threading.Barrier(2)
    results: list[list[int]] = []

    def beat() -> None:
        try:
            barrier.wait()
            results.append(appointment_reminders_due(now=NOW).queued)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results[0] + results[1]) == sorted(a.pk for a in appointments)
    assert sorted(enqueued) == sorted([a.pk] for a in appointments)
    for appointment in appointments:
        appointment.refresh_from_db()
        assert (appointment.reminder_status, appointment.reminder_attempts) == (R.SENT, 1)


def test_a_second_delivery_of_the_send_task_sends_nothing(db, smtp):
    smtp.start()
    appointment = consenting()
    appointment_reminders_due(now=NOW)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "sent"
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "noop"
    assert len(smtp.messages) == 1
    appointment.refresh_from_db()
    assert (appointment.reminder_status, appointment.reminder_attempts) == (R.SENT, 1)
    assert appointment.reminder_sent_at is not None


def test_a_sender_that_died_mid_send_is_recorded_and_not_sent_again(db, smtp):
    appointment = consenting()
    appointment_reminders_due(now=NOW)
    Appointment.objects.filter(pk=appointment.pk).update(
        reminder_status=R.SENDING, reminder_next_attempt_at=NOW - dt.timedelta(seconds=1)
    )
    assert appointment_reminders_due(now=NOW).interrupted == [appointment.pk]
    assert state(appointment) == (R.SKIPPED, ReminderSkip.INTERRUPTED)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "noop"


def test_a_queued_reminder_whose_task_was_lost_is_queued_again(db):
    appointment = consenting()
    appointment_reminders_due(now=NOW)
    OutboxMessage.objects.all().delete()  # the task never ran
    assert appointment_reminders_due(now=NOW + dt.timedelta(minutes=5)).requeued == []
    assert appointment_reminders_due(now=NOW + dt.timedelta(minutes=11)).requeued == [appointment.pk]
    assert queued_sends() == [[appointment.pk]]


# --- e-mail through a real SMTP server ------------------------------------------------------------------


def test_the_email_reminder_is_delivered_in_swedish_and_english_without_the_visitors_name(db, smtp):
    smtp.start()
    office = OfficeFactory(name="Servicekontor Borås", address="Österlånggatan 5, 503 31 Borås")
    start = dt.datetime(2026, 12, 14, 10, 30, tzinfo=STOCKHOLM)  # a Monday
    at = start - dt.timedelta(hours=20)
    appointment = consenting(office=office)
    Appointment.objects.filter(pk=appointment.pk).update(start=start)
    assert appointment_reminders_due(now=at).queued == [appointment.pk]
    assert appointment_reminder_send(appointment_id=appointment.pk, now=at) == "sent"
    [message] = smtp.messages
    assert header(message, "To") == EMAIL
    assert header(message, "Message-ID") == f"<reminder.{appointment.pk}.20261214T1030@tolkdesk.localhost>"
    assert "Servicekontor Borås" in header(message, "Subject")
    assert header(message, "Subject").startswith("Påminnelse")
    body = message.get_content()
    assert "Påminnelse: du har en tid hos Servicekontor Borås måndag 14 december 2026 kl. 10:30." in body
    assert "Reminder: you have an appointment at Servicekontor Borås on Monday 14 December 2026 at 10:30." in body
    assert "Adress: Österlånggatan 5, 503 31 Borås" in body
    assert "Address: Österlånggatan 5, 503 31 Borås" in body
    assert "Ring 077-177 88 99" in body and "call 077-177 88 99" in body  # the office phone, national form
    assert body.index("Påminnelse") < body.index("Reminder")
    assert "Amal" not in body and "Haddad" not in body and "Amal" not in header(message, "Subject")


def test_an_office_without_an_address_or_phone_leaves_those_lines_out(db):
    appointment = consenting(office=OfficeFactory(address="", phone=""))
    body = reminder_message(appointment).body
    assert "Address" not in body and "Adress" not in body
    assert "call " not in body and "Ring " not in body


def test_mail_server_down_the_reminder_waits_in_the_outbox_and_goes_out_later_with_the_same_message_id(db, smtp):
    appointment = consenting()
    appointment_reminders_due(now=NOW)
    OutboxMessage.objects.all().delete()  # the first send task, taken by the worker
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "retry"
    appointment.refresh_from_db()
    assert (appointment.reminder_status, appointment.reminder_attempts) == (R.QUEUED, 1)
    retry_at = appointment.reminder_next_attempt_at
    assert retry_at == NOW + dt.timedelta(seconds=60)
    [retry] = OutboxMessage.objects.filter(task=SEND_TASK)
    assert (retry.args, retry.available_at) == ([appointment.pk], retry_at)
    # Not before its time (a duplicate task now finds nothing to do), then delivered.
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW + dt.timedelta(seconds=30)) == "noop"
    assert appointment_reminder_send(appointment_id=appointment.pk, now=retry_at) == "retry"  # still down
    appointment.refresh_from_db()
    assert appointment.reminder_next_attempt_at == retry_at + dt.timedelta(seconds=120)  # backing off
    smtp.start()
    later = appointment.reminder_next_attempt_at
    assert appointment_reminder_send(appointment_id=appointment.pk, now=later) == "sent"
    [message] = smtp.messages
    assert header(message, "Message-ID") == f"<{reminder_message(appointment).key}@tolkdesk.localhost>"
    assert state(appointment) == (R.SENT, "")


def test_a_server_down_past_the_last_try_is_recorded_as_given_up(db, smtp, settings):
    settings.VISITOR_REMINDER_MAX_ATTEMPTS = 2
    appointment = consenting()
    appointment_reminders_due(now=NOW)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "retry"
    appointment.refresh_from_db()
    assert appointment_reminder_send(appointment_id=appointment.pk, now=appointment.reminder_next_attempt_at) == (
        "skipped"
    )
    assert state(appointment) == (R.SKIPPED, ReminderSkip.GAVE_UP)


def test_an_address_the_mail_server_refuses_is_a_recorded_skip(db, smtp):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            return "550 No such user"

    smtp.inbox = Refusing()  # type: ignore[assignment]
    smtp.start()
    appointment = consenting()
    appointment_reminders_due(now=NOW)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "skipped"
    assert state(appointment) == (R.SKIPPED, ReminderSkip.REFUSED)
    assert OutboxMessage.objects.filter(task=SEND_TASK).count() == 1  # the first one only: no retry


# --- SMS through a real HTTP gateway ------------------------------------------------------------------


def test_the_sms_reminder_is_posted_to_the_gateway_with_its_token_and_a_stable_key(db, gateway):
    appointment = consenting("sms")
    appointment_reminders_due(now=NOW)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "sent"
    [request] = gateway.received
    assert request.headers["Authorization"] == "Bearer test-gateway-token"
    key = reminder_message(appointment).key
    assert request.headers["Idempotency-Key"] == key
    assert request.body["to"] == PHONE
    assert request.body["reference"] == key
    assert "Påminnelse" in request.body["message"] and "Reminder" in request.body["message"]
    assert "Amal" not in request.body["message"]
    assert state(appointment) == (R.SENT, "")


@pytest.mark.parametrize("failure", ["500", "503", "429", "timeout"])
def test_a_gateway_error_or_timeout_is_retried_with_the_same_key(db, gateway, failure):
    gateway.script = [failure]
    appointment = consenting("sms")
    appointment_reminders_due(now=NOW)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "retry"
    appointment.refresh_from_db()
    assert appointment.reminder_status == R.QUEUED
    assert appointment_reminder_send(appointment_id=appointment.pk, now=appointment.reminder_next_attempt_at) == (
        "sent"
    )
    first, second = gateway.received
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert state(appointment) == (R.SENT, "")


@pytest.mark.parametrize("status", ["400", "401", "422"])
def test_a_gateway_refusal_is_a_recorded_skip_and_not_retried(db, gateway, status):
    gateway.script = [status]
    appointment = consenting("sms")
    appointment_reminders_due(now=NOW)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "skipped"
    assert state(appointment) == (R.SKIPPED, ReminderSkip.REFUSED)
    assert len(gateway.received) == 1


def test_without_a_gateway_an_sms_reminder_is_refused_not_retried_forever(db, settings):
    settings.TOLKDESK_SMS_GATEWAY_URL = ""
    with pytest.raises(ReminderRefused):
        HttpSmsGateway().send(VisitorMessage(channel="sms", to=PHONE, subject="", body="x", key="k"))


@pytest.mark.parametrize("url", ["http://sms.example.se/send", "ftp://127.0.0.1/x", "https://u:p@sms.example.se/"])
def test_the_gateway_is_reached_over_https_only_except_on_this_machine(url):
    with pytest.raises(ReminderRefused):
        HttpSmsGateway(url=url).send(VisitorMessage(channel="sms", to=PHONE, subject="", body="x", key="k"))


def test_a_gateway_that_refuses_connections_is_unavailable_not_refused():
    with pytest.raises(ReminderUnavailable):
        HttpSmsGateway(url=f"http://127.0.0.1:{free_port()}/sms", connect_timeout=0.5).send(
            VisitorMessage(channel="sms", to=PHONE, subject="", body="x", key="k")
        )


# --- erased, withdrawn, cancelled, moved --------------------------------------------------------------


@pytest.mark.parametrize(
    ("erase", "reason"),
    [
        ({"visitor_email": ""}, ReminderSkip.NO_CONTACT),
        ({"personal_data_erased_at": NOW}, ReminderSkip.ERASED),
        ({"reminder_consent": False, "reminder_channel": ""}, ReminderSkip.NO_CONSENT),
        ({"status": AppointmentStatus.CANCELLED}, ReminderSkip.NOT_SCHEDULED),
    ],
)
def test_a_contact_erased_or_consent_withdrawn_after_queueing_is_a_recorded_skip(db, smtp, erase, reason):
    smtp.start()
    appointment = consenting()
    appointment_reminders_due(now=NOW)
    Appointment.objects.filter(pk=appointment.pk).update(**erase)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "skipped"
    assert state(appointment) == (R.SKIPPED, reason)
    assert smtp.messages == []


def test_an_appointment_that_started_before_its_reminder_went_out_is_skipped(db, smtp):
    smtp.start()
    appointment = consenting(hours=1)
    appointment_reminders_due(now=NOW)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW + dt.timedelta(hours=2)) == "skipped"
    assert state(appointment) == (R.SKIPPED, ReminderSkip.TOO_LATE)


def test_a_cancelled_appointment_gets_no_reminder(db, smtp):
    smtp.start()
    queued, later = consenting(hours=2), consenting(hours=5)
    appointment_reminders_due(now=NOW)
    appointment_cancel(appointment=queued, by=None, now=NOW)
    appointment_cancel(appointment=later, by=None, now=NOW)
    assert appointment_reminder_send(appointment_id=queued.pk, now=NOW) == "skipped"
    assert appointment_reminders_due(now=NOW).queued == []
    assert smtp.messages == []


def test_moving_an_appointment_after_its_reminder_sends_a_new_one_with_the_new_time(db, smtp):
    smtp.start()
    appointment = consenting(hours=20)
    appointment_reminders_due(now=NOW)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "sent"
    new_start = (NOW + dt.timedelta(hours=22)).replace(minute=15, second=0)
    appointment_move(appointment=appointment, by=None, start=new_start, now=NOW)
    appointment.refresh_from_db()
    assert (appointment.reminder_status, appointment.reminder_sent_at) == ("", None)
    assert appointment_reminders_due(now=NOW).queued == [appointment.pk]
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "sent"
    first, second = smtp.messages
    assert header(first, "Message-ID") != header(second, "Message-ID")
    assert new_start.astimezone(STOCKHOLM).strftime("%H:%M") in second.get_content()


def test_moving_a_queued_reminder_out_of_the_window_waits_for_the_new_window(db, smtp):
    smtp.start()
    appointment = consenting(hours=20)
    appointment_reminders_due(now=NOW)
    appointment_move(appointment=appointment, by=None, start=NOW + dt.timedelta(days=7), now=NOW)
    assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "noop"  # the queued task
    assert appointment_reminders_due(now=NOW).queued == []
    assert smtp.messages == []


def test_a_contact_added_after_a_skip_retries_but_a_sent_reminder_stays_sent(db):
    skipped = consenting("sms", reminder_status=R.SKIPPED, reminder_skip_reason=ReminderSkip.REFUSED)
    appointment_move(appointment=skipped, by=None, visitor_phone="+46709876543", now=NOW)
    assert state(skipped) == ("", "")
    sent = consenting(reminder_status=R.SENT, reminder_sent_at=NOW)
    appointment_move(appointment=sent, by=None, visitor_email="ny@example.se", now=NOW)
    assert state(sent) == (R.SENT, "")


# --- personal data --------------------------------------------------------------------------------------


def test_reading_the_contact_to_send_it_is_logged_as_a_system_read_of_that_field(db, smtp):
    smtp.start()
    appointment = consenting()
    appointment_reminders_due(now=NOW)
    appointment_reminder_send(appointment_id=appointment.pk, now=NOW)
    [entry] = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_id=appointment.pk)
    assert entry.actor is None
    assert entry.additional_data["fields"] == ["visitor_email"]
    assert entry.additional_data["via"] == "task:visitor-reminder"


def test_the_console_backend_prints_the_message_and_logs_nothing_personal(db, caplog, capsys, settings):
    settings.TOLKDESK_VISITOR_REMINDER_BACKEND = "visits.reminder_backends.ConsoleBackend"
    appointment = consenting("sms")
    appointment_reminders_due(now=NOW)
    with caplog.at_level("DEBUG"):
        assert appointment_reminder_send(appointment_id=appointment.pk, now=NOW) == "sent"
    printed = capsys.readouterr().out
    assert PHONE in printed and "Påminnelse" in printed and "Reminder" in printed
    assert PHONE not in caplog.text and EMAIL not in caplog.text


def test_the_production_backend_routes_email_and_sms(db, smtp, gateway):
    smtp.start()
    backend = DeliveryBackend()
    backend.send(VisitorMessage(channel="email", to=EMAIL, subject="s", body="b", key="k1"))
    backend.send(VisitorMessage(channel="sms", to=PHONE, subject="", body="b", key="k2"))
    assert [header(m, "To") for m in smtp.messages] == [EMAIL]
    assert [r.body["to"] for r in gateway.received] == [PHONE]


def test_retention_erases_the_contact_and_the_consent_with_the_other_personal_fields(db):
    old_start = NOW - dt.timedelta(days=200)
    old = consenting(
        "email",
        hours=0,
        reminder_status=R.SENT,
        reminder_sent_at=old_start - dt.timedelta(hours=20),
        status=AppointmentStatus.NO_SHOW,
    )
    Appointment.objects.filter(pk=old.pk).update(start=old_start, service_date=timezone.localdate(old_start))
    recent = consenting("sms")
    assert visit_purge_personal_data(older_than_days=90, now=NOW).appointments == 1
    old.refresh_from_db()
    assert (old.visitor_name, str(old.visitor_phone or ""), old.visitor_email) == ("", "", "")
    assert (old.reminder_consent, old.reminder_channel, old.reminder_consent_at) == (False, "", None)
    assert old.reminder_status == R.SENT  # what happened stays, without whom it was for
    recent.refresh_from_db()
    assert (recent.visitor_email, recent.reminder_consent, recent.reminder_channel) == (EMAIL, True, "sms")


def test_production_delivers_reminders_and_the_demo_prints_them_and_the_beat_runs_the_due_check():
    from django.conf import settings as django_settings

    from tests.test_production_settings import production_setting

    assert production_setting("s.TOLKDESK_VISITOR_REMINDER_BACKEND") == "'visits.reminder_backends.DeliveryBackend'"
    assert (
        production_setting("s.TOLKDESK_VISITOR_REMINDER_HOURS_BEFORE", TOLKDESK_VISITOR_REMINDER_HOURS_BEFORE="48")
        == "48.0"
    )
    assert django_settings.TOLKDESK_VISITOR_REMINDER_BACKEND == "visits.reminder_backends.ConsoleBackend"
    beat = [entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()]
    assert "visits.appointment_reminders_due" in beat
