"""Pages for two-step sign-in: the account page, enrolling an authenticator app, the code asked for
after the password, and recovery codes (shown once)."""

import math
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from config.request_types import AuthenticatedHttpRequest
from visits.errors import DomainError
from visits.mfa.forms import CodeForm
from visits.mfa.middleware import forget_mfa_need
from visits.mfa.selectors import recovery_codes_left, totp_device
from visits.mfa.services import (
    MfaLocked,
    mfa_disable,
    mfa_recovery_codes_create,
    mfa_totp_confirm,
    mfa_totp_start,
    mfa_verify,
)
from visits.permissions import mfa_required_for

# Recovery codes travel from the enrolment POST to the page that shows them once, in the session.
NEW_CODES_SESSION_KEY = "tolkdesk_mfa_new_codes"


def _safe_next(request: AuthenticatedHttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _locked_out(request: AuthenticatedHttpRequest, exc: MfaLocked) -> HttpResponse:
    """Too many wrong codes: the session ends (the password is needed again) and the styled 429 page
    says when to try again, as for too many wrong passwords."""
    seconds = max(1, int((exc.until - timezone.now()).total_seconds()))
    logout(request)
    response = render(request, "429.html", {"retry_minutes": max(1, math.ceil(seconds / 60)), "mfa": True}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _report_failure(request: AuthenticatedHttpRequest) -> None:
    """A wrong code counts as a failed log-in for django-axes too (per username and per address)."""
    user_login_failed.send(sender=__name__, credentials={"username": request.user.get_username()}, request=request)


@login_required
@require_http_methods(["GET"])
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    device = totp_device(request.user)
    return render(
        request,
        "visits/account.html",
        {
            "totp": device,
            "codes_left": recovery_codes_left(request.user) if device else 0,
            "required": mfa_required_for(request.user),
            "form": CodeForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if totp_device(user) is None:
        return redirect(_safe_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa_verify(user=user, code=form.cleaned_data["code"])
        except MfaLocked as exc:
            _report_failure(request)
            return _locked_out(request, exc)
        except DomainError as err:
            if err.code == "wrong_code":
                _report_failure(request)
            form.add_domain_error(err)
        else:
            # A new session key for the now fully signed-in session (no fixation across the step).
            request.session.cycle_key()
            otp_login(request, device)
            forget_mfa_need(request)
            return redirect(_safe_next(request))
    status = 400 if form.errors else 200
    return render(request, "visits/mfa_verify.html", {"form": form, "next": _safe_next(request)}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol an authenticator app (a session that owes a code never gets here: MfaMiddleware)."""
    user = request.user
    device = mfa_totp_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = mfa_totp_confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as err:
            form.add_domain_error(err)
        else:
            request.session.cycle_key()
            otp_login(request, enrolment.device)
            forget_mfa_need(request)
            request.session[NEW_CODES_SESSION_KEY] = enrolment.recovery_codes
            return redirect(f"{reverse('visits:mfa-recovery-codes')}?{urlencode({'next': _safe_next(request)})}")
        device = mfa_totp_start(user=user)
    secret = b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "visits/mfa_setup.html",
        {
            "form": form,
            "qr_svg": qr.svg_data_uri(scale=5, border=2),
            "secret": _grouped(secret),
            "replacing": totp_device(user) is not None,
            "required": mfa_required_for(user),
            "next": _safe_next(request),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: the codes just made, shown once. POST: a new set (the old ones stop working)."""
    user = request.user
    if totp_device(user) is None:
        return HttpResponseBadRequest(_("Set up an authenticator app first."))
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = mfa_recovery_codes_create(user=user)
        return redirect("visits:mfa-recovery-codes")
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("visits:account")
    return render(request, "visits/mfa_recovery_codes.html", {"codes": codes, "next": _safe_next(request)})


@login_required
@require_POST
def mfa_off(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            mfa_disable(user=request.user, code=form.cleaned_data["code"])
        except MfaLocked as exc:
            _report_failure(request)
            return _locked_out(request, exc)
        except DomainError as err:
            form.add_domain_error(err)
        else:
            forget_mfa_need(request)
            messages.success(request, _("Two-step sign-in is off."))
            return redirect("visits:account")
    device = totp_device(request.user)
    return render(
        request,
        "visits/account.html",
        {
            "totp": device,
            "codes_left": recovery_codes_left(request.user) if device else 0,
            "required": mfa_required_for(request.user),
            "form": form,
        },
        status=400,
    )
