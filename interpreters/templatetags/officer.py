from django import template
from django.utils.formats import number_format

from visits.picker import label_for_tag

register = template.Library()


@register.simple_tag
def language_label(tag: str) -> dict[str, object]:
    """The language's name in the UI language, its endonym (own script, direction) and the tag for
    an HTML lang attribute: all from visits.picker, the one place language names are worked out."""
    label = label_for_tag(tag)
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
