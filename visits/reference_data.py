"""The demo's reference data, in one place: offices, authorities, the language list, the demo
interpreter agencies and interpreters, and the indicative framework prices.

Plain values only (codes, names, numbers), so every writer reads the same rows:
- `seed_demo` writes the offices, authorities and the language catalogue;
- `seed_agencies` writes the agencies, their interpreters and (through
  interpreters/services/price_lists.py) the price lists;
- the visit generator (visits/reports/generator.py) creates what is missing from these same rows
  and weights its draws with the shares given here.
Choice values (modalities, genders, competence and price levels) are the models' values, spelled as
strings because visits must not import interpreters; tests/test_reference_data.py checks them."""

import datetime as dt
from dataclasses import dataclass

from visits.models import County

# (office name, municipality, county). Towns with a statligt servicekontor; big cities have several.
OFFICES: list[tuple[str, str, str]] = [
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

# (code, name, share of the visits). The authorities' own names; their order is the form's order.
AUTHORITIES: list[tuple[str, str, float]] = [
    ("forsakringskassan", "Försäkringskassan", 0.40),
    ("skatteverket", "Skatteverket", 0.27),
    ("arbetsformedlingen", "Arbetsförmedlingen", 0.20),
    ("pensionsmyndigheten", "Pensionsmyndigheten", 0.13),
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

# ------------------------------------------------------------------------------------------------
# Interpreter agencies (values of interpreters.models: Modality, Gender, CompetenceLevel, PriceLevel)

# The agencies' smaller language list: the languages most in demand.
SMALL_LANGUAGE_SET = ["ar", "so", "ti", "prs", "fa", "uk", "ru", "pl", "tr"]

# The demo agencies run every call to its end (10-40 minutes mostly), sometimes report a no-show or
# send a corrected requisition: see interpreters/backends/simulated.py.
PLAY_THROUGH: dict[str, object] = {"play_through": True, "no_show_rate": 0.05, "correction_rate": 0.1}


@dataclass(frozen=True)
class DemoAgency:
    slug: str
    name: str
    priority: int
    modalities: list[str]
    languages: list[str] | None  # None: every language of the catalogue
    simulator: dict[str, object]  # the simulated backend's settings
    share: float  # of the generated history's bookings


DEMO_AGENCIES: list[DemoAgency] = [
    DemoAgency(
        "sprakbron",
        "Språkbron Tolkförmedling AB",
        10,
        ["phone", "video"],
        None,
        {"book_latency_seconds": 0.4, "failure_rate": 0.1, "confirm_after_seconds": 4, **PLAY_THROUGH},
        0.40,
    ),
    DemoAgency(
        "nordtolk",
        "Nordtolk Sverige AB",
        20,
        ["phone", "video"],
        None,
        {"book_latency_seconds": 0.8, "failure_rate": 0.05, "confirm_after_seconds": 6, **PLAY_THROUGH},
        0.30,
    ),
    DemoAgency(
        "tolkcentrum-malardalen",
        "Tolkcentrum Mälardalen",
        30,
        ["phone"],
        SMALL_LANGUAGE_SET,
        {
            "book_latency_seconds": 0.3,
            "failure_rate": 0.2,
            "confirm_after_seconds": 3,
            **PLAY_THROUGH,
            "wished_miss_rate": 0.15,
            "no_show_rate": 0.1,
        },
        0.10,
    ),
    DemoAgency(
        "lingua-syd",
        "Lingua Syd Tolkservice",
        40,
        ["phone", "video", "on_site"],
        None,
        {
            "book_latency_seconds": 1.0,
            "failure_rate": 0.0,
            "confirm_after_seconds": 8,
            **PLAY_THROUGH,
            "wished_miss_rate": 0.15,
            "correction_rate": 0.2,
        },
        0.20,
    ),
]

# (agency slug, name, languages, gender, competence level, phone)
DEMO_INTERPRETERS: list[tuple[str, str, list[str], str, str, str]] = [
    ("sprakbron", "Amira Haddad", ["ar"], "female", "auktoriserad", "+46101230101"),
    ("sprakbron", "Yusuf Warsame", ["so"], "male", "utbildad", "+46101230102"),
    ("sprakbron", "Olena Kovalenko", ["uk", "ru"], "female", "sjukvardstolk", "+46101230103"),
    ("nordtolk", "Farid Rahimi", ["prs", "fa"], "male", "auktoriserad", "+46101230201"),
    ("nordtolk", "Selam Tesfay", ["ti", "am"], "female", "utbildad", "+46101230202"),
    ("nordtolk", "Karim Mansour", ["ar"], "male", "rattstolk", "+46101230203"),
    ("tolkcentrum-malardalen", "Rojda Aydin", ["kmr", "tr"], "female", "ovrig", "+46101230301"),
    ("tolkcentrum-malardalen", "Agnieszka Nowak", ["pl"], "female", "auktoriserad", "+46101230302"),
    ("lingua-syd", "Hassan Ali", ["so", "ar"], "male", "auktoriserad", "+46101230401"),
    ("lingua-syd", "Mariam Safi", ["ps", "prs"], "female", "utbildad", "+46101230402"),
]

# ------------------------------------------------------------------------------------------------
# Prices: indicative 2024 framework numbers (Kammarkollegiet, "övriga myndigheter"), in kronor

DEMO_PRICES_VALID_FROM = dt.date(2024, 1, 1)
DEMO_BROKER_FEE_ORE = 8500

# Per price level: base 0-60 min, each started 30 min up to 330 min (and beyond: the same price),
# surcharges per started 30 min: unsocial weekday hours, weekend, big holiday.
FRAMEWORK_2024_KR: dict[str, tuple[int, int, int, int, int]] = {
    "ovrig": (333, 144, 87, 144, 174),
    "utbildad": (386, 174, 115, 180, 230),
    "auktoriserad": (454, 201, 136, 210, 272),
    "specialist": (582, 258, 153, 272, 306),
}
# Remote on demand (our choice for the demo): a minimum covering the first 15 minutes, then each
# started 15 minutes; the framework's surcharges per started 30 minutes.
ON_DEMAND_2024_KR: dict[str, tuple[int, int, int, int, int]] = {
    "ovrig": (170, 72, 87, 144, 174),
    "utbildad": (195, 87, 115, 180, 230),
    "auktoriserad": (230, 100, 136, 210, 272),
    "specialist": (290, 129, 153, 272, 306),
}
