"""`Idempotency-Key` on every API POST (/api/...). Scoped per client (the signed-in user, else a
hash of the Authorization header, e.g. a kiosk token) and per path; kept 24 h. The same key with
the same body answers the first status and body again (header `Idempotent-Replayed: true`);
with another body -> 422. Only successful answers (2xx) are kept: a refused request wrote
nothing and may be sent again. A request without the header is not affected. Anonymous requests
(the agency's signed webhook, which has its own event ids) are not affected either."""

import hashlib
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from config.idempotency.models import IdempotencyRecord
from config.idempotency.selectors import idempotency_record_find
from config.idempotency.services import IdempotencyClaim, body_fingerprint, idempotency_record_save

HEADER = "Idempotency-Key"
API_PREFIX = "/api/"


def _scope(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "auth:" + hashlib.sha256(authorization.encode("utf-8", "replace")).hexdigest()[:40]
    return None


def _bad_key() -> JsonResponse:
    return JsonResponse({HEADER: [_("Give 1 to 255 visible ASCII characters, e.g. a UUID.")]}, status=400)


def _replay(record: IdempotencyRecord, claim: IdempotencyClaim) -> HttpResponse:
    if record.fingerprint != claim.fingerprint:
        return JsonResponse(
            {"detail": _("This Idempotency-Key was already used with a different request body.")}, status=422
        )
    response = HttpResponse(
        record.response.get("body", ""),
        status=record.status_code,
        content_type=record.response.get("content_type", "application/json"),
    )
    if location := record.response.get("location"):
        response["Location"] = location
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyKeyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not (1 <= len(key) <= 255 and key.isascii() and key.isprintable()):
            return _bad_key()
        scope = _scope(request)
        if scope is None:
            return self.get_response(request)
        try:
            body = request.body
        except RequestDataTooBig:
            return self.get_response(request)  # the view answers 413
        claim = IdempotencyClaim(scope=scope, path=request.path, key=key, fingerprint=body_fingerprint(body))
        if (record := idempotency_record_find(claim)) is not None:
            return _replay(record, claim)
        try:
            # The view's write and the record commit together (see idempotency_record_save).
            with transaction.atomic():
                response = self.get_response(request)
                if 200 <= response.status_code < 300 and not response.streaming:
                    idempotency_record_save(
                        claim=claim,
                        status_code=response.status_code,
                        response={
                            "body": response.content.decode("utf-8", "replace"),
                            "content_type": response.get("Content-Type", "application/json"),
                            "location": response.get("Location", ""),
                        },
                    )
        except IntegrityError:
            if (record := idempotency_record_find(claim)) is None:
                raise
            return _replay(record, claim)
        return response
