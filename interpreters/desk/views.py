"""The officer's desk: today's queue at the officer's offices, and one visit's page with the
language need, a one-click interpreter request with live status, and the outcome at the end.

Seeing a visit is scoped by visits.selectors (another office's visit is 404); acting on it needs
the action's role there (visits.permissions.ROLE_MATRIX, 403 otherwise)."""

import hashlib
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from config.client_ip import client_ip_address
from config.idempotency.forms import form_once
from config.idempotency.models import IdempotencyRecord
from config.request_types import AuthenticatedHttpRequest
from interpreters.desk.forms import BookingRequestForm, OutcomeForm
from interpreters.desk.services import (
    RequisitionAnswer,
    booking_request_at_desk,
    bookings_withdrawn_on_close,
    visit_close,
    visit_reopen_at_desk,
)
from interpreters.events import AgencyEventType
from interpreters.models import (
    ACTIVE_BOOKING_STATUSES,
    CONNECTED_BOOKING_STATUSES,
    OFFICE_CANCEL_REASONS,
    REACHABLE_BOOKING_STATUSES,
    BookingStatus,
    CancelReason,
    InterpreterBooking,
    Requisition,
    RequisitionStatus,
)
from interpreters.selectors import booking_requisition, disputed_requisitions, visit_booking_to_rate, visit_bookings
from interpreters.services import (
    booking_cancel,
    booking_cancellation_fee,
    booking_draft_estimate,
    requisition_decide,
)
from visits.audit import audit_dialect_list_read, audit_visit_read, shown_dialect
from visits.errors import DomainError
from visits.models import InterpreterWanted, LanguageNeed, NeedIdentifiedBy, Visit, VisitOutcome, VisitStatus
from visits.permissions import Action, offices_for_action, user_can
from visits.selectors import offices_for_user, visits_for_user
from visits.services import (
    LanguageNeedInput,
    outcome_warnings,
    visit_outcome_required,
    visit_set_status,
)

OPEN_VISIT_STATUSES = {VisitStatus.WAITING, VisitStatus.IN_SERVICE}
CLOSED_VISIT_STATUSES = {VisitStatus.DONE, VisitStatus.LEFT}


def _visit_for(request: HttpRequest, pk: int) -> Visit:
    return get_object_or_404(visits_for_user(request.user).select_related("outcome"), pk=pk)


def _require(request: HttpRequest, visit: Visit, *actions: Action) -> None:
    if not all(user_can(request.user, action, visit.office_id) for action in actions):
        raise PermissionDenied(_("Only officers and office managers at this office can do that."))


def _wants_json(request: HttpRequest) -> bool:
    # Set by static/interpreters/visit.js; without JavaScript the forms post and redirect.
    return request.headers.get("X-Requested-With") == "fetch"


def _need(visit: Visit) -> LanguageNeed | None:
    return LanguageNeed.objects.filter(visit=visit).first()


def _booking_form(need: LanguageNeed | None, data: Any = None) -> BookingRequestForm:
    return BookingRequestForm(
        data, need_language=need.language if need else None, need_dialect=need.dialect if need else ""
    )


def _outcome(visit: Visit) -> VisitOutcome | None:
    return VisitOutcome.objects.filter(visit=visit).first()


def _current_booking(visit: Visit) -> InterpreterBooking | None:
    """The live booking if there is one (at most one, by the partial unique index), else the
    latest: a failed booking stays on screen with its reason until the officer books again."""
    bookings = list(visit_bookings(visit=visit))
    active = next((b for b in bookings if b.status in ACTIVE_BOOKING_STATUSES), None)
    return active or (bookings[0] if bookings else None)


def _panel_context(
    request: HttpRequest, visit: Visit, *, booking_form: BookingRequestForm | None = None
) -> dict[str, Any]:
    need = _need(visit)
    booking = _current_booking(visit)
    can_act = user_can(request.user, Action.VISIT_STATUS, visit.office_id)
    can_book = user_can(request.user, Action.BOOKING_REQUEST, visit.office_id)
    active = booking is not None and booking.status in ACTIVE_BOOKING_STATUSES
    can_cancel = user_can(request.user, Action.BOOKING_CANCEL, visit.office_id)
    form = booking_form or _booking_form(need)
    return {
        **_money_context(request, visit, booking, active=active, can_cancel=can_cancel),
        "visit": visit,
        "need": need,
        "booking": booking,
        "booking_active": active,
        "booking_reachable": booking is not None and booking.status in REACHABLE_BOOKING_STATUSES,
        "interpreter_name": _interpreter_name(booking) if booking is not None else "",
        "interpreter_change": _interpreter_change(booking),
        "can_act": can_act,
        "can_cancel": can_cancel,
        "can_book": can_book,
        "can_request": can_book and not active and visit.status in OPEN_VISIT_STATUSES,
        **_cancellation_fee_context(booking if active else None),
        "booking_form": form,
        **_estimate_context(form),
    }


def _money_context(
    request: HttpRequest, visit: Visit, booking: InterpreterBooking | None, *, active: bool, can_cancel: bool
) -> dict[str, Any]:
    """Prices on the panel: the fee if the booking is cancelled now, and the agency's requisition
    for the officer to confirm or dispute (prefilled: one click). The estimate before ordering
    comes with the booking form (_estimate_context)."""
    context: dict[str, Any] = {"cancel_reasons": [(r.value, r.label) for r in OFFICE_CANCEL_REASONS]}
    if booking is not None and booking.status == BookingStatus.COMPLETED:
        requisition = booking_requisition(booking)
        context["requisition"] = requisition
        context["can_decide"] = requisition is not None and user_can(
            request.user, Action.REQUISITION_DECIDE, visit.office_id
        )
    return context


def _estimate_context(form: BookingRequestForm) -> dict[str, Any]:
    """The price shown above the booking buttons for the form's choices (its defaults when it was
    not posted: a call now of the default length at the lowest level). Priced by the same function
    that stores the estimate on the booking (pricing.booking_draft_estimate)."""
    if form.is_bound:
        form.is_valid()
        problems = [str(e) for name in form.PRICE_FIELDS for e in form.errors.get(name, [])]
        scheduled_for = form.cleaned_data.get("scheduled_for")
        minutes = form.cleaned_data.get("minutes_ordered")
    else:
        problems, scheduled_for, minutes = [], None, form.fields["minutes_ordered"].initial
    context: dict[str, Any] = {
        "estimate": None,
        "estimate_minutes": minutes,
        "estimate_start": scheduled_for,
        "estimate_problem": " ".join(problems),
    }
    if problems:
        return context
    try:
        requirements = form.requirement_inputs() if form.is_bound else []
        context["estimate"] = booking_draft_estimate(
            scheduled_for=scheduled_for, minutes_ordered=minutes, requirements=requirements
        )
    except DomainError as exc:
        context["estimate_problem"] = exc.message
    return context


def _interpreter_name(booking: InterpreterBooking) -> str:
    # An HTTP agency's interpreter need not be in our Interpreter table: it sends the name.
    return booking.interpreter_name or (booking.interpreter.name if booking.interpreter else "")


def _interpreter_change(booking: InterpreterBooking | None) -> dict[str, Any] | None:
    """The agency's latest change of interpreter on a live booking (an `interpreter_changed` event),
    for the plain notice on the panel: when, and who it was before. The new interpreter's details
    are the booking's own fields, which the change replaced."""
    if booking is None or booking.status not in REACHABLE_BOOKING_STATUSES:
        return None
    changes = [e for e in booking.events.all() if (e.detail or {}).get("kind") == AgencyEventType.INTERPRETER_CHANGED]
    if not changes:
        return None
    last = changes[-1]
    previous = (last.detail or {}).get("from") or {}
    return {"id": last.pk, "at": last.at, "previous_name": str(previous.get("name") or "")}


def _booking_data(booking: InterpreterBooking | None) -> dict[str, Any] | None:
    if booking is None:
        return None
    change = _interpreter_change(booking)
    return {
        # A new id whenever the agency replaces the interpreter, even by one with the same name.
        "interpreter_changed": change["id"] if change else None,
        "id": booking.pk,
        "status": booking.status,
        "status_label": str(booking.get_status_display()),
        "active": booking.status in ACTIVE_BOOKING_STATUSES,
        "modality": booking.modality,
        "scheduled_for": booking.scheduled_for.isoformat() if booking.scheduled_for else None,
        "agency": booking.agency.name if booking.agency else None,
        "interpreter": _interpreter_name(booking) or None,
        "connection_phone": str(booking.connection_phone) if booking.status in REACHABLE_BOOKING_STATUSES else "",
        "connection_url": booking.connection_url if booking.status in REACHABLE_BOOKING_STATUSES else "",
        "failure_reason": booking.failure_reason if booking.status == BookingStatus.FAILED else "",
    }


def _status_version(visit: Visit, booking: dict[str, Any] | None) -> str:
    # The page swaps the panel only when this changes, so a half-typed time is not wiped.
    state = {"visit_status": visit.status, "booking": booking}
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]


def _status_payload(request: HttpRequest, visit: Visit, *, message: str = "", **panel: Any) -> dict[str, Any]:
    context = _panel_context(request, visit, **panel)
    booking = _booking_data(context["booking"])
    step = _requisition_step(request, visit, context["booking"])
    return {
        # What happened to the officer's last action, when it is not what they asked for.
        "message": message,
        # The end-visit form's step for the agency's minutes: swapped in when a report arrives.
        "requisition_step": {
            "id": step["requisition"].pk if step else None,
            "html": render_to_string(
                "interpreters/_requisition_step.html", {"requisition_step": step}, request=request
            ),
        },
        "visit": {"id": visit.pk, "status": visit.status, "status_label": str(visit.get_status_display())},
        "booking": booking,
        "version": _status_version(visit, booking),
        "html": render_to_string("interpreters/_booking_panel.html", context, request=request),
    }


def _requisition_step(
    request: HttpRequest, visit: Visit, booking: InterpreterBooking | None, *, posted: Any = None, error: str = ""
) -> dict[str, Any] | None:
    """The end-visit form's step for a completed call the agency has reported: its minutes,
    prefilled, to confirm in the same click that ends the visit, or to dispute with a comment.
    `posted`: the refused form, shown again as it was if it answered this same requisition."""
    if visit.status != VisitStatus.IN_SERVICE or booking is None or booking.status != BookingStatus.COMPLETED:
        return None
    if not user_can(request.user, Action.REQUISITION_DECIDE, visit.office_id):
        return None
    requisition = booking_requisition(booking)
    if requisition is None or requisition.status != RequisitionStatus.REPORTED:
        return None
    step: dict[str, Any] = {
        "requisition": requisition,
        "action": "confirm",
        "minutes": requisition.reported_minutes,
        "comment": "",
        "error": error,
    }
    if posted is not None and posted.get("requisition") == str(requisition.pk):
        step.update(
            action=posted.get("requisition_action", ""),
            minutes=posted.get("requisition_minutes", ""),
            comment=posted.get("requisition_comment", ""),
        )
    return step


def _requisition_answer_from(request: HttpRequest) -> RequisitionAnswer | None:
    """The end-visit form's answer to the agency's minutes, if the form asked for one."""
    raw_id = (request.POST.get("requisition") or "").strip()
    if not raw_id:
        return None
    raw_minutes = (request.POST.get("requisition_minutes") or "").strip()
    if not raw_id.isdigit() or len(raw_id) > 18:
        raise DomainError(_("The form was changed: reload the page."), field="requisition", code="invalid")
    try:
        minutes = int(raw_minutes) if raw_minutes else None
    except ValueError:
        raise DomainError(
            _("Give the minutes as a whole number."), field="requisition_minutes", code="invalid"
        ) from None
    return RequisitionAnswer(
        requisition_id=int(raw_id),
        action=request.POST.get("requisition_action", ""),
        minutes=minutes,
        comment=request.POST.get("requisition_comment", ""),
    )


def _render_visit(request: HttpRequest, visit: Visit, *, status: int = 200, **forms: Any) -> HttpResponse:
    outcome = _outcome(visit)
    context = _panel_context(request, visit, booking_form=forms.pop("booking_form", None))
    context["requisition_step"] = _requisition_step(
        request,
        visit,
        context["booking"],
        posted=request.POST if request.method == "POST" else None,
        error=forms.pop("requisition_error", ""),
    )
    initial_used = None
    if outcome is not None:
        initial_used = "yes" if outcome.interpreter_used else "no"
    elif context["booking"] is not None and context["booking"].status in CONNECTED_BOOKING_STATUSES:
        initial_used = "yes"
    outcome_form = forms.pop("outcome_form", None) or OutcomeForm(
        initial={"interpreter_used": initial_used, "reason_not_used": outcome.reason_not_used if outcome else ""}
    )
    context.update(
        {
            "outcome": outcome,
            "outcome_form": outcome_form,
            "outcome_required": visit_outcome_required(visit=visit),
            # The end-of-visit form asks for stars only when a call started (there is one to rate).
            "can_rate": visit_booking_to_rate(visit_id=visit.pk) is not None,
            "outcome_warnings": outcome_warnings(outcome=outcome) if outcome else [],
            "status_version": _status_version(visit, _booking_data(context["booking"])),
            "errors": forms.pop("errors", []),
            "withdrawn_on_close": (
                bookings_withdrawn_on_close(visit=visit) if visit.status in CLOSED_VISIT_STATUSES else []
            ),
        }
    )
    if visit.visitor_name:
        # The page shows the visitor's name: a read of personal details, logged like the API's.
        audit_visit_read(
            user=request.user,
            visit=visit,
            via="page:visit-detail",
            fields=["visitor_name"],
            remote_addr=request.META.get("REMOTE_ADDR"),
        )
    return render(request, "interpreters/visit_detail.html", context, status=status)


@login_required
@require_GET
def officer_queue(request: HttpRequest) -> HttpResponse:
    """Today's waiting and in-service visits at the user's offices, one query for all offices (a
    national admin's list would otherwise cost a query per office)."""
    latest_booking = InterpreterBooking.objects.filter(visit=OuterRef("pk")).order_by("-requested_at", "-pk")
    visits = (
        visits_for_user(request.user)
        .filter(service_date=timezone.localdate(), status__in=OPEN_VISIT_STATUSES)
        .annotate(booking_status=Subquery(latest_booking.values("status")[:1]))
        .order_by("checked_in_at")
    )
    by_office: dict[int, list[Visit]] = {}
    for visit in visits:
        # A display-only attribute for the template, set on the row it belongs to.
        visit.booking_status_label = (  # type: ignore[attr-defined]
            BookingStatus(visit.booking_status).label if visit.booking_status else ""
        )
        by_office.setdefault(visit.office_id, []).append(visit)
    offices = offices_for_user(request.user).filter(active=True).order_by("name")
    if request.user.is_superuser:
        offices = offices.filter(pk__in=by_office.keys())
    entries = [{"office": office, "visits": by_office.get(office.pk, [])} for office in offices]
    # Dialect is personal data (README): a list that shows one is a logged read.
    shown = [(v.pk, v.office_id) for v in visits if shown_dialect(v)]
    audit_dialect_list_read(
        user=request.user, shown=shown, via="page:officer-queue", remote_addr=client_ip_address(request)
    )
    return render(request, "interpreters/officer_queue.html", {"offices": entries})


@login_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_visit(request, _visit_for(request, pk))


@login_required
@require_GET
def visit_booking_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled every 2 s by the visit page: the visit's and its booking's state, and the panel."""
    response = JsonResponse(_status_payload(request, _visit_for(request, pk)))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def visit_booking_estimate(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking form's live price: the form's fields as a query string, the estimate paragraph
    back (static/interpreters/visit.js asks for it when the length, time or level changes)."""
    visit = _visit_for(request, pk)
    if not user_can(request.user, Action.PRICE_ESTIMATE, visit.office_id):
        raise PermissionDenied(_("Only staff at this office can see prices here."))
    need = _need(visit)
    form = _booking_form(need, data=request.GET)
    response = render(request, "interpreters/_booking_estimate.html", {"visit": visit, **_estimate_context(form)})
    response["Cache-Control"] = "no-store"
    return response


def _visit_url(visit: Visit) -> str:
    return reverse("interpreters:visit-detail", args=[visit.pk])


def _moved_on_message(visit: Visit) -> str:
    """What to tell an officer whose page was out of date (another tab, another officer): what
    happened, and what the page shows now. Never the state machine's wording."""
    texts = {
        VisitStatus.WAITING: _("This visit is waiting again. The page now shows it as waiting."),
        VisitStatus.IN_SERVICE: _(
            "This visit had already been started (in another tab or by another officer). "
            "The page now shows it in service."
        ),
        VisitStatus.DONE: _("This visit had already been ended. The page now shows how it ended."),
        VisitStatus.LEFT: _("This visit had already been closed: the visitor left. The page now shows how it ended."),
    }
    return str(texts[VisitStatus(visit.status)])


def _stale(request: HttpRequest, visit: Visit, *, expected: Collection[str]) -> HttpResponse | None:
    """If the visit is no longer in a status the action was offered for, say so plainly and show
    the visit as it is now (400: nothing was done), instead of a refusal about impossible moves."""
    visit.refresh_from_db()
    if visit.status in expected:
        return None
    return _refused(request, visit, _moved_on_message(visit))


def _refused(request: HttpRequest, visit: Visit, message: str) -> HttpResponse:
    if _wants_json(request):
        # The panel as it is now, and the message for the page's alert box.
        payload = _status_payload(request, visit, message=message)
        payload["errors"] = {"__all__": [{"message": message, "code": "stale"}]}
        return JsonResponse(payload, status=400)
    return _render_visit(request, visit, status=400, errors=[message])


def _json_replay(request: HttpRequest, visit: Visit) -> Callable[[IdempotencyRecord], HttpResponse]:
    """A resubmitted fetch form: answer with the visit's state now (the first answer's effect)."""

    def answer(record: IdempotencyRecord) -> HttpResponse:
        if _wants_json(request):
            return JsonResponse(_status_payload(request, visit))
        return redirect(record.response["location"])

    return answer


@login_required
@require_POST
def visit_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    visit = _visit_for(request, pk)
    _require(request, visit, Action.VISIT_STATUS)

    return _visit_move(
        request,
        visit,
        lambda: visit_set_status(visit=visit, status=VisitStatus.IN_SERVICE, by=request.user),
        expected={VisitStatus.WAITING},
    )


@login_required
@require_POST
def visit_booking_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    visit = _visit_for(request, pk)
    _require(request, visit, Action.BOOKING_REQUEST)
    return form_once(
        request,
        lambda: _booking_request(request, visit),
        location=_visit_url(visit),
        replay=_json_replay(request, visit),
    )


def _booking_request(request: AuthenticatedHttpRequest, visit: Visit) -> HttpResponse:
    need = _need(visit)
    form = _booking_form(need, data=request.POST)
    message = ""
    before = _current_booking(visit)
    if form.is_valid():
        modality = form.cleaned_data["modality"]
        try:
            booking = booking_request_at_desk(
                visit=visit,
                need=None
                if need is not None
                else LanguageNeedInput(
                    language=form.cleaned_data["language"],
                    interpreter_wanted=InterpreterWanted.YES,
                    identified_by=NeedIdentifiedBy.OFFICER_JUDGED,
                ),
                requested_by=request.user,
                modality=modality,
                scheduled_for=form.cleaned_data["scheduled_for"],
                minutes_ordered=form.cleaned_data["minutes_ordered"],
                requirements=form.requirement_inputs(),
            )
        except DomainError as exc:
            if (stale := _stale(request, visit, expected=OPEN_VISIT_STATUSES)) is not None:
                return stale
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if before is not None and before.pk == booking.pk:
                # Another tab or officer had already asked: nothing new was booked.
                message = _already_requested_message(booking)
                messages.info(request, message)
    if form.errors:
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        return _render_visit(request, visit, status=400, booking_form=form)
    if _wants_json(request):
        return JsonResponse(_status_payload(request, visit, message=message))
    return redirect(_visit_url(visit))


def _already_requested_message(booking: InterpreterBooking) -> str:
    return _(
        "An interpreter by %(modality)s was already being booked for this visit (status: %(status)s), "
        "so no new booking was made. The page now shows that booking; cancel it first to book another way."
    ) % {"modality": str(booking.get_modality_display()).lower(), "status": booking.get_status_display()}


@login_required
@require_POST
def visit_booking_cancel(request: AuthenticatedHttpRequest, pk: int, booking_pk: int) -> HttpResponse:
    visit = _visit_for(request, pk)
    _require(request, visit, Action.BOOKING_CANCEL)
    booking = get_object_or_404(InterpreterBooking, pk=booking_pk, visit=visit)

    def write() -> HttpResponse:
        try:
            booking_cancel(
                booking=booking,
                by=request.user,
                # A form without the reason list cancels as "other".
                reason=request.POST.get("reason") or CancelReason.OTHER,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            booking.refresh_from_db()
            if booking.status in ACTIVE_BOOKING_STATUSES:
                return _refused(request, visit, exc.message)
            return _refused(
                request,
                visit,
                _(
                    "This interpreter booking had already ended (status: %(status)s), so there was nothing "
                    "to cancel. The page now shows its current state."
                )
                % {"status": booking.get_status_display()},
            )
        if _wants_json(request):
            return JsonResponse(_status_payload(request, visit))
        return redirect(_visit_url(visit))

    return form_once(request, write, location=_visit_url(visit), replay=_json_replay(request, visit))


@login_required
@require_POST
def visit_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Close the visit with the outcome. When an interpreter was (or may have been) wanted, the
    outcome must be answered: it is the under-use report's numerator, and it is lost if not asked now."""
    visit = _visit_for(request, pk)
    _require(request, visit, Action.VISIT_STATUS, Action.OUTCOME_RECORD)
    if request.POST.get("requisition"):
        _require(request, visit, Action.REQUISITION_DECIDE)

    def write() -> HttpResponse:
        form = OutcomeForm(request.POST)
        requisition_error = ""
        if form.is_valid():
            answered = request.POST.get("interpreter_used") in ("yes", "no")
            used = form.cleaned_data["interpreter_used"] if answered else None
            try:
                visit_close(
                    visit=visit,
                    status=VisitStatus.DONE,
                    by=request.user,
                    interpreter_used=used,
                    reason_not_used="" if used else form.cleaned_data["reason_not_used"],
                    rating_stars=form.cleaned_data["stars"],
                    rating_problems=form.cleaned_data["problems"],
                    requisition=_requisition_answer_from(request),
                )
            except DomainError as exc:
                if (stale := _stale(request, visit, expected={VisitStatus.IN_SERVICE})) is not None:
                    return stale
                if (exc.field or "").startswith("requisition"):
                    requisition_error = exc.message
                else:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        if form.errors or requisition_error:
            return _render_visit(
                request,
                visit,
                status=400,
                outcome_form=form,
                requisition_error=requisition_error,
                errors=[requisition_error] if requisition_error else [],
            )
        return redirect(_visit_url(visit))

    return form_once(request, write, location=_visit_url(visit))


@login_required
@require_POST
def visit_left(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The visitor left without (finishing) service: counted as "not used, visitor left"."""
    visit = _visit_for(request, pk)
    _require(request, visit, Action.VISIT_STATUS)

    return _visit_move(
        request,
        visit,
        lambda: visit_close(visit=visit, status=VisitStatus.LEFT, by=request.user),
        expected=OPEN_VISIT_STATUSES,
    )


@login_required
@require_POST
def visit_reopen_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An officer undoes closing the visit by mistake (logged in the audit trail)."""
    visit = _visit_for(request, pk)
    _require(request, visit, Action.VISIT_STATUS, Action.OUTCOME_RECORD)

    def reopen() -> object:
        _reopened, withdrawn = visit_reopen_at_desk(visit=visit, by=request.user)
        if withdrawn:
            # Bookings the close cancelled stay cancelled: the agency was told (visit_reopen_at_desk).
            messages.warning(request, WITHDRAWN_STAY_CANCELLED)
        return withdrawn

    return _visit_move(
        request,
        visit,
        reopen,
        expected=CLOSED_VISIT_STATUSES,
        done=_("The visit is open again. End it when the visitor has been served."),
    )


def _visit_move(
    request: AuthenticatedHttpRequest,
    visit: Visit,
    change: Callable[[], object],
    *,
    expected: Collection[str],
    done: str = "",
) -> HttpResponse:
    """One click that moves the visit (start, left, reopen): `change` runs once per form (form_once,
    so a double click or the Back button does not run it twice). Refused: the "moved on" notice when
    another tab or desk moved the visit from `expected` first, else the page with the reason."""

    def write() -> HttpResponse:
        try:
            change()
        except DomainError as exc:
            return _stale(request, visit, expected=expected) or _render_visit(
                request, visit, status=400, errors=[exc.message]
            )
        if done:
            messages.success(request, done)
        return redirect(_visit_url(visit))

    return form_once(request, write, location=_visit_url(visit))


WITHDRAWN_STAY_CANCELLED = _lazy(
    "The interpreter booking cancelled when the visit was closed stays cancelled: the agency was told "
    "and may have released the interpreter. Book again if the visitor still needs one."
)


def _cancellation_fee_context(booking: InterpreterBooking | None) -> dict[str, Any]:
    """What cancelling this booking now costs the office, for the confirm step: the same function
    that writes the fee when it is cancelled (interpreters.services.pricing, issue 9)."""
    if booking is None:
        return {"cancellation_fee": "", "cancellation_fee_due": False}
    fee = booking_cancellation_fee(booking=booking)
    if not fee.total_ore:
        return {"cancellation_fee": str(_("Cancelling now costs nothing.")), "cancellation_fee_due": False}
    amount = number_format(Decimal(fee.total_ore) / 100, decimal_pos=2, use_l10n=True, force_grouping=True)
    text = _("Cancelling now costs the office %(amount)s kr (the agency's cancellation fee).") % {"amount": amount}
    return {"cancellation_fee": str(text), "cancellation_fee_due": True}


@login_required
@require_POST
def visit_requisition_decide(request: AuthenticatedHttpRequest, pk: int, booking_pk: int) -> HttpResponse:
    """The officer confirms the agency's minutes (prefilled: one click) or disputes them."""
    visit = _visit_for(request, pk)
    _require(request, visit, Action.REQUISITION_DECIDE)
    booking = get_object_or_404(InterpreterBooking, pk=booking_pk, visit=visit)

    def write() -> HttpResponse:
        raw_minutes = (request.POST.get("minutes") or "").strip()
        try:
            try:
                minutes = int(raw_minutes) if raw_minutes else None
            except ValueError:
                raise DomainError(_("Give the minutes as a whole number."), field="minutes", code="invalid") from None
            requisition_decide(
                booking=booking,
                by=request.user,
                action=request.POST.get("action", ""),
                minutes=minutes,
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            return _render_visit(request, visit, status=400, errors=[exc.message])
        return redirect(_visit_url(visit))

    # A double click or the Back button shows the first answer, not "already confirmed".
    return form_once(request, write, location=_visit_url(visit))


# ------------------------------------------------------------------------------------------------
# The office manager's follow-up: disputed requisitions


@dataclass(frozen=True)
class DisputeRow:
    """One disputed requisition as the manager's list shows it."""

    requisition: Requisition
    office_name: str
    agency_name: str
    agency_minutes: int
    office_minutes: int | None  # what the officer says (or, if not given, the visit's service time)
    difference: int | None


DISPUTES_PER_PAGE = 50


@login_required
@require_GET
def requisitions_disputed(request: HttpRequest) -> HttpResponse:
    """Disputed requisitions at the offices the user manages (every office for a national admin),
    oldest first: the agency's minutes, the office's minutes and the officer's comment."""
    offices = offices_for_action(request.user, Action.REQUISITION_DISPUTES_VIEW)
    if not offices.exists():
        raise PermissionDenied(_("Only office managers can see disputed requisitions."))
    chosen = None
    raw_office = request.GET.get("office", "")
    if raw_office:
        if not raw_office.isdigit() or len(raw_office) > 18:
            raise Http404
        chosen = get_object_or_404(offices, pk=int(raw_office))
    rows = disputed_requisitions(offices=offices.filter(pk=chosen.pk) if chosen else offices).select_related(
        "decided_by"
    )
    page = Paginator(rows, DISPUTES_PER_PAGE).get_page(request.GET.get("page"))
    entries = []
    for requisition in page.object_list:
        office_minutes = (
            requisition.confirmed_minutes if requisition.confirmed_minutes is not None else requisition.office_minutes
        )
        booking = requisition.booking
        entries.append(
            DisputeRow(
                requisition=requisition,
                office_name=booking.office.name,
                agency_name=booking.agency.name if booking.agency else "",
                agency_minutes=requisition.reported_minutes,
                office_minutes=office_minutes,
                difference=None if office_minutes is None else requisition.reported_minutes - office_minutes,
            )
        )
    context = {
        "rows": entries,
        "page": page,
        "offices": offices.order_by("name") if offices.count() > 1 else [],
        "chosen": chosen,
    }
    return render(request, "interpreters/requisitions_disputed.html", context)
