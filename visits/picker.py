"""How a language is shown, everywhere: `language_label` is the one function that turns a tag into
its display names (check-in page and API, the officer's pages, the queue's badges, report labels and
exports, the admin). Names come from visits.languages (CLDR through Babel); a catalogue row's override
fields win, so an admin can fix a name without a deploy and it shows on every page at once.

Also the check-in picker's tiles."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import langcodes
from django.utils.translation import get_language

from visits.languages import LanguageNames, cldr_knows, language_names
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


def language_overrides(tags: Iterable[str] | None = None) -> dict[str, Language]:
    """Catalogue rows (of `tags`, or all) whose names an admin overrode: few, one query. Pass the
    result to `language_label` when labelling many tags, so a list costs one query, not one per row."""
    rows = Language.objects.exclude(name_sv_override="", name_en_override="", endonym_override="")
    if tags is not None:
        rows = rows.filter(code__in=set(tags))
    return {row.code: row for row in rows}


def language_label(tag: str, *, overrides: Mapping[str, Language] | None = None) -> LanguageLabel:
    """THE display names of a language tag: CLDR's (visits.languages), with the catalogue row's
    overrides winning. `overrides` is what `language_overrides` returned for a batch; without it
    the tag's row is looked up (one query)."""
    if overrides is None:
        overrides = language_overrides([tag])
    try:
        names = language_names(tag)
    except Exception:  # noqa: BLE001 - a bad tag typed into the admin must not break every page that lists it
        names = LanguageNames(code=tag, name_sv=tag, name_en=tag, endonym=tag, rtl=False)
    row = overrides.get(tag)
    return LanguageLabel(
        code=tag,
        name_sv=(row.name_sv_override if row else "") or names.name_sv,
        name_en=(row.name_en_override if row else "") or names.name_en,
        endonym=(row.endonym_override if row else "") or names.endonym,
        rtl=names.rtl,
    )


def label_for_language(language: Language) -> LanguageLabel:
    """A picker tile: the catalogue row itself holds the overrides and the search aliases."""
    label = language_label(language.code, overrides={language.code: language})
    return replace(label, aliases=language.search_aliases)


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
