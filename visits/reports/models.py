"""Daily usage rollups: additive counters only (see visits.reports.measures), so any slice of any
period is a SUM over rows. Derived data: rebuildable at any time from visits and bookings
(``manage.py rebuild_usage_rollups``), refreshed per office-day on writes and by Celery beat.

Three tables (and a monthly copy of the first), because visits and bookings must never be multiplied
by each other (a visit with two bookings is one visit):

- DailyOfficeUsage: day x office, visit AND booking counters. The coarse table every unfiltered
  report reads (national, per office, per county): ~130 rows a day. MonthlyOfficeUsage holds the
  same per calendar month, for the whole months of a long period.
- DailyVisitUsage: day x office x authority x language (of the need; "" = no need), visit counters.
- DailyBookingUsage: day x office x authority x language x interpreter agency x modality, booking
  counters.

These models belong to the reports app (label ``reports``). They were created in the visits app, so
they keep their table names (``visits_*``); the move was state-only (reports/migrations/0001).
Nothing outside the reports app imports them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from visits.reports.measures import BIG_COUNTER_NAMES, BOOKING_COUNTER_NAMES, VISIT_COUNTER_NAMES


def _add_counters(model: type[models.Model], names: tuple[str, ...]) -> None:
    for name in names:
        big = name in BIG_COUNTER_NAMES
        field = models.BigIntegerField(default=0) if big else models.PositiveIntegerField(default=0)
        model.add_to_class(name, field)


class DailyOfficeUsage(models.Model):
    day = models.DateField(_("day"))
    office = models.ForeignKey("visits.Office", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "visits_dailyofficeusage"
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="daily_office_usage_unique")]
        indexes = [models.Index(fields=["day", "office"], name="daily_office_usage_day")]
        verbose_name = _("daily office usage")
        verbose_name_plural = _("daily office usage")


class MonthlyOfficeUsage(models.Model):
    """DailyOfficeUsage summed per calendar month (``month`` = its first day): a year of the national
    per-office report reads ~1,800 rows instead of ~37,000. Derived from DailyOfficeUsage only, and
    recomputed for every month a refresh or rebuild touches."""

    month = models.DateField(_("month"))
    office = models.ForeignKey("visits.Office", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "visits_monthlyofficeusage"
        constraints = [models.UniqueConstraint(fields=["office", "month"], name="monthly_office_usage_unique")]
        indexes = [models.Index(fields=["month", "office"], name="monthly_office_usage_month")]
        verbose_name = _("monthly office usage")
        verbose_name_plural = _("monthly office usage")


class DailyVisitUsage(models.Model):
    day = models.DateField(_("day"))
    office = models.ForeignKey("visits.Office", on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey("visits.Authority", on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=35, blank=True)

    class Meta:
        db_table = "visits_dailyvisitusage"
        constraints = [
            models.UniqueConstraint(fields=["office", "day", "authority", "language"], name="daily_visit_usage_unique")
        ]
        indexes = [models.Index(fields=["day", "language"], name="daily_visit_usage_day_lang")]
        verbose_name = _("daily visit usage")
        verbose_name_plural = _("daily visit usage")


class DailyBookingUsage(models.Model):
    day = models.DateField(_("day"))
    office = models.ForeignKey("visits.Office", on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey("visits.Authority", on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=35)
    # No database constraint: rollups are derived data and must not block deleting an agency.
    agency = models.ForeignKey(
        "interpreters.InterpreterAgency",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    modality = models.CharField(_("modality"), max_length=10)

    class Meta:
        db_table = "visits_dailybookingusage"
        # Uniqueness (agency is nullable) is kept by the refresh, which replaces an office-day
        # under a lock; see visits.reports.services.
        indexes = [
            models.Index(fields=["office", "day"], name="daily_booking_usage_office"),
            models.Index(fields=["day"], name="daily_booking_usage_day"),
        ]
        verbose_name = _("daily booking usage")
        verbose_name_plural = _("daily booking usage")


_add_counters(DailyOfficeUsage, (*VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES))
_add_counters(MonthlyOfficeUsage, (*VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES))
_add_counters(DailyVisitUsage, VISIT_COUNTER_NAMES)
_add_counters(DailyBookingUsage, BOOKING_COUNTER_NAMES)
