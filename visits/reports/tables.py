"""Report tables: the same rows feed the HTML table, the CSV and the XLSX export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from interpreters.models import RatingProblem
from visits.models import NotUsedReason
from visits.reports.measures import GAP_REASONS
from visits.reports.selectors import UsageRow


@dataclass(frozen=True)
class Column:
    key: str
    header: Any
    kind: str = "int"  # int | decimal | rate | seconds | kr | text | bool | ci
    get: Callable[[UsageRow], Any] | None = None


@dataclass
class Table:
    name: str
    title: Any
    columns: list[Column]
    rows: list[UsageRow]
    sortable: bool = False
    sort: str = ""
    descending: bool = True
    extra_columns: list[Column] = field(default_factory=list)

    def value(self, row: UsageRow, column: Column) -> Any:
        if column.get is not None:
            return column.get(row)
        if column.key in ("label",):
            return row.label
        if column.key == "period":
            return row.period
        if column.key == "outlier":
            return row.outlier
        if column.key.startswith("outlier_"):
            return row.extra.get(column.key, False)
        return row.measures.as_dict().get(column.key)

    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """Cells as (text, numeric) for the template."""
        out = []
        for row in self.rows:
            out.append([(display(self.value(row, c), c.kind), c.kind not in ("text",)) for c in self.columns])
        return out

    def plain_rows(self) -> list[list[Any]]:
        return [[plain(self.value(row, c), c.kind) for c in self.columns] for row in self.rows]

    def sort_rows(self, key: str, descending: bool) -> None:
        column = next((c for c in self.columns if c.key == key), None)
        if column is None:
            return
        self.sort, self.descending = key, descending
        present = [r for r in self.rows if self.value(r, column) is not None]
        missing = [r for r in self.rows if self.value(r, column) is None]
        present.sort(key=lambda r: _sort_key(self.value(r, column)), reverse=descending)
        self.rows = present + missing


def _sort_key(value: Any) -> Any:
    if isinstance(value, tuple):
        return value[1]
    if isinstance(value, str):
        return value.casefold()
    return value


def display(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    # Rounded here: number_format cuts a float's extra decimals (2/3 would show as 66.6 %).
    if kind == "rate":
        return f"{number_format(round(value * 100, 1), 1)} %"
    if kind == "ci":
        return f"{number_format(round(value[0] * 100, 1), 1)}–{number_format(round(value[1] * 100, 1), 1)} %"
    if kind == "seconds":
        minutes, seconds = divmod(int(value), 60)
        return f"{minutes}:{seconds:02d}"
    if kind == "kr":
        return f"{number_format(round(value / 100), 0, force_grouping=True)} kr"
    if kind == "bool":
        return "⚠" if value else ""
    if kind == "int":
        return number_format(value, 0, force_grouping=True)
    if kind == "decimal":
        return number_format(round(value, 1), 1, force_grouping=True)
    return str(value)


def plain(value: Any, kind: str) -> Any:
    """Machine-readable cell for CSV/XLSX: rates as fractions, money in kronor, seconds as seconds."""
    if value is None:
        return ""
    if kind == "rate":
        # A whole rate (0 or 1) as an int, like kronor below: CSV would write 0.0 where XLSX reads 0.
        rate = round(value, 4)
        return int(rate) if rate == int(rate) else rate
    if kind == "ci":
        return f"{value[0]:.4f}-{value[1]:.4f}"
    if kind == "kr":
        # Whole kronor as an int: CSV would write 85.0 where the XLSX cell reads back 85.
        kronor = round(value / 100, 2)
        return int(kronor) if kronor == int(kronor) else kronor
    if kind == "bool":
        return "yes" if value else ""
    if kind == "decimal":
        # Whole numbers as an int, as for kronor: CSV would write 0.0 where the XLSX cell reads back 0.
        rounded = round(value, 2)
        return int(rounded) if rounded == int(rounded) else rounded
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def measure_columns(*, visit_measures: bool = True, outlier: bool = False) -> list[Column]:
    cols: list[Column] = []
    if visit_measures:
        cols += [
            Column("visits", _("Visits")),
            Column("need", _("Language need")),
            Column("need_rate", _("Need rate"), "rate"),
            Column("wanted", _("Interpreter wanted")),
            Column("wanted_used", _("Interpreter used")),
            Column("use_rate", _("Use rate"), "rate"),
            Column("use_rate_ci", _("95% CI"), "ci", get=lambda r: r.measures.use_rate_ci),
            Column("gap", _("Under-use gap")),
        ]
    cols += [
        Column("bookings", _("Bookings")),
        Column("bookings_confirmed", _("Confirmed")),
        Column("bookings_failed", _("Failed")),
        Column("bookings_cancelled", _("Cancelled")),
        Column("bookings_no_show", _("No-show")),
        Column("fulfilment_rate", _("Fulfilment rate"), "rate"),
        Column("connect_median_s", _("Time to connect, median (m:s)"), "seconds"),
        Column("connect_p90_s", _("Time to connect, p90 (m:s)"), "seconds"),
        Column("minutes", _("Interpreter minutes")),
        Column("cost_ore", _("Cost"), "kr"),
        Column("cost_estimated_ore", _("Estimated cost"), "kr"),
        Column("cost_reported_ore", _("Reported cost"), "kr"),
        Column("cost_confirmed_ore", _("Confirmed cost"), "kr"),
        Column("disputed_minutes", _("Disputed minutes")),
        Column("cancellations_billable", _("Cancellations with a fee")),
        Column("cancellation_fees_ore", _("Cancellation fees"), "kr"),
        *quality_columns(),
    ]
    if visit_measures:
        cols.append(Column("cost_per_need_visit_ore", _("Cost per visit with need"), "kr"))
        cols += workload_columns(outlier=outlier)
    if outlier:
        cols.append(Column("outlier", _("Below national rate"), "bool"))
    return cols


def _problem_getter(problem: str) -> Callable[[UsageRow], int | None]:
    return lambda r: (r.measures.rating_problems or {}).get(problem)


def quality_columns() -> list[Column]:
    """After the call (issue 10): requirements met, authorised interpreters, ratings, complaints."""
    return [
        Column("requirements_asked", _("Requirements asked")),
        Column("requirements_met", _("Requirements met")),
        Column("requirements_unmet", _("Requirements not met")),
        Column("requirements_met_rate", _("Requirements met rate"), "rate"),
        Column("calls_authorised", _("Calls with an authorised interpreter")),
        Column("authorised_share", _("Share with an authorised interpreter"), "rate"),
        Column("ratings", _("Ratings")),
        Column("rating_average", _("Average stars"), "decimal"),
        *(
            Column(f"rating_problem_{problem}", _("Rated problem: %(problem)s") % {"problem": label},
                   get=_problem_getter(problem))
            for problem, label in RatingProblem.choices
        ),
        Column("complaints", _("Complaints")),
        Column("complaints_per_100", _("Complaints per 100 completed bookings"), "decimal"),
        Column("complaints_accepted", _("Complaints accepted")),
        Column("complaints_disputed", _("Complaints disputed")),
    ]  # fmt: skip


def workload_columns(*, outlier: bool = False) -> list[Column]:
    """Waits, service times, staffing and cost per visit (the follow-up model per office)."""
    cols = [
        Column("wait_median_s", _("Wait, median (m:s)"), "seconds"),
        Column("wait_p90_s", _("Wait, p90 (m:s)"), "seconds"),
        Column("service_median_s", _("Service time, median (m:s)"), "seconds"),
        Column("service_p90_s", _("Service time, p90 (m:s)"), "seconds"),
        Column("extra_service_minutes_interpreted", _("Extra minutes per interpreted visit"), "decimal"),
        Column("left_before_service", _("Left before service")),
        Column("officer_hours", _("Officer hours"), "decimal"),
        Column("visits_per_officer_hour", _("Visits per officer hour"), "decimal"),
        Column("served_minutes_per_officer_hour", _("Served minutes per officer hour"), "decimal"),
        Column("cost_per_visit_ore", _("Interpreting cost per visit"), "kr"),
        Column("gap_cost_ore", _("Cost of closing the gap (estimate)"), "kr"),
    ]
    if outlier:
        cols += [
            Column("outlier_visits_per_officer_hour", _("Visits per officer hour far from national"), "bool"),
            Column("outlier_wait", _("Wait far above national"), "bool"),
        ]
    return cols


def _gap_getter(reason: str) -> Callable[[UsageRow], int | None]:
    return lambda r: (r.measures.gap_by_reason or {}).get(reason)


def gap_columns() -> list[Column]:
    labels = dict(NotUsedReason.choices)
    labels["unrecorded"] = _("No outcome recorded")
    return [
        Column(
            f"gap_{reason}",
            labels[reason],
            get=_gap_getter(reason),
        )
        for reason in GAP_REASONS
    ]


def export_response(table: Table, fmt: str, filename: str) -> HttpResponse:
    headers = [str(c.header) for c in table.columns]
    rows = table.plain_rows()
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=str(table.title)[:31] or "report")
        ws.append([_xlsx_cell(ws, h) for h in headers])
        for row in rows:
            ws.append([_xlsx_cell(ws, v) for v in row])
        buf = io.BytesIO()
        wb.save(buf)
        response = HttpResponse(
            buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(_csv_safe(row) for row in rows)
    # UTF-8 with BOM so Excel opens å/ä/ö correctly.
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# Spreadsheet formula injection: a text cell starting with one of these is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _xlsx_cell(ws: Any, value: Any) -> Any:
    """Every string is written as a text cell: openpyxl would store one starting with = as a live formula."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def _csv_safe(row: Sequence[Any]) -> list[Any]:
    # A label starting like a formula is prefixed with a quote.
    return [f"'{v}" if isinstance(v, str) and v[:1] in FORMULA_STARTS and not _is_number(v) else v for v in row]


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
