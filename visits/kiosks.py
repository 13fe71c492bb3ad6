"""Kiosk tokens: create (the key is returned once, only its hash is stored), revoke, resolve."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.errors import DomainError
from visits.models import KioskToken, Office

KEY_BYTES = 32
# Refresh last_used_at at most this often: a busy kiosk must not turn every read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=5)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def kiosk_token_create(
    *,
    office: Office,
    name: str,
    created_by: User | None = None,
    valid_days: int | None = None,
    now: datetime | None = None,
) -> tuple[KioskToken, str]:
    """Create a token for one office, valid for `valid_days` (default TOLKDESK_KIOSK_TOKEN_DAYS).
    Returns (token, key): the key is never stored or shown again."""
    valid_days = settings.TOLKDESK_KIOSK_TOKEN_DAYS if valid_days is None else valid_days
    if valid_days < 1:
        raise DomainError(_("A token must be valid for at least one day."), field="valid_days", code="min_value")
    name = name.strip()
    if not name:
        raise DomainError(_("Give the kiosk a name."), field="name", code="required")
    if not office.active:
        raise DomainError(_("This office is not active."), field="office", code="inactive")
    key = secrets.token_urlsafe(KEY_BYTES)
    token = KioskToken.objects.create(
        office=office,
        name=name[:80],
        key_prefix=key[:8],
        key_hash=hash_key(key),
        created_by=created_by,
        expires_at=(now or timezone.now()) + timedelta(days=valid_days),
    )
    return token, key


def kiosk_token_revoke(*, token: KioskToken) -> KioskToken:
    KioskToken.objects.filter(pk=token.pk).update(active=False)
    token.active = False
    return token


def kiosk_token_for_key(key: str, *, now: datetime | None = None) -> KioskToken | None:
    """The active, unexpired token for a presented key, or None. Looked up by hash, so timing
    reveals nothing about the stored keys."""
    if not key or len(key) > 200:
        return None
    now = now or timezone.now()
    token = (
        KioskToken.objects.select_related("office")
        .filter(key_hash=hash_key(key), active=True, office__active=True, expires_at__gt=now)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        KioskToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
