from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "config.outbox"
    label = "outbox"
    verbose_name = _("Outbox")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Worker heartbeat and the request id in task logs: Celery signal handlers.
        from config.outbox import workerhooks  # noqa: F401
