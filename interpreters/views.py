"""Pages for blocked interpreters (office managers, national admins) and agency quarantine
(national admins). The desk's pages are in interpreters/desk/views.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.request_types import AuthenticatedHttpRequest
from interpreters.forms import AgencyQuarantineForm, InterpreterBlockForm
from interpreters.models import BlockScope
from interpreters.selectors import agency_quarantines, interpreter_blocks_for_user
from interpreters.services.blocks import interpreter_block_create, interpreter_block_lift
from interpreters.services.quarantines import agency_quarantine_create, agency_quarantine_lift
from visits.errors import DomainError
from visits.permissions import Action, offices_for_action, roles_for, user_can


@login_required
@require_http_methods(["GET", "POST"])
def interpreter_blocks(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The blocks that apply at the manager's offices, and a form to block an interpreter."""
    offices = offices_for_action(request.user, Action.INTERPRETER_BLOCK).order_by("name")
    if not offices.exists():
        raise PermissionDenied
    wide = user_can(request.user, Action.INTERPRETER_BLOCK_WIDE)
    form = InterpreterBlockForm(request.POST if request.method == "POST" else None, offices=offices, wide=wide)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope = data["scope"]
        if scope != BlockScope.OFFICE and not wide:
            raise PermissionDenied
        try:
            interpreter_block_create(
                by=request.user,
                scope=scope,
                office=data["office"] if scope == BlockScope.OFFICE else None,
                county=(data.get("county") or "") if scope == BlockScope.COUNTY else "",
                interpreter=data["interpreter"],
                reason=data["reason"],
                ends_on=data["ends_on"],
            )
        except DomainError as exc:
            form.add_domain_error(exc.field, exc.message)
        else:
            messages.success(request, _("The interpreter is blocked."))
            return redirect("quality:interpreter-blocks")
    today = timezone.localdate()
    blocks = interpreter_blocks_for_user(request.user, roles=roles_for(Action.INTERPRETER_BLOCK), current_on=today)
    rows = [
        (block, block.office_id in {o.pk for o in offices} if block.scope == BlockScope.OFFICE else wide)
        for block in blocks
    ]
    return render(
        request,
        "interpreters/interpreter_blocks.html",
        {"form": form, "rows": rows, "wide": wide},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def interpreter_block_lift_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(interpreter_blocks_for_user(request.user), pk=pk)
    if block.scope == BlockScope.OFFICE:
        allowed = user_can(request.user, Action.INTERPRETER_BLOCK, block.office_id)
    else:
        allowed = user_can(request.user, Action.INTERPRETER_BLOCK_WIDE)
    if not allowed:
        raise PermissionDenied
    try:
        interpreter_block_lift(block=block, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The block is lifted."))
    return redirect("quality:interpreter-blocks")


@login_required
@require_http_methods(["GET", "POST"])
def agency_quarantines_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """National admins: agencies in quarantine per county, and a form to add one."""
    if not user_can(request.user, Action.AGENCY_QUARANTINE):
        raise PermissionDenied
    form = AgencyQuarantineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            agency_quarantine_create(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc.field, exc.message)
        else:
            messages.success(request, _("The agency is in quarantine."))
            return redirect("quality:agency-quarantines")
    rows = agency_quarantines().filter(lifted_at__isnull=True, ends_on__gte=timezone.localdate())
    return render(
        request,
        "interpreters/agency_quarantines.html",
        {"form": form, "rows": rows},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def agency_quarantine_lift_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not user_can(request.user, Action.AGENCY_QUARANTINE):
        raise PermissionDenied
    quarantine = get_object_or_404(agency_quarantines(), pk=pk)
    try:
        agency_quarantine_lift(quarantine=quarantine, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The quarantine is lifted."))
    return redirect("quality:agency-quarantines")
