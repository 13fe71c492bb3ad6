from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from visits.errors import DomainError
from visits.kiosks import kiosk_token_create
from visits.models import Office


class Command(BaseCommand):
    help = "Create an API token for a check-in kiosk at ONE office. The key is printed once; store it on the kiosk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--office-id", type=int, required=True)
        parser.add_argument("--name", required=True, help="e.g. 'Entrance kiosk 1'")
        parser.add_argument("--days", type=int, default=None, help="valid for (default TOLKDESK_KIOSK_TOKEN_DAYS)")

    def handle(self, *args: Any, **options: Any) -> None:
        office = Office.objects.filter(pk=options["office_id"]).first()
        if office is None:
            raise CommandError(f"office-id: no office with id {options['office_id']}")
        try:
            token, key = kiosk_token_create(office=office, name=options["name"], valid_days=options["days"])
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        until = f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "?"
        self.stdout.write(f"Kiosk token {token.pk} for {office.name}, valid until {until}. Key (shown once):")
        self.stdout.write(key)
