"""What a booking asks of the interpreter, and whether the agency met it.

`requirements_build` turns the API's `requirements` list (and the older gender_preference /
competence_required / competence_wished fields, kept as aliases) into checked RequirementInput
values. Booking create and an appointment's `interpreter` body both go through it:

    reqs = requirements_build(requirements=body.get("requirements"), gender_preference=..., ...)
    booking_request(..., requirements=reqs)

`requirements_answer` records the agency's per-requirement answers; where the agency does not
answer one, the delivered interpreter (gender, level, ids) decides it when it can.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from interpreters.models import (
    BookingRequirement,
    CompetenceLevel,
    Gender,
    InterpreterBooking,
    RequirementKind,
)
from visits.errors import DomainError

K = RequirementKind
MAX_REQUIREMENTS = 12
COMPETENCE_ORDER: list[str] = list(CompetenceLevel.values)  # lowest first
# Kinds asked once per rank; interpreters may be named or denied several times.
ONE_PER_RANK = {K.GENDER, K.DIALECT, K.COMPETENCE}


@dataclass(frozen=True)
class RequirementInput:
    kind: str
    value: str
    required: bool = False
    rank: int = 1

    def as_payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "required": self.required, "rank": self.rank}


def _error(message: str, code: str) -> DomainError:
    return DomainError(message, field="requirements", code=code)


def _one(raw: Any) -> RequirementInput:
    if isinstance(raw, RequirementInput):
        raw = raw.as_payload()
    if not isinstance(raw, Mapping):
        raise _error(_("Each requirement is an object with kind, value, required and rank."), "invalid")
    unknown = set(raw) - {"kind", "value", "required", "rank"}
    if unknown:
        raise _error(
            _("Unknown requirement field: %(name)s.") % {"name": ", ".join(sorted(map(str, unknown)))}, "unknown"
        )
    kind, value = raw.get("kind"), raw.get("value")
    required, rank = raw.get("required", False), raw.get("rank", 1)
    if kind not in K.values:
        raise _error(_("“%(value)s” is not a valid requirement kind.") % {"value": kind}, "invalid_choice")
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 80:
        raise _error(_("A requirement needs a value of 1-80 characters."), "invalid_value")
    if not isinstance(required, bool):
        raise _error(_("“required” is true or false."), "invalid")
    if isinstance(rank, bool) or rank not in (1, 2):
        raise _error(_("A requirement's rank is 1 (first choice) or 2 (fallback)."), "invalid_rank")
    value = value.strip()
    if kind == K.GENDER and value not in Gender.values:
        raise _error(_("“%(value)s” is not a valid gender.") % {"value": value}, "invalid_value")
    if kind == K.COMPETENCE and value not in CompetenceLevel.values:
        raise _error(_("“%(value)s” is not a valid competence level.") % {"value": value}, "invalid_value")
    return RequirementInput(kind=kind, value=value, required=required, rank=rank)


def requirements_build(
    *,
    requirements: Iterable[Any] | None = None,
    gender_preference: str = "",
    competence_required: str = "",
    competence_wished: str = "",
    dialect: str = "",
) -> list[RequirementInput]:
    """Check and merge the requirements of one order. Raises DomainError(field="requirements").

    Aliases: gender_preference is a wished gender; competence_wished the first-choice level
    (wished), competence_required the level the agency must at least meet (required; rank 2 when a
    wished level is first choice). A dialect given on the order is a wished dialect unless the list
    already has one."""
    if requirements is not None and (
        isinstance(requirements, str | bytes | Mapping) or not isinstance(requirements, Iterable)
    ):
        raise _error(_("Requirements are a list."), "invalid")
    items = [_one(raw) for raw in (requirements or [])]
    if gender_preference and not any(r.kind == K.GENDER for r in items):
        items.append(_one({"kind": K.GENDER, "value": gender_preference}))
    if competence_wished and not any(r.kind == K.COMPETENCE for r in items):
        items.append(_one({"kind": K.COMPETENCE, "value": competence_wished, "rank": 1}))
    if competence_required and not any(r.kind == K.COMPETENCE and r.required for r in items):
        rank = 2 if any(r.kind == K.COMPETENCE and r.rank == 1 for r in items) else 1
        items.append(_one({"kind": K.COMPETENCE, "value": competence_required, "required": True, "rank": rank}))
    if dialect.strip() and not any(r.kind == K.DIALECT for r in items):
        items.append(_one({"kind": K.DIALECT, "value": dialect.strip()[:80]}))
    _check_together(items)
    return items


def _check_together(items: list[RequirementInput]) -> None:
    if len(items) > MAX_REQUIREMENTS:
        raise _error(_("At most %(n)d requirements per booking.") % {"n": MAX_REQUIREMENTS}, "too_many")
    seen: set[tuple[str, Any]] = set()
    for item in items:
        key: tuple[str, Any] = (item.kind, item.rank) if item.kind in ONE_PER_RANK else (item.kind, item.value)
        if key in seen:
            raise _error(_("The same requirement is given twice (%(kind)s).") % {"kind": item.kind}, "duplicate")
        seen.add(key)
    named = {r.value for r in items if r.kind == K.NAMED_INTERPRETER}
    denied = {r.value for r in items if r.kind == K.DENIED_INTERPRETER}
    if named & denied:
        raise _error(_("An interpreter cannot be both named and denied."), "contradiction")
    levels = {r.rank: r.value for r in items if r.kind == K.COMPETENCE}
    if 1 in levels and 2 in levels and COMPETENCE_ORDER.index(levels[2]) > COMPETENCE_ORDER.index(levels[1]):
        raise _error(_("The fallback level cannot be above the first choice."), "below_floor")


def legacy_fields(items: Iterable[RequirementInput]) -> dict[str, str]:
    """The booking's older single-value fields, kept filled for code and clients that read them."""
    items = list(items)
    gender = next((r.value for r in items if r.kind == K.GENDER and r.rank == 1), "")
    required = [r.value for r in items if r.kind == K.COMPETENCE and r.required]
    floor = min(required, key=COMPETENCE_ORDER.index) if required else ""
    wished = next((r.value for r in sorted(items, key=lambda r: r.rank) if r.kind == K.COMPETENCE), "")
    return {
        "gender_preference": gender,
        "competence_required": floor,
        "competence_wished": wished if wished and wished != floor else "",
    }


def booking_requirements_create(
    *, booking: InterpreterBooking, requirements: Iterable[RequirementInput]
) -> list[BookingRequirement]:
    """Write the checked requirements of a new booking (inside the caller's transaction)."""
    return BookingRequirement.objects.bulk_create(
        BookingRequirement(booking=booking, kind=r.kind, value=r.value, required=r.required, rank=r.rank)
        for r in requirements
    )


@dataclass(frozen=True)
class Delivered:
    """The interpreter an agency delivered, as far as it told us."""

    gender: str = ""
    competence: str = ""
    agency_ref: str = ""
    official_number: str = ""


def requirement_met_by(*, kind: str, value: str, delivered: Delivered) -> bool | None:
    """Whether the delivered interpreter meets a requirement, or None when we cannot tell."""
    ids = {x for x in (delivered.agency_ref, delivered.official_number) if x}
    if kind == K.GENDER:
        return delivered.gender == value if delivered.gender else None
    if kind == K.COMPETENCE:
        if delivered.competence not in COMPETENCE_ORDER:
            return None
        return COMPETENCE_ORDER.index(delivered.competence) >= COMPETENCE_ORDER.index(value)
    if kind == K.NAMED_INTERPRETER:
        return value in ids if ids else None
    if kind == K.DENIED_INTERPRETER:
        return value not in ids if ids else None
    return None  # a dialect only the agency can vouch for


def requirements_answer(
    *, booking: InterpreterBooking, answers: Mapping[int, bool], delivered: Delivered
) -> list[BookingRequirement]:
    """Record met / not met on each requirement: the agency's answer where it gave one, else what
    the delivered interpreter shows. Called inside the caller's transaction (confirmation or an
    interpreter change); a change of interpreter re-decides every requirement."""
    changed = []
    for req in booking.requirements.all():
        met = answers.get(req.pk)
        if met is None:
            met = requirement_met_by(kind=req.kind, value=req.value, delivered=delivered)
        if req.met != met:
            req.met = met
            changed.append(req)
    BookingRequirement.objects.bulk_update(changed, ["met"])
    return changed
