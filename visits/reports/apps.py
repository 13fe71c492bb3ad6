from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The usage reports: measures, the rollup tables and the report pages. Nested inside the visits
    package for history, but its own app (label ``reports``): it reads visits and bookings, and
    neither ``visits`` nor ``interpreters`` imports it back."""

    name = "visits.reports"
    label = "reports"
    verbose_name = _("Reports")
