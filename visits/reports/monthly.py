"""The monthly management report: one month's key figures, the daily trend, the office ranking and
the outliers, for the whole country, a manager's offices or one office, as a printable PDF in
Swedish (``manage.py usage_report --month 2026-10 [--office N]`` and the button on the report
overview).

The figures come from the same selectors as the report pages (``usage_report``,
``national_comparison``), so the PDF never disagrees with the page for the same month. fpdf2 is pure
Python (no system libraries); it is imported only when a PDF is made."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from visits.models import Office
from visits.reports.measures import Measures
from visits.reports.selectors import UsageQuery, UsageRow, national_comparison, usage_report
from visits.reports.tables import Column, display, measure_columns

#: Key figures in the report, in this order (their labels are the tables' column headers).
KEY_FIGURES = (
    "visits",
    "need_rate",
    "use_rate",
    "gap",
    "bookings",
    "fulfilment_rate",
    "connect_median_s",
    "minutes",
    "cost_ore",
    "cost_confirmed_ore",
    "cost_per_need_visit_ore",
    "cancellation_fees_ore",
    "wait_median_s",
    "service_median_s",
    "officer_hours",
    "visits_per_officer_hour",
    "served_minutes_per_officer_hour",
    "cost_per_visit_ore",
    "gap_cost_ore",
)

#: Ranking columns of the PDF (a page is narrower than the screen table).
RANKING_COLUMNS = (
    "visits",
    "need_rate",
    "use_rate",
    "gap",
    "cost_per_visit_ore",
    "visits_per_officer_hour",
    "wait_median_s",
)

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

# A Unicode TrueType font (Debian's DejaVu or Noto: fonts-noto-core is what .ci/test installs); without
# one the PDF falls back to the PDF core font, which only knows Latin-1 (å, ä, ö included).
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"),
)


class MonthError(ValueError):
    """The month is not YYYY-MM, or lies in the future."""


def parse_month(value: str, *, today: date | None = None) -> date:
    """``2026-10`` -> date(2026, 10, 1). A month that has not started yet has no figures."""
    match = MONTH_RE.match(value or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise MonthError(_("Write the month as YYYY-MM, for example 2026-10."))
    month = date(int(match.group(1)), int(match.group(2)), 1)
    if month > (today or timezone.localdate()):
        raise MonthError(_("That month has not started yet."))
    return month


def previous_month(today: date | None = None) -> date:
    first = (today or timezone.localdate()).replace(day=1)
    return first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(month=first.month - 1)


@dataclass(frozen=True)
class MonthlyReport:
    month: date
    scope: str
    totals: Measures | None
    national: Measures | None
    national_note: str
    days: list[UsageRow]
    offices: list[UsageRow]

    @property
    def last_day(self) -> date:
        return self.month.replace(day=calendar.monthrange(self.month.year, self.month.month)[1])

    @property
    def outliers(self) -> list[UsageRow]:
        return [r for r in self.offices if r.outlier or any(r.extra.get(k) for k in OUTLIER_FLAGS)]


#: The outlier flags besides the use-rate one, with their short label.
OUTLIER_FLAGS = ("outlier_visits_per_officer_hour", "outlier_wait")


def monthly_report_build(*, month: date, offices: frozenset[int] | None, office: int | None = None) -> MonthlyReport:
    """The month's figures for ``office`` (one office), else the ``offices`` a manager may see
    (None = the whole country). The national comparison follows the report pages' suppression rule.
    Its texts are Swedish, as the PDF is, whatever the caller's language."""
    with translation.override("sv"):
        return _build(month=month, offices=offices, office=office)


def _build(*, month: date, offices: frozenset[int] | None, office: int | None) -> MonthlyReport:
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    query = UsageQuery(date_from=month, date_to=last, offices=offices, office=office)
    totals = usage_report(query)
    comparison = national_comparison(query, restricted=offices is not None)
    if office is not None:
        scope = Office.objects.get(pk=office).name
    elif offices is None:
        scope = _("All offices (national)")
    else:
        names = list(Office.objects.filter(pk__in=offices).order_by("name").values_list("name", flat=True))
        scope = ", ".join(names) if len(names) <= 3 else _("Your %(n)s offices") % {"n": len(names)}
    ranking = usage_report(replace(query, group_by="office"))
    ranking.sort(key=lambda r: (r.measures.use_rate is None, -(r.measures.use_rate or 0), r.label))
    return MonthlyReport(
        month=month,
        scope=scope,
        totals=totals[0].measures if totals else None,
        national=comparison.measures,
        national_note=comparison.note,
        days=usage_report(replace(query, period="day")),
        offices=ranking,
    )


def monthly_report_filename(report: MonthlyReport, office: int | None = None) -> str:
    return f"usage-report-{report.month:%Y-%m}" + (f"-office-{office}" if office else "") + ".pdf"


# --- rendering ---------------------------------------------------------------------------------------------


class PdfUnavailable(RuntimeError):
    """The PDF library is not installed."""


def monthly_report_pdf(report: MonthlyReport) -> bytes:
    """The report as PDF bytes, in Swedish whatever the caller's language."""
    try:
        from fpdf import FPDF
    except ImportError as exc:  # pragma: no cover - the library is a runtime dependency
        raise PdfUnavailable("The PDF library fpdf2 is not installed: pip install -r requirements.lock") from exc
    with translation.override("sv"):
        return _Renderer(FPDF, report).render()


class _Renderer:
    MARGIN = 15
    BAR = (31, 90, 150)
    LIGHT = (200, 215, 230)

    def __init__(self, fpdf_class: Any, report: MonthlyReport) -> None:
        self.report = report
        self.pdf = fpdf_class(orientation="P", unit="mm", format="A4")
        self.pdf.set_margins(self.MARGIN, self.MARGIN, self.MARGIN)
        self.pdf.set_auto_page_break(auto=True, margin=self.MARGIN)
        self.unicode = self._load_font()
        self.columns = {c.key: c for c in measure_columns(visit_measures=True, outlier=True)}

    def _load_font(self) -> bool:
        for regular, bold in FONT_CANDIDATES:
            if Path(regular).is_file() and Path(bold).is_file():
                self.pdf.add_font("body", "", regular)
                self.pdf.add_font("body", "B", bold)
                self.font = "body"
                return True
        self.font = "helvetica"
        return False

    def text(self, value: Any) -> str:
        text = str(value)
        # The core font's Latin-1: a character it lacks shows as "?" rather than failing the report.
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def render(self) -> bytes:
        pdf, report = self.pdf, self.report
        title = _("Interpreter use, monthly report %(month)s") % {"month": _month_name(report.month)}
        pdf.set_title(self.text(title))
        pdf.set_lang("sv")
        pdf.set_creator("tolkdesk")
        pdf.add_page()
        pdf.set_font(self.font, "B", 16)
        pdf.multi_cell(0, 8, self.text(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(self.font, "", 10)
        pdf.multi_cell(
            0,
            5,
            self.text(
                _("%(scope)s · %(first)s–%(last)s · made %(made)s")
                % {
                    "scope": report.scope,
                    "first": report.month.isoformat(),
                    "last": report.last_day.isoformat(),
                    "made": timezone.localdate().isoformat(),
                }
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self._key_figures()
        self._trend_chart()
        self._ranking()
        self._outliers()
        self._notes()
        return bytes(pdf.output())

    def heading(self, text: str) -> None:
        self.pdf.ln(4)
        self.pdf.set_font(self.font, "B", 12)
        self.pdf.cell(0, 7, self.text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(self.font, "", 9)

    def value(self, measures: Measures | None, key: str) -> str:
        if measures is None:
            return "–"
        column: Column = self.columns[key]
        return self.text(display(measures.as_dict().get(key), column.kind))

    def _key_figures(self) -> None:
        report = self.report
        self.heading(_("Key figures"))
        with self.pdf.table(col_widths=(90, 45, 45), text_align=("LEFT", "RIGHT", "RIGHT"), line_height=5) as table:
            header = table.row()
            for text in (_("Measure"), report.scope if len(report.scope) < 28 else _("This selection"), _("National")):
                header.cell(self.text(text))
            for key in KEY_FIGURES:
                row = table.row()
                row.cell(self.text(self.columns[key].header))
                row.cell(self.value(report.totals, key))
                row.cell(self.value(report.national, key) if report.national is not None else "–")
        if report.national is None and report.national_note:
            self.pdf.set_font(self.font, "", 8)
            self.pdf.multi_cell(0, 4, self.text(report.national_note), new_x="LMARGIN", new_y="NEXT")

    def _trend_chart(self) -> None:
        """Use rate per day as bars (0-100 %); days without visits have no bar."""
        pdf, days = self.pdf, self.report.days
        self.heading(_("Use rate per day"))
        if not days:
            pdf.cell(0, 5, self.text(_("No visits this month.")), new_x="LMARGIN", new_y="NEXT")
            return
        height, width = 40.0, pdf.w - 2 * self.MARGIN - 12
        if pdf.get_y() + height + 12 > pdf.h - self.MARGIN:
            pdf.add_page()
        top, left = pdf.get_y() + 2, self.MARGIN + 12
        n = self.report.last_day.day
        step = width / n
        pdf.set_draw_color(150, 150, 150)
        pdf.set_font(self.font, "", 7)
        for pct in (0, 50, 100):
            y = top + height * (1 - pct / 100)
            pdf.line(left, y, left + width, y)
            pdf.text(self.MARGIN, y + 1, f"{pct} %")
        pdf.set_fill_color(*self.BAR)
        by_day = {row.period.day: row.measures.use_rate for row in days if row.period}
        for day in range(1, n + 1):
            rate = by_day.get(day)
            x = left + (day - 1) * step
            if rate is not None:
                pdf.rect(x + step * 0.15, top + height * (1 - rate), step * 0.7, height * rate, style="F")
            if day == 1 or day % 5 == 0:
                pdf.text(x + step * 0.1, top + height + 4, str(day))
        pdf.set_y(top + height + 7)

    def _ranking(self) -> None:
        offices = self.report.offices
        self.heading(_("Office ranking by use rate"))
        if not offices:
            self.pdf.cell(0, 5, self.text(_("No visits this month.")), new_x="LMARGIN", new_y="NEXT")
            return
        widths = (52, 14, 17, 17, 14, 22, 20, 18, 6)
        headers = [_("Office"), *(self.columns[k].header for k in RANKING_COLUMNS), "!"]
        self.pdf.set_font(self.font, "", 7)
        with self.pdf.table(
            col_widths=widths, text_align=("LEFT", *["RIGHT"] * len(RANKING_COLUMNS), "CENTER"), line_height=4
        ) as table:
            header = table.row()
            for text in headers:
                header.cell(self.text(text))
            for row in offices:
                cells = table.row()
                cells.cell(self.text(row.label))
                for key in RANKING_COLUMNS:
                    cells.cell(self.value(row.measures, key))
                cells.cell("!" if row in self.report.outliers else "")

    def _outliers(self) -> None:
        outliers = self.report.outliers
        self.heading(_("Outliers"))
        if not outliers:
            self.pdf.multi_cell(0, 5, self.text(_("No office stands out this month.")), new_x="LMARGIN", new_y="NEXT")
            return
        for row in outliers:
            reasons = []
            if row.outlier:
                reasons.append(_("use rate significantly below the national rate"))
            if row.extra.get("outlier_visits_per_officer_hour"):
                reasons.append(_("visits per officer hour far from the national figure"))
            if row.extra.get("outlier_wait"):
                reasons.append(_("wait far above the national figure"))
            self.pdf.multi_cell(0, 5, self.text(f"• {row.label}: {', '.join(reasons)}"), new_x="LMARGIN", new_y="NEXT")

    def _notes(self) -> None:
        self.heading(_("How to read this report"))
        self.pdf.set_font(self.font, "", 8)
        for note in (
            _(
                "Use rate: visits where an interpreter was wanted and used, of all visits where one was wanted. "
                "The under-use gap counts the visits where one was wanted but not used."
            ),
            _(
                "Cost of closing the gap: the gap times the office's average confirmed cost per interpreted "
                "visit this month (an estimate; it assumes the missing calls would cost what the used ones did)."
            ),
            _(
                "An office is marked ! when its use rate lies significantly below the national rate (the whole "
                "95-percent interval below it), or its visits per officer hour or its wait are far from the national "
                "figure. See the README's Measures for the definitions."
            ),
        ):
            self.pdf.multi_cell(0, 4, self.text(note), new_x="LMARGIN", new_y="NEXT")
            self.pdf.ln(1)


def _month_name(month: date) -> str:
    """ "oktober 2026": Babel's CLDR month name in the active language."""
    from babel.dates import format_date

    return format_date(month, "LLLL y", locale=translation.to_locale(translation.get_language() or "sv"))
