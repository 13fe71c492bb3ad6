"""Logging: one JSON object per line in production (TOLKDESK_LOG_FORMAT=json), plain text for the
demo console; every line carries the id of the request or task it belongs to.

No personal data: our log calls name ids and codes only, the request line logs the route's name
(never the URL or its query string, which can hold a visitor's name), and SQL is never logged
outside DEBUG. tests/test_logs.py plants a visitor name and checks the captured logs."""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from config.middleware_base import TimedMiddleware
from config.requestid import current_request_id

request_logger = logging.getLogger("tolkdesk.request")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


# Attributes every LogRecord has: anything else passed in `extra=` goes into the JSON object.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestLogMiddleware(TimedMiddleware):
    """One line per request: method, route name, status and duration (no URL, no query string)."""

    def observe(self, request: HttpRequest, response: HttpResponse, *, route: str, seconds: float) -> None:
        request_logger.info(
            "request",
            extra={
                "method": request.method,
                "view": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )


def logging_config(*, fmt: str, level: str, request_level: str) -> dict[str, Any]:
    """The LOGGING dict for settings: `fmt` "json" or "plain"."""
    plain = "%(asctime)s %(levelname)s %(name)s %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "config.logs.RequestIdFilter"},
            "client_errors": {"()": "config.log_filters.ClientErrorsWithoutTraceback"},
        },
        "formatters": {
            "plain": {"format": plain},
            "json": {"()": "config.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["request_id", "client_errors"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The per-request line: INFO in production, quiet on the demo console.
            "tolkdesk.request": {"level": request_level, "propagate": True},
            # Django's own 4xx/5xx line repeats the URL path: ours says the same without it.
            "django.request": {"level": "ERROR", "propagate": True},
            # fpdf2's font subsetting logs a dozen INFO lines per PDF (the monthly report).
            "fontTools": {"level": "WARNING", "propagate": True},
        },
    }
