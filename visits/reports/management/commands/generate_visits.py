"""Generate synthetic visits with realistic shapes for benchmarks and the demo.

manage.py generate_visits --years 5 --visits-per-year 3000000   # the 15 M benchmark volume
manage.py generate_visits --years 1 --visits-per-year 20000     # a demo slice
"""

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from visits.models import Visit
from visits.reports.generator import Plan, clear_generated_data, generate
from visits.reports.services import usage_rollups_rebuild


class Command(BaseCommand):
    help = "Generate synthetic visits, language needs, bookings, requisitions and outcomes (then rebuild the rollups)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=1)
        parser.add_argument("--visits-per-year", type=int, default=20_000)
        parser.add_argument("--end-date", type=date.fromisoformat, default=None, help="Default: yesterday.")
        parser.add_argument("--seed", type=int, default=4)
        parser.add_argument("--clear", action="store_true", help="Delete ALL visits and bookings first.")
        parser.add_argument("--no-rollups", action="store_true", help="Skip rebuilding the usage rollups.")

    def handle(self, *args: Any, **options: Any) -> None:
        years, per_year = options["years"], options["visits_per_year"]
        if not 1 <= years <= 20:
            raise CommandError("--years must be between 1 and 20.")
        if not 1 <= per_year <= 10_000_000:
            raise CommandError("--visits-per-year must be between 1 and 10000000.")
        end = options["end_date"] or timezone.localdate() - timedelta(days=1)
        plan = Plan(years=years, visits_per_year=per_year, end_date=end, seed=options["seed"])
        if options["clear"]:
            clear_generated_data()
        elif Visit.objects.filter(service_date__range=(plan.start_date, plan.end_date)).exists():
            raise CommandError(
                f"Visits already exist between {plan.start_date} and {plan.end_date}; "
                "use --clear or another --end-date."
            )
        total = years * per_year
        with tqdm(total=total, unit="visit", unit_scale=True, desc="visits", disable=options["verbosity"] == 0) as bar:
            counts = generate(plan, progress=bar.update, log=bar.write)
        self.stdout.write(
            f"Generated {counts['visits']} visits, {counts['needs']} language needs, "
            f"{counts['bookings']} bookings, {counts['outcomes']} outcomes, {counts['requisitions']} requisitions "
            f"({plan.start_date}..{plan.end_date})."
        )
        if not options["no_rollups"]:
            days = usage_rollups_rebuild(since=plan.start_date, until=plan.end_date, progress=options["verbosity"] > 0)
            self.stdout.write(f"Rebuilt usage rollups for {days} days.")
