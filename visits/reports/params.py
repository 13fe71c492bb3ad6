"""The report filters, validated in ONE place for the API and the report pages."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from interpreters.models import InterpreterAgency, Modality
from visits.errors import DomainError
from visits.languages import normalize_language_tag
from visits.models import Authority, County, Office
from visits.reports.dimensions import GROUP_BY_CHOICES
from visits.reports.selectors import PERIOD_CHOICES, UsageQuery

# Longest range per period, so one request never asks for hundreds of thousands of rows.
MAX_DAYS = {"day": 400, "week": 5 * 366, "month": 20 * 366, "year": 20 * 366, "total": 20 * 366}


if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

# Plain words for the report pages' filter form (the API answers with the same messages).
_CHOICE_ERRORS: dict[str, str | StrPromise] = {
    "invalid_choice": _("“{input}” is not one of the choices. Pick one from the list.")
}
_DATE_ERRORS: dict[str, str | StrPromise] = {"invalid": _("Write the date as YYYY-MM-DD, for example 2026-10-31.")}


class UsageQuerySerializer(serializers.Serializer):
    """Query parameters of /api/v1/reports/usage/ and of the report pages. ``from``/``to`` are
    Europe/Stockholm service dates, both included; default: the last 365 days up to today."""

    group_by = serializers.ChoiceField(
        choices=[*GROUP_BY_CHOICES, "none"], required=False, default="none", error_messages=_CHOICE_ERRORS
    )
    period = serializers.ChoiceField(
        choices=[*PERIOD_CHOICES, "total"], required=False, default="total", error_messages=_CHOICE_ERRORS
    )
    county = serializers.ChoiceField(choices=County.choices, required=False, error_messages=_CHOICE_ERRORS)
    authority = serializers.SlugField(required=False, help_text=_("Authority code, e.g. forsakringskassan."))
    language = serializers.CharField(required=False, max_length=35, help_text=_("BCP 47 tag, e.g. ar, prs."))
    agency = serializers.SlugField(required=False, help_text=_("Interpreter agency slug."))
    modality = serializers.ChoiceField(choices=Modality.choices, required=False, error_messages=_CHOICE_ERRORS)
    office = serializers.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, allowed_offices: frozenset[int] | None = None, **kwargs: Any) -> None:
        self.allowed_offices = allowed_offices
        super().__init__(*args, **kwargs)

    def validate_authority(self, value: str) -> Authority:
        authority = Authority.objects.filter(code=value).first()
        if authority is None:
            raise serializers.ValidationError(_("Unknown authority."))
        return authority

    def validate_agency(self, value: str) -> InterpreterAgency:
        agency = InterpreterAgency.objects.filter(slug=value).first()
        if agency is None:
            raise serializers.ValidationError(_("Unknown interpreter agency."))
        return agency

    def validate_language(self, value: str) -> str:
        try:
            return normalize_language_tag(value)
        except DomainError as exc:
            raise serializers.ValidationError(exc.message) from exc

    def validate_office(self, value: int) -> int:
        # An office the user may not see answers exactly like one that does not exist (404, as for
        # any other office's object), so the API never confirms it exists.
        if (self.allowed_offices is not None and value not in self.allowed_offices) or not Office.objects.filter(
            pk=value
        ).exists():
            raise NotFound(_("Unknown office."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        today = timezone.localdate()
        date_to = attrs.get("to") or today
        date_from = attrs.get("from") or date_to - timedelta(days=364)
        if date_from > date_to:
            raise serializers.ValidationError({"from": _("“from” must not be after “to”.")})
        if (date_to - date_from).days + 1 > MAX_DAYS[attrs["period"]]:
            raise serializers.ValidationError(
                {
                    "to": _("The range is too long for this period (at most %(days)s days).")
                    % {"days": MAX_DAYS[attrs["period"]]}
                }
            )
        attrs["from"], attrs["to"] = date_from, date_to
        return attrs

    def to_query(self) -> UsageQuery:
        data = self.validated_data
        return UsageQuery(
            date_from=data["from"],
            date_to=data["to"],
            group_by=None if data["group_by"] == "none" else data["group_by"],
            period=None if data["period"] == "total" else data["period"],
            offices=self.allowed_offices,
            office=data.get("office"),
            county=data.get("county") or None,
            authority=data["authority"].pk if data.get("authority") else None,
            language=data.get("language"),
            agency=data["agency"].pk if data.get("agency") else None,
            modality=data.get("modality") or None,
        )


# "from" is a Python keyword, so these two are declared outside the class body.
UsageQuerySerializer._declared_fields["from"] = serializers.DateField(
    required=False, help_text=_("First service date (YYYY-MM-DD), included."), error_messages=_DATE_ERRORS
)
UsageQuerySerializer._declared_fields["to"] = serializers.DateField(
    required=False, help_text=_("Last service date (YYYY-MM-DD), included."), error_messages=_DATE_ERRORS
)
