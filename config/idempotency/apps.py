from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "config.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency records"
    default_auto_field = "django.db.models.BigAutoField"
