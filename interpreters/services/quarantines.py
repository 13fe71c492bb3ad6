"""Agency quarantine: a national admin takes an agency out of a county's ranking for a period, with
a motivation. The dispatcher skips it and the booking's events say why
(interpreters/services/agency.py, interpreters.selectors.quarantines_in)."""

from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interpreters.models import AgencyQuarantine, InterpreterAgency
from interpreters.services.blocks import end_date_check
from visits.errors import DomainError, validate_choice
from visits.models import County

MOTIVATION_MAX = 500


def agency_quarantine_create(
    *,
    by: User | None,
    agency: InterpreterAgency,
    county: str,
    starts_on: date | None,
    ends_on: date | None,
    motivation: str,
    now: datetime | None = None,
) -> AgencyQuarantine:
    """Quarantine an agency in a county from `starts_on` (default today) to `ends_on` inclusive. A
    period overlapping a quarantine of the same agency and county that is still in force is refused."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    validate_choice(county, County, "county")
    motivation = (motivation or "").strip()
    if not motivation:
        raise DomainError(_("Give the motivation for the quarantine."), field="motivation", code="required")
    if len(motivation) > MOTIVATION_MAX:
        raise DomainError(_("At most %(n)d characters.") % {"n": MOTIVATION_MAX}, field="motivation", code="max_length")
    starts_on = starts_on or today
    ends_on = end_date_check(ends_on, today=today)
    if ends_on < starts_on:
        raise DomainError(_("The quarantine cannot end before it starts."), field="ends_on", code="before_start")
    with transaction.atomic():
        # Lock the agency row: two admins quarantining the same agency at once are serialised, and
        # the second sees the first period.
        InterpreterAgency.objects.select_for_update().filter(pk=agency.pk).first()
        overlapping = AgencyQuarantine.objects.filter(
            agency=agency, county=county, lifted_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).first()
        if overlapping is not None:
            raise DomainError(
                _("The agency is already in quarantine in this county from %(start)s to %(end)s.")
                % {"start": overlapping.starts_on, "end": overlapping.ends_on},
                field="ends_on",
                code="overlap",
            )
        return AgencyQuarantine.objects.create(
            agency=agency,
            county=county,
            starts_on=starts_on,
            ends_on=ends_on,
            motivation=motivation,
            created_by=by,
            created_at=now,
        )


def agency_quarantine_lift(
    *, quarantine: AgencyQuarantine, by: User | None, now: datetime | None = None
) -> AgencyQuarantine:
    """End a quarantine early: the agency is called again from now on."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = AgencyQuarantine.objects.filter(pk=quarantine.pk, lifted_at__isnull=True).update(
            lifted_at=now, lifted_by=by
        )
        if not changed:
            raise DomainError(
                _("This quarantine has already been lifted."), field="quarantine", code="illegal_transition"
            )
    quarantine.refresh_from_db()
    return quarantine
