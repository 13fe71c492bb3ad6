"""What a report row is attributed to: the one definition of each report dimension (README: "one
definition"). The rollup writer (visits/reports/services.py) and the report queries over the rollups
and over the raw rows (visits/reports/selectors.py) all read this table, so a visit or booking counts
under the same office, county, authority, language, agency and modality whichever path answers.

Each dimension names where its value lives on each source: a rollup table's column (or lookup), the
visit, the booking and the office-day staffing row. A dimension visits do not have (agency, modality)
is booking-only: a report sliced by it shows booking measures only.

A booking belongs to a visit or, before check-in, to an appointment (exactly one; issue 11) and counts
on its owner's date, office and authority: its paths to those go through ``{owner}``, which names the
owner (an appointment has the visit's field names). Every reader of bookings goes through ``held_by``
and the paths for one owner at a time: the rollup refresh (visits/reports/services.py) and the raw
report path (visits/reports/selectors.py) alike.
"""

from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

Source = Literal["rollup", "visit", "booking", "staffing"]
BookingOwner = Literal["visit", "appointment"]
# Each owner is read on its own and the counts added up: an OR across both joins would cost the
# rollup refresh its indexes.
BOOKING_OWNERS: tuple[BookingOwner, ...] = ("visit", "appointment")


def held_by(owner: BookingOwner) -> Q:
    """The bookings `owner` holds. A visit's: a filter on the visit's columns already leaves out the
    bookings without one. An appointment's: only those no visit has taken over (at check-in a
    pre-booking moves to the visit)."""
    return Q() if owner == "visit" else Q(visit__isnull=True)


@dataclass(frozen=True)
class Dimension:
    rollup: str
    visit: str | None
    # "{owner}__..." is read through the booking's owner (see the module docstring).
    booking: str
    staffing: str | None = None
    # For a visit, no row behind the lookup (no language need) is the value "" (the rollups store "").
    visit_missing_is_empty: bool = False

    def path(self, source: Source, *, owner: BookingOwner = "visit") -> str:
        """Where the value lives on `source`; for bookings, on those `owner` holds."""
        path: str | None = getattr(self, source)
        if path is None:
            raise ValueError(f"the {source} rows have no such dimension")
        return path.format(owner=owner) if source == "booking" else path

    def expression(self, source: Source, *, owner: BookingOwner = "visit") -> Any:
        """The value to group by on `source`."""
        path = self.path(source, owner=owner)
        if source == "visit" and self.visit_missing_is_empty:
            return Coalesce(F(path), Value(""))
        return F(path)

    def matches(self, source: Source, value: Any, *, owner: BookingOwner = "visit") -> Q:
        """The rows of `source` whose value is `value`."""
        path = self.path(source, owner=owner)
        if source == "visit" and self.visit_missing_is_empty and value == "":
            return Q(**{f"{path.rsplit('__', 1)[0]}__isnull": True})
        return Q(**{path: value})


# The service date: a rollup's day, the visit's date, the booking's owner's date, the staffing day.
DAY = Dimension(rollup="day", visit="service_date", booking="{owner}__service_date", staffing="date")

DIMENSIONS: dict[str, Dimension] = {
    "office": Dimension(rollup="office_id", visit="office_id", booking="{owner}__office_id", staffing="office_id"),
    "county": Dimension(
        rollup="office__county", visit="office__county", booking="{owner}__office__county", staffing="office__county"
    ),
    "authority": Dimension(rollup="authority_id", visit="authority_id", booking="{owner}__authority_id"),
    "language": Dimension(
        rollup="language", visit="language_need__language", booking="language", visit_missing_is_empty=True
    ),
    "agency": Dimension(rollup="agency_id", visit=None, booking="agency_id"),
    "modality": Dimension(rollup="modality", visit=None, booking="modality"),
}

GROUP_BY_CHOICES = tuple(DIMENSIONS)
# Slicing by one of these leaves only bookings: visits have no agency or modality.
BOOKING_ONLY = frozenset(name for name, dim in DIMENSIONS.items() if dim.visit is None)
# Groupings the day x office table answers by itself (a year of it is ~40k rows; the fine visit table
# holds some 20 times more).
COARSE = frozenset({"office", "county"})

# The key columns of the fine rollup tables, in order: (rollup column, dimension).
VISIT_ROLLUP_KEYS = ("day", "office", "authority", "language")
BOOKING_ROLLUP_KEYS = (*VISIT_ROLLUP_KEYS, "agency", "modality")


def dimension(name: str) -> Dimension:
    return DAY if name == "day" else DIMENSIONS[name]


def rollup_key_expressions(names: tuple[str, ...], source: Source, *, owner: BookingOwner = "visit") -> dict[str, Any]:
    """{rollup column: expression on `source`}: the SELECT that fills a fine rollup table's keys."""
    return {dimension(name).rollup: dimension(name).expression(source, owner=owner) for name in names}


def report_filter(
    source: Source,
    *,
    date_from: Any,
    date_to: Any,
    offices: frozenset[int] | None = None,
    values: dict[str, Any],
    day_path: str | None = None,
    owner: BookingOwner = "visit",
) -> Q:
    """The rows of `source` in the date range, at `offices` (None: all) and matching every dimension
    value in `values` (None: not filtered; "" is a value: the language of visits without a need).
    `day_path` overrides where the date lives (MonthlyOfficeUsage: "month"). For bookings: those
    `owner` holds (``held_by``), by their owner's date and office."""
    day = day_path or DAY.path(source, owner=owner)
    # One day is an equality: PostgreSQL estimates a range with equal ends at one row, which misleads
    # the plans of a one-day refresh (visits/reports/services.py:usage_rollup_refresh).
    where = Q(**{day: date_from}) if date_from == date_to else Q(**{f"{day}__range": (date_from, date_to)})
    if source == "booking":
        where &= held_by(owner)
    if offices is not None:
        where &= Q(**{f"{DIMENSIONS['office'].path(source, owner=owner)}__in": offices})
    for name, value in values.items():
        if value is None:
            continue
        where &= DIMENSIONS[name].matches(source, value, owner=owner)
    return where
