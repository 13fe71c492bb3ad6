"""Security round 2 (issue 14): one test at least per audit finding."""

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.utils import translation

from tests.factories import UserFactory


@override_settings(AXES_ENABLED=True)
@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x7f"])
def test_a_failed_login_with_a_control_character_in_the_user_agent_is_recorded(client, db, bad):
    UserFactory(username="reception")
    response = client.post(
        "/login/", {"username": "reception", "password": "wrong"}, HTTP_USER_AGENT=f"Mozilla{bad}/5.0"
    )
    assert response.status_code == 200
    attempt = AccessAttempt.objects.get(username="reception")
    assert attempt.user_agent == "Mozilla/5.0"


@override_settings(AXES_ENABLED=True)
def test_a_login_with_a_nul_in_the_username_is_refused_without_an_error(client, db):
    UserFactory(username="reception")
    response = client.post("/login/", {"username": "recep\x00tion", "password": "wrong"})
    assert response.status_code == 200


# --- item 10: personal-data responses are never stored by a browser or proxy -------------------------


@pytest.fixture
def desk_visit(office):
    from tests.factories import LanguageNeedFactory, VisitFactory

    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    return visit


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/queue/",
        "/officer/",
        "/visits/{pk}/",
        "/visits/{pk}/status.json",
        "/api/v1/visits/",
        "/api/v1/visits/{pk}/",
        "/api/v1/bookings/",
    ],
)
def test_personal_data_pages_and_api_answers_say_no_store(client, officer, receptionist, desk_visit, url):
    client.force_login(officer if "visits/" in url and "api" not in url or url == "/officer/" else receptionist)
    response = client.get(url.format(pk=desk_visit.pk))
    assert response.status_code == 200, url
    assert "no-store" in response["Cache-Control"]


def test_report_exports_say_no_store(client, db):
    client.force_login(UserFactory(username="national", is_superuser=True, is_staff=True))
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/reports/?table=totals&export={fmt}")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


# --- item 3: lockout per username and per real client address; the address from a trusted-proxy setting ---

GOOD = "correct horse battery staple"


def fail(client, username, address, times=1, **extra):
    for _ in range(times):
        client.post("/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address, **extra)


@override_settings(AXES_ENABLED=True)
def test_a_locked_username_stays_locked_from_another_address(client, db):
    from django.conf import settings

    UserFactory(username="reception")
    fail(client, "reception", "10.0.0.1", settings.AXES_FAILURE_LIMIT)
    response = client.post("/login/", {"username": "reception", "password": GOOD}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, TOLKDESK_LOGIN_ADDRESS_FAILURE_LIMIT=6)
def test_spraying_many_usernames_from_one_address_locks_the_address(client, db):
    UserFactory(username="victim")
    for n in range(6):
        fail(client, f"user{n}", "10.0.0.9")
    locked = client.post("/login/", {"username": "victim", "password": GOOD}, REMOTE_ADDR="10.0.0.9")
    assert locked.status_code == 429
    elsewhere = client.post("/login/", {"username": "victim", "password": GOOD}, REMOTE_ADDR="10.0.0.10")
    assert elsewhere.status_code == 302


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, TOLKDESK_LOGIN_ADDRESS_FAILURE_LIMIT=6)
def test_a_colleagues_typo_at_a_shared_address_does_not_lock_the_desk(client, db):
    UserFactory(username="colleague")
    fail(client, "reception", "10.0.0.9", 2)
    fail(client, "other", "10.0.0.9", 2)
    assert (
        client.post("/login/", {"username": "colleague", "password": GOOD}, REMOTE_ADDR="10.0.0.9").status_code == 302
    )


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_signing_in_at_a_shared_address_does_not_clear_anyone_elses_failures(client, db):
    from django.test import Client

    UserFactory(username="victim")
    UserFactory(username="insider")
    fail(client, "victim", "10.0.0.9", 2)
    assert (
        Client().post("/login/", {"username": "insider", "password": GOOD}, REMOTE_ADDR="10.0.0.9").status_code == 302
    )
    fail(client, "victim", "10.0.0.9", 1)
    assert client.post("/login/", {"username": "victim", "password": GOOD}, REMOTE_ADDR="10.0.0.9").status_code == 429


@override_settings(
    AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, TOLKDESK_LOGIN_ADDRESS_FAILURE_LIMIT=3, TOLKDESK_TRUSTED_PROXY_COUNT=0
)
def test_rotating_x_forwarded_for_does_not_escape_the_address_lock_without_a_trusted_proxy(client, db):
    UserFactory(username="victim")
    for n in range(3):
        fail(client, f"user{n}", "10.0.0.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = client.post(
        "/login/", {"username": "victim", "password": GOOD}, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.99"
    )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.9"}


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.1"),  # no proxy: the header is the client's own writing
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.66, 203.0.113.7", "203.0.113.7"),  # the client prepended a fake
        (2, "198.51.100.66, 203.0.113.7, 10.0.0.5", "203.0.113.7"),
        (1, "", "10.0.0.1"),
    ],
)
def test_the_client_address_comes_from_the_trusted_proxy_setting(settings, proxies, forwarded_for, expected):
    from django.test import RequestFactory

    from config.client_ip import client_ip_address

    settings.TOLKDESK_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip_address(request) == expected


def test_rotating_x_forwarded_for_does_not_escape_the_anonymous_throttle(client, db, monkeypatch, settings):
    from rest_framework.throttling import SimpleRateThrottle

    settings.TOLKDESK_TRUSTED_PROXY_COUNT = 0
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min", "kiosk": "4/min"})
    codes = [
        client.get("/api/schema/", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_behind_one_proxy_the_throttle_counts_the_client_the_proxy_saw(client, db, monkeypatch, settings):
    from rest_framework.throttling import SimpleRateThrottle

    settings.TOLKDESK_TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min", "kiosk": "4/min"})
    codes = [
        client.get(
            "/api/schema/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7"
        ).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/schema/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_the_audit_log_records_the_address_from_the_trusted_proxy_setting(settings):
    from django.test import RequestFactory

    from config.middleware import AuditlogMiddleware

    settings.TOLKDESK_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert AuditlogMiddleware._get_remote_addr(request) == "10.0.0.1"


# --- item 11: the Django admin is for national admins only -----------------------------------------------


def test_a_staff_user_with_view_permission_cannot_open_the_admin(client, office, desk_visit):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_visit", "view_languageneed"]))
    client.force_login(staff)
    for url in ("/admin/", "/admin/visits/visit/", f"/admin/visits/visit/{desk_visit.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/")


def test_a_national_admin_opens_the_admin(client, desk_visit):
    client.force_login(UserFactory(username="national", is_superuser=True, is_staff=True))
    assert client.get("/admin/visits/visit/").status_code == 200


# --- item 13: schema and docs behind sign-in in production, no browsable API, webhook slugs not revealed ---


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_need_sign_in_when_not_public(client, db, settings, url):
    settings.TOLKDESK_API_DOCS_PUBLIC = False
    assert client.get(url).status_code in (401, 403)
    client.force_login(UserFactory(username="dev"))
    assert client.get(url).status_code == 200


def test_production_settings_hide_the_docs_and_the_browsable_api():
    import secrets

    from tests.test_hardening import run_manage

    proc = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.TOLKDESK_API_DOCS_PUBLIC, settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        },
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False ['rest_framework.renderers.JSONRenderer']"


# --- item 14: kiosk tokens expire -------------------------------------------------------------------------


def test_a_kiosk_token_expires_after_the_configured_days(office, settings):
    import datetime as dt

    from django.utils import timezone

    from visits.kiosks import kiosk_token_create, kiosk_token_for_key

    settings.TOLKDESK_KIOSK_TOKEN_DAYS = 365
    now = timezone.now()
    token, key = kiosk_token_create(office=office, name="Entré", now=now)
    assert token.expires_at == now + dt.timedelta(days=365)
    assert kiosk_token_for_key(key, now=now + dt.timedelta(days=364)) == token
    assert kiosk_token_for_key(key, now=now + dt.timedelta(days=365, seconds=1)) is None


def test_an_expired_kiosk_token_is_refused_by_the_api(client, office):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import kiosk_token_with_key
    from visits.models import KioskToken

    token, key = kiosk_token_with_key(office)
    assert client.get("/api/v1/queue/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    KioskToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/queue/", HTTP_AUTHORIZATION=f"Token {key}").status_code in (401, 403)


def test_a_kiosk_token_without_an_expiry_is_refused(office):
    from visits.kiosks import kiosk_token_create, kiosk_token_for_key
    from visits.models import KioskToken

    token, key = kiosk_token_create(office=office, name="Old")
    KioskToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert kiosk_token_for_key(key) is None


def test_the_admin_lists_kiosk_tokens_with_expiry_and_last_use(client, office):
    from tests.factories import kiosk_token_with_key

    _token, key = kiosk_token_with_key(office)
    client.get("/api/v1/queue/", HTTP_AUTHORIZATION=f"Token {key}")
    client.force_login(UserFactory(username="national", is_superuser=True, is_staff=True))
    with translation.override("en"):
        html = client.get("/admin/visits/kiosktoken/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Expires at" in html and "Last used at" in html


# --- item 5: sessions at shared desks ---------------------------------------------------------------------


def _idle_for(client, minutes):
    import time

    from config.middleware import LAST_ACTIVITY_KEY

    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - minutes * 60
    session.save()


def test_a_session_idle_longer_than_the_setting_ends_and_the_page_goes_to_login(client, receptionist, settings):
    settings.TOLKDESK_SESSION_IDLE_MINUTES = 30
    client.force_login(receptionist)
    assert client.get("/").status_code == 200
    _idle_for(client, 29)
    assert client.get("/").status_code == 200  # within the period: still signed in, and the clock restarts
    _idle_for(client, 31)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_polling_is_not_activity(client, receptionist, office, settings):
    from config.middleware import LAST_ACTIVITY_KEY

    settings.TOLKDESK_SESSION_IDLE_MINUTES = 30
    client.force_login(receptionist)
    client.get("/")
    _idle_for(client, 20)
    before = client.session[LAST_ACTIVITY_KEY]
    assert client.get(f"/queue/?office={office.pk}", HTTP_X_REQUESTED_WITH="fetch").status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] == before
    _idle_for(client, 31)
    poll = client.get(f"/queue/?office={office.pk}", HTTP_X_REQUESTED_WITH="fetch")
    assert poll.status_code == 401
    assert poll.json()["login_url"] == "/login/"


def test_an_idle_api_session_is_refused(client, officer, settings):
    settings.TOLKDESK_SESSION_IDLE_MINUTES = 30
    client.force_login(officer)
    assert client.get("/api/v1/visits/").status_code == 200
    _idle_for(client, 31)
    assert client.get("/api/v1/visits/").status_code == 401


def test_sign_out_ends_the_session_in_every_tab_and_their_polls_send_them_to_login(client, officer, desk_visit):
    from django.test import Client

    client.force_login(officer)
    other_tab = Client()
    other_tab.cookies = client.cookies  # same browser, same session cookie
    status_url = f"/visits/{desk_visit.pk}/status.json"
    assert other_tab.get(status_url, HTTP_ACCEPT="application/json").status_code == 200
    client.post("/logout/")
    poll = other_tab.get(status_url, HTTP_ACCEPT="application/json")
    assert poll.status_code == 401
    assert poll.json()["login_url"] == "/login/"


def test_the_session_cookie_ends_with_the_browser(client, db):
    UserFactory(username="desk")
    response = client.post("/login/", {"username": "desk", "password": "correct horse battery staple"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]


def test_the_pages_go_to_login_when_a_poll_answers_401():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    # The queues poll from static/js/queue-refresh.js (both queue pages), the visit page from visit.js.
    for script in ("static/js/queue-refresh.js", "static/interpreters/visit.js"):
        text = (root / script).read_text()
        assert "status === 401" in text and "login_url" in text, script


# --- item 12: dialect is personal data; lists that show one are logged reads ------------------------------


def _dialect_reads():
    from auditlog.models import LogEntry

    return list(
        LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__fields=["dialect"]).values_list(
            "additional_data", flat=True
        )
    )


@pytest.mark.parametrize(
    ("who", "url", "via"),
    [
        ("officer", "/api/v1/visits/", "api:visit-list"),
        ("officer", "/officer/", "page:officer-queue"),
        ("receptionist", "/queue/?office={office}", "page:queue"),
        ("receptionist", "/?office={office}", "page:check-in"),
    ],
)
def test_a_list_showing_a_dialect_is_a_logged_read(client, office, officer, receptionist, who, url, via):
    from tests.factories import LanguageNeedFactory, VisitFactory

    with_dialect = VisitFactory(office=office)
    LanguageNeedFactory(visit=with_dialect, language="ar", dialect="levantinsk")
    LanguageNeedFactory(visit=VisitFactory(office=office), language="so", dialect="")
    client.force_login(officer if who == "officer" else receptionist)
    assert client.get(url.format(office=office.pk)).status_code == 200
    [entry] = _dialect_reads()
    assert entry["via"] == via and entry["visit_ids"] == [with_dialect.pk] and entry["office_id"] == office.pk
    client.get(url.format(office=office.pk))  # the same list again (a poll): not logged twice
    assert len(_dialect_reads()) == 1


def test_the_booking_list_showing_a_dialect_is_a_logged_read(client, officer, office):
    from tests.factories import VisitFactory
    from tests.interpreters.factories import BookingFactory

    booking = BookingFactory(visit=VisitFactory(office=office), dialect="herati")
    client.force_login(officer)
    assert client.get("/api/v1/bookings/").status_code == 200
    [entry] = _dialect_reads()
    assert entry["visit_ids"] == [booking.visit_id]


def test_a_list_without_dialects_logs_nothing(client, officer, office):
    from tests.factories import LanguageNeedFactory, VisitFactory

    LanguageNeedFactory(visit=VisitFactory(office=office), language="so", dialect="")
    client.force_login(officer)
    client.get("/api/v1/visits/")
    client.get("/officer/")
    assert _dialect_reads() == []


# --- re-verification against new code (items 8 and 9) -------------------------------------------------


def test_every_spreadsheet_and_csv_export_goes_through_the_one_escaping_writer():
    """Item 8: formula escaping lives in visits/reports/tables.py:export_response. A module that writes
    a spreadsheet or CSV any other way would bypass it: none may."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    writers = {"import openpyxl", "from openpyxl", "csv.writer(", "csv.DictWriter(", "Workbook("}
    allowed = {"visits/reports/tables.py"}
    offenders = []
    for package in ("config", "visits", "interpreters"):
        for path in (root / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            relative = path.relative_to(root).as_posix()
            if "/migrations/" not in relative and relative not in allowed and any(w in text for w in writers):
                offenders.append(relative)
    assert offenders == [], "export through visits.reports.tables.export_response (formula escaping)"


@override_settings(AXES_ENABLED=True)
def test_control_characters_in_every_stored_header_are_stripped(db, office, authority):
    """Item 9 on the paths added since: a check-in through the API with NUL in every header that can
    reach the database (user agent, referer, idempotency key, request id, forwarded address) is
    answered normally, and nothing stored carries the NUL (PostgreSQL refuses it in text)."""
    from auditlog.models import LogEntry
    from rest_framework.test import APIClient

    from config.idempotency.models import IdempotencyRecord
    from tests.factories import LanguageFactory, MembershipFactory
    from visits.models import StaffRole

    LanguageFactory(code="ar")
    user = UserFactory(username="nul-desk")
    MembershipFactory(user=user, office=office, role=StaffRole.RECEPTIONIST)
    client = APIClient()
    client.force_login(user)
    response = client.post(
        "/api/v1/visits/",
        {"office": office.pk, "authority": authority.code, "language_need": {"language": "ar"}},
        format="json",
        HTTP_USER_AGENT="Mozilla\x00/5.0",
        HTTP_REFERER="https://desk.example/\x00",
        HTTP_IDEMPOTENCY_KEY="key-\x00-1",
        HTTP_X_REQUEST_ID="req\x00-1",
        HTTP_X_FORWARDED_FOR="10.0.0.1\x00",
        HTTP_ACCEPT_LANGUAGE="sv\x00",
    )
    assert response.status_code == 201, response.content
    stored = [str(v) for v in IdempotencyRecord.objects.values_list("key", "scope", "path")]
    stored += [str(v) for v in LogEntry.objects.values_list("remote_addr", "additional_data", "changes")]
    assert stored and not [v for v in stored if "\x00" in v]
    # A failed login with a NUL everywhere is recorded, not a 500 (the lockout counts it).
    login = APIClient().post(
        "/login/", {"username": "nul-desk", "password": "wrong"}, HTTP_USER_AGENT="a\x00b", HTTP_REFERER="\x00"
    )
    assert login.status_code == 200
    assert AccessAttempt.objects.get(username="nul-desk").user_agent == "ab"
