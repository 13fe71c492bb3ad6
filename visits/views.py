"""The receptionist's page: check a visitor in, flag the language need, see today's queue."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.request_types import AuthenticatedHttpRequest
from visits.errors import DomainError
from visits.forms import CheckInForm
from visits.models import InterpreterWanted, Language, LanguageNeed, Office, Visit, VisitStatus
from visits.permissions import Action, offices_for_action
from visits.picker import LanguageLabel, label_for_tag, picker_tiles
from visits.selectors import (
    active_authorities,
    default_office_for_user,
    most_common_authority,
    office_queue_today,
    picker_languages,
)
from visits.services import visit_check_in

SESSION_OFFICE_KEY = "checkin_office_id"


@dataclass(frozen=True)
class QueueRow:
    visit: Visit
    waited: timedelta
    language: LanguageLabel | None

    @property
    def waited_minutes(self) -> int:
        return int(self.waited.total_seconds() // 60)


def _desk_offices(request: HttpRequest) -> QuerySet[Office]:
    return offices_for_action(request.user, Action.CHECK_IN).filter(active=True).order_by("name")


def _current_office(request: HttpRequest, requested: str | None) -> Office | None:
    """The office this desk works for: the one asked for (404 if it is not the user's), else the
    one remembered in the session, else the user's default office."""
    offices = _desk_offices(request)
    if requested:
        if not requested.isdigit() or (office := offices.filter(pk=int(requested)).first()) is None:
            raise Http404(_("No such office."))
        request.session[SESSION_OFFICE_KEY] = office.pk
        return office
    remembered = request.session.get(SESSION_OFFICE_KEY)
    if remembered and (office := offices.filter(pk=remembered).first()) is not None:
        return office
    default = default_office_for_user(request.user)
    if default is not None and offices.filter(pk=default.pk).exists():
        return default
    return offices.first()


def _queue_rows(office: Office) -> list[QueueRow]:
    now = timezone.now()
    visits = list(office_queue_today(office=office))
    tags = {visit.language_need.language for visit in visits if _need(visit) is not None}
    catalogue = {language.code: language for language in Language.objects.filter(code__in=tags)}
    rows = []
    for visit in visits:
        need = _need(visit)
        until = visit.started_at if visit.status == VisitStatus.IN_SERVICE and visit.started_at else now
        rows.append(
            QueueRow(
                visit=visit,
                waited=max(until - visit.checked_in_at, timedelta(0)),
                language=label_for_tag(need.language, catalogue) if need is not None else None,
            )
        )
    return rows


def _need(visit: Visit) -> LanguageNeed | None:
    try:
        return visit.language_need
    except Visit.language_need.RelatedObjectDoesNotExist:
        return None


def _no_office(request: HttpRequest) -> HttpResponse:
    return render(request, "visits/no_office.html", status=403)


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: AuthenticatedHttpRequest) -> HttpResponse:
    requested = request.POST.get("office") if request.method == "POST" else request.GET.get("office")
    office = _current_office(request, requested)
    if office is None:
        return _no_office(request)

    languages = picker_languages()
    form_kwargs: dict[str, Any] = {"authorities": active_authorities(), "languages": languages}
    if request.method == "POST":
        form = CheckInForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                visit = visit_check_in(
                    office=office,
                    authority=form.cleaned_data["authority"],
                    checked_in_by=request.user,
                    language_need=form.cleaned_data["need"],
                    visitor_name=form.cleaned_data["visitor_name"],
                    visitor_phone=form.cleaned_data["visitor_phone"] or "",
                )
            except (DomainError, ValidationError) as err:
                form.add_domain_error(err)
            else:
                text = _("Checked in. Queue number: %(number)s") % {"number": visit.queue_number}
                if (need := form.cleaned_data["need"]) is not None:
                    # Read back what was recorded, so a wrong tile is noticed while the visitor is there.
                    text += " · " + _("Language: %(language)s, interpreter wanted: %(wanted)s") % {
                        "language": label_for_tag(visit.language_need.language).name,
                        "wanted": InterpreterWanted(need.interpreter_wanted).label.lower(),
                    }
                messages.success(request, text, extra_tags="queue-number")
                return redirect(f"{reverse('visits:check-in')}?office={office.pk}")
    else:
        authority = most_common_authority(office=office)
        form = CheckInForm(initial={"authority": authority.pk if authority else None}, **form_kwargs)

    return render(
        request,
        "visits/check_in.html",
        {
            "form": form,
            "office": office,
            "offices": _desk_offices(request),
            "tiles": picker_tiles(languages),
            "swedish": label_for_tag("sv"),
            "selected_language": form["language"].value() or "",
            "queue": _queue_rows(office),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Today's queue as an HTML fragment: the check-in page refreshes it without a reload."""
    office = _current_office(request, request.GET.get("office"))
    if office is None:
        return _no_office(request)
    return render(request, "visits/_queue.html", {"office": office, "queue": _queue_rows(office)})
