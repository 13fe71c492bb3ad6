"""Forms of the block and quarantine pages. They only parse input; the rules live in the services."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from interpreters.models import BlockScope, InterpreterAgency
from interpreters.services.blocks import INTERPRETER_MAX, REASON_MAX
from interpreters.services.quarantines import MOTIVATION_MAX
from visits.models import County, Office

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InterpreterBlockForm(forms.Form):
    scope = forms.ChoiceField(label=_("Block for"), choices=BlockScope.choices, initial=BlockScope.OFFICE)
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none(), required=False)
    county = forms.ChoiceField(label=_("County"), choices=[("", "—"), *County.choices], required=False)
    interpreter = forms.CharField(
        label=_("Interpreter"),
        max_length=INTERPRETER_MAX,
        help_text=_("Kammarkollegiet's interpreter number, or the agency's id for the interpreter."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    # Not required here: the service's message ("Give the date the block ends.") is the one shown.
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, offices: QuerySet[Office], wide: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["office"]).queryset = offices
        if offices.count() == 1:
            self.fields["office"].initial = offices.get().pk
        if not wide:
            # Office managers block for their office only.
            cast(forms.ChoiceField, self.fields["scope"]).choices = [(BlockScope.OFFICE, BlockScope.OFFICE.label)]
            del self.fields["county"]

    def add_domain_error(self, field: str | None, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)


class AgencyQuarantineForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=InterpreterAgency.objects.order_by("name"))
    county = forms.ChoiceField(label=_("County"), choices=County.choices)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE_WIDGET, help_text=_("Empty: today."))
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE_WIDGET)
    motivation = forms.CharField(
        label=_("Motivation"), max_length=MOTIVATION_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def add_domain_error(self, field: str | None, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)
