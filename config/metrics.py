"""/metrics in Prometheus text format (prometheus-client).

- tolkdesk_request_seconds{view,method}: request latency by route name (MetricsMiddleware). Under
  gunicorn set PROMETHEUS_MULTIPROC_DIR (README) so every worker process's samples are summed.
- Read from the database at scrape time, so any web host reports the same numbers (collectors listed
  in TOLKDESK_METRICS_COLLECTORS): tolkdesk_bookings{status},
  tolkdesk_oldest_unsent_booking_age_seconds (oldest booking not yet at an agency; interpreters/metrics.py),
  tolkdesk_outbox_depth, tolkdesk_outbox_oldest_age_seconds,
  tolkdesk_task_failures_total{task}, tolkdesk_task_retries_total{task},
  tolkdesk_agency_errors_total{agency}.

Access: with TOLKDESK_METRICS_TOKEN set, only "Authorization: Bearer <token>"; without it, only
requests from this machine (127.0.0.1 / ::1). Anyone else gets a 404, as if there were no page."""

import hmac
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from config.middleware_base import TimedMiddleware
from config.outbox.models import OpsCounter, OutboxMessage

REQUEST_SECONDS = Histogram(
    "tolkdesk_request_seconds",
    "Time to answer a request, by route name and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
LOCAL_ADDRESSES = frozenset({"127.0.0.1", "::1"})


class MetricsMiddleware(TimedMiddleware):
    def observe(self, request: HttpRequest, response: HttpResponse, *, route: str, seconds: float) -> None:
        REQUEST_SECONDS.labels(view=route, method=request.method or "").observe(seconds)


class OpsCollector(Collector):
    """Outbox and shared counters, read from the database at scrape time."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        outbox = OutboxMessage.objects.aggregate(n=Count("pk"), oldest=Min("created_at"))
        yield GaugeMetricFamily("tolkdesk_outbox_depth", "Tasks waiting in the outbox.", value=outbox["n"])
        yield GaugeMetricFamily(
            "tolkdesk_outbox_oldest_age_seconds",
            "Age of the oldest task waiting in the outbox (0: none).",
            value=(now - outbox["oldest"]).total_seconds() if outbox["oldest"] else 0,
        )
        families = {
            "task_failures": CounterMetricFamily("tolkdesk_task_failures", "Task runs that failed.", labels=["task"]),
            "task_retries": CounterMetricFamily(
                "tolkdesk_task_retries", "Task runs that asked for a retry.", labels=["task"]
            ),
            "agency_errors": CounterMetricFamily(
                "tolkdesk_agency_errors", "Failed calls to an agency, by agency.", labels=["agency"]
            ),
        }
        for name, label, value in OpsCounter.objects.filter(name__in=families).values_list("name", "label", "value"):
            families[name].add_metric([label], value)
        yield from families.values()


def _allowed(request: HttpRequest) -> bool:
    token = settings.TOLKDESK_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR") in LOCAL_ADDRESSES


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    for path in settings.TOLKDESK_METRICS_COLLECTORS:  # each app's own gauges (import direction)
        registry.register(import_string(path)())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


__all__: list[Any] = ["metrics", "MetricsMiddleware", "REQUEST_SECONDS"]
