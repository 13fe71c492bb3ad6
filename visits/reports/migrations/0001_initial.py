"""The usage rollups, moved here from the visits app. State only: the tables were created by
visits/migrations/0002 and 0004 and keep their names (``db_table``). Existing content types (and so
the admin permissions) are relabelled from ``visits`` to ``reports``."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


MODELS = ("dailybookingusage", "dailyofficeusage", "dailyvisitusage", "monthlyofficeusage")


def _relabel_content_types(apps: Any, schema_editor: Any, *, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.using(schema_editor.connection.alias).filter(app_label=old, model__in=MODELS).update(
        app_label=new
    )


def forwards(apps: Any, schema_editor: Any) -> None:
    _relabel_content_types(apps, schema_editor, old="visits", new="reports")


def backwards(apps: Any, schema_editor: Any) -> None:
    _relabel_content_types(apps, schema_editor, old="reports", new="visits")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('interpreters', '0002_booking_dispatch_fields'),
        ('visits', '0005_rollups_moved_to_reports'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DailyBookingUsage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='day')),
                        ('language', models.CharField(max_length=35, verbose_name='language')),
                        ('modality', models.CharField(max_length=10, verbose_name='modality')),
                        ('bookings', models.PositiveIntegerField(default=0)),
                        ('bookings_confirmed', models.PositiveIntegerField(default=0)),
                        ('bookings_completed', models.PositiveIntegerField(default=0)),
                        ('bookings_failed', models.PositiveIntegerField(default=0)),
                        ('bookings_cancelled', models.PositiveIntegerField(default=0)),
                        ('bookings_no_show', models.PositiveIntegerField(default=0)),
                        ('minutes', models.BigIntegerField(default=0)),
                        ('cost_ore', models.BigIntegerField(default=0)),
                        ('connect_b00', models.PositiveIntegerField(default=0)),
                        ('connect_b01', models.PositiveIntegerField(default=0)),
                        ('connect_b02', models.PositiveIntegerField(default=0)),
                        ('connect_b03', models.PositiveIntegerField(default=0)),
                        ('connect_b04', models.PositiveIntegerField(default=0)),
                        ('connect_b05', models.PositiveIntegerField(default=0)),
                        ('connect_b06', models.PositiveIntegerField(default=0)),
                        ('connect_b07', models.PositiveIntegerField(default=0)),
                        ('connect_b08', models.PositiveIntegerField(default=0)),
                        ('connect_b09', models.PositiveIntegerField(default=0)),
                        ('connect_b10', models.PositiveIntegerField(default=0)),
                        ('connect_b11', models.PositiveIntegerField(default=0)),
                        ('connect_b12', models.PositiveIntegerField(default=0)),
                        ('connect_b13', models.PositiveIntegerField(default=0)),
                        ('connect_b14', models.PositiveIntegerField(default=0)),
                        ('connect_b15', models.PositiveIntegerField(default=0)),
                        ('connect_b16', models.PositiveIntegerField(default=0)),
                        ('connect_b17', models.PositiveIntegerField(default=0)),
                        ('connect_b18', models.PositiveIntegerField(default=0)),
                        ('connect_b19', models.PositiveIntegerField(default=0)),
                        ('agency', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='interpreters.interpreteragency')),
                        ('authority', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='visits.authority')),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='visits.office')),
                    ],
                    options={
                        'verbose_name': 'daily booking usage',
                        'verbose_name_plural': 'daily booking usage',
                        'db_table': 'visits_dailybookingusage',
                        'indexes': [models.Index(fields=['office', 'day'], name='daily_booking_usage_office'), models.Index(fields=['day'], name='daily_booking_usage_day')],
                    },
                ),
                migrations.CreateModel(
                    name='DailyOfficeUsage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='day')),
                        ('visits', models.PositiveIntegerField(default=0)),
                        ('need', models.PositiveIntegerField(default=0)),
                        ('need_unsure', models.PositiveIntegerField(default=0)),
                        ('need_declined', models.PositiveIntegerField(default=0)),
                        ('wanted', models.PositiveIntegerField(default=0)),
                        ('wanted_used', models.PositiveIntegerField(default=0)),
                        ('gap_multilingual_staff', models.PositiveIntegerField(default=0)),
                        ('gap_relative', models.PositiveIntegerField(default=0)),
                        ('gap_child', models.PositiveIntegerField(default=0)),
                        ('gap_english', models.PositiveIntegerField(default=0)),
                        ('gap_visitor_declined', models.PositiveIntegerField(default=0)),
                        ('gap_none_available', models.PositiveIntegerField(default=0)),
                        ('gap_took_too_long', models.PositiveIntegerField(default=0)),
                        ('gap_visitor_left', models.PositiveIntegerField(default=0)),
                        ('gap_solved_without', models.PositiveIntegerField(default=0)),
                        ('gap_unrecorded', models.PositiveIntegerField(default=0)),
                        ('bookings', models.PositiveIntegerField(default=0)),
                        ('bookings_confirmed', models.PositiveIntegerField(default=0)),
                        ('bookings_completed', models.PositiveIntegerField(default=0)),
                        ('bookings_failed', models.PositiveIntegerField(default=0)),
                        ('bookings_cancelled', models.PositiveIntegerField(default=0)),
                        ('bookings_no_show', models.PositiveIntegerField(default=0)),
                        ('minutes', models.BigIntegerField(default=0)),
                        ('cost_ore', models.BigIntegerField(default=0)),
                        ('connect_b00', models.PositiveIntegerField(default=0)),
                        ('connect_b01', models.PositiveIntegerField(default=0)),
                        ('connect_b02', models.PositiveIntegerField(default=0)),
                        ('connect_b03', models.PositiveIntegerField(default=0)),
                        ('connect_b04', models.PositiveIntegerField(default=0)),
                        ('connect_b05', models.PositiveIntegerField(default=0)),
                        ('connect_b06', models.PositiveIntegerField(default=0)),
                        ('connect_b07', models.PositiveIntegerField(default=0)),
                        ('connect_b08', models.PositiveIntegerField(default=0)),
                        ('connect_b09', models.PositiveIntegerField(default=0)),
                        ('connect_b10', models.PositiveIntegerField(default=0)),
                        ('connect_b11', models.PositiveIntegerField(default=0)),
                        ('connect_b12', models.PositiveIntegerField(default=0)),
                        ('connect_b13', models.PositiveIntegerField(default=0)),
                        ('connect_b14', models.PositiveIntegerField(default=0)),
                        ('connect_b15', models.PositiveIntegerField(default=0)),
                        ('connect_b16', models.PositiveIntegerField(default=0)),
                        ('connect_b17', models.PositiveIntegerField(default=0)),
                        ('connect_b18', models.PositiveIntegerField(default=0)),
                        ('connect_b19', models.PositiveIntegerField(default=0)),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='visits.office')),
                    ],
                    options={
                        'verbose_name': 'daily office usage',
                        'verbose_name_plural': 'daily office usage',
                        'db_table': 'visits_dailyofficeusage',
                        'indexes': [models.Index(fields=['day', 'office'], name='daily_office_usage_day')],
                        'constraints': [models.UniqueConstraint(fields=('office', 'day'), name='daily_office_usage_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='DailyVisitUsage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='day')),
                        ('language', models.CharField(blank=True, max_length=35, verbose_name='language')),
                        ('visits', models.PositiveIntegerField(default=0)),
                        ('need', models.PositiveIntegerField(default=0)),
                        ('need_unsure', models.PositiveIntegerField(default=0)),
                        ('need_declined', models.PositiveIntegerField(default=0)),
                        ('wanted', models.PositiveIntegerField(default=0)),
                        ('wanted_used', models.PositiveIntegerField(default=0)),
                        ('gap_multilingual_staff', models.PositiveIntegerField(default=0)),
                        ('gap_relative', models.PositiveIntegerField(default=0)),
                        ('gap_child', models.PositiveIntegerField(default=0)),
                        ('gap_english', models.PositiveIntegerField(default=0)),
                        ('gap_visitor_declined', models.PositiveIntegerField(default=0)),
                        ('gap_none_available', models.PositiveIntegerField(default=0)),
                        ('gap_took_too_long', models.PositiveIntegerField(default=0)),
                        ('gap_visitor_left', models.PositiveIntegerField(default=0)),
                        ('gap_solved_without', models.PositiveIntegerField(default=0)),
                        ('gap_unrecorded', models.PositiveIntegerField(default=0)),
                        ('authority', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='visits.authority')),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='visits.office')),
                    ],
                    options={
                        'verbose_name': 'daily visit usage',
                        'verbose_name_plural': 'daily visit usage',
                        'db_table': 'visits_dailyvisitusage',
                        'indexes': [models.Index(fields=['day', 'language'], name='daily_visit_usage_day_lang')],
                        'constraints': [models.UniqueConstraint(fields=('office', 'day', 'authority', 'language'), name='daily_visit_usage_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='MonthlyOfficeUsage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(verbose_name='month')),
                        ('visits', models.PositiveIntegerField(default=0)),
                        ('need', models.PositiveIntegerField(default=0)),
                        ('need_unsure', models.PositiveIntegerField(default=0)),
                        ('need_declined', models.PositiveIntegerField(default=0)),
                        ('wanted', models.PositiveIntegerField(default=0)),
                        ('wanted_used', models.PositiveIntegerField(default=0)),
                        ('gap_multilingual_staff', models.PositiveIntegerField(default=0)),
                        ('gap_relative', models.PositiveIntegerField(default=0)),
                        ('gap_child', models.PositiveIntegerField(default=0)),
                        ('gap_english', models.PositiveIntegerField(default=0)),
                        ('gap_visitor_declined', models.PositiveIntegerField(default=0)),
                        ('gap_none_available', models.PositiveIntegerField(default=0)),
                        ('gap_took_too_long', models.PositiveIntegerField(default=0)),
                        ('gap_visitor_left', models.PositiveIntegerField(default=0)),
                        ('gap_solved_without', models.PositiveIntegerField(default=0)),
                        ('gap_unrecorded', models.PositiveIntegerField(default=0)),
                        ('bookings', models.PositiveIntegerField(default=0)),
                        ('bookings_confirmed', models.PositiveIntegerField(default=0)),
                        ('bookings_completed', models.PositiveIntegerField(default=0)),
                        ('bookings_failed', models.PositiveIntegerField(default=0)),
                        ('bookings_cancelled', models.PositiveIntegerField(default=0)),
                        ('bookings_no_show', models.PositiveIntegerField(default=0)),
                        ('minutes', models.BigIntegerField(default=0)),
                        ('cost_ore', models.BigIntegerField(default=0)),
                        ('connect_b00', models.PositiveIntegerField(default=0)),
                        ('connect_b01', models.PositiveIntegerField(default=0)),
                        ('connect_b02', models.PositiveIntegerField(default=0)),
                        ('connect_b03', models.PositiveIntegerField(default=0)),
                        ('connect_b04', models.PositiveIntegerField(default=0)),
                        ('connect_b05', models.PositiveIntegerField(default=0)),
                        ('connect_b06', models.PositiveIntegerField(default=0)),
                        ('connect_b07', models.PositiveIntegerField(default=0)),
                        ('connect_b08', models.PositiveIntegerField(default=0)),
                        ('connect_b09', models.PositiveIntegerField(default=0)),
                        ('connect_b10', models.PositiveIntegerField(default=0)),
                        ('connect_b11', models.PositiveIntegerField(default=0)),
                        ('connect_b12', models.PositiveIntegerField(default=0)),
                        ('connect_b13', models.PositiveIntegerField(default=0)),
                        ('connect_b14', models.PositiveIntegerField(default=0)),
                        ('connect_b15', models.PositiveIntegerField(default=0)),
                        ('connect_b16', models.PositiveIntegerField(default=0)),
                        ('connect_b17', models.PositiveIntegerField(default=0)),
                        ('connect_b18', models.PositiveIntegerField(default=0)),
                        ('connect_b19', models.PositiveIntegerField(default=0)),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='visits.office')),
                    ],
                    options={
                        'verbose_name': 'monthly office usage',
                        'verbose_name_plural': 'monthly office usage',
                        'db_table': 'visits_monthlyofficeusage',
                        'indexes': [models.Index(fields=['month', 'office'], name='monthly_office_usage_month')],
                        'constraints': [models.UniqueConstraint(fields=('office', 'month'), name='monthly_office_usage_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
