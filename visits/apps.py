from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        # The audit trail of the visits app's models (other apps register theirs in their ready()).
        from visits.audit import register_audited_models
        from visits.retention import register_visits_retention

        register_audited_models()
        # This app's part of the retention purge; other apps register theirs in their ready().
        register_visits_retention()
