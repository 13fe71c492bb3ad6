"""Forms of the officer's visit page. They only parse input; the rules live in the services."""

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interpreters.models import CompetenceLevel, Gender, Modality, RatingProblem, RequirementKind
from interpreters.services.pricing import MAX_MINUTES
from interpreters.services.requirements import RequirementInput, requirements_build
from visits.errors import DomainError
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


REQUIRED_LABEL = _("Required")


def _required_box() -> forms.BooleanField:
    return forms.BooleanField(label=REQUIRED_LABEL, required=False)


# The "More choices" rows: (value field, its "required" box, requirement kind, rank). Unticked
# means wished: the agency tries; ticked means required: the agency meets it or declines.
REQUIREMENT_ROWS = [
    ("req_gender", "req_gender_required", RequirementKind.GENDER, 1),
    ("req_dialect", "req_dialect_required", RequirementKind.DIALECT, 1),
    ("req_competence", "req_competence_required", RequirementKind.COMPETENCE, 1),
    ("req_competence_fallback", "req_competence_fallback_required", RequirementKind.COMPETENCE, 2),
    ("req_named", "req_named_required", RequirementKind.NAMED_INTERPRETER, 1),
    ("req_denied", "req_denied_required", RequirementKind.DENIED_INTERPRETER, 1),
]
# Where a refusal of the requirements service belongs on the form (by its code); else the top.
_REQUIREMENT_ERROR_FIELDS = {"contradiction": "req_denied", "below_floor": "req_competence_fallback"}


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
        # No "step": with min 1, a step of 5 makes the browser refuse the default 30 (1, 6, 11... only)
        # and the booking buttons silently do nothing.
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    # Only shown when the visit has no language need yet: the officer noticed it mid-visit.
    language = forms.ChoiceField(label=_("Language"), required=False)
    # Behind "More choices" (collapsed): what the visit needs of the interpreter (issue 10).
    req_gender = forms.ChoiceField(
        label=_("Interpreter's gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    req_gender_required = _required_box()
    req_dialect = forms.CharField(label=_("Dialect"), max_length=80, required=False)
    req_dialect_required = _required_box()
    req_competence = forms.ChoiceField(
        label=_("Competence level, first choice"), choices=[("", "—"), *CompetenceLevel.choices], required=False
    )
    req_competence_required = _required_box()
    req_competence_fallback = forms.ChoiceField(
        label=_("Competence level, fallback"), choices=[("", "—"), *CompetenceLevel.choices], required=False
    )
    req_competence_fallback_required = _required_box()
    req_named = forms.CharField(
        label=_("Named interpreter"),
        max_length=80,
        required=False,
        help_text=_("The agency's interpreter id or Kammarkollegiet's interpreter number."),
    )
    req_named_required = _required_box()
    req_denied = forms.CharField(
        label=_("Not this interpreter"),
        max_length=80,
        required=False,
        help_text=_("The agency's interpreter id or Kammarkollegiet's interpreter number."),
    )
    req_denied_required = _required_box()

    # Fields the price depends on: the estimate re-reads them when one changes (the competence
    # level sets the tariff).
    PRICE_FIELDS = ("scheduled_for", "minutes_ordered", "req_competence", "req_competence_fallback")

    def __init__(self, *args: Any, need_language: str | None = None, need_dialect: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.need_language = need_language
        # The visit's language need pre-fills the dialect (a wished one unless ticked).
        self.fields["req_dialect"].initial = need_dialect
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
        self._clean_requirements(cleaned)
        return cleaned

    @property
    def requirements_errors(self) -> bool:
        """Whether a "More choices" field is at fault: the template opens the section then."""
        return any(name in self.errors for row in REQUIREMENT_ROWS for name in row[:2])

    def requirement_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """The "More choices" rows for the template: each value field with its "required" box."""
        return [(self[value], self[box]) for value, box, _kind, _rank in REQUIREMENT_ROWS]

    def _clean_requirements(self, cleaned: dict) -> None:
        """Build cleaned_data["requirements"] with the same service the API uses, so the desk and
        the API refuse the same combinations; a refusal is a form error, never a 500."""
        for value, box, _kind, _rank in REQUIREMENT_ROWS:
            if cleaned.get(box) and not (cleaned.get(value) or "").strip():
                self.add_error(value, _("Fill this in, or untick “Required”."))
        if cleaned.get("req_competence_fallback") and not cleaned.get("req_competence"):
            self.add_error("req_competence_fallback", _("Choose a first-choice level before a fallback."))
        if self.errors:
            return
        items = [
            RequirementInput(kind=kind, value=cleaned[value].strip(), required=bool(cleaned.get(box)), rank=rank)
            for value, box, kind, rank in REQUIREMENT_ROWS
            if (cleaned.get(value) or "").strip()
        ]
        try:
            cleaned["requirements"] = requirements_build(requirements=items)
        except DomainError as exc:
            self.add_error(_REQUIREMENT_ERROR_FIELDS.get(exc.code), exc.message)

    def requirement_inputs(self) -> list[RequirementInput]:
        """The requirements chosen under "More choices" (competence, gender, dialect...), read the
        same way by the booking request and by the price estimate, so the estimate stored on the
        booking is the one the officer saw. Call after is_valid()."""
        return list(self.cleaned_data.get("requirements") or [])


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
