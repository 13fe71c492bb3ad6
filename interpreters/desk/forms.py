"""Forms of the officer's visit page. They only parse input; the rules live in the services."""

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interpreters.models import Modality, RatingProblem
from interpreters.services.pricing import MAX_MINUTES
from interpreters.services.requirements import RequirementInput
from visits.models import Language, NotUsedReason
from visits.picker import language_label
from visits.selectors import picker_languages

# The length the booking form starts with: a typical remote call at the desk.
DEFAULT_EXPECTED_MINUTES = 30

# The officer's desk books remote interpreters; on-site is arranged ahead, outside the visit.
DESK_MODALITIES = [(Modality.PHONE.value, Modality.PHONE.label), (Modality.VIDEO.value, Modality.VIDEO.label)]


def _language_choice_label(tag: str, overrides: Mapping[str, Language]) -> str:
    label = language_label(tag, overrides=overrides)
    return f"{label.name} · {label.endonym}" if label.endonym != label.name else label.name


class BookingRequestForm(forms.Form):
    modality = forms.ChoiceField(label=_("Modality"), choices=DESK_MODALITIES)
    scheduled_for = forms.DateTimeField(
        label=_("Later, at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to get an interpreter now."),
    )
    # The ordered length: what the estimate prices, and (for a pre-booking) the billed minimum.
    minutes_ordered = forms.IntegerField(
        label=_("Expected length (minutes)"),
        required=False,
        min_value=1,
        max_value=MAX_MINUTES,
        initial=DEFAULT_EXPECTED_MINUTES,
        widget=forms.NumberInput(attrs={"step": 5, "inputmode": "numeric"}),
    )
    # Only shown when the visit has no language need yet: the officer noticed it mid-visit.
    language = forms.ChoiceField(label=_("Language"), required=False)

    # Fields the price depends on: the estimate re-reads them when one changes.
    PRICE_FIELDS = ("scheduled_for", "minutes_ordered")

    def __init__(self, *args: Any, need_language: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.need_language = need_language
        languages = list(picker_languages())
        overrides = {lang.code: lang for lang in languages}  # the rows hold their own overrides
        cast(forms.ChoiceField, self.fields["language"]).choices = [("", "—")] + [
            (lang.code, _language_choice_label(lang.code, overrides)) for lang in languages
        ]

    def clean_scheduled_for(self) -> object:
        value = self.cleaned_data.get("scheduled_for")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future, or leave it empty for now."))
        return value

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if not self.need_language and not cleaned.get("language"):
            self.add_error("language", _("Choose the language the visitor needs."))
        return cleaned

    def requirement_inputs(self) -> list[RequirementInput]:
        """The requirements chosen under "More choices" (competence, gender, dialect...), read the
        same way by the booking request and by the price estimate, so the estimate stored on the
        booking is the one the officer saw. Call after is_valid()."""
        return []


class OutcomeForm(forms.Form):
    interpreter_used = forms.TypedChoiceField(
        label=_("Was an interpreter used?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        required=False,
    )
    reason_not_used = forms.ChoiceField(
        label=_("If not, why?"),
        choices=[("", "—"), *NotUsedReason.choices],
        required=False,
    )
    # One click after the call: optional stars, and below 3 what went wrong (the service checks).
    stars = forms.TypedChoiceField(
        label=_("How was the interpreter? (optional)"),
        choices=[("", _("No rating")), *((str(n), str(n)) for n in range(1, 6))],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    problems = forms.MultipleChoiceField(
        label=_("What went wrong?"),
        choices=RatingProblem.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
