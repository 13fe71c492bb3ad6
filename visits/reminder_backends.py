"""Backends that deliver a reminder to a visitor (issue 11): the one interface, and its implementations.

    backend = reminder_backend()          # the class named by TOLKDESK_VISITOR_REMINDER_BACKEND
    backend.send(VisitorMessage(...))     # raises ReminderUnavailable (try later) or ReminderRefused

- `ConsoleBackend` (the demo's default): writes the message to stdout, like Django's console e-mail
  backend. Never through logging: logs must hold no personal data, and this output holds a phone
  number or an e-mail address.
- `DeliveryBackend` (production's default): e-mail through Django's e-mail backend (SMTP in
  production, TOLKDESK_EMAIL_*), SMS through `HttpSmsGateway` (TOLKDESK_SMS_GATEWAY_*).
- `HttpSmsGateway`: a generic HTTP SMS gateway. One JSON POST per message
  (`{"to", "message", "sender", "reference"}`, a bearer token, an `Idempotency-Key` stable for the
  reminder so that a retry after a timeout is not a second SMS at a gateway that honours it), short
  timeouts. 5xx, 429, timeouts and connection errors: try later; any other non-2xx: refused.

A new provider is a class with `send(message)` here, named in the setting. The caller
(visits/reminders.py) decides what is sent and records the outcome; a backend only delivers.
"""

import smtplib
import sys
import threading
from dataclasses import dataclass
from typing import Any, Protocol, TextIO
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from visits.models import ReminderChannel


@dataclass(frozen=True)
class VisitorMessage:
    """One reminder: to a phone number (E.164) or an e-mail address, by `channel`. `key` is the same
    on every try of the same reminder (no personal data in it): the SMS Idempotency-Key and the
    e-mail's Message-ID."""

    channel: str
    to: str
    subject: str
    body: str
    key: str


class ReminderUnavailable(Exception):
    """The mail server or gateway could not take the message now (down, timeout, 5xx): try later."""


class ReminderRefused(Exception):
    """The message will never be accepted (address or number refused, gateway not configured)."""


class ReminderBackend(Protocol):
    def send(self, message: VisitorMessage) -> None: ...


def reminder_backend() -> ReminderBackend:
    """A new instance of the backend named by TOLKDESK_VISITOR_REMINDER_BACKEND."""
    backend: ReminderBackend = import_string(settings.TOLKDESK_VISITOR_REMINDER_BACKEND)()
    return backend


class ConsoleBackend:
    """Writes each message to a stream (stdout), as Django's console e-mail backend does."""

    _lock = threading.Lock()

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: VisitorMessage) -> None:
        text = (
            f"--- visitor reminder ({message.channel}) {message.key}\n"
            f"To: {message.to}\n"
            + (f"Subject: {message.subject}\n" if message.channel == ReminderChannel.EMAIL else "")
            + f"\n{message.body}\n---\n"
        )
        with self._lock:
            self.stream.write(text)
            self.stream.flush()


# Errors after which trying again cannot help: the server refused this address or this sender.
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


def email_send(message: VisitorMessage) -> None:
    """The e-mail channel: through Django's e-mail backend (console in the demo, SMTP in production)."""
    domain = settings.TOLKDESK_EMAIL_MESSAGE_ID_DOMAIN
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={
            "Message-ID": f"<{message.key}@{domain}>",
            "Content-Language": "sv, en",
            "Auto-Submitted": "auto-generated",
        },
    )
    try:
        get_connection(fail_silently=False).send_messages([email])
    except PERMANENT_SMTP_ERRORS as exc:
        raise ReminderRefused(type(exc).__name__) from exc
    except (OSError, smtplib.SMTPException) as exc:  # server down, timeout, 4xx
        raise ReminderUnavailable(type(exc).__name__) from exc


def _gateway_url_error(url: str) -> str | None:
    """https only; plain http only to this machine (a local relay, the tests' fake gateway): the
    message and the token must not cross a network in the clear."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "the URL may not hold a user name or password"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return None
    return "the URL must start with https://"


class HttpSmsGateway:
    """A generic HTTP SMS gateway: TOLKDESK_SMS_GATEWAY_URL, _TOKEN, _SENDER, _CONNECT_TIMEOUT_SECONDS,
    _READ_TIMEOUT_SECONDS."""

    def __init__(self, **overrides: Any) -> None:
        self.url = overrides.get("url", settings.TOLKDESK_SMS_GATEWAY_URL)
        self.token = overrides.get("token", settings.TOLKDESK_SMS_GATEWAY_TOKEN)
        self.sender = overrides.get("sender", settings.TOLKDESK_SMS_GATEWAY_SENDER)
        self.timeouts = (
            float(overrides.get("connect_timeout", settings.TOLKDESK_SMS_GATEWAY_CONNECT_TIMEOUT_SECONDS)),
            float(overrides.get("read_timeout", settings.TOLKDESK_SMS_GATEWAY_READ_TIMEOUT_SECONDS)),
        )

    def send(self, message: VisitorMessage) -> None:
        if not self.url:
            raise ReminderRefused("no SMS gateway configured (TOLKDESK_SMS_GATEWAY_URL)")
        problem = _gateway_url_error(self.url)
        if problem:
            raise ReminderRefused(f"SMS gateway URL refused: {problem}")
        headers = {"Accept": "application/json", "Idempotency-Key": message.key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = {"to": message.to, "message": message.body, "sender": self.sender, "reference": message.key}
        try:
            response = requests.post(
                self.url, json=payload, headers=headers, timeout=self.timeouts, allow_redirects=False
            )
        except requests.RequestException as exc:  # timeout, connection refused or reset
            raise ReminderUnavailable(type(exc).__name__) from exc
        # Only the status goes into the error: a gateway's body may repeat the number.
        if response.status_code >= 500 or response.status_code == 429:
            raise ReminderUnavailable(f"HTTP {response.status_code}")
        if not 200 <= response.status_code < 300:
            raise ReminderRefused(f"HTTP {response.status_code}")


class DeliveryBackend:
    """Production: e-mail through Django's e-mail backend, SMS through the HTTP gateway."""

    def __init__(self) -> None:
        self.sms = HttpSmsGateway()

    def send(self, message: VisitorMessage) -> None:
        if message.channel == ReminderChannel.EMAIL:
            email_send(message)
        elif message.channel == ReminderChannel.SMS:
            self.sms.send(message)
        else:
            raise ReminderRefused(f"unknown channel {message.channel!r}")
