"""Demo interpreter agencies (simulated backend), Kammarkollegiet-style county rankings, framework
price lists and a few interpreters, from visits/reference_data.py (shared with seed_demo and the visit
generator). Idempotent: a second run changes nothing and creates nothing."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from interpreters.models import AgencyBackend, AgencyDirectLine, AgencyRanking, Interpreter, InterpreterAgency
from interpreters.services.price_lists import price_lists_seed_demo
from visits.models import County, Language
from visits.reference_data import DEMO_AGENCIES, DEMO_INTERPRETERS, LANGUAGE_CODES, SMALL_LANGUAGE_SET

# Direct lines for on-demand phone interpreting (issue 11): (agency slug, languages, first number).
# Each language gets its own number at the agency (the demo numbers are consecutive, in the
# 010-range reserved for fiction).
DIRECT_LINES: list[tuple[str, list[str], int]] = [
    ("sprakbron", ["ar", "so", "ti", "prs", "fa", "uk", "ru", "pl", "tr"], 46101239100),
    ("nordtolk", ["ar", "so", "ti", "prs", "fa", "ckb", "kmr", "uk", "ru"], 46101239200),
    ("tolkcentrum-malardalen", SMALL_LANGUAGE_SET, 46101239300),
    ("lingua-syd", ["ar", "so", "ps", "prs", "sq", "bg", "ro"], 46101239400),
]


class Command(BaseCommand):
    help = "Create or update the demo interpreter agencies, county rankings, price lists and interpreters."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        catalogue = list(Language.objects.values_list("code", flat=True))
        all_languages = list(dict.fromkeys([*LANGUAGE_CODES, *catalogue]))
        agencies = []
        for demo in DEMO_AGENCIES:
            agency, _created = InterpreterAgency.objects.update_or_create(
                slug=demo.slug,
                defaults={
                    "name": demo.name,
                    "backend": AgencyBackend.SIMULATED,
                    "backend_settings": dict(demo.simulator),
                    "priority": demo.priority,
                    "active": True,
                    "modalities": list(demo.modalities),
                    "languages": list(demo.languages or all_languages),
                },
            )
            agencies.append(agency)

        # Each county ranks the demo agencies in a different (deterministic) order, after any
        # agency an admin has ranked there.
        for index, county in enumerate(County.values):
            AgencyRanking.objects.filter(county=county, agency__in=agencies).delete()
            start = max(AgencyRanking.objects.filter(county=county).values_list("rank", flat=True), default=0)
            rotated = agencies[index % len(agencies) :] + agencies[: index % len(agencies)]
            for offset, agency in enumerate(rotated, start=1):
                AgencyRanking.objects.create(agency=agency, county=county, rank=start + offset)

        price_lists = price_lists_seed_demo()

        by_slug = {a.slug: a for a in agencies}
        for slug, name, languages, gender, competence, phone in DEMO_INTERPRETERS:
            agency = by_slug[slug]
            Interpreter.objects.update_or_create(
                agency=agency,
                name=name,
                defaults={
                    "languages": [{"language": code, "dialects": []} for code in languages],
                    "modalities": list(agency.modalities),
                    "gender": gender,
                    "competence": competence,
                    "phone": phone,
                    "active": True,
                },
            )
        for slug, languages, first in DIRECT_LINES:
            for offset, language in enumerate(languages):
                AgencyDirectLine.objects.update_or_create(
                    agency=by_slug[slug],
                    language=language,
                    defaults={"phone": f"+{first + offset}", "opening_hours": "Mån-fre 08-17", "active": True},
                )
        self.stdout.write(
            f"agencies: {len(agencies)}, rankings: {AgencyRanking.objects.count()}, "
            f"price lists: {len(price_lists)}, interpreters: {Interpreter.objects.count()}, "
            f"direct lines: {AgencyDirectLine.objects.count()}"
        )
