from django import template
from django.template import Context
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from visits.picker import language_label as picker_language_label
from visits.picker import language_overrides

register = template.Library()


@register.simple_tag(takes_context=True)
def language_label(context: Context, tag: str) -> dict[str, object]:
    """The language's name in the UI language (an admin's override winning), its endonym (own script,
    direction) and the tag for an HTML lang attribute: all from visits/picker.py:language_label, the one
    place language names are worked out. The overrides are loaded once per page render (one query,
    however many rows use the tag): kept on the Context, which every include of the page shares."""
    overrides = getattr(context, "_language_overrides", None)
    if overrides is None:
        overrides = language_overrides()
        context._language_overrides = overrides  # type: ignore[attr-defined]
    label = picker_language_label(tag, overrides=overrides)
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
