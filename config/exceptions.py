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
    return exception_handler(exc, context)
