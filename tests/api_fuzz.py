"""Schemathesis fuzzing of the whole OpenAPI schema (/api/schema/), in-process against the WSGI app.

Shared by the CI test (tests/test_api_fuzz.py, a few hundred requests) and the maintainer's long run
(bench/fuzz_api.py --requests 10000). Every request is checked for: no 5xx, a status code the schema
documents, a body that matches the documented schema, and the documented content type.

Requests reach the handlers rather than bouncing off 401/403: each operation is called as several
principals (a national admin, an office-scoped office manager, a kiosk token), with a real session
cookie and a matching CSRF cookie/header, and most generated ids are swapped for ids that exist
(seeded visits at the manager's office and at another office, bookings, outcomes, an agency whose
webhook secret is known, so that a share of callbacks carries a valid signature).
"""

import json
import logging
import os
import secrets
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import hypothesis
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from interpreters.models import AgencyBackend, AgencyRanking, InterpreterAgency, InterpreterBooking
from interpreters.services import agency_callback_signature
from visits.kiosks import kiosk_token_create
from visits.models import Authority, County, Office, OfficeMembership, VisitOutcome, VisitStatus
from visits.services import LanguageNeedInput, appointment_create, visit_check_in, visit_set_status

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
WEBHOOK_SECRET_ENV = "TOLKDESK_AGENCY_FUZZ_WEBHOOK_SECRET"
FUZZ_AGENCY = "fuzz-agency"
# A header the harness reads (and strips) to sign a callback body exactly as sent: see SigningApp.
SIGN_HEADER = "HTTP_X_FUZZ_SIGN"
FUZZ_LANGUAGES = ["ar", "so", "ti", "prs", "uk"]
CSRF_TOKEN = "f" * 32  # a CSRF secret: Django accepts the cookie value itself as the header token


@dataclass
class Principal:
    name: str
    headers: dict[str, str]
    cookies: dict[str, str]


@dataclass
class World:
    principals: list[Principal]
    ids: dict[str, list[Any]]


@dataclass
class Failure:
    operation: str
    principal: str
    mode: str
    message: str
    request: str

    def key(self) -> tuple[str, str]:
        return (self.operation, self.message.splitlines()[0][:200] if self.message else "")


@dataclass
class FuzzReport:
    operations: list[str] = field(default_factory=list)  # every operation label the schema has
    requests: Counter = field(default_factory=Counter)  # by operation label
    statuses: Counter = field(default_factory=Counter)  # by (operation label, status code)
    failures: list[Failure] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def unique_failures(self) -> list[Failure]:
        seen: dict[tuple[str, str], Failure] = {}
        for failure in self.failures:
            seen.setdefault(failure.key(), failure)
        return list(seen.values())

    def summary(self) -> str:
        lines = [f"{'operation':<48} {'requests':>8}  status codes"]
        for label in sorted(self.requests):
            codes = sorted((code, n) for (op, code), n in self.statuses.items() if op == label)
            lines.append(f"{label:<48} {self.requests[label]:>8}  " + " ".join(f"{c}x{n}" for c, n in codes))
        lines.append(f"{'TOTAL':<48} {self.total:>8}")
        unique = self.unique_failures()
        lines.append(f"failures: {len(self.failures)} ({len(unique)} distinct)")
        for failure in unique:
            lines.append(f"--- {failure.operation} as {failure.principal} ({failure.mode})\n{failure.message}")
            lines.append(f"    request: {failure.request}")
        return "\n".join(lines)


class SigningApp:
    """WSGI wrapper: a request carrying X-Fuzz-Sign gets a fresh timestamp and a valid HMAC over the
    exact body bytes, as the agency would send it. Everything else passes through untouched, so the
    real signature check runs on every callback (unsigned ones must be 401)."""

    def __init__(self, app: Callable, secret: bytes) -> None:
        self.app = app
        self.secret = secret

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        if environ.pop(SIGN_HEADER, None) is not None:
            import io

            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            stamp = str(int(time.time()))
            environ["HTTP_X_TOLKDESK_TIMESTAMP"] = stamp
            signature = agency_callback_signature(secret=self.secret, timestamp=stamp, body=body)
            environ["HTTP_X_TOLKDESK_SIGNATURE"] = f"sha256={signature}"
        return self.app(environ, start_response)


def _session_principal(name: str, user: Any) -> Principal:
    client = Client()
    client.force_login(user)
    return Principal(
        name=name,
        headers={"X-CSRFToken": CSRF_TOKEN},
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN},
    )


def quiet_logs() -> None:
    """Every 4xx would log a warning line and every eager task an info line: thousands of them."""
    for name in ("django.request", "celery", "kombu", "interpreters", "visits"):
        logging.getLogger(name).setLevel(logging.ERROR)


def seed_world(*, visits_per_office: int = 6) -> World:
    """Demo offices/authorities/catalogue/users, visits with needs, bookings and outcomes at the
    manager's office and at an office the manager does not work at, an agency for the webhook."""
    os.environ.setdefault(WEBHOOK_SECRET_ENV, secrets.token_hex(16))
    quiet_logs()
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", "--no-visits", stdout=devnull)
    user_model = get_user_model()
    admin = user_model.objects.get(username="admin")
    manager = user_model.objects.get(username="manager")
    home = OfficeMembership.objects.filter(user=manager).select_related("office").first().office
    away = Office.objects.exclude(pk=home.pk).order_by("pk").first()

    agency, _created = InterpreterAgency.objects.update_or_create(
        slug=FUZZ_AGENCY,
        defaults={
            "name": "Fuzz Tolkförmedling",
            "backend": AgencyBackend.SIMULATED,
            "priority": 1,
            "modalities": ["phone", "video", "on_site"],
            "languages": FUZZ_LANGUAGES,
            "backend_settings": {
                "book_latency_seconds": 0,
                "failure_rate": 0,
                "confirm_after_seconds": 0,
                "webhook_secret_env": WEBHOOK_SECRET_ENV,
            },
        },
    )
    for county in County.values:
        AgencyRanking.objects.get_or_create(agency=agency, county=county, defaults={"rank": 1})

    authorities = list(Authority.objects.order_by("pk"))
    languages = FUZZ_LANGUAGES
    now = timezone.now()
    visit_ids: list[int] = []
    for office in (home, away):
        for n in range(visits_per_office):
            when = now - timedelta(days=n % 3, minutes=n)
            visit = visit_check_in(
                office=office,
                authority=authorities[n % len(authorities)],
                checked_in_by=admin,
                language_need=LanguageNeedInput(language=languages[n % len(languages)]) if n % 4 else None,
                visitor_name=f"Besökare {n}",
                visitor_phone="+46701234567",
                note="fuzz",
                now=when,
            )
            visit_ids.append(visit.pk)
            if n % 2:
                # Outcomes can only be recorded once the visitor is being served.
                visit_set_status(visit=visit, status=VisitStatus.IN_SERVICE, by=admin)
            if n % 3 == 1:
                InterpreterBooking.objects.create(
                    visit=visit,
                    language=languages[n % len(languages)],
                    modality="phone",
                    agency=agency,
                    status="pending",
                    requested_at=when,
                )
            if n % 3 == 2:
                VisitOutcome.objects.create(
                    visit=visit, interpreter_used=False, reason_not_used="took_too_long", recorded_at=when
                )
    appointment_ids: list[int] = []
    for office in (home, away):
        for n in range(3):
            appointment = appointment_create(
                office=office,
                authority=authorities[n % len(authorities)],
                start=now + timedelta(days=20 + n, hours=n),
                expected_minutes=30 + 15 * n,
                created_by=admin,
                language_need=LanguageNeedInput(language=languages[n % len(languages)]) if n % 2 == 0 else None,
                visitor_name=f"Mötesbesökare {n}",
            )
            appointment_ids.append(appointment.pk)
    with open(os.devnull, "w") as devnull:
        call_command("rebuild_usage_rollups", stdout=devnull)
    _kiosk, kiosk_key = kiosk_token_create(office=home, name="Fuzz kiosk")
    principals = [
        _session_principal("national-admin", admin),
        _session_principal("office-manager", manager),
        Principal(name="kiosk", headers={"Authorization": f"Token {kiosk_key}"}, cookies={}),
    ]
    ids = {
        "visit": visit_ids,
        "appointment": appointment_ids,
        "office": [home.pk, away.pk, *Office.objects.values_list("pk", flat=True)[:5]],
        "booking": list(InterpreterBooking.objects.values_list("pk", flat=True)),
        "booking_key": [str(k) for k in InterpreterBooking.objects.values_list("idempotency_key", flat=True)],
        "agency_slug": [FUZZ_AGENCY],
        "authority": [a.code for a in authorities],
        "language": languages,
    }
    return World(principals=principals, ids=ids)


# Which generated values to swap for seeded ones: path parameters and body fields holding ids.
PATH_IDS = {"visit_id": "visit", "agency_slug": "agency_slug"}
BODY_IDS = {
    "visit": "visit",
    "office": "office",
    "booking_id": "booking_key",
    "authority": "authority",
    "language": "language",
}


def _id_kind_for_path(operation_path: str, name: str) -> str | None:
    if name in ("visit_id", "agency_slug"):
        return PATH_IDS[name]
    if name in ("id", "pk"):
        if operation_path.startswith("/api/v1/bookings/"):
            return "booking"
        if operation_path.startswith("/api/v1/offices/"):
            return "office"
        if operation_path.startswith("/api/v1/appointments/"):
            return "appointment"
        return "visit"
    return None


# Bodies whose optional fields rarely all come out valid at once (a phone number, a URL, a future
# time, compatible competence levels): one case in three keeps only these keys, so the success path
# is fuzzed too.
MINIMAL_BODIES = {
    "/api/v1/bookings/": {"visit", "modality", "language", "urgent"},
    "/api/v1/agency-callbacks/{agency_slug}/": {"event_id", "type", "booking_id", "minutes"},
}


def _plant_ids(case: Any, world: World, pick: int) -> None:
    """Three in four cases get ids that exist (the handler runs); the rest keep what was generated."""
    if pick % 4 == 3:
        return
    path = case.operation.path
    keep = MINIMAL_BODIES.get(path)
    if keep and isinstance(case.body, dict) and pick % 3 == 0:
        case.body = {key: value for key, value in case.body.items() if key in keep}
    for name in list(case.path_parameters or {}):
        kind = _id_kind_for_path(path, name)
        if kind:
            choices = world.ids[kind]
            case.path_parameters[name] = choices[pick % len(choices)]
    for body in (case.body, case.body.get("language_need") if isinstance(case.body, dict) else None):
        if not isinstance(body, dict):
            continue
        for name, kind in BODY_IDS.items():
            if name in body and world.ids.get(kind):
                choices = world.ids[kind]
                body[name] = choices[(pick // 4) % len(choices)]
    if path.startswith("/api/v1/reports/") and case.query and pick % 2:
        case.query.pop("office", None)


def _describe(case: Any) -> str:
    try:
        return case.as_curl_command(headers={})
    except Exception:  # noqa: BLE001 - a description must never hide the failure it describes
        return f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r}"


def operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def load_schema() -> Any:
    secret = os.environ[WEBHOOK_SECRET_ENV].encode()
    app = SigningApp(application, secret)
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)


def fuzz(
    world: World,
    *,
    requests: int,
    seed: int = 0,
    modes: tuple[str, ...] = ("positive", "negative"),
    progress: Callable[[str], None] | None = None,
) -> FuzzReport:
    """Generate at least `requests` requests spread evenly over every operation x principal x
    generation mode, and check every response. Failures are collected, not raised, so one run
    reports them all."""
    # The fuzzer is one client sending thousands of requests a minute: it would otherwise spend
    # most of its budget on 429s instead of the handlers. Throttling itself is tested elsewhere.
    rates = SimpleRateThrottle.THROTTLE_RATES
    # Every scope the settings know (the agency callback has its own), lifted out of the fuzzer's way.
    SimpleRateThrottle.THROTTLE_RATES = {scope: "1000000/min" for scope in {*rates, "anon", "user", "kiosk"}}
    quiet_logs()
    # As Django's test client does: the handler would close the connection after each request,
    # and with it the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return _fuzz_all(world, requests=requests, seed=seed, modes=modes, progress=progress)
    finally:
        SimpleRateThrottle.THROTTLE_RATES = rates
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz_all(
    world: World, *, requests: int, seed: int, modes: tuple[str, ...], progress: Callable[[str], None] | None
) -> FuzzReport:
    schema = load_schema()
    ops = list(operations(schema))
    combos = [(op, principal, mode) for op in ops for principal in world.principals for mode in modes]
    report = FuzzReport(operations=sorted({f"{op.method.upper()} {op.path}" for op in ops}))
    server_errors: list[str] = []

    def on_exception(sender: Any, request: Any = None, **kwargs: Any) -> None:
        server_errors.append(traceback.format_exc())

    got_request_exception.connect(on_exception, weak=False)
    try:
        round_no = 0
        while report.total < requests:
            per_combo = max(1, -(-(requests - report.total) // len(combos)))
            for op, principal, mode in combos:
                _fuzz_one(op, principal, mode, world, per_combo, seed + round_no, report, server_errors)
                if progress:
                    progress(f"{report.total} requests, {len(report.failures)} failures")
            round_no += 1
    finally:
        got_request_exception.disconnect(on_exception)
    return report


def _fuzz_one(
    op: Any,
    principal: Principal,
    mode: str,
    world: World,
    examples: int,
    seed: int,
    report: FuzzReport,
    server_errors: list[str],
) -> None:
    strategy = op.as_strategy(generation_mode=schemathesis.GenerationMode(mode))
    label = f"{op.method.upper()} {op.path}"
    sent = 0

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.given(case=strategy, pick=st.integers(min_value=0, max_value=10_000))
    def run(case: Any, pick: int) -> None:
        nonlocal sent
        if sent >= examples:
            return
        # Callbacks: three in four are signed by the agency, for the seeded agency (the first one
        # always), so every run reaches the view behind the signature check; the rest keep what was
        # generated and must be refused 401. (A coin per case left whole runs with no signed call.)
        sign = op.path.startswith("/api/v1/agency-callbacks/") and sent % 4 != 3
        _plant_ids(case, world, pick - 1 if sign and pick % 4 == 3 else pick)
        headers = dict(principal.headers)
        if sign:
            headers["X-Fuzz-Sign"] = "1"
            headers.pop("Authorization", None)
        del server_errors[:]
        response = case.call(headers=headers, cookies=principal.cookies)
        sent += 1
        report.requests[label] += 1
        report.statuses[(label, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis' Failure / FailureGroup: collect
            message = str(exc)
            if server_errors:
                message += "\n" + server_errors[-1]
            report.failures.append(
                Failure(operation=label, principal=principal.name, mode=mode, message=message, request=_describe(case))
            )

    try:
        run()
    except hypothesis.errors.Unsatisfiable as exc:
        # An operation that takes no input at all (e.g. GET /api/v1/requisitions/disputed/) has no
        # invalid input to send: nothing to fuzz in negative mode. Anything else is the harness's fault.
        if mode == "negative" and sent == 0 and not op.path_parameters and not op.query and not list(op.body):
            return
        raise AssertionError(f"{label} ({mode}): schemathesis could not generate a request") from exc


def as_json(report: FuzzReport) -> str:
    return json.dumps(
        {
            "total": report.total,
            "requests": dict(report.requests),
            "failures": [f.__dict__ for f in report.unique_failures()],
        },
        indent=2,
        ensure_ascii=False,
    )
