from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

from visits.languages import LanguageNames, language_names

register = template.Library()


@register.simple_tag
def language_label(tag: str) -> dict[str, object]:
    """The language's name in the UI language, plus its endonym (own script, direction) from CLDR."""
    names: LanguageNames = language_names(tag)
    local = names.name_en if (get_language() or "sv").startswith("en") else names.name_sv
    return {"code": names.code, "name": local, "endonym": names.endonym, "rtl": names.rtl}


@register.filter
def kr(ore: int | None) -> str:
    """An amount in öre as whole kronor with Swedish grouping, e.g. 52496 -> "525 kr"."""
    if ore is None:
        return ""
    return f"{number_format(round(ore / 100), 0, force_grouping=True)} kr"
