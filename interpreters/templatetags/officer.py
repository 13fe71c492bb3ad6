from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

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


# What each itemised price row is (interpreters/services/pricing.py:ROW_KINDS), for the officer.
PRICE_ROW_LABELS = {
    "base": _("Base price (first period)"),
    "step": _("Each started period after that"),
    "over_max": _("Each started period beyond the longest tier"),
    "unsocial": _("Unsocial hours surcharge"),
    "weekend": _("Weekend and holiday surcharge"),
    "big_holiday": _("Big holiday surcharge"),
    "social_charges": _("Social charges"),
    "admin_charge": _("Administrative charge"),
    "broker_fee": _("Broker fee"),
}


@register.filter
def price_row_label(kind: str) -> str:
    return str(PRICE_ROW_LABELS.get(kind, kind))


@register.filter
def basis_points(value: int) -> str:
    """A rate in hundredths of a per cent as a percentage, e.g. 3142 -> "31,42 %"."""
    return f"{number_format(value / 100, 2)} %"
