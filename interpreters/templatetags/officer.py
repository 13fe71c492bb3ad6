from django import template
from django.template import Context
from django.utils.formats import number_format

from visits.picker import language_label as picker_language_label

register = template.Library()


@register.simple_tag(takes_context=True)
def language_label(context: Context, tag: str) -> dict[str, object]:
    """The language's name in the UI language (an admin's override winning), its endonym (own script,
    direction) and the tag for an HTML lang attribute: all from visits/picker.py:language_label, the one
    place language names are worked out. A list page puts `language_overrides` in its context (one
    query for the page); without it the tag's catalogue row is looked up."""
    label = picker_language_label(tag, overrides=context.get("language_overrides"))
    return {
        "code": label.code,
        "name": label.name,
        "endonym": label.endonym,
        "rtl": label.rtl,
        "html_lang": label.html_lang,
    }


@register.filter
def kr(ore: int | None) -> str:
    """An amount in öre as whole kronor with Swedish grouping, e.g. 52496 -> "525 kr"."""
    if ore is None:
        return ""
    return f"{number_format(round(ore / 100), 0, force_grouping=True)} kr"
