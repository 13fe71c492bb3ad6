"""Read queries for agencies and bookings. Bookings carry visitors' language needs, so every query a
user can reach is scoped to that user's offices (national admins see all)."""

from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from interpreters.models import (
    CONNECTED_BOOKING_STATUSES,
    AgencyDirectLine,
    AgencyQuarantine,
    AgencyRanking,
    BlockScope,
    BookingEvent,
    CompetenceLevel,
    Complaint,
    Interpreter,
    InterpreterAgency,
    InterpreterBlock,
    InterpreterBooking,
    PriceList,
    RequirementKind,
    Requisition,
    RequisitionStatus,
)
from visits.models import Office, Visit
from visits.selectors import offices_for_user


def booking_at_offices(offices: QuerySet[Office] | list[int], *, prefix: str = "") -> Q:
    """Bookings (through `prefix`, e.g. "booking__") held at these offices: a visit's, or before
    check-in an appointment's."""
    return Q(**{f"{prefix}visit__office__in": offices}) | Q(
        **{f"{prefix}visit__isnull": True, f"{prefix}appointment__office__in": offices}
    )


def bookings_for_user(user: User | AnonymousUser) -> QuerySet[InterpreterBooking]:
    return InterpreterBooking.objects.filter(booking_at_offices(offices_for_user(user))).select_related(
        "visit", "visit__office", "appointment", "appointment__office", "agency", "interpreter"
    )


def visit_bookings(*, visit: Visit) -> QuerySet[InterpreterBooking]:
    """All bookings of one visit, newest first, with their events (oldest first)."""
    return (
        InterpreterBooking.objects.filter(visit=visit)
        .select_related("agency", "interpreter")
        .prefetch_related(Prefetch("events", queryset=BookingEvent.objects.order_by("at", "pk")))
        .order_by("-requested_at", "-pk")
    )


def agency_serves_language(agency: InterpreterAgency, language: str) -> bool:
    """An agency listing "ar" serves "ar-SY" too; one listing only "ar-SY" does not serve all "ar"."""
    offered = {str(tag).lower() for tag in agency.languages or []}
    tag = language.lower()
    return tag in offered or tag.split("-")[0] in offered


def quarantines_in(*, county: str, on: date) -> dict[int, AgencyQuarantine]:
    """Agencies a national admin has put in quarantine for the county on the day, by agency id."""
    rows = AgencyQuarantine.objects.filter(
        county=county, starts_on__lte=on, ends_on__gte=on, lifted_at__isnull=True
    ).order_by("ends_on")
    return {row.agency_id: row for row in rows}


def agencies_quarantined_for(*, language: str, modality: str, county: str, on: date) -> list[AgencyQuarantine]:
    """The quarantines that keep an agency which would serve this order out of the county's chain."""
    held = quarantines_in(county=county, on=on)
    return [
        held[agency.pk]
        for agency in InterpreterAgency.objects.filter(active=True, pk__in=held.keys()).order_by("priority", "name")
        if agency_serves_language(agency, language) and modality in (agency.modalities or [])
    ]


def agencies_for(*, language: str, modality: str | None = None, county: str | None = None) -> list[InterpreterAgency]:
    """Active agencies serving the language (and modality), in the order they are to be called:
    Kammarkollegiet's ranking for the county first, then unranked agencies by priority.

    Few agencies exist, and JSON containment is not portable to SQLite, so the language/modality
    filter runs in Python."""
    agencies = InterpreterAgency.objects.filter(active=True)
    if county:
        rank_sq = AgencyRanking.objects.filter(county=county).values("agency_id", "rank")
        ranks = {row["agency_id"]: row["rank"] for row in rank_sq}
        agencies = agencies.annotate(
            county_rank=Case(
                *[When(pk=agency_id, then=Value(rank)) for agency_id, rank in ranks.items()],
                default=Value(32767),
                output_field=IntegerField(),
            )
        ).order_by("county_rank", "priority", "name")
        # A quarantined agency is not called in the county at all (the booking's events say why).
        agencies = agencies.exclude(pk__in=quarantines_in(county=county, on=timezone.localdate()).keys())
    else:
        agencies = agencies.order_by("priority", "name")
    return [
        agency
        for agency in agencies
        if agency_serves_language(agency, language) and (modality is None or modality in (agency.modalities or []))
    ]


def direct_line_for(*, language: str, county: str) -> AgencyDirectLine | None:
    """The direct line to show for on-demand phone interpreting: the first agency of the county's
    ranking (quarantined agencies left out, as for bookings) with an active line for the language."""
    lines = {
        line.agency_id: line
        for line in AgencyDirectLine.objects.filter(language=language, active=True).select_related("agency")
    }
    if not lines:
        return None
    for agency in agencies_for(language=language, county=county):
        if agency.pk in lines:
            return lines[agency.pk]
    return None


def booking_agency_chain(*, booking: InterpreterBooking) -> list[InterpreterAgency]:
    return agencies_for(language=booking.language, modality=booking.modality, county=booking.office.county)


COMPETENCE_ORDER: list[str] = list(CompetenceLevel.values)  # lowest first


def competence_preference(*, required: str = "", wished: str = "") -> list[str]:
    """Levels acceptable for an order, best match first.

    Required is a floor: nothing below it is acceptable. Wished is a preference: the wished level
    first, then falling back to the next level down (never below the floor), then the levels above
    the wish. With no wish, the highest level first (Kammarkollegiet: use the most qualified
    interpreter available)."""
    floor = COMPETENCE_ORDER.index(required) if required else 0
    acceptable = COMPETENCE_ORDER[floor:]
    if not wished:
        return list(reversed(acceptable))
    wish = COMPETENCE_ORDER.index(wished)
    below = [lvl for lvl in reversed(COMPETENCE_ORDER[:wish]) if COMPETENCE_ORDER.index(lvl) >= floor]
    above = COMPETENCE_ORDER[wish + 1 :]
    return ([wished] if wish >= floor else []) + below + [lvl for lvl in above if lvl in acceptable]


def interpreter_candidates(*, agency: InterpreterAgency, booking: InterpreterBooking) -> list[Interpreter]:
    """The agency's active interpreters for the booking's language and modality."""
    return [
        interp
        for interp in Interpreter.objects.filter(agency=agency, active=True)
        if booking.modality in (interp.modalities or [])
        and any(
            str(entry.get("language", "")).lower() in {booking.language.lower(), booking.language.split("-")[0].lower()}
            for entry in interp.languages or []
            if isinstance(entry, dict)
        )
    ]


def interpreter_choose(*, agency: InterpreterAgency, booking: InterpreterBooking) -> Interpreter | None:
    """The agency's best-matching active interpreter for the booking, or None."""
    candidates = interpreter_candidates(agency=agency, booking=booking)
    levels = competence_preference(required=booking.competence_required, wished=booking.competence_wished)
    # Gender is a preference: a matching interpreter at any acceptable level first, then anyone.
    passes = [[i for i in candidates if i.gender == booking.gender_preference]] if booking.gender_preference else []
    for pool in [*passes, candidates]:
        for level in levels:
            for interp in pool:
                if interp.competence == level:
                    return interp
    return None


def complaints_for_user(user: User | AnonymousUser, *, roles: list[str] | None = None) -> QuerySet[Complaint]:
    """Complaints about bookings at the user's offices (with `roles`: only where they hold one)."""
    return Complaint.objects.filter(
        booking_at_offices(offices_for_user(user, roles=roles), prefix="booking__")
    ).select_related("agency", "booking__visit", "booking__appointment", "filed_by")


def booking_complaints(*, booking: InterpreterBooking) -> QuerySet[Complaint]:
    return Complaint.objects.filter(booking=booking).select_related(
        "agency", "booking__visit", "booking__appointment", "filed_by"
    )


def price_list_for(*, kind: str, on: date) -> PriceList | None:
    """The list of `kind` valid on `on` (the latest start wins where periods overlap)."""
    return (
        PriceList.objects.filter(kind=kind, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
        .first()
    )


def booking_requisition(booking: InterpreterBooking) -> Requisition | None:
    """The booking's current requisition (the one not replaced), or None."""
    return booking.requisitions.exclude(status=RequisitionStatus.REPLACED).first()


def disputed_requisitions(*, offices: QuerySet[Office]) -> QuerySet[Requisition]:
    """Disputed requisitions at these offices, oldest first (the office manager's list)."""
    return (
        Requisition.objects.filter(booking_at_offices(offices, prefix="booking__"), status=RequisitionStatus.DISPUTED)
        .select_related(
            "booking",
            "booking__visit",
            "booking__visit__office",
            "booking__appointment",
            "booking__appointment__office",
            "booking__agency",
        )
        .order_by("created_at", "pk")
    )


def visit_booking_to_rate(*, visit_id: int) -> InterpreterBooking | None:
    """The visit's call to rate at the end of the visit: the latest booking whose call started."""
    started = Q(started_at__isnull=False) | Q(status__in=CONNECTED_BOOKING_STATUSES)
    return InterpreterBooking.objects.filter(started, visit_id=visit_id).order_by("-requested_at", "-pk").first()


def interpreter_blocks_for_user(
    user: User | AnonymousUser, *, roles: list[str] | None = None, current_on: date | None = None
) -> QuerySet[InterpreterBlock]:
    """The blocks that apply at the user's offices (with `roles` there): their offices' own blocks,
    their counties' and the national ones. National admins see every block. `current_on`: only the
    blocks in force on that day (not lifted, not ended)."""
    offices = offices_for_user(user, roles=roles)
    if getattr(user, "is_superuser", False):
        rows = InterpreterBlock.objects.all()
    elif not offices.exists():
        rows = InterpreterBlock.objects.none()
    else:
        rows = InterpreterBlock.objects.filter(
            Q(scope=BlockScope.OFFICE, office__in=offices)
            | Q(scope=BlockScope.COUNTY, county__in=offices.values("county"))
            | Q(scope=BlockScope.NATIONAL)
        )
    if current_on is not None:
        rows = rows.filter(lifted_at__isnull=True, ends_on__gte=current_on)
    return rows.select_related("office", "created_by").order_by("-created_at", "-pk")


def agency_quarantines(*, current_on: date | None = None) -> QuerySet[AgencyQuarantine]:
    """Every agency quarantine (national admins' list); `current_on`: only those in force that day."""
    rows = AgencyQuarantine.objects.all()
    if current_on is not None:
        rows = rows.filter(lifted_at__isnull=True, starts_on__lte=current_on, ends_on__gte=current_on)
    return rows.select_related("agency", "created_by").order_by("-starts_on", "-pk")


def blocked_interpreters(*, office_id: int, county: str, on: date) -> list[str]:
    """Interpreters blocked for this office, its county or the whole country on the day."""
    scope = (
        Q(scope=BlockScope.NATIONAL)
        | Q(scope=BlockScope.COUNTY, county=county)
        | Q(scope=BlockScope.OFFICE, office_id=office_id)
    )
    rows = InterpreterBlock.objects.filter(scope, ends_on__gte=on, lifted_at__isnull=True)
    return sorted(set(rows.values_list("interpreter", flat=True)))


def booking_requirements_for_agency(*, booking: InterpreterBooking, on: date) -> list[dict[str, Any]]:
    """What is sent to the agency: the booking's requirements (with our ids, so the agency can
    answer each one) plus every blocked interpreter as a required denial."""
    rows = [
        {"id": r.pk, "kind": r.kind, "value": r.value, "required": r.required, "rank": r.rank}
        for r in booking.requirements.all()
    ]
    asked = {r["value"] for r in rows if r["kind"] == RequirementKind.DENIED_INTERPRETER}
    office = booking.office
    for number in blocked_interpreters(office_id=office.pk, county=office.county, on=on):
        if number not in asked:
            rows.append(
                {"id": None, "kind": RequirementKind.DENIED_INTERPRETER, "value": number, "required": True, "rank": 1}
            )
    return rows
