"""Writes for two-step sign-in: enrol an authenticator app, issue recovery codes, check a code,
switch the second factor off. Each device row is locked (select_for_update) while a code is checked,
so two tabs submitting the same code cannot both pass (django-otp also refuses a TOTP code of a time
step already used)."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from visits.errors import DomainError
from visits.mfa.selectors import mfa_backoff_until, mfa_locked_until
from visits.permissions import mfa_required_for

RECOVERY_CODE_COUNT = 10
# 10 characters of base32 (50 bits) each, shown as "abcde-fghij"; entered with or without the dash.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
PENDING_NAME = "pending"


class MfaLocked(Exception):
    """Too many wrong codes: code entry is refused until `until` (the page answers 429)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def format_recovery_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def mfa_totp_start(*, user: User) -> TOTPDevice:
    """The authenticator app being set up: the user's pending (unconfirmed) device, or a new one
    with a fresh random secret. Reloading the page shows the same secret, so a code from an app that
    already scanned it still works."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name=PENDING_NAME, confirmed=False)


def mfa_recovery_codes_create(*, user: User) -> list[str]:
    """New recovery codes; every earlier one stops working. Returned once, to be shown once."""
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return [format_recovery_code(code) for code in codes]


def mfa_totp_confirm(*, user: User, code: str) -> Enrolment:
    """Confirm the pending authenticator app with a code it shows. It replaces any earlier app, and
    a fresh set of recovery codes replaces any earlier set."""
    code = normalize_code(code)
    if not (code.isdigit() and len(code) == 6):
        raise DomainError(_("Enter the six digits your app shows."), field="code", code="format")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
        if device is None:
            raise DomainError(_("Start the set-up again."), field="code", code="no_pending_device")
        verified = device.verify_token(code)
        if verified:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.name = "authenticator"
            device.save(update_fields=["confirmed", "name"])
    # Outside the block: a refusal raised inside it would roll back the device's failure count.
    if not verified:
        raise DomainError(
            _("That code does not match. Check the time on your phone and try the newest code."),
            field="code",
            code="wrong_code",
        )
    return Enrolment(device=device, recovery_codes=mfa_recovery_codes_create(user=user))


def mfa_verify(*, user: User, code: str, now: datetime | None = None) -> Device:
    """Check a code from the authenticator app (six digits) or a recovery code (used up by this).
    Raises MfaLocked while locked (and when this wrong code locks), DomainError on a wrong code or
    while django-otp's back-off still runs."""
    now = now or timezone.now()
    locked = mfa_locked_until(user, now=now)
    if locked is not None:
        raise MfaLocked(locked)
    backoff = mfa_backoff_until(user)
    if backoff is not None:
        seconds = max(1, int((backoff - now).total_seconds()) + 1)
        raise DomainError(
            _("Wait %(seconds)s seconds before the next try.") % {"seconds": seconds}, field="code", code="wait"
        )
    code = normalize_code(code)
    totp = code.isdigit() and len(code) == 6
    matched: Device | None = None
    with transaction.atomic():
        model: type[Device] = TOTPDevice if totp else StaticDevice
        devices = list(model.objects.select_for_update().filter(user=user, confirmed=True))
        if not devices:
            # No device of that kind (say, a recovery code from a user who has none): still a wrong
            # guess, counted against the authenticator app so it cannot be tried for free.
            devices_left = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
            for device in devices_left[:1]:
                device.throttle_increment()
        for device in devices:
            if device.verify_token(code):  # each wrong one increments that device's failure count
                matched = device
                break
        if matched is not None:
            for other in [*TOTPDevice.objects.filter(user=user), *StaticDevice.objects.filter(user=user)]:
                if other.throttling_failure_count:
                    other.throttle_reset()
    if matched is None:
        locked = mfa_locked_until(user, now=now)
        if locked is not None:
            raise MfaLocked(locked)
        raise DomainError(_("Wrong code."), field="code", code="wrong_code")
    return matched


def mfa_disable(*, user: User, code: str) -> None:
    """Switch the second factor off, with a current code (a borrowed, still open session alone may
    not). Not allowed for users who must use it."""
    if mfa_required_for(user):
        raise DomainError(_("Your role requires two-step sign-in."), field="code", code="required")
    mfa_verify(user=user, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
