from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from visits.errors import DomainError
from visits.retention import visit_purge_personal_data


class Command(BaseCommand):
    help = "Erase visitors' personal data older than the retention period (default TOLKDESK_RETENTION_DAYS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help="Erase visits checked in more than this many days ago (default: the setting, %(default)s).",
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="Only count the visits that are due.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than_days"]
        if days is None:
            days = settings.TOLKDESK_RETENTION_DAYS
        try:
            result = visit_purge_personal_data(
                older_than_days=days, batch_size=options["batch_size"], dry_run=options["dry_run"]
            )
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        if options["dry_run"]:
            self.stdout.write(f"{result.visits} visits are due for erasure (older than {days} days).")
            return
        summary = ", ".join(f"{name}={count}" for name, count in asdict(result).items())
        self.stdout.write(self.style.SUCCESS(f"Erased personal data older than {days} days: {summary}"))
