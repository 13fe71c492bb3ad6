"""Production hardening: deploy checks, secrets from the environment, CSP and secure headers, login
rate limiting, API throttling."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework import views
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import OfficeFactory, UserFactory, kiosk_token_with_key

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_extra=None):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TOLKDESK_RUN_DIR": os.environ.get("TOLKDESK_RUN_DIR", str(ROOT / ".run")),
    }
    if "DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    proc = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        },
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues (0 silenced)." in proc.stdout


def test_production_refuses_to_start_without_a_secret_key_from_the_environment():
    proc = run_manage("check", env_extra={"DJANGO_SETTINGS_MODULE": "config.settings.production"})
    assert proc.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in proc.stderr


def test_no_secret_is_written_in_the_production_settings():
    source = (ROOT / "config/settings/production.py").read_text() + (ROOT / "config/settings/base.py").read_text()
    assert not re.search(r"SECRET_KEY\s*=\s*['\"]", source)
    assert 'env_str("DJANGO_SECRET_KEY"' in source  # read from the environment (config/env.py)


def test_pages_carry_a_strict_content_security_policy_and_security_headers(client):
    response = client.get("/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def _templates():
    dirs = [ROOT / "templates", *(ROOT / app / "templates" for app in ("visits", "interpreters"))]
    return sorted(p for d in dirs if d.exists() for p in d.rglob("*.html"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
JS_URL = re.compile(r"javascript:", re.I)


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_script_or_style_that_the_csp_would_block(template):
    text = template.read_text()
    problems = [
        f"{name}: {match.group(0)!r}"
        for name, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("inline event handler", INLINE_HANDLER),
            ("inline style", INLINE_STYLE),
            ("javascript: URL", JS_URL),
        )
        for match in pattern.finditer(text)
    ]
    assert not problems, f"{template}: move these to static/ files: {problems}"


def test_api_docs_work_without_inline_script(client, db):
    user = UserFactory(username="docs")
    client.force_login(user)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not INLINE_SCRIPT.search(html)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]


@override_settings(AXES_ENABLED=True)
def test_login_is_locked_after_repeated_failures_and_other_users_are_not(client, db):
    UserFactory(username="reception")
    UserFactory(username="colleague")
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        response = client.post("/login/", {"username": "reception", "password": "wrong"})
        assert response.status_code in (200, 429)
    locked = client.post("/login/", {"username": "reception", "password": "correct horse battery staple"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session

    ok = client.post("/login/", {"username": "colleague", "password": "correct horse battery staple"})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"]


@override_settings(AXES_ENABLED=True)
def test_a_successful_login_below_the_limit_resets_the_failure_count(client, db):
    UserFactory(username="reception")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "reception", "password": "wrong"})
    assert (
        client.post("/login/", {"username": "reception", "password": "correct horse battery staple"}).status_code == 302
    )


class _Ping(views.APIView):
    """Any API view: gets the default authentication, permission and throttle classes."""

    def get(self, request):
        return Response({"ok": True})


@pytest.fixture
def tight_rates(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min", "kiosk": "4/min"})


def test_the_api_is_throttled_per_user(db, tight_rates):
    factory = APIRequestFactory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")

    def get(user):
        request = factory.get("/")
        force_authenticate(request, user=user)
        return _Ping.as_view()(request)

    codes = [get(alice).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert get(bob).status_code == 200
    assert "Retry-After" in get(alice)


def test_anonymous_api_requests_are_throttled_by_address(client, db, tight_rates):
    codes = [client.get("/api/schema/", REMOTE_ADDR="10.0.0.7").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/schema/", REMOTE_ADDR="10.0.0.8").status_code == 200


def test_kiosks_are_throttled_per_token(db, tight_rates):
    from visits.permissions import Action, office_permission

    class KioskPing(_Ping):
        permission_classes = [office_permission(Action.LANGUAGES_VIEW)]

    office = OfficeFactory()
    _t1, key1 = kiosk_token_with_key(office, "one")
    _t2, key2 = kiosk_token_with_key(office, "two")
    factory = APIRequestFactory()

    def get(key):
        return KioskPing.as_view()(factory.get("/", HTTP_AUTHORIZATION=f"Token {key}")).status_code

    assert [get(key1) for _ in range(5)] == [200] * 4 + [429]
    assert get(key2) == 200


def test_throttling_is_configured_for_every_api_view():
    rest = settings.REST_FRAMEWORK
    # agency_callback: the webhook's per-agency budget, applied after its signature check.
    assert set(rest["DEFAULT_THROTTLE_RATES"]) == {"anon", "user", "kiosk", "agency_callback"}
    assert len(rest["DEFAULT_THROTTLE_CLASSES"]) == 3
    assert "visits.authentication.KioskTokenAuthentication" in rest["DEFAULT_AUTHENTICATION_CLASSES"]
    assert "rest_framework.authentication.SessionAuthentication" in rest["DEFAULT_AUTHENTICATION_CLASSES"]
