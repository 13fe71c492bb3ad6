"""What the check-in page shows about a language: the picker's tiles and the queue's badges.

Names always come from visits.languages (CLDR through Babel); a catalogue row's override fields
win, so an admin can fix a name without a deploy."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import get_language

from visits.languages import language_names
from visits.models import Language


@dataclass(frozen=True)
class LanguageLabel:
    code: str
    name_sv: str
    name_en: str
    endonym: str
    rtl: bool
    aliases: str = ""

    @property
    def name(self) -> str:
        """The name in the current UI language."""
        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv

    @property
    def search_text(self) -> str:
        """What the picker's client-side filter matches (static/js/checkin.js folds case and accents)."""
        return " ".join([self.code, self.name_sv, self.name_en, self.endonym, self.aliases.replace(",", " ")])


def label_for_language(language: Language) -> LanguageLabel:
    names = language_names(language.code)
    return LanguageLabel(
        code=language.code,
        name_sv=language.name_sv_override or names.name_sv,
        name_en=language.name_en_override or names.name_en,
        endonym=language.endonym_override or names.endonym,
        rtl=names.rtl,
        aliases=language.search_aliases,
    )


def label_for_tag(tag: str, catalogue: dict[str, Language] | None = None) -> LanguageLabel:
    """Label for any recorded tag; uses the catalogue row's overrides when the tag is in it."""
    if catalogue and tag in catalogue:
        return label_for_language(catalogue[tag])
    names = language_names(tag)
    return LanguageLabel(code=tag, name_sv=names.name_sv, name_en=names.name_en, endonym=names.endonym, rtl=names.rtl)


def picker_tiles(languages: Iterable[Language]) -> list[LanguageLabel]:
    return [label_for_language(language) for language in languages]
