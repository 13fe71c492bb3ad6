"""Import officer hours per office and day from a CSV file.

manage.py import_staffing staffing.csv [--dry-run]

The file's header is `office_id,date,officer_hours`, one row per office and day (comma, semicolon or
tab separated; decimal point or comma). Rejected rows are listed with their line number and reason;
the good rows are saved unless --dry-run. Exit status 1 if any row was rejected (or the file could
not be read), 0 otherwise.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from visits.errors import DomainError
from visits.services import staffing_import


class Command(BaseCommand):
    help = "Import staffed officer hours per office and day (CSV: office_id,date,officer_hours)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file, UTF-8 (a BOM is fine).")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, save nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {path}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path} as UTF-8 text: {exc}") from exc
        try:
            result = staffing_import(lines=text.splitlines(), by=None, dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for rejected in result.rejected:
            self.stderr.write(f"line {rejected.line}: rejected ({rejected.reason}): {rejected.text}")
        action = "would be saved" if options["dry_run"] else "saved"
        count = len(result.accepted) if options["dry_run"] else result.saved
        self.stdout.write(f"{count} rows {action}, {len(result.rejected)} rejected.")
        if result.rejected:
            raise CommandError(f"{len(result.rejected)} rows rejected.")
