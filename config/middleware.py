"""Request plumbing that every app shares."""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# C0 controls except tab (legal in a header value), and DEL. PostgreSQL refuses NUL in text, so a
# NUL in, say, the User-Agent of a failed login made the attempt's INSERT fail: a 500 and no lockout
# count (issue 14, item 9). The others have no business in a header we store or log either.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def strip_control_characters(value: str) -> str:
    return _CONTROL.sub("", value)


class HeaderControlCharacterMiddleware:
    """Strips control characters from every request header before any code (django-axes, auditlog,
    the audit trail) can write one to the database. First in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        for key, value in list(meta.items()):
            if (key.startswith("HTTP_") or key in ("REMOTE_ADDR", "REMOTE_HOST")) and isinstance(value, str):
                if _CONTROL.search(value):
                    meta[key] = strip_control_characters(value)
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response our views make (issue 14, item 10): the pages, the
    API and the exports carry visitors' personal data, and reception desks are shared. A view that
    sets its own Cache-Control keeps it. Placed after WhiteNoise, so static files keep theirs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
