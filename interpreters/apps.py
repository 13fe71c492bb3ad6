from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterpretersConfig(AppConfig):
    name = "interpreters"
    verbose_name = _("Interpreters")

    def ready(self) -> None:
        # This app's part of the audit trail (visits never imports us).
        from interpreters.models import InterpreterBooking
        from interpreters.retention import register_interpreters_retention
        from visits.audit import audit_register

        audit_register(InterpreterBooking, personal_fields=["dialect", "connection_phone", "connection_url"])
        # This app's part of the retention purge (its models' classification and its purge step).
        register_interpreters_retention()
        # A visitor checked in for an appointment: its pre-booked interpreter moves to the visit.
        from interpreters.desk.appointments import bookings_follow_check_in
        from visits.hooks import appointment_check_in_register

        appointment_check_in_register(name="interpreters.bookings", step=bookings_follow_check_in)
