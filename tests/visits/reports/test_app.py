"""The reports are their own Django app (label ``reports``) whose rollup tables kept the names they
had in the visits app, so an existing database needed no data move."""

from django.apps import apps

from visits.reports.models import DailyBookingUsage, DailyOfficeUsage, DailyVisitUsage, MonthlyOfficeUsage


def test_the_rollups_belong_to_the_reports_app_and_keep_their_visits_table_names():
    for model in (DailyOfficeUsage, MonthlyOfficeUsage, DailyVisitUsage, DailyBookingUsage):
        assert model._meta.app_label == "reports"
        assert model._meta.db_table == f"visits_{model._meta.model_name}"
    assert apps.get_app_config("reports").name == "visits.reports"


def test_the_visits_app_no_longer_owns_any_rollup_model():
    assert not [m for m in apps.get_app_config("visits").get_models() if m._meta.model_name.endswith("usage")]
