"""Blocked interpreters: an office manager blocks an interpreter for their office, a national admin
for a county or the whole country, with a reason and an end date. Every booking in scope sends the
interpreter to the agency as a required denial (requirements.booking_requirements_for_agency).

Who may block where is the API's and page's business (visits.permissions: INTERPRETER_BLOCK at the
office, INTERPRETER_BLOCK_WIDE for a county or the country); these functions check the data.
"""

from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interpreters.models import BlockScope, InterpreterBlock
from visits.errors import DomainError, validate_choice
from visits.models import County, Office

REASON_MAX = 500
INTERPRETER_MAX = 80


def _text(value: str | None, *, field: str, max_length: int, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message, field=field, code="required")
    if len(text) > max_length:
        raise DomainError(_("At most %(n)d characters.") % {"n": max_length}, field=field, code="max_length")
    return text


def end_date_check(ends_on: date | None, *, today: date, field: str = "ends_on") -> date:
    """An end date is required and may not lie in the past."""
    if ends_on is None:
        raise DomainError(_("Give the date the block ends."), field=field, code="required")
    if not isinstance(ends_on, date) or isinstance(ends_on, datetime):
        raise DomainError(_("Give a date."), field=field, code="invalid")
    if ends_on < today:
        raise DomainError(_("The end date cannot be in the past."), field=field, code="in_past")
    return ends_on


def interpreter_block_create(
    *,
    by: User | None,
    scope: str,
    interpreter: str,
    reason: str,
    ends_on: date | None,
    office: Office | None = None,
    county: str = "",
    now: datetime | None = None,
) -> InterpreterBlock:
    """Block an interpreter (Kammarkollegiet's number or the agency's id) until `ends_on`, for one
    office, a county or the country. The same interpreter blocked twice for the same target while
    the first block holds is refused (lift it or let it end first)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    validate_choice(scope, BlockScope, "scope")
    interpreter = _text(
        interpreter, field="interpreter", max_length=INTERPRETER_MAX, message=_("Name the interpreter to block.")
    )
    reason = _text(reason, field="reason", max_length=REASON_MAX, message=_("Give the reason for the block."))
    ends_on = end_date_check(ends_on, today=today)
    county = county or ""
    _block_target_check(scope=scope, office=office, county=county)
    with transaction.atomic():
        # Two managers blocking the same interpreter at the same moment may both pass this check
        # (there is no row to lock yet): two rows then deny the same interpreter, which is harmless
        # (blocked_interpreters sends each number once) and either can be lifted.
        _block_duplicate_check(scope=scope, office=office, county=county, interpreter=interpreter, today=today)
        return InterpreterBlock.objects.create(
            scope=scope,
            office=office,
            county=county,
            interpreter=interpreter,
            reason=reason,
            ends_on=ends_on,
            created_by=by,
            created_at=now,
        )


def _block_target_check(*, scope: str, office: Office | None, county: str) -> None:
    """The office is given for an office's block only, the county for a county's block only."""
    if scope == BlockScope.OFFICE and office is None:
        raise DomainError(_("Choose the office."), field="office", code="required")
    if scope != BlockScope.OFFICE and office is not None:
        raise DomainError(_("An office is given only for an office's block."), field="office", code="not_allowed")
    if scope == BlockScope.COUNTY:
        if not county:
            raise DomainError(_("Choose the county."), field="county", code="required")
        validate_choice(county, County, "county")
    elif county:
        raise DomainError(_("A county is given only for a county's block."), field="county", code="not_allowed")


def _block_duplicate_check(*, scope: str, office: Office | None, county: str, interpreter: str, today: date) -> None:
    """Refuse a second block of the same interpreter for the same target while the first holds."""
    current = InterpreterBlock.objects.filter(
        scope=scope,
        office=office,
        county=county,
        interpreter=interpreter,
        lifted_at__isnull=True,
        ends_on__gte=today,
    ).first()
    if current is not None:
        raise DomainError(
            _("This interpreter is already blocked here until %(date)s.") % {"date": current.ends_on},
            field="interpreter",
            code="duplicate",
        )


def interpreter_block_lift(
    *, block: InterpreterBlock, by: User | None, now: datetime | None = None
) -> InterpreterBlock:
    """End a block before its end date. A block already lifted is refused and left as it was."""
    now = now or timezone.now()
    with transaction.atomic():
        # Conditional update: of two lifts at once exactly one changes the row.
        changed = InterpreterBlock.objects.filter(pk=block.pk, lifted_at__isnull=True).update(
            lifted_at=now, lifted_by=by
        )
        if not changed:
            raise DomainError(_("This block has already been lifted."), field="block", code="illegal_transition")
    block.refresh_from_db()
    return block
