"""One-time form tokens for the pages. Every state-changing form carries a hidden `form_token`
(fresh on each render, from the `form_token` context processor). The first POST with a token
stores where it led and the messages it showed, in the same transaction as its write; a second
POST of the token (the Back button, a double click, a retry) writes nothing and shows that first
result again. A POST without a token is handled as before (old clients, scripts)."""

import re
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from config.idempotency.models import IdempotencyRecord
from config.idempotency.selectors import idempotency_record_find
from config.idempotency.services import IdempotencyClaim, idempotency_record_save

TOKEN_FIELD = "form_token"  # noqa: S105  # nosec B105 - a field name, not a secret
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")

Message = tuple[int, str, str]  # level, text, extra tags


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def form_token(request: HttpRequest) -> dict[str, Any]:
    """Context processor: one token per rendered page. Forms on one page post to different paths,
    and a record is per path, so they can share it."""
    return {"form_token": new_form_token}


def form_claim(request: HttpRequest) -> IdempotencyClaim | None:
    token = request.POST.get(TOKEN_FIELD, "")
    user = getattr(request, "user", None)
    if not _TOKEN.fullmatch(token) or user is None or not user.is_authenticated:
        return None
    # The first result is shown again whatever the resubmitted form holds: the fingerprint is unused.
    return IdempotencyClaim(scope=f"user:{user.pk}", path=request.path, key=token, fingerprint="")


def form_replay(request: HttpRequest, record: IdempotencyRecord) -> HttpResponse:
    """The first submission's result: its messages again, and a redirect to where it led."""
    for level, text, tags in record.response.get("messages", []):
        messages.add_message(request, level, text, extra_tags=tags)
    return HttpResponseRedirect(record.response["location"])


def form_result_save(claim: IdempotencyClaim, *, location: str, shown: list[Message]) -> None:
    """Inside the write's transaction (see idempotency_record_save)."""
    idempotency_record_save(
        claim=claim, status_code=303, response={"location": location, "messages": [list(m) for m in shown]}
    )


def _queued(request: HttpRequest) -> list[Any]:
    storage = messages.get_messages(request)
    return getattr(storage, "_queued_messages", [])


def form_once(
    request: HttpRequest,
    write: Callable[[], HttpResponse],
    *,
    location: str,
    replay: Callable[[IdempotencyRecord], HttpResponse] | None = None,
) -> HttpResponse:
    """Run `write` (a service call and its response) at most once per form token. A successful
    result (below 400) is recorded with `location`, the page that shows it, in the same
    transaction as the write. `replay` answers a resubmission (default: redirect to `location`)."""
    claim = form_claim(request)
    if claim is None:
        return write()
    answer = replay or (lambda record: form_replay(request, record))
    if (record := idempotency_record_find(claim)) is not None:
        return answer(record)
    queued = _queued(request)
    before = len(queued)
    try:
        with transaction.atomic():
            response = write()
            if response.status_code < 400:
                shown = [(m.level, str(m.message), m.extra_tags or "") for m in queued[before:]]
                form_result_save(claim, location=location, shown=shown)
    except IntegrityError:
        # A twin request with this token won the race (or the write itself failed).
        if (record := idempotency_record_find(claim)) is None:
            raise
        del queued[before:]
        return answer(record)
    return response
