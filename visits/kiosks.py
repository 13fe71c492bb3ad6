"""Kiosk tokens: create (the key is returned once, only its hash is stored), revoke, resolve."""

import hashlib
import secrets
from datetime import timedelta

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


def kiosk_token_create(*, office: Office, name: str, created_by: User | None = None) -> tuple[KioskToken, str]:
    """Create a token for one office. Returns (token, key): the key is never stored or shown again."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the kiosk a name."), field="name", code="required")
    if not office.active:
        raise DomainError(_("This office is not active."), field="office", code="inactive")
    key = secrets.token_urlsafe(KEY_BYTES)
    token = KioskToken.objects.create(
        office=office, name=name[:80], key_prefix=key[:8], key_hash=hash_key(key), created_by=created_by
    )
    return token, key


def kiosk_token_revoke(*, token: KioskToken) -> KioskToken:
    KioskToken.objects.filter(pk=token.pk).update(active=False)
    token.active = False
    return token


def kiosk_token_for_key(key: str) -> KioskToken | None:
    """The active token for a presented key, or None. Looked up by hash, so timing reveals nothing
    about the stored keys."""
    if not key or len(key) > 200:
        return None
    token = (
        KioskToken.objects.select_related("office")
        .filter(key_hash=hash_key(key), active=True, office__active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        KioskToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
