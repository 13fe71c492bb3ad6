"""What a report row is attributed to: the one definition of each report dimension (README: "one
definition"). The rollup writer (visits/reports/services.py) and the report queries over the rollups
and over the raw rows (visits/reports/selectors.py) all read this table, so a visit or booking counts
under the same office, county, authority, language, agency and modality whichever path answers.

Each dimension names where its value lives on each source: a rollup table's column (or lookup), the
visit, the booking and the office-day staffing row. A dimension visits do not have (agency, modality)
is booking-only: a report sliced by it shows booking measures only.
"""

from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

Source = Literal["rollup", "visit", "booking", "staffing"]


@dataclass(frozen=True)
class Dimension:
    rollup: str
    visit: str | None
    booking: str
    staffing: str | None = None
    # For a visit, no row behind the lookup (no language need) is the value "" (the rollups store "").
    visit_missing_is_empty: bool = False

    def path(self, source: Source) -> str | None:
        return getattr(self, source)

    def expression(self, source: Source) -> Any:
        """The value to group by on `source`."""
        path = self.path(source)
        if path is None:
            raise ValueError(f"the {source} rows have no such dimension")
        if source == "visit" and self.visit_missing_is_empty:
            return Coalesce(F(path), Value(""))
        return F(path)

    def matches(self, source: Source, value: Any) -> Q:
        """The rows of `source` whose value is `value`."""
        path = self.path(source)
        if path is None:
            raise ValueError(f"the {source} rows have no such dimension")
        if source == "visit" and self.visit_missing_is_empty and value == "":
            return Q(**{f"{path.rsplit('__', 1)[0]}__isnull": True})
        return Q(**{path: value})


# The service date: a rollup's day, the visit's date, the booking's visit's date, the staffing day.
DAY = Dimension(rollup="day", visit="service_date", booking="visit__service_date", staffing="date")

DIMENSIONS: dict[str, Dimension] = {
    "office": Dimension(rollup="office_id", visit="office_id", booking="visit__office_id", staffing="office_id"),
    "county": Dimension(
        rollup="office__county", visit="office__county", booking="visit__office__county", staffing="office__county"
    ),
    "authority": Dimension(rollup="authority_id", visit="authority_id", booking="visit__authority_id"),
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


def rollup_key_expressions(names: tuple[str, ...], source: Source) -> dict[str, Any]:
    """{rollup column: expression on `source`}: the SELECT that fills a fine rollup table's keys."""
    return {dimension(name).rollup: dimension(name).expression(source) for name in names}


def report_filter(
    source: Source,
    *,
    date_from: Any,
    date_to: Any,
    offices: frozenset[int] | None = None,
    values: dict[str, Any],
    day_path: str | None = None,
) -> Q:
    """The rows of `source` in the date range, at `offices` (None: all) and matching every dimension
    value in `values` (None: not filtered; "" is a value: the language of visits without a need).
    `day_path` overrides where the date lives (MonthlyOfficeUsage: "month")."""
    where = Q(**{f"{day_path or DAY.path(source)}__range": (date_from, date_to)})
    if offices is not None:
        where &= Q(**{f"{DIMENSIONS['office'].path(source)}__in": offices})
    for name, value in values.items():
        if value is None:
            continue
        where &= DIMENSIONS[name].matches(source, value)
    return where
