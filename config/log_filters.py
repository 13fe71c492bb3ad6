"""Logging filters shared by every environment."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Django logs a refused request (403 PermissionDenied, 404) with the exception attached, which
    prints a traceback for something that is no error of ours. Keep the one-line message; a 5xx
    keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
