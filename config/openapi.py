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
