from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterpretersConfig(AppConfig):
    name = "interpreters"
    verbose_name = _("Interpreters")

    def ready(self) -> None:
        # This app's part of the audit trail and of the retention purge (visits never imports us).
        from interpreters.models import InterpreterBooking
        from interpreters.retention import agency_callbacks_purge_personal_data, bookings_purge_personal_data
        from visits.audit import audit_register
        from visits.retention import retention_register

        audit_register(InterpreterBooking, personal_fields=["dialect", "connection_phone", "connection_url"])
        retention_register(per_batch=bookings_purge_personal_data, per_run=agency_callbacks_purge_personal_data)
