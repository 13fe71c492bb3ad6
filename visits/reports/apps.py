from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The usage reports: measures, the rollup tables and the report pages. Nested inside the visits
    package for history, but its own app (label ``reports``): it reads visits and bookings, and
    neither ``visits`` nor ``interpreters`` imports it back."""

    name = "visits.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Aggregates only: classified for the retention purge, nothing to erase.
        from visits.reports.models import DailyBookingUsage, DailyVisitUsage
        from visits.retention import retention_classify

        retention_classify(DailyVisitUsage, not_visitor_data={"language": "an aggregate per language code"})
        retention_classify(
            DailyBookingUsage,
            not_visitor_data={"language": "an aggregate per language code", "modality": "an aggregate key"},
        )
