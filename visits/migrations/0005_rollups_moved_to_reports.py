"""The usage rollups moved to the reports app (visits/reports, label ``reports``). State only: the
tables stay where they are, under their old names (see reports/migrations/0001_initial.py)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0004_monthly_office_usage'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='dailyofficeusage',
                    name='office',
                ),
                migrations.RemoveField(
                    model_name='dailyvisitusage',
                    name='authority',
                ),
                migrations.RemoveField(
                    model_name='dailyvisitusage',
                    name='office',
                ),
                migrations.RemoveField(
                    model_name='monthlyofficeusage',
                    name='office',
                ),
                migrations.DeleteModel(
                    name='DailyBookingUsage',
                ),
                migrations.DeleteModel(
                    name='DailyOfficeUsage',
                ),
                migrations.DeleteModel(
                    name='DailyVisitUsage',
                ),
                migrations.DeleteModel(
                    name='MonthlyOfficeUsage',
                ),
            ],
            database_operations=[],
        ),
    ]
