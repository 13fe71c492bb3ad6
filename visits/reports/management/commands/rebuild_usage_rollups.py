"""Rebuild the daily usage rollups from visits and bookings: ``manage.py rebuild_usage_rollups
[--since YYYY-MM-DD] [--until YYYY-MM-DD]``. Safe to run at any time (whole days are replaced)."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from visits.reports.services import usage_rollups_rebuild


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"“{value}” is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Rebuild the daily usage rollups (all days, or from --since)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=str, default=None, help="First day to rebuild (YYYY-MM-DD).")
        parser.add_argument("--until", type=str, default=None, help="Last day to rebuild (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        since = _date(options["since"]) if options["since"] else None
        until = _date(options["until"]) if options["until"] else None
        if since and until and since > until:
            raise CommandError("--since must not be after --until.")
        days = usage_rollups_rebuild(since=since, until=until, progress=options["verbosity"] > 1)
        self.stdout.write(f"Rebuilt usage rollups for {days} days.")
