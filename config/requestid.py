"""The id of the request (or task) being served, for logs and for the tasks it enqueues.

RequestIdMiddleware takes a well-formed X-Request-ID from the client or proxy, or makes one, answers
with it, and holds it in a context variable for the request; the outbox stores it on each row it
writes and the relay sends it as a message header, so the worker logs the task under the same id."""

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

current_request_id: ContextVar[str] = ContextVar("tolkdesk_request_id", default="")
HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_from_header(value: str | None) -> str:
    """The client's id if it is a plain token of sane length, else a new one (never echo anything
    else into logs and headers)."""
    if value and _ACCEPTED.fullmatch(value):
        return value
    return request_id_new()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from_header(request.headers.get(HEADER))
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[HEADER] = request_id
        return response
