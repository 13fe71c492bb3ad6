"""templates/_form_fields.html, the one loop over a form's fields every page uses: each visible field
has its label, and the help text and errors a widget is described by are on the page under the ids
its aria-describedby names (Django writes the attribute, the partial the ids)."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from tests.factories import OfficeFactory, UserFactory
from tests.interpreters.factories import AgencyFactory


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def unlabelled_or_undescribed(html: str) -> list[str]:
    """Visible widgets without a <label for=...>, and aria-describedby ids missing from the page."""
    found = elements(html)
    ids = {attrs["id"] for _tag, attrs in found if "id" in attrs}
    labelled = {attrs.get("for") for tag, attrs in found if tag == "label"}
    problems = []
    for tag, attrs in found:
        if tag not in ("input", "select", "textarea") or attrs.get("type") in ("hidden", "submit"):
            continue
        if attrs.get("name") == "csrfmiddlewaretoken":
            continue
        if attrs.get("id") not in labelled:
            problems.append(f"{attrs.get('name')}: no label")
        problems += [
            f"{attrs.get('name')}: no #{ref}" for ref in attrs.get("aria-describedby", "").split() if ref not in ids
        ]
    return problems


class _Sample(forms.Form):
    name = forms.CharField(label="Name", help_text="As on the card.")
    agree = forms.BooleanField(label="Agree")
    version = forms.IntegerField(widget=forms.HiddenInput)


def test_every_field_is_labelled_and_its_help_and_errors_are_what_the_widget_points_at():
    form = _Sample(data={"name": "", "version": "1"})
    assert not form.is_valid()
    html = render_to_string("_form_fields.html", {"fields": form})
    assert unlabelled_or_undescribed(html) == []
    name = next(attrs for tag, attrs in elements(html) if attrs.get("name") == "name")
    # The widget is described by its help text and its error, both on the page.
    assert name["aria-describedby"].split() == ["id_name_helptext", "id_name_error"]
    assert name["aria-invalid"] == "true"
    assert 'id="id_name_error"' in html and "role=" not in html
    # The checkbox stands before its label; the hidden field has no block or label of its own.
    assert html.index('name="agree"') < html.index('<label for="id_agree">')
    assert 'type="hidden" name="version"' in html and 'for="id_version"' not in html


def test_alert_announces_the_errors():
    html = render_to_string("_form_fields.html", {"fields": _Sample(data={}), "alert": True})
    assert html.count('role="alert"') == 2  # name and agree; the hidden version's error is not shown


@pytest.mark.django_db
def test_the_quarantine_and_block_pages_tie_each_error_to_its_field(client):
    client.force_login(UserFactory(username="riks", is_superuser=True, is_staff=True))
    quarantine = client.post(reverse("quality:agency-quarantines"), {"agency": AgencyFactory().pk, "county": "C"})
    block = client.post(reverse("quality:interpreter-blocks"), {"scope": "office", "office": OfficeFactory().pk})
    for response, invalid in ((quarantine, "motivation"), (block, "interpreter")):
        html = response.content.decode()
        assert response.status_code == 400
        assert unlabelled_or_undescribed(html) == []
        widget = next(attrs for _tag, attrs in elements(html) if attrs.get("name") == invalid)
        assert f"id_{invalid}_error" in widget["aria-describedby"].split()
