"""Error answers every API documents, defined once. Every 4xx body is JSON: {"field": ["message", ...]}
for input errors (nested objects nest), {"detail": "message"} otherwise."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

BAD_INPUT = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: messages per field.")
NOT_SIGNED_IN = OpenApiResponse(OpenApiTypes.OBJECT, description="No valid session or token.")
NOT_ALLOWED = OpenApiResponse(OpenApiTypes.OBJECT, description="Not allowed here (role, office, or CSRF).")
NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description="No such object among the user's offices.")
TOO_LARGE = OpenApiResponse(OpenApiTypes.OBJECT, description="Request body larger than the server accepts.")
UNSUPPORTED = OpenApiResponse(OpenApiTypes.OBJECT, description="Body is not JSON.")

# What any signed-in read can answer besides 200, and what any write with a body can.
READ_ERRORS = {401: NOT_SIGNED_IN, 403: NOT_ALLOWED}
WRITE_ERRORS = {400: BAD_INPUT, 401: NOT_SIGNED_IN, 403: NOT_ALLOWED, 413: TOO_LARGE, 415: UNSUPPORTED}

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "description": (
        "Optional, recommended for every write: a key of your own (e.g. a UUID) that makes a retry safe. "
        "Scoped per client and path and kept 24 hours: sending the same key with the same body again "
        "writes nothing and answers the first status and body (header `Idempotent-Replayed: true`); the "
        "same key with a different body answers 422. Only successful answers are kept. Requests without "
        "a signed-in user or token (the agency callback, which is deduplicated by its `event_id`) ignore it."
    ),
    # Visible ASCII and spaces (config/idempotency/middleware.py); anything else answers 400.
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}
KEY_REUSED = {
    "description": "This Idempotency-Key was already used on this path with a different body.",
    "content": {"application/json": {"schema": {"type": "object"}}},
}
BAD_KEY = {
    "description": "Invalid input: messages per field (also an Idempotency-Key that is not 1-255 visible ASCII).",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def idempotency_key_header(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: document the `Idempotency-Key` header (issue 13) on every
    POST under /api/, with the 400 and 422 answers it can add. The middleware applies to every API
    POST, so the schema says so in one place rather than on each view."""
    for path, operations in result.get("paths", {}).items():
        post = operations.get("post")
        if not path.startswith("/api/") or post is None:
            continue
        parameters = post.setdefault("parameters", [])
        if not any(p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER for p in parameters):
            parameters.append(dict(IDEMPOTENCY_PARAMETER))
        responses = post.setdefault("responses", {})
        responses.setdefault("400", BAD_KEY)
        responses.setdefault("422", KEY_REUSED)
    return result
