"""Reading the environment: the one place settings (and gunicorn's config) turn variables into values.

The project's own variables are named TOLKDESK_*. Standard ones keep the names their tools know
(DATABASE_URL, CELERY_BROKER_URL, DJANGO_SETTINGS_MODULE, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
and gunicorn's WEB_CONCURRENCY, prometheus-client's PROMETHEUS_MULTIPROC_DIR). A variable renamed to
the prefix (RENAMED) is still read under its old name for one release, with a warning.

Values are read strictly: a boolean must be one of TRUE_WORDS/FALSE_WORDS and a number must parse,
or the process stops at start with ImproperlyConfigured naming the variable, instead of running with
a value nobody meant (``ture`` silently read as False).
"""

import os
import warnings

from django.core.exceptions import ImproperlyConfigured

# New name -> the old name still accepted until the next release (issue 17).
RENAMED: dict[str, str] = {
    "TOLKDESK_DEBUG": "DJANGO_DEBUG",
    "TOLKDESK_LOG_LEVEL": "DJANGO_LOG_LEVEL",
    "TOLKDESK_MAX_BODY_BYTES": "DJANGO_MAX_BODY_BYTES",
    "TOLKDESK_SECURE_SSL_REDIRECT": "DJANGO_SECURE_SSL_REDIRECT",
    "TOLKDESK_STATIC_ROOT": "DJANGO_STATIC_ROOT",
    "TOLKDESK_DATABASE_CONN_MAX_AGE": "DATABASE_CONN_MAX_AGE",
    "TOLKDESK_CACHE_URL": "CACHE_URL",
    "TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS": "BOOKING_AGENCY_MAX_ATTEMPTS",
    "TOLKDESK_BOOKING_RETRY_BASE_SECONDS": "BOOKING_RETRY_BASE_SECONDS",
    "TOLKDESK_BOOKING_RETRY_MAX_SECONDS": "BOOKING_RETRY_MAX_SECONDS",
    "TOLKDESK_BOOKING_STUCK_AFTER_SECONDS": "BOOKING_STUCK_AFTER_SECONDS",
    "TOLKDESK_BOOKING_SWEEP_INTERVAL_SECONDS": "BOOKING_SWEEP_INTERVAL_SECONDS",
    "TOLKDESK_BOOKING_ESCALATE_BEFORE_MINUTES": "BOOKING_ESCALATE_BEFORE_MINUTES",
    "TOLKDESK_BOOKING_URGENT_LEAD_MINUTES": "BOOKING_URGENT_LEAD_MINUTES",
    # Not TOLKDESK_AGENCY_*: that prefix is reserved for the secrets an agency's settings may name.
    "TOLKDESK_WEBHOOK_TOLERANCE_SECONDS": "AGENCY_WEBHOOK_TOLERANCE_SECONDS",
}

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class RenamedVariableWarning(FutureWarning):
    """An environment variable was set under its old name (shown by default, unlike DeprecationWarning)."""


def _raw(name: str) -> str | None:
    """The variable's value, read under its old name if only that is set (warning the caller's caller:
    the settings line that asked). None when unset or empty (`FOO=` in a compose file)."""
    value = os.environ.get(name)
    old = RENAMED.get(name)
    if not value and old is not None and os.environ.get(old):
        warnings.warn(
            f"The environment variable {old} is now called {name}; the old name is read until the next release.",
            RenamedVariableWarning,
            stacklevel=3,
        )
        value = os.environ[old]
    return value.strip() if value and value.strip() else None


def _source(name: str) -> str:
    """The name the value was read under (for error messages)."""
    old = RENAMED.get(name)
    return old if not os.environ.get(name) and old is not None and os.environ.get(old) else name


def env_str(name: str, default: str) -> str:
    """The variable's value (blanks around it dropped), or `default` when it is unset or empty."""
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    word = raw.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{_source(name)}={raw!r} is not a yes/no value: use one of {', '.join(sorted(TRUE_WORDS | FALSE_WORDS))}."
    )


def env_int(name: str, default: int) -> int:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{_source(name)}={raw!r} is not a whole number.") from None


def env_float(name: str, default: float) -> float:
    raw = _raw(name)
    if raw is None:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{_source(name)}={raw!r} is not a number.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(f"{_source(name)}={raw!r} is not a finite number.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    return [item.strip() for item in (_raw(name) or default).split(",") if item.strip()]
