"""The office manager's staffing week: officer hours per day, one row of seven cells."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.request_types import AuthenticatedHttpRequest
from visits.errors import DomainError
from visits.models import Office
from visits.permissions import Action, offices_for_action
from visits.selectors import staffing_days
from visits.services import staffing_week_set


@dataclass(frozen=True)
class StaffingCell:
    day: date
    name: str  # the form field: "hours-2026-11-30"
    value: str
    error: str
    saved: str = ""  # what is saved now: sent back as "was-<day>" so a stale tab cannot overwrite


def _week_start(text: str | None) -> date:
    """Monday of the ISO week `2026-W48`, or of this week; a malformed week is 404 (a bad link)."""
    if not text:
        today = timezone.localdate()
        return today - timedelta(days=today.weekday())
    try:
        year, week = text.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError as exc:
        raise Http404(_("No such week.")) from exc


def _iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _format_hours(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


@login_required
@require_http_methods(["GET", "POST"])
def staffing_week(request: AuthenticatedHttpRequest) -> HttpResponse:
    offices = offices_for_action(request.user, Action.STAFFING_EDIT).order_by("name")
    if not offices.exists():
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    office_id = source.get("office")
    office: Office | None
    if office_id:
        office = offices.filter(pk=int(office_id)).first() if office_id.isdigit() else None
        if office is None:
            raise Http404(_("No such office."))
    else:
        office = offices.first()
    if office is None:
        raise Http404(_("No such office."))
    monday = _week_start(source.get("week"))
    days = [monday + timedelta(days=n) for n in range(7)]
    rows = staffing_days(office=office, since=days[0], until=days[-1])
    saved = {row.date: _format_hours(row.officer_hours) for row in rows}
    values = {day: saved.get(day, "") for day in days}
    errors: dict[date, str] = {}
    if request.method == "POST":
        values = {day: request.POST.get(f"hours-{day.isoformat()}", "").strip() for day in days}
        # What the page showed when it was opened (absent from an old form: no conflict check).
        shown = {
            day: request.POST[f"was-{day.isoformat()}"] for day in days if f"was-{day.isoformat()}" in request.POST
        }
        try:
            changed = staffing_week_set(office=office, hours_by_day=values, by=request.user, expected=shown)
        except DomainError as err:
            errors[date.fromisoformat(err.field or days[0].isoformat())] = err.message
        else:
            messages.success(request, _("Staffing saved: %(count)s days changed.") % {"count": changed})
            return redirect(f"{reverse('visits:staffing')}?office={office.pk}&week={_iso_week(monday)}")
    cells = [
        StaffingCell(
            day=day,
            name=f"hours-{day.isoformat()}",
            value=values[day],
            error=errors.get(day, ""),
            saved=saved.get(day, ""),
        )
        for day in days
    ]
    return render(
        request,
        "visits/staffing_week.html",
        {
            "office": office,
            "offices": offices,
            "cells": cells,
            "week": _iso_week(monday),
            "previous_week": _iso_week(monday - timedelta(days=7)),
            "next_week": _iso_week(monday + timedelta(days=7)),
            "has_errors": bool(errors),
        },
        status=400 if errors else 200,
    )
