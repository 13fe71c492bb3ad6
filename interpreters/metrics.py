"""Booking gauges for /metrics (config/metrics.py lists this collector in TOLKDESK_METRICS_COLLECTORS)."""

from collections.abc import Iterator

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from interpreters.models import BookingStatus, InterpreterBooking


class BookingCollector(Collector):
    """Booking gauges, read from the database at scrape time."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        bookings = GaugeMetricFamily("tolkdesk_bookings", "Bookings by status.", labels=["status"])
        counts = dict(
            InterpreterBooking.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        for status in BookingStatus.values:
            bookings.add_metric([status], counts.get(status, 0))
        yield bookings
        unsent = InterpreterBooking.objects.filter(
            Q(status=BookingStatus.REQUESTED) | Q(status=BookingStatus.PENDING, agency_reference="")
        ).aggregate(oldest=Min("requested_at"))["oldest"]
        yield GaugeMetricFamily(
            "tolkdesk_oldest_unsent_booking_age_seconds",
            "Age of the oldest booking that no agency has taken yet (0: none).",
            value=(now - unsent).total_seconds() if unsent else 0,
        )
