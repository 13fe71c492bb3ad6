from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0010_appointment"),
    ]

    operations = [
        migrations.AddField(
            model_name="office",
            name="address",
            field=models.CharField(blank=True, max_length=200, verbose_name="street address"),
        ),
        migrations.AddField(
            model_name="appointment",
            name="reminder_status",
            field=models.CharField(
                blank=True,
                choices=[("queued", "Queued"), ("sending", "Being sent"), ("sent", "Sent"), ("skipped", "Not sent")],
                default="",
                max_length=8,
                verbose_name="reminder",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="reminder_skip_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("not_scheduled", "The appointment is no longer scheduled"),
                    ("no_consent", "The visitor withdrew consent"),
                    ("no_contact", "No phone number or e-mail address for the channel"),
                    ("erased", "The visitor's details were erased"),
                    ("too_late", "The appointment had started"),
                    ("refused", "Refused by the mail server or SMS gateway"),
                    ("gave_up", "Could not be delivered after several tries"),
                    ("interrupted", "Interrupted while sending; it may have been delivered"),
                ],
                default="",
                max_length=16,
                verbose_name="reminder not sent because",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="reminder_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="appointment",
            name="reminder_next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # Rows written before this migration: a reminder already sent is recorded as such.
        migrations.RunSQL(
            "UPDATE visits_appointment SET reminder_status = 'sent' WHERE reminder_sent_at IS NOT NULL",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("reminder_status", "sent"), _negated=True),
                    ("reminder_sent_at__isnull", False),
                    _connector="OR",
                ),
                name="appointment_reminder_sent_has_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("reminder_status", "skipped"), _negated=True),
                    models.Q(("reminder_skip_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="appointment_reminder_skip_has_reason",
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(fields=["reminder_status", "start"], name="appointment_reminder_due"),
        ),
    ]
