"""What an agency's configuration and answers may contain (issue 14, items 6 and 7).

Used by the admin (model clean()), by the HTTP backend before every request, and by the one path that
applies agency answers (book()/status() answers and webhooks alike), so no path can skip it.
No model imports: interpreters.models uses it too."""

import os
import re
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

# An agency's secrets come only from environment variables named like this: an agency set up in the
# admin could otherwise send any server variable (DJANGO_SECRET_KEY) as its bearer token.
SECRET_ENV_PATTERN = re.compile(r"TOLKDESK_AGENCY_[A-Z0-9_]+")
SECRET_ENV_KEYS = ("api_key_env", "webhook_secret_env")
CONNECTION_URL_MAX = 200

_https = URLValidator(schemes=["https"])
_http_or_https = URLValidator(schemes=["http", "https"])


def agency_secret(backend_settings: dict[str, Any] | None, key: str) -> str | None:
    """The value of the agency's secret `key` (api_key_env, webhook_secret_env), or None when it is
    unset or named outside TOLKDESK_AGENCY_*."""
    name = (backend_settings or {}).get(key)
    if not isinstance(name, str) or not SECRET_ENV_PATTERN.fullmatch(name):
        return None
    return os.environ.get(name) or None


def base_url_error(value: Any) -> str | None:
    """Why `value` may not be an agency's base URL, or None. https only; http only to a host in
    TOLKDESK_AGENCY_HTTP_HOSTS (127.0.0.1 and localhost in the test and demo settings, none in production)."""
    if not isinstance(value, str) or not value:
        return _("An agency needs a base URL.")
    try:
        _http_or_https(value)
    except ValidationError:
        return _("Enter a valid URL.")
    parts = urlsplit(value)
    if parts.username or parts.password:
        return _("The base URL may not hold a user name or password.")
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in settings.TOLKDESK_AGENCY_HTTP_HOSTS:
        return None
    return _("The base URL must start with https://.")


def backend_settings_errors(backend_settings: Any, *, needs_base_url: bool) -> list[str]:
    """Every problem with an agency's backend settings, as messages for the admin."""
    if not isinstance(backend_settings, dict):
        return [_("Backend settings must be a JSON object.")]
    errors = []
    for key in SECRET_ENV_KEYS:
        name = backend_settings.get(key)
        if name not in (None, "") and not (isinstance(name, str) and SECRET_ENV_PATTERN.fullmatch(name)):
            errors.append(_("%(key)s must name an environment variable starting with TOLKDESK_AGENCY_.") % {"key": key})
    if needs_base_url or "base_url" in backend_settings:
        problem = base_url_error(backend_settings.get("base_url"))
        if problem:
            errors.append(problem)
    return errors


def connection_url_clean(value: Any) -> str:
    """An https video link, or "" (a javascript:, http: or malformed link from an agency is dropped)."""
    if not isinstance(value, str) or not value or len(value) > CONNECTION_URL_MAX:
        return ""
    try:
        _https(value)
    except ValidationError:
        return ""
    return value


def connection_url_validate(value: Any) -> None:
    """Raises ValidationError unless `value` is blank or an https link (forms and serializers)."""
    if value and not connection_url_clean(value):
        raise ValidationError(_("Enter an https:// link."), code="invalid")


def connection_phone_clean(value: Any) -> str:
    """A valid phone number in E.164 (Swedish numbers may come without +46), or ""."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(str(value), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
