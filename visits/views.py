"""The receptionist's page: check a visitor in, flag the language need, see today's queue."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.client_ip import client_ip_address
from config.idempotency.forms import form_claim, form_replay, form_result_save
from config.idempotency.selectors import idempotency_record_find
from config.request_types import AuthenticatedHttpRequest
from visits.audit import audit_dialect_list_read, shown_dialect
from visits.errors import DomainError
from visits.forms import CheckInForm
from visits.models import InterpreterWanted, LanguageNeed, Office, Visit, VisitStatus
from visits.permissions import Action, offices_for_action
from visits.picker import LanguageLabel, featured_first, language_label, language_overrides, picker_tiles
from visits.selectors import (
    FEATURED_LANGUAGES,
    active_authorities,
    default_office_for_user,
    most_common_authority,
    office_appointments_waiting,
    office_queue_today,
    office_top_languages,
    picker_languages,
)
from visits.services import LanguageNeedInput, visit_check_in

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
    overrides = language_overrides(tags)
    rows = []
    for visit in visits:
        need = _need(visit)
        until = visit.started_at if visit.status == VisitStatus.IN_SERVICE and visit.started_at else now
        rows.append(
            QueueRow(
                visit=visit,
                waited=max(until - visit.checked_in_at, timedelta(0)),
                language=language_label(need.language, overrides=overrides) if need is not None else None,
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
    form_kwargs: dict[str, Any] = {
        "authorities": active_authorities(),
        "languages": languages,
        "appointments": office_appointments_waiting(office=office),
    }
    if request.method == "POST":
        form = CheckInForm(request.POST, **form_kwargs)
        claim = form_claim(request)
        if claim is not None and (record := idempotency_record_find(claim)) is not None:
            # The Back button or a double click sent this form again: show what the first did.
            return form_replay(request, record)
        if form.is_valid():
            done_url = f"{reverse('visits:check-in')}?office={office.pk}"
            need = form.cleaned_data["need"]

            def remember(visit: Visit) -> None:
                if claim is not None:
                    message = (messages.SUCCESS, _read_back(visit, need), "queue-number")
                    form_result_save(claim, location=done_url, shown=[message])

            try:
                visit = visit_check_in(
                    office=office,
                    authority=form.cleaned_data["authority"],
                    checked_in_by=request.user,
                    language_need=need,
                    visitor_name=form.cleaned_data["visitor_name"],
                    visitor_phone=form.cleaned_data["visitor_phone"] or "",
                    also=remember,
                    appointment=form.cleaned_data.get("appointment"),
                )
            except IntegrityError:
                # A twin submission of this form won the race: its visit is the one.
                if claim is None or (record := idempotency_record_find(claim)) is None:
                    raise
                return form_replay(request, record)
            except (DomainError, ValidationError) as err:
                form.add_domain_error(err)
            else:
                messages.success(request, _read_back(visit, need), extra_tags="queue-number")
                return redirect(done_url)
    else:
        authority = most_common_authority(office=office)
        form = CheckInForm(initial={"authority": authority.pk if authority else None}, **form_kwargs)

    tiles, featured = featured_first(
        picker_tiles(languages), top=office_top_languages(office=office), count=FEATURED_LANGUAGES
    )
    queue_rows = _queue_rows(office)
    _audit_dialects(request, queue_rows, via="page:check-in")
    return render(
        request,
        "visits/check_in.html",
        {
            "form": form,
            "office": office,
            "offices": _desk_offices(request),
            "tiles": tiles,
            "featured": featured,
            "swedish": language_label("sv"),
            "selected_language": form["language"].value() or "",
            "queue": queue_rows,
        },
        status=400 if form.is_bound else 200,
    )


def _read_back(visit: Visit, need: LanguageNeedInput | None) -> str:
    text = _("Checked in. Queue number: %(number)s") % {"number": visit.queue_number}
    if need is not None:
        # Read back what was recorded, so a wrong tile is noticed while the visitor is there.
        text += " · " + _("Language: %(language)s, interpreter wanted: %(wanted)s") % {
            "language": language_label(visit.language_need.language).name
            + (f" ({visit.language_need.dialect})" if visit.language_need.dialect else ""),
            "wanted": InterpreterWanted(need.interpreter_wanted).label.lower(),
        }
    return text


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Today's queue as an HTML fragment: the check-in page refreshes it without a reload."""
    office = _current_office(request, request.GET.get("office"))
    if office is None:
        return _no_office(request)
    rows = _queue_rows(office)
    _audit_dialects(request, rows, via="page:queue")
    return render(request, "visits/_queue.html", {"office": office, "queue": rows})


def _audit_dialects(request: HttpRequest, rows: list[QueueRow], *, via: str) -> None:
    shown = [(row.visit.pk, row.visit.office_id) for row in rows if shown_dialect(row.visit)]
    audit_dialect_list_read(user=request.user, shown=shown, via=via, remote_addr=client_ip_address(request))
