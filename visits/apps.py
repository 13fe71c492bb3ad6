from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        # The audit trail covers visits, needs, outcomes and bookings (interpreters app included).
        from visits.audit import register_audited_models

        register_audited_models()
