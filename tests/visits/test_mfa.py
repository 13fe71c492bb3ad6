"""Two-step sign-in (issue 14, item 4): real TOTP codes from the device's secret, recovery codes,
enforcement for national admins and office managers (pages and session API calls), kiosks untouched,
and wrong codes locked like wrong passwords."""

import re
import time
from base64 import b32decode
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, OfficeFactory, UserFactory, kiosk_token_with_key
from visits.models import StaffRole

PASSWORD = "correct horse battery staple"
required = override_settings(TOLKDESK_MFA_REQUIRED=True)


def totp_code(key_hex: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in(client, username: str) -> None:
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content


def enrol(client) -> tuple[TOTPDevice, list[str]]:
    """Walk the enrolment page like a person: read the secret off the page, type the app's code."""
    page = client.get("/account/two-step/setup/")
    assert page.status_code == 200
    secret = re.search(r'id="mfa-secret"[^>]*>([A-Z2-7 ]+)<', page.content.decode()).group(1).replace(" ", "")
    key_hex = b32decode(secret).hex()
    response = client.post("/account/two-step/setup/", {"code": totp_code(key_hex), "next": "/"})
    assert response.status_code == 302, response.content
    codes_page = client.get(response["Location"])
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", codes_page.content.decode())
    device = TOTPDevice.objects.get(confirmed=True, user__username=client.session_username)
    assert device.key == key_hex
    return device, codes


@pytest.fixture
def manager(db):
    user = UserFactory(username="manager")
    MembershipFactory(user=user, office=OfficeFactory(), role=StaffRole.OFFICE_MANAGER)
    return user


@pytest.fixture
def receptionist_user(db):
    user = UserFactory(username="desk")
    MembershipFactory(user=user, office=OfficeFactory(), role=StaffRole.RECEPTIONIST)
    return user


@required
def test_a_manager_without_a_device_is_sent_to_enrolment_and_the_api_refuses_them(client, manager):
    sign_in(client, "manager")
    page = client.get("/")
    assert page.status_code == 302
    assert page["Location"].startswith("/account/two-step/setup/?next=")
    api = client.get("/api/v1/visits/")
    assert api.status_code == 403
    assert api.json()["code"] == "mfa_required"
    poll = client.get("/queue/", HTTP_X_REQUESTED_WITH="fetch")
    assert poll.status_code == 401
    assert poll.json()["login_url"] == "/account/two-step/setup/"
    # The verification page is not a way round enrolment, and neither is the admin.
    assert client.get("/account/two-step/verify/")["Location"].startswith("/account/two-step/setup/")
    assert client.get("/admin/")["Location"].startswith("/account/two-step/setup/")


@required
def test_enrolment_with_a_real_code_unlocks_pages_and_api_and_shows_recovery_codes_once(client, manager):
    sign_in(client, "manager")
    client.session_username = "manager"
    device, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=manager).count() == 10
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/visits/").status_code == 200
    # Shown once: the page does not show them again.
    assert client.get("/account/two-step/recovery-codes/").status_code == 302


@required
def test_the_next_sign_in_asks_for_a_code_after_the_password(client, manager):
    sign_in(client, "manager")
    client.session_username = "manager"
    device, _codes = enrol(client)
    client.post("/logout/")
    sign_in(client, "manager")
    assert client.get("/")["Location"].startswith("/account/two-step/verify/?next=")
    assert client.get("/api/v1/visits/").status_code == 403
    # A session that owes a code cannot enrol a new app instead.
    assert client.get("/account/two-step/setup/")["Location"].startswith("/account/two-step/verify/")
    wrong = client.post(
        "/account/two-step/verify/", {"code": "000000" if totp_code(device.key) != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=1))
    # The code of the step used at enrolment is spent (no replay): the next step's code is accepted.
    ok = client.post("/account/two-step/verify/", {"code": totp_code(device.key, steps_ahead=1), "next": "/"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/api/v1/visits/").status_code == 200


@required
def test_a_recovery_code_signs_in_once(client, manager):
    sign_in(client, "manager")
    client.session_username = "manager"
    _device, codes = enrol(client)
    for attempt in range(2):
        client.post("/logout/")
        sign_in(client, "manager")
        response = client.post("/account/two-step/verify/", {"code": codes[0].upper()})
        if attempt == 0:
            assert response.status_code == 302
            assert client.get("/").status_code == 200
        else:
            assert response.status_code == 400  # used up
            assert client.get("/").status_code == 302
    assert StaticToken.objects.filter(device__user=manager).count() == 9


@required
def test_national_admins_must_enrol_too_and_receptionists_need_not(client, receptionist_user):
    UserFactory(username="national", is_superuser=True, is_staff=True)
    sign_in(client, "national")
    assert client.get("/admin/")["Location"].startswith("/account/two-step/setup/")
    other = type(client)()
    sign_in(other, "desk")
    assert other.get("/").status_code == 200
    assert other.get("/api/v1/visits/").status_code == 200


def test_with_the_setting_off_nobody_is_forced(client, manager):
    sign_in(client, "manager")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/visits/").status_code == 200


def test_an_optional_user_who_enrolled_is_asked_for_a_code_and_can_turn_it_off(client, receptionist_user):
    sign_in(client, "desk")
    client.session_username = "desk"
    device, codes = enrol(client)
    client.post("/logout/")
    sign_in(client, "desk")
    assert client.get("/")["Location"].startswith("/account/two-step/verify/")
    assert client.post("/account/two-step/verify/", {"code": codes[1]}).status_code == 302
    off = client.post("/account/two-step/off/", {"code": codes[2]})
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=receptionist_user).exists()
    assert not StaticDevice.objects.filter(user=receptionist_user).exists()


@required
def test_a_manager_may_not_turn_it_off(client, manager):
    sign_in(client, "manager")
    client.session_username = "manager"
    _device, codes = enrol(client)
    assert client.post("/account/two-step/off/", {"code": codes[0]}).status_code == 400
    assert TOTPDevice.objects.filter(user=manager, confirmed=True).exists()


@required
def test_kiosk_token_calls_are_not_asked_for_a_second_factor(db):
    office = OfficeFactory()
    _token, key = kiosk_token_with_key(office)
    kiosk = APIClient()
    kiosk.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert kiosk.get(f"/api/v1/queue/?office={office.pk}").status_code == 200


@required
def test_wrong_codes_lock_code_entry_and_a_new_sign_in_does_not_reset_it(client, manager, settings):
    sign_in(client, "manager")
    client.session_username = "manager"
    device, codes = enrol(client)
    right = totp_code(device.key, steps_ahead=1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    client.post("/logout/")
    sign_in(client, "manager")
    for attempt in range(settings.TOLKDESK_MFA_FAILURE_LIMIT):
        # Past django-otp's back-off (1, 2, 4 … s) so each guess is really checked.
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(hours=1))
        response = client.post("/account/two-step/verify/", {"code": wrong})
        last = attempt == settings.TOLKDESK_MFA_FAILURE_LIMIT - 1
        assert response.status_code == (429 if last else 400)
    assert "_auth_user_id" not in client.session  # signed out on the lock
    # The password again, then the right code: still locked (the count is in the device, not the session).
    sign_in(client, "manager")
    locked = client.post("/account/two-step/verify/", {"code": right})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    # After the cool-off the right code works again.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    )
    sign_in(client, "manager")
    assert client.post("/account/two-step/verify/", {"code": right}).status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 0


@required
def test_a_quick_second_guess_waits_for_the_back_off(client, manager):
    sign_in(client, "manager")
    client.session_username = "manager"
    device, _codes = enrol(client)
    right = totp_code(device.key, steps_ahead=1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    client.post("/logout/")
    sign_in(client, "manager")
    assert client.post("/account/two-step/verify/", {"code": wrong}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=3, throttling_failure_timestamp=timezone.now()
    )
    # Even the right code is not checked while the back-off runs.
    response = client.post("/account/two-step/verify/", {"code": right})
    assert response.status_code == 400
    assert TOTPDevice.objects.get(pk=device.pk).last_t < TOTP(bytes.fromhex(device.key)).t() + 1


@required
@override_settings(AXES_ENABLED=True)
def test_wrong_codes_count_as_failed_logins_for_the_password_lock(client, manager, settings):
    sign_in(client, "manager")
    client.session_username = "manager"
    device, _codes = enrol(client)
    client.post("/logout/")
    sign_in(client, "manager")
    right = totp_code(device.key, steps_ahead=1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(hours=1))
        client.post("/account/two-step/verify/", {"code": wrong})
    # The password alone no longer signs in either.
    assert client.post("/login/", {"username": "manager", "password": PASSWORD}).status_code == 429


def test_the_qr_code_encodes_the_secret_shown_as_text(client, receptionist_user):
    sign_in(client, "desk")
    page = client.get("/account/two-step/setup/").content.decode()
    assert 'src="data:image/svg+xml' in page
    device = TOTPDevice.objects.get(user=receptionist_user, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/tolkdesk%3Adesk?secret=")
    secret = re.search(r'id="mfa-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert f"secret={secret}" in device.config_url
