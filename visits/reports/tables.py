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
    #: A chart (inline SVG) shown under the table's heading, above the table, so a chart and its
    #: figures share one heading.
    chart: str = ""
    #: The row header's link (the ranking links each office to its page).
    row_link: Callable[[UsageRow], str] | None = None

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

    def display_rows(self) -> list[list[tuple[str, bool, str]]]:
        """Cells as (text, numeric, link) for the template; only the row header has a link."""
        out = []
        for row in self.rows:
            link = self.row_link(row) if self.row_link is not None and row.group is not None else ""
            out.append(
                [
                    (display(self.value(row, c), c.kind), c.kind not in ("text",), link if i == 0 else "")
                    for i, c in enumerate(self.columns)
                ]
            )
        return out

    def export_rows(self) -> list[list[Any]]:
        return [[export_value(self.value(row, c), c.kind) for c in self.columns] for row in self.rows]

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


def export_value(value: Any, kind: str) -> Any:
    """A cell for CSV/XLSX in the page's units and rounding: a rate as a percentage with one decimal
    (12.3, as the page's "12,3 %"), money in whole kronor, times as m:ss (the unit the header names),
    decimals with one decimal. Numbers stay numbers so a spreadsheet can sum them."""
    if value is None:
        return None
    if kind == "rate":
        return round(value * 100, 1)
    if kind == "ci":
        return (round(value[0] * 100, 1), round(value[1] * 100, 1))
    if kind == "kr":
        return round(value / 100)
    if kind == "decimal":
        return round(value, 1)
    if kind == "seconds":
        return int(value)
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
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


#: ``?export=`` values: standard CSV (comma, decimal point), CSV for Swedish Excel (semicolon,
#: decimal comma) and a typed XLSX workbook.
EXPORT_FORMATS = ("csv", "csv-sv", "xlsx")

#: The unit a header names, so an exported number is never read in the wrong unit.
_UNIT_SUFFIX = {"rate": " (%)", "ci": " (%)", "kr": " (kr)"}

#: XLSX number formats per column kind: the cell shows what the page shows, and stays a number.
_XLSX_FORMATS = {
    "int": "#,##0",
    "kr": "#,##0",
    "decimal": "#,##0.0",
    "rate": "0.0%",
    "seconds": "[m]:ss",
}


def export_header(column: Column) -> str:
    header = str(column.header)
    suffix = _UNIT_SUFFIX.get(column.kind, "")
    return header if not suffix or header.endswith(suffix) else header + suffix


def _text_cell(value: Any, kind: str, *, decimal_comma: bool) -> Any:
    """A CSV cell: numbers as numbers (decimal comma for Swedish Excel), times as m:ss."""
    if value is None:
        return ""
    if kind == "seconds":
        minutes, seconds = divmod(value, 60)
        return f"{minutes}:{seconds:02d}"
    if kind == "ci":
        value = f"{value[0]}–{value[1]}"
    elif kind == "bool":
        return "⚠" if value else ""
    elif isinstance(value, float):
        value = repr(value)
    if decimal_comma and kind in ("rate", "ci", "decimal"):
        return str(value).replace(".", ",")
    return value


def export_response(table: Table, fmt: str, filename: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(fmt)
    headers = [export_header(c) for c in table.columns]
    kinds = [c.kind for c in table.columns]
    rows = table.export_rows()
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=_sheet_title(table.title))
        ws.append([_xlsx_cell(ws, h) for h in headers])
        for row in rows:
            ws.append([_xlsx_cell(ws, v, kind) for v, kind in zip(row, kinds, strict=True)])
        buf = io.BytesIO()
        wb.save(buf)
        response = HttpResponse(
            buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    swedish = fmt == "csv-sv"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if swedish else ",")
    writer.writerow(_csv_safe(headers))
    for row in rows:
        writer.writerow(
            _csv_safe([_text_cell(v, kind, decimal_comma=swedish) for v, kind in zip(row, kinds, strict=True)])
        )
    # UTF-8 with BOM so Excel opens å/ä/ö correctly.
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}{"-sv" if swedish else ""}.csv"'
    return response


def _sheet_title(title: Any) -> str:
    # Excel refuses these characters in a sheet name, and names longer than 31.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return cleaned[:31] or "report"


# Spreadsheet formula injection: a text cell starting with one of these is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _xlsx_cell(ws: Any, value: Any, kind: str = "text") -> Any:
    """A typed cell: numbers with the column's number format (a rate is stored as a fraction with a
    percent format, a time as a fraction of a day shown as m:ss), every string as a text cell:
    openpyxl would store one starting with = as a live formula."""
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if kind == "ci":
        value = f"{value[0]}–{value[1]}"
    elif kind == "bool":
        value = "⚠" if value else ""
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    if kind == "rate":
        value = round(value / 100, 3)
    elif kind == "seconds":
        value = value / 86400
    cell = WriteOnlyCell(ws, value=value)
    if kind in _XLSX_FORMATS:
        cell.number_format = _XLSX_FORMATS[kind]
    return cell


def _csv_safe(row: Sequence[Any]) -> list[Any]:
    # A label starting like a formula is prefixed with a quote.
    return [f"'{v}" if isinstance(v, str) and v[:1] in FORMULA_STARTS and not _is_number(v) else v for v in row]


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True
