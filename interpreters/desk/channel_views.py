"""Desk pages for the channels outside tolkdesk's own booking (issue 11): the agency's direct line
(shown, "connected", "ended") and an interpreter ordered elsewhere. Both end as bookings the reports
count; the services are in interpreters/desk/services.py."""

from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from config.request_types import AuthenticatedHttpRequest
from interpreters.desk.services import (
    ExternalOrder,
    direct_line_connect,
    direct_line_end,
    direct_line_show,
    external_order_record,
)
from interpreters.models import (
    ACTIVE_BOOKING_STATUSES,
    AgencyDirectLine,
    BookingChannel,
    BookingStatus,
    CompetenceLevel,
    InterpreterAgency,
    InterpreterBooking,
    Modality,
)
from interpreters.services.pricing import MAX_MINUTES
from visits.errors import DomainError
from visits.models import Visit
from visits.permissions import Action, user_can
from visits.selectors import visits_for_user


def _visit(request: HttpRequest, pk: int) -> Visit:
    visit = get_object_or_404(visits_for_user(request.user).select_related("office"), pk=pk)  # other office: 404
    if not user_can(request.user, Action.BOOKING_REQUEST, visit.office_id):
        raise PermissionDenied(_("Only officers and office managers at this office can do that."))
    return visit


def _visit_url(visit: Visit) -> str:
    return reverse("interpreters:visit-detail", args=[visit.pk])


class DirectLineEndForm(forms.Form):
    minutes = forms.IntegerField(
        label=gettext_lazy("Minutes (if not until now)"), required=False, min_value=0, max_value=MAX_MINUTES
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_direct_line(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the number to call and the "connected" button, or the running call's "ended" form.
    POST: connected."""
    visit = _visit(request, pk)
    running = InterpreterBooking.objects.filter(
        visit=visit, channel=BookingChannel.DIRECT_LINE, status=BookingStatus.IN_PROGRESS
    ).first()
    line: AgencyDirectLine | None = None
    error = ""
    if running is None:
        try:
            line = direct_line_show(visit=visit, language=request.GET.get("language", ""))
        except DomainError as exc:
            error = exc.message
    if request.method == "POST" and running is None and line is not None:
        try:
            direct_line_connect(visit=visit, by=request.user, language=line.language)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Connected: the call is counted from now. Press “Ended” when it is over."))
            return redirect(reverse("interpreters:visit-direct-line", args=[visit.pk]))
    other_active = InterpreterBooking.objects.filter(visit=visit, status__in=ACTIVE_BOOKING_STATUSES).exclude(
        channel=BookingChannel.DIRECT_LINE
    )
    return render(
        request,
        "interpreters/direct_line.html",
        {
            "visit": visit,
            "line": line,
            "running": running,
            "end_form": DirectLineEndForm(),
            "error": error,
            "other_active": other_active.exists(),
        },
        status=400 if error and request.method == "POST" else 200,
    )


@login_required
@require_POST
def visit_direct_line_end(request: AuthenticatedHttpRequest, pk: int, booking_pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    booking = get_object_or_404(InterpreterBooking, pk=booking_pk, visit=visit)
    form = DirectLineEndForm(request.POST)
    if form.is_valid():
        try:
            direct_line_end(booking=booking, by=request.user, minutes=form.cleaned_data["minutes"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The call is recorded as ended."))
            return redirect(_visit_url(visit))
    return render(
        request,
        "interpreters/direct_line.html",
        {"visit": visit, "line": None, "running": booking, "end_form": form, "error": "", "other_active": False},
        status=400,
    )


class ExternalOrderForm(forms.Form):
    order_number = forms.CharField(label=gettext_lazy("Order number"), max_length=40)
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Agency"),
        queryset=InterpreterAgency.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label=gettext_lazy("Another agency (name it below)"),
    )
    agency_name = forms.CharField(label=gettext_lazy("Other agency's name"), max_length=120, required=False)
    modality = forms.ChoiceField(label=gettext_lazy("Modality"), choices=Modality.choices, initial=Modality.PHONE)
    competence = forms.ChoiceField(
        label=gettext_lazy("Competence level"),
        choices=[("", "-"), *CompetenceLevel.choices],
        required=False,
    )
    start = forms.TimeField(
        label=gettext_lazy("Started (on the visit's day)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(label=gettext_lazy("Ended"), widget=forms.TimeInput(attrs={"type": "time"}))
    cost_kronor = forms.DecimalField(
        label=gettext_lazy("Invoiced cost in kronor (empty: the price list's price)"),
        required=False,
        min_value=0,
        max_value=100000,
        decimal_places=2,
    )


def _on_visit_day(visit: Visit, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(visit.service_date, at))


@login_required
@require_http_methods(["GET", "POST"])
def visit_external_order(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    form = ExternalOrderForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        cost = data["cost_kronor"]
        try:
            external_order_record(
                visit=visit,
                by=request.user,
                order=ExternalOrder(
                    order_number=data["order_number"],
                    started_at=_on_visit_day(visit, data["start"]),
                    ended_at=_on_visit_day(visit, data["end"]),
                    modality=data["modality"],
                    agency=data["agency"],
                    agency_name=data["agency_name"],
                    competence=data["competence"],
                    cost_ore=int(cost * 100) if cost is not None else None,
                ),
            )
        except DomainError as exc:
            field = {"started_at": "start", "ended_at": "end", "cost_ore": "cost_kronor"}.get(
                exc.field or "", exc.field
            )
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The interpreter ordered elsewhere is recorded and counted."))
            return redirect(_visit_url(visit))
    return render(
        request,
        "interpreters/external_order.html",
        {"visit": visit, "form": form},
        status=400 if form.errors else 200,
    )
