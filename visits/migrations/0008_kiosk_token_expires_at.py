import datetime
from typing import Any

from django.db import migrations, models


def expire_existing_tokens_a_year_after_creation(apps: Any, schema_editor: Any) -> None:
    KioskToken = apps.get_model("visits", "KioskToken")
    for token in KioskToken.objects.filter(expires_at__isnull=True):
        token.expires_at = token.created_at + datetime.timedelta(days=365)
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0007_usage_dirty_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="kiosktoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expires at"),
        ),
        migrations.RunPython(expire_existing_tokens_a_year_after_creation, migrations.RunPython.noop),
    ]
