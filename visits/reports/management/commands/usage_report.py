"""The monthly management report as a PDF: ``manage.py usage_report --month 2026-10 [--office N]
[--output FILE]``. Without --office it covers the whole country; the file defaults to
usage-report-2026-10[-office-N].pdf in the current folder."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from visits.models import Office
from visits.reports.monthly import (
    MonthError,
    PdfUnavailable,
    monthly_report_build,
    monthly_report_filename,
    monthly_report_pdf,
    parse_month,
)


class Command(BaseCommand):
    help = "Write the monthly management report (PDF, in Swedish) for the country or one office."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="The month, YYYY-MM.")
        parser.add_argument("--office", type=int, default=None, help="One office's id (default: every office).")
        parser.add_argument("--output", default=None, help="The PDF file to write (default: usage-report-<month>.pdf).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with translation.override("en"):  # the command speaks English, as Django's own do
                month = parse_month(options["month"])
        except MonthError as exc:
            raise CommandError(f"--month {options['month']!r}: {exc}") from exc
        office = options["office"]
        if office is not None and not Office.objects.filter(pk=office).exists():
            raise CommandError(f"--office {office}: no such office.")
        report = monthly_report_build(month=month, offices=None, office=office)
        try:
            content = monthly_report_pdf(report)
        except PdfUnavailable as exc:
            raise CommandError(str(exc)) from exc
        output = Path(options["output"] or monthly_report_filename(report, office))
        try:
            output.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from exc
        self.stdout.write(
            f"Wrote {output} ({len(content) // 1024} KB): {report.scope}, {month:%Y-%m}, "
            f"{len(report.offices)} offices, {len(report.outliers)} outliers."
        )
