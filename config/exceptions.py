"""One domain error type, mapped to HTTP 400 with field messages, for every API.

Also turns Django's own refusals of a request body (too big, too many fields) into JSON 4xx answers:
left alone they escape DRF and Django answers with an HTML error page."""

from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from config.parsers import RequestBodyTooLarge
from visits.errors import DomainError


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        exc = exceptions.ValidationError(exc.as_dict())
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestBodyTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        # e.g. TooManyFieldsSent: the request is malformed, not the server.
        exc = exceptions.ParseError(_("The request could not be read."))
    response = exception_handler(exc, context)
    if response is not None:
        response.data = _encodable(response.data)
    return response


def _encodable(data: Any) -> Any:
    """Error messages echo the input ("“x” is not a valid choice", unknown field names). JSON allows
    lone surrogates (\\ud800) that Python decodes but cannot encode as UTF-8: left in, rendering the
    400 would fail with a 500. Replace them, keeping each message's error code."""
    if isinstance(data, dict):
        return {_encodable(key): _encodable(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_encodable(item) for item in data]
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            cleaned = data.encode("utf-8", "replace").decode("utf-8")
            return exceptions.ErrorDetail(cleaned, code=getattr(data, "code", None))
    return data
