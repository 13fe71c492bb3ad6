"""Demo interpreter agencies (simulated backend), Kammarkollegiet-style county rankings, framework
price lists and a few interpreters, from visits/reference_data.py (shared with seed_demo and the visit
generator). Idempotent: a second run changes nothing and creates nothing."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from interpreters.models import AgencyBackend, AgencyRanking, Interpreter, InterpreterAgency
from interpreters.services.price_lists import price_lists_seed_demo
from visits.models import County, Language
from visits.reference_data import DEMO_AGENCIES, DEMO_INTERPRETERS, LANGUAGE_CODES


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
        self.stdout.write(
            f"agencies: {len(agencies)}, rankings: {AgencyRanking.objects.count()}, "
            f"price lists: {len(price_lists)}, interpreters: {Interpreter.objects.count()}"
        )
