"""Demo interpreter agencies (simulated backend), Kammarkollegiet-style county rankings, framework
price lists and a few interpreters. Idempotent: a second run changes nothing and creates nothing."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from interpreters.models import (
    AgencyBackend,
    AgencyDirectLine,
    AgencyRanking,
    CompetenceLevel,
    Gender,
    Interpreter,
    InterpreterAgency,
    Modality,
)
from interpreters.services.price_lists import price_lists_seed_demo
from visits.models import County, Language

# The languages most interpreted at the offices; the catalogue (visits.Language) adds the rest.
BASE_LANGUAGES = [
    "ar", "so", "ti", "prs", "fa", "ckb", "kmr", "uk", "ru", "pl", "ro", "tr", "th", "hbs", "ps", "am",
    "es", "en", "fi", "sq", "bg", "vi", "zh", "ur", "fr", "aii", "om", "uz", "mn", "my", "de", "hu",
    "ku", "sw", "ta", "bn", "hi", "pa", "rmy", "ne", "tl",
]  # fmt: skip
SMALL_SET = ["ar", "so", "ti", "prs", "fa", "uk", "ru", "pl", "tr"]

# The demo agencies run every call to its end (10-40 minutes mostly), sometimes report a no-show or
# send a corrected requisition: see interpreters/backends/simulated.py.
PLAY_THROUGH: dict[str, Any] = {"play_through": True, "no_show_rate": 0.05, "correction_rate": 0.1}

# (slug, name, priority, modalities, languages (None = all), simulator settings)
AGENCIES: list[tuple[str, str, int, list[str], list[str] | None, dict[str, Any]]] = [
    (
        "sprakbron",
        "Språkbron Tolkförmedling AB",
        10,
        [Modality.PHONE, Modality.VIDEO],
        None,
        {"book_latency_seconds": 0.4, "failure_rate": 0.1, "confirm_after_seconds": 4, **PLAY_THROUGH},
    ),
    (
        "nordtolk",
        "Nordtolk Sverige AB",
        20,
        [Modality.PHONE, Modality.VIDEO],
        None,
        {"book_latency_seconds": 0.8, "failure_rate": 0.05, "confirm_after_seconds": 6, **PLAY_THROUGH},
    ),
    (
        "tolkcentrum-malardalen",
        "Tolkcentrum Mälardalen",
        30,
        [Modality.PHONE],
        SMALL_SET,
        {
            "book_latency_seconds": 0.3,
            "failure_rate": 0.2,
            "confirm_after_seconds": 3,
            **PLAY_THROUGH,
            "wished_miss_rate": 0.15,
            "no_show_rate": 0.1,
        },
    ),
    (
        "lingua-syd",
        "Lingua Syd Tolkservice",
        40,
        [Modality.PHONE, Modality.VIDEO, Modality.ON_SITE],
        None,
        {
            "book_latency_seconds": 1.0,
            "failure_rate": 0.0,
            "confirm_after_seconds": 8,
            **PLAY_THROUGH,
            "wished_miss_rate": 0.15,
            "correction_rate": 0.2,
        },
    ),
]

# (agency slug, name, languages, gender, competence, phone)
INTERPRETERS = [
    ("sprakbron", "Amira Haddad", ["ar"], Gender.FEMALE, CompetenceLevel.AUKTORISERAD, "+46101230101"),
    ("sprakbron", "Yusuf Warsame", ["so"], Gender.MALE, CompetenceLevel.UTBILDAD, "+46101230102"),
    ("sprakbron", "Olena Kovalenko", ["uk", "ru"], Gender.FEMALE, CompetenceLevel.SJUKVARDSTOLK, "+46101230103"),
    ("nordtolk", "Farid Rahimi", ["prs", "fa"], Gender.MALE, CompetenceLevel.AUKTORISERAD, "+46101230201"),
    ("nordtolk", "Selam Tesfay", ["ti", "am"], Gender.FEMALE, CompetenceLevel.UTBILDAD, "+46101230202"),
    ("nordtolk", "Karim Mansour", ["ar"], Gender.MALE, CompetenceLevel.RATTSTOLK, "+46101230203"),
    ("tolkcentrum-malardalen", "Rojda Aydin", ["kmr", "tr"], Gender.FEMALE, CompetenceLevel.OVRIG, "+46101230301"),
    ("tolkcentrum-malardalen", "Agnieszka Nowak", ["pl"], Gender.FEMALE, CompetenceLevel.AUKTORISERAD, "+46101230302"),
    ("lingua-syd", "Hassan Ali", ["so", "ar"], Gender.MALE, CompetenceLevel.AUKTORISERAD, "+46101230401"),
    ("lingua-syd", "Mariam Safi", ["ps", "prs"], Gender.FEMALE, CompetenceLevel.UTBILDAD, "+46101230402"),
]


# Direct lines for on-demand phone interpreting (issue 11): (agency slug, languages, first number).
# Each language gets its own number at the agency (the demo numbers are consecutive, in the
# 010-range reserved for fiction).
DIRECT_LINES: list[tuple[str, list[str], int]] = [
    ("sprakbron", ["ar", "so", "ti", "prs", "fa", "uk", "ru", "pl", "tr"], 46101239100),
    ("nordtolk", ["ar", "so", "ti", "prs", "fa", "ckb", "kmr", "uk", "ru"], 46101239200),
    ("tolkcentrum-malardalen", SMALL_SET, 46101239300),
    ("lingua-syd", ["ar", "so", "ps", "prs", "sq", "bg", "ro"], 46101239400),
]


class Command(BaseCommand):
    help = "Create or update the demo interpreter agencies, county rankings, price lists and interpreters."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        catalogue = list(Language.objects.values_list("code", flat=True))
        all_languages = list(dict.fromkeys([*BASE_LANGUAGES, *catalogue]))
        agencies = []
        for slug, name, priority, modalities, languages, sim in AGENCIES:
            agency, _created = InterpreterAgency.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "backend": AgencyBackend.SIMULATED,
                    "backend_settings": sim,
                    "priority": priority,
                    "active": True,
                    "modalities": [str(m) for m in modalities],
                    "languages": languages or all_languages,
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
        for slug, name, languages, gender, competence, phone in INTERPRETERS:
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
