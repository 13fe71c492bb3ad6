"""/healthz (liveness) and /readyz (readiness) for load balancers and orchestrators.

Unauthenticated, so they say nothing but "ok" or what is failing: no versions, hosts, errors or
counts. /healthz touches no dependency (the process answers: it is alive). /readyz checks the
database, the broker, a worker's heartbeat and beat's heartbeat, each bounded by a short timeout,
and answers 503 naming the failing parts."""

from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.outbox.models import Heartbeat

OK, FAIL, STALE = "ok", "unavailable", "stale"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": OK})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    parts = {"database": _database()}
    parts["broker"] = _broker()
    beats = _heartbeats() if parts["database"] == OK else {}
    parts["worker"] = beats.get("worker", FAIL)
    parts["beat"] = beats.get("beat", FAIL)
    failing = sorted(name for name, state in parts.items() if state != OK)
    body: dict = {"status": OK if not failing else FAIL, "parts": parts}
    if failing:
        body["failing"] = failing
    response = JsonResponse(body, status=503 if failing else 200)
    if failing:
        response["Retry-After"] = "10"
    return response


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return FAIL
    return OK


def _broker() -> str:
    timeout = settings.OUTBOX_PUBLISH_TIMEOUT_SECONDS
    try:
        conn: Any
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception:
        return FAIL
    return OK


def _heartbeats() -> dict[str, str]:
    limit = timezone.now() - timedelta(seconds=settings.READYZ_HEARTBEAT_MAX_AGE_SECONDS)
    try:
        seen = dict(Heartbeat.objects.filter(name__in=["worker", "beat"]).values_list("name", "at"))
    except Exception:
        return {}
    return {name: (OK if at >= limit else STALE) for name, at in seen.items()}
