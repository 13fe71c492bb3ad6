"""Reads for two-step sign-in: which devices a user has, what their session still needs, the lock."""

from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from visits.permissions import mfa_required_for


class MfaNeed(StrEnum):
    NONE = "none"  # no second factor asked for (optional, not enrolled)
    VERIFY = "verify"  # enrolled: a code is asked for after the password
    ENROL = "enrol"  # required but not enrolled: the enrolment page first


def totp_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if any (enrolling a new one replaces the old)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def confirmed_devices(user: User) -> list[Device]:
    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]


def recovery_codes_left(user: User) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device is not None else 0


def mfa_need(user: User | AnonymousUser) -> MfaNeed:
    """What a signed-in but not yet verified session of this user must do before anything else.
    Recovery codes alone do not count as enrolled: they are issued with the authenticator app."""
    if not user.is_authenticated:
        return MfaNeed.NONE
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return MfaNeed.VERIFY
    return MfaNeed.ENROL if mfa_required_for(user) else MfaNeed.NONE


def mfa_locked_until(user: User, *, now: datetime | None = None) -> datetime | None:
    """Until when code entry is locked, or None. Like passwords (config/login_lockout.py): after
    TOLKDESK_MFA_FAILURE_LIMIT wrong codes in a row, summed over the user's devices, for
    AXES_COOLOFF_TIME hours after the last one. The count lives in the devices' rows, not the
    session, so signing in again does not reset it."""
    now = now or timezone.now()
    devices = confirmed_devices(user)
    failures = sum(device.throttling_failure_count for device in devices)
    stamps = [d.throttling_failure_timestamp for d in devices if d.throttling_failure_timestamp is not None]
    if failures < settings.TOLKDESK_MFA_FAILURE_LIMIT or not stamps:
        return None
    lock_end = max(stamps) + timedelta(hours=settings.AXES_COOLOFF_TIME)
    return lock_end if lock_end > now else None


def mfa_backoff_until(user: User) -> datetime | None:
    """django-otp's per-device back-off: after n wrong codes in a row the next is only checked
    2**(n-1) seconds later (1, 2, 4, 8 …), whichever device it is for. With the lock above, a few
    dozen guesses a year at most: six digits cannot be brute-forced."""
    until: datetime | None = None
    for device in confirmed_devices(user):
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until"):
            until = max(until, info["locked_until"]) if until else info["locked_until"]
    return until
