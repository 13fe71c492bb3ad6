"""Demo data: real servicekontor towns, the four authorities, the language catalogue and demo users.

Idempotent: running it again updates rows in place and creates nothing twice. Only language
codes live here; every name comes from CLDR through Babel (visits.languages)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from visits.languages import normalize_language_tag
from visits.models import (
    Appointment,
    Authority,
    County,
    InterpreterWanted,
    Language,
    NeedIdentifiedBy,
    Office,
    OfficeMembership,
    StaffRole,
    Visit,
)
from visits.services import LanguageNeedInput, appointment_create, visit_check_in

# For the demo only; rundemo prints it. seed_demo refuses to run with production settings.
DEMO_PASSWORD = "tolkdesk-demo"  # noqa: S105  # nosec B105

# (office name, municipality, county). Towns with a statligt servicekontor; big cities have several.
OFFICES: list[tuple[str, str, County]] = [
    # Stockholms län
    ("Stockholm City", "Stockholm", County.STOCKHOLM),
    ("Stockholm Farsta", "Stockholm", County.STOCKHOLM),
    ("Stockholm Kista", "Stockholm", County.STOCKHOLM),
    ("Stockholm Rinkeby", "Stockholm", County.STOCKHOLM),
    ("Stockholm Skärholmen", "Stockholm", County.STOCKHOLM),
    ("Botkyrka", "Botkyrka", County.STOCKHOLM),
    ("Haninge", "Haninge", County.STOCKHOLM),
    ("Huddinge", "Huddinge", County.STOCKHOLM),
    ("Järfälla", "Järfälla", County.STOCKHOLM),
    ("Nacka", "Nacka", County.STOCKHOLM),
    ("Norrtälje", "Norrtälje", County.STOCKHOLM),
    ("Sollentuna", "Sollentuna", County.STOCKHOLM),
    ("Solna", "Solna", County.STOCKHOLM),
    ("Sundbyberg", "Sundbyberg", County.STOCKHOLM),
    ("Södertälje", "Södertälje", County.STOCKHOLM),
    ("Täby", "Täby", County.STOCKHOLM),
    ("Upplands Väsby", "Upplands Väsby", County.STOCKHOLM),
    ("Värmdö", "Värmdö", County.STOCKHOLM),
    ("Nynäshamn", "Nynäshamn", County.STOCKHOLM),
    ("Märsta", "Sigtuna", County.STOCKHOLM),
    ("Åkersberga", "Österåker", County.STOCKHOLM),
    # Uppsala län
    ("Uppsala", "Uppsala", County.UPPSALA),
    ("Enköping", "Enköping", County.UPPSALA),
    ("Östhammar", "Östhammar", County.UPPSALA),
    ("Tierp", "Tierp", County.UPPSALA),
    # Södermanlands län
    ("Eskilstuna", "Eskilstuna", County.SODERMANLAND),
    ("Katrineholm", "Katrineholm", County.SODERMANLAND),
    ("Nyköping", "Nyköping", County.SODERMANLAND),
    ("Flen", "Flen", County.SODERMANLAND),
    ("Strängnäs", "Strängnäs", County.SODERMANLAND),
    # Östergötlands län
    ("Linköping", "Linköping", County.OSTERGOTLAND),
    ("Norrköping", "Norrköping", County.OSTERGOTLAND),
    ("Motala", "Motala", County.OSTERGOTLAND),
    ("Mjölby", "Mjölby", County.OSTERGOTLAND),
    ("Finspång", "Finspång", County.OSTERGOTLAND),
    # Jönköpings län
    ("Jönköping", "Jönköping", County.JONKOPING),
    ("Nässjö", "Nässjö", County.JONKOPING),
    ("Eksjö", "Eksjö", County.JONKOPING),
    ("Tranås", "Tranås", County.JONKOPING),
    ("Vetlanda", "Vetlanda", County.JONKOPING),
    ("Värnamo", "Värnamo", County.JONKOPING),
    ("Gislaved", "Gislaved", County.JONKOPING),
    # Kronobergs län
    ("Växjö", "Växjö", County.KRONOBERG),
    ("Ljungby", "Ljungby", County.KRONOBERG),
    ("Älmhult", "Älmhult", County.KRONOBERG),
    # Kalmar län
    ("Kalmar", "Kalmar", County.KALMAR),
    ("Västervik", "Västervik", County.KALMAR),
    ("Oskarshamn", "Oskarshamn", County.KALMAR),
    ("Vimmerby", "Vimmerby", County.KALMAR),
    ("Nybro", "Nybro", County.KALMAR),
    # Gotlands län
    ("Visby", "Gotland", County.GOTLAND),
    # Blekinge län
    ("Karlskrona", "Karlskrona", County.BLEKINGE),
    ("Karlshamn", "Karlshamn", County.BLEKINGE),
    ("Ronneby", "Ronneby", County.BLEKINGE),
    ("Sölvesborg", "Sölvesborg", County.BLEKINGE),
    # Skåne län
    ("Malmö", "Malmö", County.SKANE),
    ("Malmö Rosengård", "Malmö", County.SKANE),
    ("Helsingborg", "Helsingborg", County.SKANE),
    ("Lund", "Lund", County.SKANE),
    ("Kristianstad", "Kristianstad", County.SKANE),
    ("Landskrona", "Landskrona", County.SKANE),
    ("Trelleborg", "Trelleborg", County.SKANE),
    ("Ystad", "Ystad", County.SKANE),
    ("Hässleholm", "Hässleholm", County.SKANE),
    ("Ängelholm", "Ängelholm", County.SKANE),
    ("Eslöv", "Eslöv", County.SKANE),
    ("Simrishamn", "Simrishamn", County.SKANE),
    ("Höganäs", "Höganäs", County.SKANE),
    # Hallands län
    ("Halmstad", "Halmstad", County.HALLAND),
    ("Varberg", "Varberg", County.HALLAND),
    ("Falkenberg", "Falkenberg", County.HALLAND),
    ("Kungsbacka", "Kungsbacka", County.HALLAND),
    ("Laholm", "Laholm", County.HALLAND),
    # Västra Götalands län
    ("Göteborg City", "Göteborg", County.VASTRA_GOTALAND),
    ("Göteborg Angered", "Göteborg", County.VASTRA_GOTALAND),
    ("Göteborg Bergsjön", "Göteborg", County.VASTRA_GOTALAND),
    ("Göteborg Frölunda", "Göteborg", County.VASTRA_GOTALAND),
    ("Göteborg Backa", "Göteborg", County.VASTRA_GOTALAND),
    ("Borås", "Borås", County.VASTRA_GOTALAND),
    ("Trollhättan", "Trollhättan", County.VASTRA_GOTALAND),
    ("Uddevalla", "Uddevalla", County.VASTRA_GOTALAND),
    ("Vänersborg", "Vänersborg", County.VASTRA_GOTALAND),
    ("Skövde", "Skövde", County.VASTRA_GOTALAND),
    ("Lidköping", "Lidköping", County.VASTRA_GOTALAND),
    ("Mariestad", "Mariestad", County.VASTRA_GOTALAND),
    ("Alingsås", "Alingsås", County.VASTRA_GOTALAND),
    ("Falköping", "Falköping", County.VASTRA_GOTALAND),
    ("Kungälv", "Kungälv", County.VASTRA_GOTALAND),
    ("Strömstad", "Strömstad", County.VASTRA_GOTALAND),
    ("Lysekil", "Lysekil", County.VASTRA_GOTALAND),
    ("Åmål", "Åmål", County.VASTRA_GOTALAND),
    ("Bengtsfors", "Bengtsfors", County.VASTRA_GOTALAND),
    ("Ulricehamn", "Ulricehamn", County.VASTRA_GOTALAND),
    ("Kinna", "Mark", County.VASTRA_GOTALAND),
    ("Stenungsund", "Stenungsund", County.VASTRA_GOTALAND),
    # Värmlands län
    ("Karlstad", "Karlstad", County.VARMLAND),
    ("Arvika", "Arvika", County.VARMLAND),
    ("Kristinehamn", "Kristinehamn", County.VARMLAND),
    ("Säffle", "Säffle", County.VARMLAND),
    ("Torsby", "Torsby", County.VARMLAND),
    ("Hagfors", "Hagfors", County.VARMLAND),
    ("Filipstad", "Filipstad", County.VARMLAND),
    # Örebro län
    ("Örebro", "Örebro", County.OREBRO),
    ("Karlskoga", "Karlskoga", County.OREBRO),
    ("Lindesberg", "Lindesberg", County.OREBRO),
    ("Kumla", "Kumla", County.OREBRO),
    ("Hällefors", "Hällefors", County.OREBRO),
    # Västmanlands län
    ("Västerås", "Västerås", County.VASTMANLAND),
    ("Köping", "Köping", County.VASTMANLAND),
    ("Sala", "Sala", County.VASTMANLAND),
    ("Fagersta", "Fagersta", County.VASTMANLAND),
    # Dalarnas län
    ("Falun", "Falun", County.DALARNA),
    ("Borlänge", "Borlänge", County.DALARNA),
    ("Ludvika", "Ludvika", County.DALARNA),
    ("Mora", "Mora", County.DALARNA),
    ("Avesta", "Avesta", County.DALARNA),
    ("Hedemora", "Hedemora", County.DALARNA),
    ("Malung", "Malung-Sälen", County.DALARNA),
    # Gävleborgs län
    ("Gävle", "Gävle", County.GAVLEBORG),
    ("Sandviken", "Sandviken", County.GAVLEBORG),
    ("Hudiksvall", "Hudiksvall", County.GAVLEBORG),
    ("Bollnäs", "Bollnäs", County.GAVLEBORG),
    ("Söderhamn", "Söderhamn", County.GAVLEBORG),
    ("Ljusdal", "Ljusdal", County.GAVLEBORG),
    # Västernorrlands län
    ("Sundsvall", "Sundsvall", County.VASTERNORRLAND),
    ("Härnösand", "Härnösand", County.VASTERNORRLAND),
    ("Örnsköldsvik", "Örnsköldsvik", County.VASTERNORRLAND),
    ("Kramfors", "Kramfors", County.VASTERNORRLAND),
    ("Sollefteå", "Sollefteå", County.VASTERNORRLAND),
    # Jämtlands län
    ("Östersund", "Östersund", County.JAMTLAND),
    ("Strömsund", "Strömsund", County.JAMTLAND),
    ("Sveg", "Härjedalen", County.JAMTLAND),
    # Västerbottens län
    ("Umeå", "Umeå", County.VASTERBOTTEN),
    ("Skellefteå", "Skellefteå", County.VASTERBOTTEN),
    ("Lycksele", "Lycksele", County.VASTERBOTTEN),
    ("Vilhelmina", "Vilhelmina", County.VASTERBOTTEN),
    ("Storuman", "Storuman", County.VASTERBOTTEN),
    # Norrbottens län
    ("Luleå", "Luleå", County.NORRBOTTEN),
    ("Piteå", "Piteå", County.NORRBOTTEN),
    ("Boden", "Boden", County.NORRBOTTEN),
    ("Kiruna", "Kiruna", County.NORRBOTTEN),
    ("Gällivare", "Gällivare", County.NORRBOTTEN),
    ("Kalix", "Kalix", County.NORRBOTTEN),
    ("Haparanda", "Haparanda", County.NORRBOTTEN),
    ("Arvidsjaur", "Arvidsjaur", County.NORRBOTTEN),
    ("Jokkmokk", "Jokkmokk", County.NORRBOTTEN),
    ("Pajala", "Pajala", County.NORRBOTTEN),
]

# (code, name). The authorities' own names; their order is the form's order.
AUTHORITIES: list[tuple[str, str]] = [
    ("forsakringskassan", "Försäkringskassan"),
    ("skatteverket", "Skatteverket"),
    ("arbetsformedlingen", "Arbetsförmedlingen"),
    ("pensionsmyndigheten", "Pensionsmyndigheten"),
]

# The languages most often interpreted at Swedish public services, most frequent first. Codes
# only: ISO 639-3 individual codes where the macrolanguage would be ambiguous (prs, ckb, kmr, hbs).
LANGUAGE_CODES: list[str] = [
    "ar",  # Arabic
    "so",  # Somali
    "ti",  # Tigrinya
    "prs",  # Dari
    "fa",  # Persian
    "ckb",  # Sorani (Central Kurdish)
    "kmr",  # Kurmanji
    "uk",  # Ukrainian
    "ru",  # Russian
    "pl",  # Polish
    "ro",  # Romanian
    "tr",  # Turkish
    "th",  # Thai
    "hbs",  # Bosnian/Croatian/Serbian
    "ps",  # Pashto
    "am",  # Amharic
    "es",  # Spanish
    "en",  # English
    "fi",  # Finnish
    "sq",  # Albanian
    "bg",  # Bulgarian
    "vi",  # Vietnamese
    "zh",  # Chinese (Mandarin)
    "ur",  # Urdu
    "fr",  # French
    "aii",  # Assyrian Neo-Aramaic
    "om",  # Oromo
    "uz",  # Uzbek
    "mn",  # Mongolian
    "my",  # Burmese
    "bn",  # Bengali
    "hu",  # Hungarian
    "el",  # Greek
    "sw",  # Swahili
    "ka",  # Georgian
    "hy",  # Armenian
    "pt",  # Portuguese
    "de",  # German
    "rmy",  # Vlax Romani
    "lt",  # Lithuanian
    "pa",  # Punjabi
    "ta",  # Tamil
    "fil",  # Filipino
    "yue",  # Cantonese
    "tig",  # Tigre
]

# What people say at the desk for a language, beyond its CLDR names, endonym and code: the picker's
# search words (Language.search_aliases). "kurdiska" finds every Kurdish variety.
LANGUAGE_SEARCH_ALIASES: dict[str, str] = {
    "ar": "arabiska, arabic, arabi, arab",
    "so": "somaliska, somali, af-soomaali",
    "ti": "tigrinja, tigrinya, tigrigna",
    "prs": "dari, farsi, persiska, persian, afghan persian, farsi-dari",
    "fa": "farsi, persiska, persian, parsi, iranian",
    "ckb": "sorani, soranî, kurdiska, kurdish, kurdi, central kurdish, centralkurdiska",
    "kmr": "kurmanji, kurmancî, badini, bahdini, behdini, kurdiska, kurdish, kurdi, northern kurdish",
    "sdh": "kurdiska, kurdish, kurdi, southern kurdish, sydkurdiska, kalhori, feyli",
    "ku": "kurdiska, kurdish, kurdi",
    "kur": "kurdiska, kurdish, kurdi",
    "hbs": "bosniska, kroatiska, serbiska, bosnian, croatian, serbian, bks, serbokroatiska, serbo-croatian",
    "zh": "mandarin, kinesiska, chinese, putonghua, zhongwen, mandarinkinesiska",
    "yue": "kantonesiska, cantonese, kinesiska, chinese",
    "aii": "assyriska, syriska, suryoyo, aramaic, arameiska, sureth, assyrian",
    "am": "amhariska, amharic, amarinya",
    "ps": "pashto, pashtu, pushtu, afghani",
    "uk": "ukrainska, ukrainian",
    "ru": "ryska, russian, russkij",
    "tr": "turkiska, turkish, türkçe",
    "th": "thai, thailändska",
    "om": "oromo, oromiffa, afaan oromoo",
    "rmy": "romani, romska, romanes, vlax",
    "fil": "filippinska, tagalog, filipino",
    "pa": "punjabi, panjabi",
    "my": "burmesiska, burmese, myanmar",
    "mn": "mongoliska, mongolian",
    "uz": "uzbekiska, uzbek",
    "ka": "georgiska, georgian, kartuli",
    "hy": "armeniska, armenian, hayeren",
    "sq": "albanska, albanian, shqip",
    "bn": "bengali, bangla",
    "ur": "urdu",
    "sw": "swahili, kiswahili",
    "tig": "tigré, tigre",
}

DEMO_OFFICE = "Göteborg Angered"
SECOND_DEMO_OFFICE = "Göteborg Bergsjön"
# username -> (role, offices). The receptionist works at two offices so switching can be tried.
DEMO_STAFF: dict[str, tuple[StaffRole, list[str]]] = {
    "reception": (StaffRole.RECEPTIONIST, [DEMO_OFFICE, SECOND_DEMO_OFFICE]),
    "officer": (StaffRole.OFFICER, [DEMO_OFFICE]),
    "manager": (StaffRole.OFFICE_MANAGER, [DEMO_OFFICE]),
}
ADMIN_USERNAME = "admin"


def office_phone(index: int) -> str:
    """A valid Swedish number (010, the non-geographic range government offices use), unique per office."""
    return f"+4610478{1000 + index:04d}"


class Command(BaseCommand):
    help = "Load demo offices, authorities, the language catalogue and demo users (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-visits", action="store_true", help="Do not add today's demo queue.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("seed_demo creates users with a published password: never in production.")
        with transaction.atomic():
            offices = self._offices()
            authorities = self._authorities()
            languages = self._languages()
            users = self._users()
        visits = 0 if options["no_visits"] else self._demo_queue()
        appointments = 0 if options["no_visits"] else self._demo_appointments()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {offices} offices, {authorities} authorities, {languages} languages, "
                f"{users} users, {visits} new demo visits, {appointments} new demo appointments."
            )
        )

    def _offices(self) -> int:
        for index, (name, municipality, county) in enumerate(OFFICES):
            Office.objects.update_or_create(
                name=name,
                defaults={"municipality": municipality, "county": county, "phone": office_phone(index), "active": True},
            )
        return len(OFFICES)

    def _authorities(self) -> int:
        for order, (code, name) in enumerate(AUTHORITIES, start=1):
            Authority.objects.update_or_create(
                code=code, defaults={"name": name, "sort_order": order * 10, "active": True}
            )
        return len(AUTHORITIES)

    def _languages(self) -> int:
        for rank, raw in enumerate(LANGUAGE_CODES, start=1):
            code = normalize_language_tag(raw)
            # Only the rank is ours; `active` and name overrides are the admins' to change.
            Language.objects.update_or_create(
                code=code, defaults={"rank": rank, "search_aliases": LANGUAGE_SEARCH_ALIASES.get(code, "")}
            )
        return len(LANGUAGE_CODES)

    def _users(self) -> int:
        user_model = get_user_model()
        admin, _created = user_model.objects.get_or_create(username=ADMIN_USERNAME)
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        for username, (role, office_names) in DEMO_STAFF.items():
            user, _created = user_model.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.save()
            for office in Office.objects.filter(name__in=office_names):
                OfficeMembership.objects.get_or_create(user=user, office=office, role=role)
        return 1 + len(DEMO_STAFF)

    def _demo_appointments(self) -> int:
        """A few appointments later today at the demo office (issue 11), so the day view and the
        check-in's appointment picker have something to show. Added only when that office has no
        appointment from today on: re-running adds nothing. Late in the evening they fall on tomorrow."""
        office = Office.objects.get(name=DEMO_OFFICE)
        now = timezone.localtime()
        if Appointment.objects.filter(office=office, service_date__gte=now.date()).exists():
            return 0
        receptionist = get_user_model().objects.get(username="reception")
        by_code = {authority.code: authority for authority in Authority.objects.all()}
        first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        plan = [
            ("forsakringskassan", 45, LanguageNeedInput(language="so"), "Hodan Ali"),
            ("skatteverket", 30, None, ""),
            ("pensionsmyndigheten", 60, LanguageNeedInput(language="prs"), "Reza Karimi"),
        ]
        for offset, (code, minutes, need, name) in enumerate(plan):
            appointment_create(
                office=office,
                authority=by_code.get(code) or next(iter(by_code.values())),
                start=first + timedelta(minutes=90 * offset),
                expected_minutes=minutes,
                created_by=receptionist,
                language_need=need,
                visitor_name=name,
            )
        return len(plan)

    def _demo_queue(self) -> int:
        """A few visitors waiting today at the demo office, so the queue is not empty on first look.
        Added only when that office has no visit today: re-running adds nothing."""
        office = Office.objects.get(name=DEMO_OFFICE)
        if Visit.objects.filter(office=office, service_date=timezone.localdate()).exists():
            return 0
        receptionist = get_user_model().objects.get(username="reception")
        by_code = {authority.code: authority for authority in Authority.objects.all()}
        queue = [
            ("forsakringskassan", LanguageNeedInput(language="ar", dialect="syrisk")),
            ("arbetsformedlingen", None),
            ("skatteverket", LanguageNeedInput(language="ti", identified_by=NeedIdentifiedBy.POINTED_AT_CARD)),
            ("forsakringskassan", LanguageNeedInput(language="prs", interpreter_wanted=InterpreterWanted.UNSURE)),
        ]
        for authority_code, need in queue:
            visit_check_in(
                office=office, authority=by_code[authority_code], checked_in_by=receptionist, language_need=need
            )
        return len(queue)
