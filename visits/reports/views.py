"""Report pages: national overview, office ranking, one office. National admins see every office,
office managers their own offices; anyone else gets 403. Every table exports as CSV/XLSX with
``?export=csv|xlsx&table=<name>`` and the page's filters."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from interpreters.models import InterpreterAgency, Modality
from visits.models import Authority, County, Language, Office
from visits.reports.charts import Series, bar_chart, line_chart
from visits.reports.params import UsageQuerySerializer
from visits.reports.selectors import (
    UsageQuery,
    language_label,
    national_comparison,
    report_offices_for_user,
    usage_report,
)
from visits.reports.tables import Column, Table, export_response, gap_columns, measure_columns

PERIOD_LABELS = {"day": "%Y-%m-%d", "week": "%G-W%V", "month": "%Y-%m", "year": "%Y"}


def _filters(request: HttpRequest, *, default_period: str, allowed: frozenset[int] | None) -> tuple[UsageQuery, dict]:
    data = {k: v for k, v in request.GET.items() if v and k not in ("export", "table", "sort", "dir")}
    data.setdefault("period", default_period)
    data.pop("group_by", None)
    data.pop("office", None)
    params = UsageQuerySerializer(data=data, allowed_offices=allowed)
    errors: dict = {}
    if not params.is_valid():
        errors = params.errors
        params = UsageQuerySerializer(data={"period": default_period}, allowed_offices=allowed)
        params.is_valid(raise_exception=True)
    return params.to_query(), {"errors": errors, "values": data, "query": params.validated_data}


def _allowed(request: HttpRequest) -> frozenset[int] | None:
    allowed = report_offices_for_user(request.user)
    if allowed is not None and not allowed:
        raise PermissionDenied
    return allowed


def _filter_context(values: dict) -> dict[str, Any]:
    base = QueryDict(mutable=True)
    base.update({k: v for k, v in values.items()})
    return {
        "base_qs": base.urlencode(),
        "periods": [("day", _("Day")), ("week", _("Week")), ("month", _("Month")), ("year", _("Year"))],
        "counties": County.choices,
        "authorities": list(Authority.objects.values_list("code", "name")),
        # The rows hold their own name overrides.
        "languages": [
            (lang.code, language_label(lang.code, overrides={lang.code: lang}))
            for lang in Language.objects.filter(active=True)
        ],
        "agencies": list(InterpreterAgency.objects.values_list("slug", "name")),
        "modalities": Modality.choices,
        "values": values,
    }


def _maybe_export(request: HttpRequest, tables: list[Table], stem: str) -> HttpResponse | None:
    fmt = request.GET.get("export")
    if not fmt:
        return None
    if fmt not in ("csv", "xlsx"):
        raise Http404
    table = next((t for t in tables if t.name == request.GET.get("table")), None)
    if table is None:
        raise Http404
    return export_response(table, fmt, f"{stem}-{table.name}")


def _period_label(row: Any, period: str | None) -> str:
    return row.period.strftime(PERIOD_LABELS[period]) if row.period and period else ""


def _trend(query: UsageQuery, title: str) -> tuple[Table, Any]:
    rows = usage_report(query)
    visit_measures = query.visit_measures
    period = query.period
    columns = [Column("period", _("Period"), "text", get=lambda r: _period_label(r, period))]
    table = Table("trend", title, columns + measure_columns(visit_measures=visit_measures), rows)
    labels = [_period_label(r, period) for r in rows]
    series = [Series(_("Fulfilment rate"), [r.measures.fulfilment_rate for r in rows])]
    if visit_measures:
        series = [
            Series(_("Use rate"), [r.measures.use_rate for r in rows]),
            Series(_("Need rate"), [r.measures.need_rate for r in rows]),
            *series,
        ]
    return table, line_chart(title, labels, series)


def _national_context(query: UsageQuery, allowed: frozenset[int] | None) -> dict[str, Any]:
    comparison = national_comparison(query, restricted=allowed is not None)
    return {"national": comparison.measures, "national_note": comparison.note}


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    allowed = _allowed(request)
    query, form = _filters(request, default_period="month", allowed=allowed)
    trend_table, trend_chart = _trend(query, _("Trend"))
    totals = usage_report(replace(query, period=None))
    label_col = [Column("label", _("Offices"), "text")]
    visit_measures = query.visit_measures
    totals_table = Table("totals", _("Totals"), label_col + measure_columns(visit_measures=visit_measures), totals)
    gaps_table = Table("gaps", _("Under-use gap by reason"), label_col + gap_columns(), totals)
    comparison = national_comparison(query, restricted=allowed is not None)
    offices = usage_report(replace(query, period=None, group_by="office"))
    outliers = [r for r in offices if r.outlier]
    outlier_table = Table(
        "outliers",
        _("Offices significantly below the national use rate"),
        [Column("label", _("Office"), "text")] + measure_columns(visit_measures=True)[:8],
        outliers,
    )
    tables = [trend_table, totals_table, gaps_table, outlier_table]
    export = _maybe_export(request, tables, "usage")
    if export:
        return export
    gap_items = []
    if totals and totals[0].measures.gap_by_reason:
        for col in gap_columns():
            value = col.get(totals[0]) if col.get else None
            gap_items.append((str(col.header), float(value or 0), None))
    return render(
        request,
        "reports/overview.html",
        {
            "form": form,
            **_filter_context(form["values"]),
            "national": comparison.measures,
            "national_note": comparison.note,
            "scoped": allowed is not None,
            "tables": tables,
            "trend_chart": trend_chart,
            "gap_chart": bar_chart(_("Under-use gap by reason"), gap_items, percent=False) if gap_items else "",
        },
    )


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    allowed = _allowed(request)
    query, form = _filters(request, default_period="month", allowed=allowed)
    query = replace(query, period=None, group_by="office")
    rows = usage_report(query)
    visit_measures = query.visit_measures
    columns = [Column("label", _("Office"), "text")] + measure_columns(
        visit_measures=visit_measures, outlier=visit_measures
    )
    table = Table("offices", _("Office ranking"), columns, rows, sortable=True)
    sort = request.GET.get("sort", "")
    if sort not in {column.key for column in columns}:
        sort = "use_rate" if visit_measures else "bookings"
    table.sort_rows(sort, request.GET.get("dir", "desc") != "asc")
    export = _maybe_export(request, [table], "office-ranking")
    if export:
        return export
    comparison = national_comparison(query, restricted=allowed is not None)
    national = comparison.measures
    if visit_measures:
        items = [(r.label, r.measures.use_rate, r.measures.use_rate_ci) for r in table.rows]
        reference = national.use_rate if national is not None else None
        chart = bar_chart(_("Use rate per office"), items, reference=reference, reference_label=_("National"))
    else:
        items = [(r.label, r.measures.fulfilment_rate, None) for r in table.rows]
        chart = bar_chart(_("Fulfilment rate per office"), items)
    return render(
        request,
        "reports/ranking.html",
        {
            "form": form,
            **_filter_context(form["values"]),
            "table": table,
            "chart": chart,
            "national": national,
            "national_note": comparison.note,
            "office_ids": {r.label: r.group for r in rows},
        },
    )


@login_required
def office_detail(request: HttpRequest, office_id: int) -> HttpResponse:
    allowed = _allowed(request)
    if allowed is not None and office_id not in allowed:
        raise Http404
    office = get_object_or_404(Office, pk=office_id)
    query, form = _filters(request, default_period="month", allowed=allowed)
    query = replace(query, office=office.pk)
    trend_table, trend_chart = _trend(query, _("Trend"))
    visit_measures = query.visit_measures
    languages = usage_report(replace(query, period=None, group_by="language"))
    languages.sort(key=lambda r: -(r.measures.need or r.measures.bookings or 0))
    language_table = Table(
        "languages",
        _("Languages"),
        [Column("label", _("Language"), "text")] + measure_columns(visit_measures=visit_measures),
        [r for r in languages if r.group != ""],
    )
    tables = [trend_table, language_table]
    export = _maybe_export(request, tables, f"office-{office.pk}")
    if export:
        return export
    if visit_measures:
        items = [(r.label, r.measures.use_rate, r.measures.use_rate_ci) for r in language_table.rows[:25]]
        language_chart = bar_chart(_("Use rate per language"), items)
    else:
        items = [(r.label, r.measures.fulfilment_rate, None) for r in language_table.rows[:25]]
        language_chart = bar_chart(_("Fulfilment rate per language"), items)
    return render(
        request,
        "reports/office.html",
        {
            "form": form,
            **_filter_context(form["values"]),
            "office": office,
            "tables": tables,
            "trend_chart": trend_chart,
            "language_chart": language_chart,
            **_national_context(query, allowed),
        },
    )
