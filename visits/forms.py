"""The receptionist's check-in form. It only shapes input: the rules live in visits.services, and
their DomainErrors are put back on the field at fault (CheckInForm.add_domain_error)."""

from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from visits.errors import DomainError
from visits.languages import normalize_language_tag
from visits.models import Appointment, Authority, InterpreterWanted, Language, NeedIdentifiedBy
from visits.services import LanguageNeedInput

NO_NEED = ""  # the picker's first tile: Swedish, no language need


class AppointmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Appointment) -> str:
        """An appointment in the picker: its time, authority and language (no visitor details)."""
        parts = [timezone.localtime(obj.start).strftime("%H:%M"), obj.authority.name]
        if obj.language:
            parts.append(obj.language)
        return " · ".join(parts)


class CheckInForm(forms.Form):
    authority = forms.ModelChoiceField(
        label=_("Errand for"),
        queryset=Authority.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the authority the visitor has an errand with.")},
    )
    # Radio buttons the template renders as tiles; the empty value means "Swedish, no need".
    language = forms.ChoiceField(label=_("Language"), required=False)
    language_other = forms.CharField(
        label=_("Other language (code)"),
        required=False,
        max_length=35,
        help_text=_("Any BCP 47 language code not in the grid, e.g. ku-Arab or ar-SY. Used instead of the grid."),
    )
    dialect = forms.CharField(label=_("Dialect or region"), required=False, max_length=80)
    interpreter_wanted = forms.ChoiceField(
        label=_("Interpreter wanted?"),
        required=False,
        choices=InterpreterWanted.choices,
        widget=forms.RadioSelect,
    )
    identified_by = forms.ChoiceField(
        label=_("How was the language identified?"),
        required=False,
        choices=NeedIdentifiedBy.choices,
        widget=forms.RadioSelect,
        initial=NeedIdentifiedBy.VISITOR_SAID,
    )
    visitor_name = forms.CharField(label=_("Visitor name"), required=False, max_length=120)
    visitor_phone = PhoneNumberField(label=_("Visitor phone"), required=False, region="SE")
    # One of today's appointments at this office (issue 11): the visit is linked to it and takes its
    # language need when none is chosen here.
    appointment = AppointmentChoiceField(
        label=_("Has an appointment"),
        queryset=Appointment.objects.none(),
        required=False,
        empty_label=_("No appointment (walk-in)"),
    )

    def __init__(
        self,
        *args: Any,
        authorities: QuerySet[Authority],
        languages: QuerySet[Language],
        appointments: QuerySet[Appointment] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["authority"]).queryset = authorities
        field = cast(forms.ModelChoiceField, self.fields["appointment"])
        field.queryset = appointments if appointments is not None else Appointment.objects.none()
        cast(forms.ChoiceField, self.fields["language"]).choices = [(NO_NEED, _("Swedish, no language need"))] + [
            (language.code, language.code) for language in languages
        ]

    @property
    def language_field_used(self) -> str:
        """Which input the language came from, so an error sits next to the one the user touched."""
        return "language_other" if (self.data.get("language_other") or "").strip() else "language"

    def clean(self) -> dict[str, Any]:
        # Form.clean returns cleaned_data; the stub allows None only for overrides that return nothing.
        cleaned = cast(dict[str, Any], super().clean())
        raw_tag = (cleaned.get("language_other") or "").strip() or cleaned.get("language") or NO_NEED
        if raw_tag == NO_NEED:
            if cleaned.get("interpreter_wanted") == InterpreterWanted.YES or cleaned.get("dialect"):
                self.add_error("language", _("Choose the language the visitor needs."))
            cleaned["need"] = None
            return cleaned
        try:
            tag = normalize_language_tag(raw_tag)
        except DomainError as err:
            self.add_error(self.language_field_used, err.message)
            return cleaned
        if not cleaned.get("interpreter_wanted"):
            self.add_error("interpreter_wanted", _("Does the visitor want an interpreter?"))
        if not cleaned.get("identified_by"):
            self.add_error("identified_by", _("How was the language identified?"))
        if not self.errors:
            cleaned["need"] = LanguageNeedInput(
                language=tag,
                dialect=cleaned.get("dialect", ""),
                interpreter_wanted=cleaned["interpreter_wanted"],
                identified_by=cleaned["identified_by"],
            )
        return cleaned

    def add_domain_error(self, err: DomainError | ValidationError) -> None:
        """Show a service's refusal next to the field it names, or above the form."""
        if isinstance(err, DomainError):
            field = self.language_field_used if err.field == "language" else err.field
            self.add_error(field if field in self.fields else None, err.message)
            return
        for field, messages in err.message_dict.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target if field != NON_FIELD_ERRORS else None, message)
