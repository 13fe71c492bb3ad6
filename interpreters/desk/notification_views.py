"""The officer's or manager's notification settings page (issue 11): which events, e-mail on or off,
language, and whether to hear about colleagues' bookings at their offices too."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from config.request_types import AuthenticatedHttpRequest
from interpreters.models import NotificationEvent, NotificationLanguage
from interpreters.services.notifications import notification_preference_update, notification_preferences_of
from visits.errors import DomainError
from visits.permissions import Action, user_can


class NotificationPreferencesForm(forms.Form):
    email_enabled = forms.BooleanField(label=gettext_lazy("Send me e-mail notifications"), required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the e-mails"), choices=NotificationLanguage.choices, widget=forms.RadioSelect
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Tell me when"),
        choices=NotificationEvent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    office_wide = forms.BooleanField(
        label=gettext_lazy("Also for other staff's bookings at my offices"), required=False
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not user_can(request.user, Action.NOTIFICATION_RECEIVE):
        raise PermissionDenied
    prefs = notification_preferences_of(request.user.pk)
    initial: dict[str, Any] = {
        "email_enabled": prefs.email_enabled,
        "language": prefs.language,
        "events": list(prefs.events),
        "office_wide": prefs.office_wide,
    }
    form = NotificationPreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notification_preference_update(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect(reverse("interpreters:notification-preferences"))
    return render(
        request,
        "interpreters/notification_preferences.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
