"""Notifications (issue 11): rows in the event's transaction, delivered through a real SMTP server on
127.0.0.1 (aiosmtpd), retried while the server is down, resent at most once after a crash, in the
recipient's language."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from config.outbox.models import OutboxMessage
from interpreters.backends import AgencyEvent
from interpreters.events import AgencyEventType
from interpreters.models import (
    BookingStatus,
    Complaint,
    ComplaintType,
    Notification,
    NotificationEvent,
    NotificationStatus,
)
from interpreters.services import agency_callback_receive, booking_apply_agency_event, booking_escalate
from interpreters.services import notifications as notifications_module
from interpreters.services.notifications import (
    notification_deliver,
    notification_message_id,
    notification_preference_update,
    notification_send,
    notifications_deliver_due,
    prebookings_unconfirmed_notify,
)
from tests.factories import MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, RankingFactory
from tests.mailserver import SmtpServer, header
from tests.servers import free_port
from visits.errors import DomainError
from visits.models import StaffRole

S = BookingStatus
N = NotificationStatus


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 and Django's SMTP backend pointed at it (not started: a test
    may want the server down first)."""
    server = SmtpServer(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def requester(office):
    user = UserFactory(username="handlaggare", email="handlaggare@example.se")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICER)
    return user


@pytest.fixture
def prebooking(visit, agency, requester):
    return BookingFactory(
        visit=visit,
        agency=agency,
        requested_by=requester,
        status=S.PENDING,
        agency_reference="R-1",
        scheduled_for=timezone.now() + dt.timedelta(days=2),
        urgent=False,
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's after-commit hooks (the outbox relay: here, the task in-process) at its end,
    as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def confirm(booking, name="Amira Tolk"):
    booking_apply_agency_event(
        booking=booking,
        event=AgencyEvent(type=AgencyEventType.CONFIRMED, reference="R-1", interpreter_name=name),
        source="agency:first",
    )


def test_a_confirmed_prebooking_is_mailed_to_its_requester_in_swedish_by_default(
    smtp, prebooking, requester, committed
):
    smtp.start()
    with committed():
        confirm(prebooking)
    row = Notification.objects.get()
    assert (row.event, row.recipient, row.reason, row.status) == (
        NotificationEvent.PREBOOKING_CONFIRMED,
        requester,
        "requester",
        N.SENT,
    )
    [message] = smtp.messages
    assert header(message, "To") == "handlaggare@example.se"
    assert header(message, "Subject").startswith("tolkdesk: Tolk bekräftad: arabiska")
    assert header(message, "Message-ID") == notification_message_id(row)
    assert header(message, "Content-Language") == "sv"
    body = message.get_content()
    assert "Tolkförmedlingen har bekräftat en tolk" in body
    assert "Amira Tolk" in body
    assert row.language == "sv"
    assert not OutboxMessage.objects.exists()  # it went through the outbox and was relayed


def test_a_user_who_chose_english_gets_english(smtp, prebooking, requester, committed):
    notification_preference_update(user=requester, language="en")
    smtp.start()
    with committed():
        confirm(prebooking)
    [message] = smtp.messages
    assert header(message, "Subject").startswith("tolkdesk: Interpreter confirmed: Arabic")
    assert "The agency has confirmed an interpreter" in message.get_content()
    assert header(message, "Content-Language") == "en"


def test_a_booking_for_now_is_no_prebooking_and_its_confirmation_mails_nobody(
    smtp, visit, agency, requester, committed
):
    smtp.start()
    booking = BookingFactory(
        visit=visit, agency=agency, requested_by=requester, status=S.PENDING, agency_reference="R-1"
    )
    with committed():
        confirm(booking)
    assert not Notification.objects.exists()
    assert smtp.messages == []


def test_a_rolled_back_event_notifies_nobody(smtp, prebooking):
    smtp.start()
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(event=NotificationEvent.PREBOOKING_FAILED, booking_id=prebooking.pk)
        raise RuntimeError("the event's own write failed")
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert smtp.messages == []


def test_the_notice_and_its_outbox_row_are_written_together_and_sent_after_commit(
    smtp, prebooking, django_capture_on_commit_callbacks
):
    smtp.start()
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        [row] = notification_send(event=NotificationEvent.PREBOOKING_FAILED, booking_id=prebooking.pk)
    outbox = OutboxMessage.objects.get()
    assert (outbox.task, outbox.args) == ("interpreters.notification_deliver", [row.pk])
    assert smtp.messages == []  # nothing is sent before the commit hook runs
    for callback in callbacks:
        callback()
    assert len(smtp.messages) == 1
    assert Notification.objects.get().status == N.SENT


def test_mail_server_down_the_notice_waits_and_is_delivered_later_with_the_same_message_id(smtp, prebooking, committed):
    # The server is not started: connection refused.
    with committed():
        confirm(prebooking)
    row = Notification.objects.get()
    assert row.status == N.PENDING
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > timezone.now()
    # The beat's sweep before the retry time does nothing.
    assert notifications_deliver_due().sent == 0
    smtp.start()
    later = row.next_attempt_at + dt.timedelta(seconds=1)
    result = notifications_deliver_due(now=later)
    assert result.sent == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (N.SENT, 2, "")
    [message] = smtp.messages
    assert header(message, "Message-ID") == notification_message_id(row)


def test_a_server_that_stays_down_backs_off_longer_each_time(smtp, prebooking, committed):
    with committed():
        confirm(prebooking)
    row = Notification.objects.get()
    delays = []
    at = row.next_attempt_at
    for _attempt in range(3):
        at = at + dt.timedelta(seconds=1)
        assert notification_deliver(notification_id=row.pk, now=at) == "retry"
        row.refresh_from_db()
        delays.append((row.next_attempt_at - timezone.now()).total_seconds())
        at = row.next_attempt_at
    assert delays[0] < delays[1] < delays[2] <= settings.NOTIFICATION_RETRY_MAX_SECONDS
    assert row.status == N.PENDING  # never given up: it waits for the server


class WorkerDied(BaseException):
    """The process ends between the SMTP send and the row's "sent" mark."""


def crash_after_send(monkeypatch, times: int = 1) -> None:
    real_finish = notifications_module._finish
    left = {"crashes": times}

    def finish(row, **changes):
        if changes.get("status") == N.SENT and left["crashes"] > 0:
            left["crashes"] -= 1
            raise WorkerDied
        real_finish(row, **changes)

    monkeypatch.setattr(notifications_module, "_finish", finish)


@pytest.fixture
def queued(prebooking, django_capture_on_commit_callbacks):
    """One notice written, its outbox message not relayed (the test sends it by hand)."""
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        [row] = notification_send(event=NotificationEvent.PREBOOKING_FAILED, booking_id=prebooking.pk)
    return row


def test_a_crash_between_send_and_mark_sent_resends_once_with_the_same_message_id(smtp, queued, monkeypatch):
    smtp.start()
    crash_after_send(monkeypatch)
    with pytest.raises(WorkerDied):
        notification_deliver(notification_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == N.SENDING
    assert len(smtp.messages) == 1
    # The redelivered task, or the sweep, while the dead sender's lease runs: nothing sent.
    assert notification_deliver(notification_id=queued.pk) == "noop"
    assert notifications_deliver_due().sent == 0
    assert len(smtp.messages) == 1
    # After the lease: the one resend.
    after_lease = timezone.now() + dt.timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS + 1)
    assert notifications_deliver_due(now=after_lease).sent == 1
    queued.refresh_from_db()
    assert (queued.status, queued.crash_resends) == (N.SENT, 1)
    first, second = smtp.messages
    assert header(first, "Message-ID") == header(second, "Message-ID") == notification_message_id(queued)
    # Sent: later runs leave it alone.
    assert notification_deliver(notification_id=queued.pk, now=after_lease + dt.timedelta(hours=1)) == "noop"
    assert len(smtp.messages) == 2


def test_a_notice_interrupted_twice_is_not_sent_a_third_time(smtp, queued, monkeypatch):
    smtp.start()
    crash_after_send(monkeypatch, times=2)
    lease = dt.timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS + 1)
    with pytest.raises(WorkerDied):
        notification_deliver(notification_id=queued.pk)
    with pytest.raises(WorkerDied):
        notification_deliver(notification_id=queued.pk, now=timezone.now() + lease)
    assert notification_deliver(notification_id=queued.pk, now=timezone.now() + 2 * lease + lease) == "noop"
    queued.refresh_from_db()
    assert queued.status == N.FAILED
    assert "interrupted twice" in queued.last_error
    assert len(smtp.messages) == 2


def test_a_recipient_deleted_before_delivery_is_a_recorded_skip_not_a_retry(smtp, queued, requester):
    smtp.start()
    requester.delete()
    assert notification_deliver(notification_id=queued.pk) == "skipped"
    queued.refresh_from_db()
    assert (queued.status, queued.skip_reason, queued.recipient_id) == (N.SKIPPED, "recipient_deleted", None)
    later = timezone.now() + dt.timedelta(days=1)
    assert notifications_deliver_due(now=later) == notifications_module.DeliverDueResult(0, 0, 0)
    assert smtp.messages == []


def test_email_switched_off_after_the_event_skips_the_waiting_notice(smtp, queued, requester):
    smtp.start()
    notification_preference_update(user=requester, email_enabled=False)
    assert notification_deliver(notification_id=queued.pk) == "skipped"
    queued.refresh_from_db()
    assert queued.skip_reason == "email_off"
    assert smtp.messages == []


def test_preferences_decide_who_is_notified(prebooking, office, requester):
    manager = UserFactory(username="chef", email="chef@example.se")
    MembershipFactory(user=manager, office=office, role=StaffRole.OFFICE_MANAGER)
    notification_preference_update(user=manager, office_wide=True)
    receptionist = UserFactory(username="reception2", email="rec@example.se")
    MembershipFactory(user=receptionist, office=office, role=StaffRole.RECEPTIONIST)
    notification_preference_update(user=receptionist, office_wide=True)  # the role gets none anyway
    other = UserFactory(username="annan", email="annan@example.se")
    MembershipFactory(user=other, office=OfficeFactory(), role=StaffRole.OFFICE_MANAGER)
    notification_preference_update(user=other, office_wide=True)
    unmailable = UserFactory(username="utanadress", email="")
    MembershipFactory(user=unmailable, office=office, role=StaffRole.OFFICER)
    notification_preference_update(user=unmailable, office_wide=True)

    with transaction.atomic():
        rows = notification_send(event=NotificationEvent.PREBOOKING_FAILED, booking_id=prebooking.pk)
    assert {(row.recipient.username, row.reason) for row in rows} == {("handlaggare", "requester"), ("chef", "office")}

    notification_preference_update(user=requester, events=[NotificationEvent.PREBOOKING_CONFIRMED])
    notification_preference_update(user=manager, email_enabled=False)
    with transaction.atomic():
        assert notification_send(event=NotificationEvent.PREBOOKING_FAILED, booking_id=prebooking.pk) == []


def test_bad_preferences_are_refused_on_their_field_and_change_nothing(requester):
    for kwargs, field in (
        ({"language": "de"}, "language"),
        ({"events": ["prebooking_confirmed", "lunch"]}, "events"),
        ({"events": "prebooking_confirmed"}, "events"),
    ):
        with pytest.raises(DomainError) as err:
            notification_preference_update(user=requester, **kwargs)
        assert err.value.field == field
    assert not requester.__class__.objects.filter(notification_preference__isnull=False).exists()


def test_still_unconfirmed_30_minutes_before_is_noticed_once_per_booking(
    prebooking, visit, agency, requester, django_capture_on_commit_callbacks
):
    now = timezone.now()
    prebooking.scheduled_for = now + dt.timedelta(minutes=25)
    prebooking.save()
    later = BookingFactory(
        visit=VisitFactory(office=visit.office),
        agency=agency,
        requested_by=requester,
        status=S.PENDING,
        scheduled_for=now + dt.timedelta(minutes=45),
    )
    confirmed = BookingFactory(
        visit=VisitFactory(office=visit.office),
        agency=agency,
        requested_by=requester,
        status=S.CONFIRMED,
        scheduled_for=now + dt.timedelta(minutes=20),
    )
    with django_capture_on_commit_callbacks(execute=False):
        assert prebookings_unconfirmed_notify(now=now) == 1
        assert prebookings_unconfirmed_notify(now=now + dt.timedelta(minutes=1)) == 0  # the next beat
    row = Notification.objects.get()
    assert (row.event, row.booking_id) == (NotificationEvent.PREBOOKING_UNCONFIRMED, prebooking.pk)
    assert not Notification.objects.filter(booking__in=[later, confirmed]).exists()


def test_an_escalated_prebooking_notifies_its_requester(prebooking, django_capture_on_commit_callbacks):
    second = AgencyFactory(slug="second", name="Andra Tolkförmedlingen", priority=2)
    RankingFactory(agency=second, county="C", rank=2)
    prebooking.scheduled_for = timezone.now() + dt.timedelta(minutes=20)
    prebooking.save()
    with django_capture_on_commit_callbacks(execute=False):
        assert booking_escalate(booking_id=prebooking.pk).action == "escalated"
        assert booking_escalate(booking_id=prebooking.pk).action == "noop"
    assert list(Notification.objects.values_list("event", flat=True)) == [NotificationEvent.PREBOOKING_ESCALATED]


def test_an_interpreter_change_notifies_the_requester(smtp, prebooking, requester, committed):
    smtp.start()
    with committed():
        confirm(prebooking)
    with committed():
        agency_callback_receive(
            agency=prebooking.agency,
            event_id="ev-change-1",
            booking_key=str(prebooking.idempotency_key),
            event=AgencyEvent(type=AgencyEventType.INTERPRETER_CHANGED, interpreter_name="Omar Ersättare"),
            payload={},
        )
    assert list(Notification.objects.order_by("pk").values_list("event", flat=True)) == [
        NotificationEvent.PREBOOKING_CONFIRMED,
        NotificationEvent.INTERPRETER_CHANGED,
    ]
    change = smtp.messages[-1]
    assert header(change, "Subject").startswith("tolkdesk: Ny tolk: arabiska")
    assert "Omar Ersättare" in change.get_content()


def test_an_answered_complaint_notifies_who_filed_it(smtp, visit, agency, requester, office, committed):
    smtp.start()
    filer = UserFactory(username="klagande", email="klagande@example.se")
    MembershipFactory(user=filer, office=office, role=StaffRole.OFFICER)
    done = BookingFactory(
        visit=visit, agency=agency, status=S.COMPLETED, agency_reference="R-9", requested_by=requester
    )
    complaint = Complaint.objects.create(
        booking=done,
        agency=agency,
        type=ComplaintType.LATE_OR_ABSENT,
        message="Sen.",
        filed_by=filer,
        filed_at=timezone.now(),
    )
    with committed():
        agency_callback_receive(
            agency=agency,
            event_id="ev-answer-1",
            booking_key=str(done.idempotency_key),
            event=AgencyEvent(
                type=AgencyEventType.COMPLAINT_DISPUTED, complaint_id=complaint.pk, answer="Tolken var i tid."
            ),
            payload={},
        )
    assert {row.recipient.username for row in Notification.objects.all()} == {"handlaggare", "klagande"}
    assert {header(m, "To") for m in smtp.messages} == {"handlaggare@example.se", "klagande@example.se"}
    assert all("Tolken var i tid." in m.get_content() for m in smtp.messages)


# --- preferences: API and page ----------------------------------------------------------------


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


URL = "/api/v1/notification-preferences/"


def test_the_api_shows_the_defaults_and_saves_a_change(requester):
    api = api_for(requester)
    body = api.get(URL).json()
    assert body == {
        "language": "sv",
        "email_enabled": True,
        "events": [event.value for event in NotificationEvent],
        "office_wide": False,
    }
    response = api.patch(URL, {"language": "en", "events": ["complaint_answered"]}, format="json")
    assert response.status_code == 200, response.content
    assert api.get(URL).json() == {
        "language": "en",
        "email_enabled": True,
        "events": ["complaint_answered"],
        "office_wide": False,
    }


def test_the_api_refuses_bad_input_on_the_field(requester):
    api = api_for(requester)
    for body, field in (
        ({"language": "fi"}, "language"),
        ({"events": ["nope"]}, "events"),
        ({"email_enabled": "maybe"}, "email_enabled"),
        ({"colour": "blue"}, "colour"),
    ):
        response = api.patch(URL, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()
    assert api.get(URL).json()["language"] == "sv"


def test_a_receptionist_has_no_notification_settings(receptionist, client):
    assert api_for(receptionist).get(URL).status_code == 403
    client.force_login(receptionist)
    assert client.get("/notifications/").status_code == 403


def test_the_settings_page_saves_the_form(requester, client):
    client.force_login(requester)
    page = client.get("/notifications/")
    assert page.status_code == 200
    response = client.post(
        "/notifications/",
        {"email_enabled": "on", "language": "en", "events": ["prebooking_failed", "interpreter_changed"]},
    )
    assert response.status_code == 302
    prefs = notifications_module.notification_preferences_of(requester.pk)
    assert (prefs.language, prefs.events, prefs.office_wide) == (
        "en",
        ("prebooking_failed", "interpreter_changed"),
        False,
    )
    bad = client.post("/notifications/", {"language": "xx"})
    assert bad.status_code == 400
    assert notifications_module.notification_preferences_of(requester.pk).language == "en"
