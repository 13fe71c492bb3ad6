from django import forms
from django.utils.translation import gettext_lazy as _

from visits.errors import DomainError


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def add_domain_error(self, err: DomainError) -> None:
        self.add_error(err.field if err.field in self.fields else None, err.message)
