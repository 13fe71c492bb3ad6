"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the tests that send e-mail (notifications to staff,
reminders to visitors): it keeps every message it accepted, and can be started and stopped at will."""

import email
import email.policy
import threading
from email.message import EmailMessage as ParsedMessage
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: keeps every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[ParsedMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"


def header(message: ParsedMessage, name: str) -> str:
    """A header as a mail client reads it: unfolded (a long Message-ID or an encoded subject is
    folded onto a continuation line on the wire)."""
    return str(message[name]).strip()


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[ParsedMessage]:
        with self.inbox.lock:
            return list(self.inbox.messages)
