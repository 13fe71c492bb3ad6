"""Language tags and names.

Tags are BCP 47 (ISO 639-3 individual codes preferred: prs, ckb, kmr), validated against the IANA
registry by `langcodes`. Names come from CLDR through Babel in Swedish, English and the language's
own name (endonym). CLDR has no names for a few tags that matter at the offices; CLDR_GAPS fills
only those, and a catalogue row's override fields beat both.
"""

from dataclasses import dataclass
from functools import lru_cache

import langcodes
from babel import Locale, UnknownLocaleError
from django.utils.translation import gettext as _

from visits.errors import DomainError

# Tags CLDR lacks a Swedish/English name or an endonym for. Keep this small: anything CLDR knows
# must come from CLDR.
CLDR_GAPS: dict[str, dict[str, str]] = {
    "prs": {"sv": "dari", "en": "Dari", "endonym": "دری", "script": "Arab"},
    "kmr": {"sv": "kurmanji", "en": "Kurmanji", "endonym": "kurmancî", "script": "Latn"},
    "hbs": {
        "sv": "bosniska/kroatiska/serbiska",
        "en": "Bosnian/Croatian/Serbian",
        "endonym": "bosanski/hrvatski/srpski",
        "script": "Latn",
    },
    "rmy": {"sv": "romani (vlax)", "en": "Vlax Romani", "endonym": "romani čhib", "script": "Latn"},
    "aii": {"sv": "assyriska", "en": "Assyrian Neo-Aramaic", "endonym": "ܣܘܪܝܬ", "script": "Syrc"},
}

# ISO 15924 scripts written right to left, among those the offices meet.
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Samr", "Mand"})

MAX_TAG_LENGTH = 35


def normalize_language_tag(tag: str) -> str:
    """Return the tag in canonical case ("ku-Arab", "ar-SY"), keeping individual ISO 639-3 codes
    as given (langcodes' own standardisation would turn "prs" into "fa-AF").

    Raises DomainError(field="language") for anything that is not a valid BCP 47 tag."""
    cleaned = (tag or "").strip().replace("_", "-")
    if not cleaned:
        raise DomainError(_("A language is required."), field="language", code="required")
    if len(cleaned) > MAX_TAG_LENGTH or not langcodes.tag_is_valid(cleaned):
        raise DomainError(
            _("“%(tag)s” is not a valid language code (ISO 639 / BCP 47).") % {"tag": cleaned[:MAX_TAG_LENGTH]},
            field="language",
            code="invalid_language",
        )
    return langcodes.Language.get(cleaned, normalize=False).to_tag()


@dataclass(frozen=True)
class LanguageNames:
    code: str
    name_sv: str
    name_en: str
    endonym: str
    rtl: bool


def _babel_locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def _display_name(parsed: langcodes.Language, in_locale: Locale, base_name: str | None) -> str | None:
    """CLDR's name for the base language, qualified by script and region names from CLDR."""
    if not base_name:
        return None
    qualifiers = [
        name
        for name in (
            in_locale.scripts.get(parsed.script) if parsed.script else None,
            in_locale.territories.get(parsed.territory) if parsed.territory else None,
        )
        if name
    ]
    return f"{base_name} ({', '.join(qualifiers)})" if qualifiers else base_name


def cldr_knows(code: str) -> bool:
    """Whether CLDR (or our list of its gaps) names this language subtag itself."""
    return code in CLDR_GAPS or bool(Locale.parse("sv").languages.get(code))


@lru_cache(maxsize=2048)
def language_names(tag: str) -> LanguageNames:
    """Swedish, English and native names of a normalised tag. Falls back to the tag itself
    rather than failing: an unnamed but valid tag is still a language need."""
    parsed = langcodes.Language.get(tag, normalize=False)
    base = parsed.language or tag
    gap = CLDR_GAPS.get(base, {})
    sv, en = Locale.parse("sv"), Locale.parse("en")
    if not (sv.languages.get(base) or gap):
        # A three-letter code CLDR files under its two-letter twin (kur -> ku, fas -> fa, zho -> zh).
        twin = langcodes.Language.get(base).language
        if twin and twin != base and sv.languages.get(twin):
            base = twin
    # A valid code nobody has named still gets a readable label, not the bare code twice.
    name_sv = _display_name(parsed, sv, sv.languages.get(base) or gap.get("sv")) or f"språkkod {tag}"
    name_en = _display_name(parsed, en, en.languages.get(base) or gap.get("en")) or f"language code {tag}"

    endonym: str | None = None
    own = None if gap else _babel_locale(tag) or _babel_locale(base)
    if own is not None:
        endonym = _display_name(parsed, own, own.languages.get(base))
    if not endonym and gap.get("endonym"):
        endonym = _display_name(parsed, en, gap["endonym"]) if (parsed.script or parsed.territory) else gap["endonym"]
    script = parsed.script or gap.get("script") or parsed.maximize().script
    return LanguageNames(
        code=tag,
        name_sv=name_sv,
        name_en=name_en,
        endonym=endonym or (name_en if name_en != f"language code {tag}" else tag),
        rtl=script in RTL_SCRIPTS,
    )
