"""What the check-in page shows about a language: the picker's tiles and the queue's badges.

Names always come from visits.languages (CLDR through Babel); a catalogue row's override fields
win, so an admin can fix a name without a deploy."""

from collections.abc import Iterable
from dataclasses import dataclass

import langcodes
from django.utils.translation import get_language

from visits.languages import cldr_knows, language_names
from visits.models import Language

HTML_LANG_SUBSTITUTES = {"hbs": "sh"}


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
    def html_lang(self) -> str:
        """The tag for an HTML lang attribute. Some valid BCP 47 tags are not in the registry that
        browsers and checkers (axe-core) know: a three-letter code with a two-letter twin takes the
        twin (kur -> ku), and Serbo-Croatian its ISO 639-1 code (hbs -> sh)."""
        base, _, rest = self.code.partition("-")
        if base in HTML_LANG_SUBSTITUTES:
            base = HTML_LANG_SUBSTITUTES[base]
        elif len(base) == 3 and not cldr_knows(base):
            twin = langcodes.Language.get(base).language
            if twin and len(twin) == 2:
                base = twin
        return f"{base}-{rest}" if rest else base

    @property
    def search_text(self) -> str:
        """What the picker's client-side filter matches (static/js/checkin.js folds case and accents)."""
        words = [self.code, self.name_sv, self.name_en, self.endonym, *self.aliases.replace(",", " ").split()]
        return " ".join(word for word in words if word)


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


def featured_first(tiles: list[LanguageLabel], *, top: list[str], count: int) -> tuple[list[LanguageLabel], set[str]]:
    """The tiles in showing order, and the codes shown before any search: the office's most used
    languages (`top`, most frequent first), filled up to `count` in catalogue order."""
    by_code = {tile.code: tile for tile in tiles}
    featured = [code for code in top if code in by_code][:count]
    for tile in tiles:
        if len(featured) >= count:
            break
        if tile.code not in featured:
            featured.append(tile.code)
    chosen = set(featured)
    return [by_code[code] for code in featured] + [tile for tile in tiles if tile.code not in chosen], chosen
