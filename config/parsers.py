"""Request body parsers that honour DATA_UPLOAD_MAX_MEMORY_SIZE.

Django enforces the limit only when a body is read through `request.body` or `request.POST`; DRF's
JSONParser reads the raw stream, so without this an API client could post a body of any size and
have it parsed into memory. Every parser here refuses an oversize body with 413 before reading it.
"""

import codecs
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status
from rest_framework.utils import json


class RequestBodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _check_declared_length(parser_context: Mapping[str, Any] | None) -> None:
    limit = body_limit()
    if limit is None or not parser_context or "request" not in parser_context:
        return
    meta = parser_context["request"].META
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        declared = 0
    if declared > limit:
        raise RequestBodyTooLarge()


class BoundedJSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        _check_declared_length(parser_context)
        limit = body_limit()
        # Read at most one byte past the limit: a body without (or with a lying) Content-Length is
        # still never held in memory beyond the cap.
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestBodyTooLarge()
        # get_encoding is in DRF 3.18.3 but missing from djangorestframework-stubs 3.18.1.
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = codecs.decode(raw, encoding)
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, LookupError) as exc:
            raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
        except RecursionError as exc:
            # Thousands of nested brackets exhaust the parser's stack: bad input, not a server fault.
            raise exceptions.ParseError(_("JSON parse error - nested too deeply.")) from exc


class BoundedFormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        _check_declared_length(parser_context)
        return super().parse(stream, media_type, parser_context)


class BoundedMultiPartParser(parsers.MultiPartParser):
    """Django caps multipart form fields but not uploaded files; the API takes no files, so the
    whole body is held to the same cap."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        _check_declared_length(parser_context)
        return super().parse(stream, media_type, parser_context)
