"""Report pages: national overview, office ranking, one office. National admins see every office,
office managers their own offices; anyone else gets 403. Every table exports as CSV/XLSX with
``?export=csv|xlsx&table=<name>`` and the page's filters."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from interpreters.models import InterpreterAgency, Modality
from visits.models import Authority, County, Language, Office
from visits.reports.charts import Series, bar_chart, line_chart
from visits.reports.measures import Measures
from visits.reports.monthly import (
    MonthError,
    monthly_report_build,
    monthly_report_filename,
    monthly_report_pdf,
    parse_month,
    previous_month,
)
from visits.reports.params import UsageQuerySerializer
from visits.reports.selectors import (
    UsageQuery,
    language_label,
    national_comparison,
    report_offices_for_user,
    usage_report,
)
from visits.reports.tables import (
    EXPORT_FORMATS,
    Column,
    Table,
    display,
    export_response,
    gap_columns,
    measure_columns,
)

PERIOD_LABELS = {"day": "%Y-%m-%d", "week": "%G-W%V", "month": "%Y-%m", "year": "%Y"}


def _filters(
    request: HttpRequest, *, default_period: str, allowed: frozenset[int] | None, office_filter: bool = True
) -> tuple[UsageQuery, dict]:
    """The page's filters, validated by the API's serializer. On bad input the page still answers
    (with the default selection), shows each error next to its field and keeps what was typed."""
    data = {k: v for k, v in request.GET.items() if v and k not in ("export", "table", "sort", "dir")}
    given = dict(data)  # what the user chose, for links and file names (not the page's defaults)
    data.setdefault("period", default_period)
    data.pop("group_by", None)
    if not office_filter:
        data.pop("office", None)
    params = UsageQuerySerializer(data=data, allowed_offices=allowed)
    errors: dict[str, list[str]] = {}
    try:
        valid = params.is_valid()
        errors = {field: [str(e) for e in errs] for field, errs in params.errors.items()}
    except NotFound:
        # An office the user may not see reads like one that does not exist.
        valid, errors = False, {"office": [_("Choose an office from the list.")]}
    if not valid:
        fallback = {"period": data["period"] if "period" not in errors else default_period}
        params = UsageQuerySerializer(data=fallback, allowed_offices=allowed)
        params.is_valid(raise_exception=True)
    return params.to_query(), {"errors": errors, "values": data, "given": given, "query": params.validated_data}


def _allowed(request: HttpRequest) -> frozenset[int] | None:
    allowed = report_offices_for_user(request.user)
    if allowed is not None and not allowed:
        raise PermissionDenied
    return allowed


def _filter_context(
    form: dict, allowed: frozenset[int] | None, *, period: bool = True, county: bool = True, office: bool = True
) -> dict[str, Any]:
    """The filter form's fields, each with the options, the value the user entered (kept when it
    was refused) and its errors, shown next to it."""
    values, errors = form["values"], form["errors"]
    base = QueryDict(mutable=True)
    base.update(form["given"])
    options: list[tuple[str, Any, list[tuple[str, Any]]]] = []
    if period:
        periods = [("day", _("Day")), ("week", _("Week")), ("month", _("Month")), ("year", _("Year"))]
        options.append(("period", _("Period"), periods))
    dates = [("from", _("From")), ("to", _("To"))]
    if office:
        offices = Office.objects.order_by("name")
        if allowed is not None:
            offices = offices.filter(pk__in=allowed)
        options.append(("office", _("Office"), [(str(pk), name) for pk, name in offices.values_list("pk", "name")]))
    if county:
        options.append(("county", _("Region"), list(County.choices)))
    options += [
        ("authority", _("Authority"), list(Authority.objects.values_list("code", "name"))),
        (
            "language",
            _("Language"),
            [  # the rows hold their own name overrides
                (lang.code, language_label(lang.code, overrides={lang.code: lang}))
                for lang in Language.objects.filter(active=True)
            ],
        ),
        ("agency", _("Interpreter agency"), list(InterpreterAgency.objects.values_list("slug", "name"))),
        ("modality", _("Modality"), list(Modality.choices)),
    ]
    fields: list[dict[str, Any]] = []
    for name, label in dates:
        # A refused date is shown as typed; an accepted or defaulted one as the date in use.
        value = values.get(name, "") if name in errors else form["query"][name].isoformat()
        fields.append({"name": name, "label": label, "kind": "date", "value": value, "errors": errors.get(name, [])})
    for name, label, choices in options:
        fields.append(
            {
                "name": name,
                "label": label,
                "kind": "select",
                "options": choices,
                "all": name != "period",
                "value": values.get(name, ""),
                "errors": errors.get(name, []),
            }
        )
    # Period first, then the dates, then the rest, as the form always read.
    if period:
        fields.insert(0, fields.pop(2))
    return {"base_qs": base.urlencode(), "filter_fields": fields}


#: Filters named in an export's file name, in this order.
_FILENAME_FILTERS = ("period", "office", "county", "authority", "language", "agency", "modality")


def export_filename(stem: str, table: str, *, date_from: date, date_to: date, values: dict) -> str:
    """``usage-totals_2026-10-01_2026-10-31_county-AB`` — the selection an export holds is in its
    name, so two downloads with other filters never overwrite each other unnoticed."""
    parts = [f"{stem}-{table}", date_from.isoformat(), date_to.isoformat()]
    for key in _FILENAME_FILTERS:
        value = values.get(key)
        if value:
            parts.append(f"{key}-{slugify(str(value)) or 'x'}")
    return "_".join(parts)


def _maybe_export(request: HttpRequest, tables: list[Table], stem: str, form: dict) -> HttpResponse | None:
    fmt = request.GET.get("export")
    if not fmt:
        return None
    if fmt not in EXPORT_FORMATS:
        raise Http404
    table = next((t for t in tables if t.name == request.GET.get("table")), None)
    if table is None:
        raise Http404
    query = form["query"]
    # The name carries the filters that were applied: the typed values of a selection that failed
    # validation were not, so they stay out of it.
    # Defaults (the page's period) are not in it: only what the user chose.
    applied = {k: v for k, v in form["given"].items() if k not in form["errors"]}
    return export_response(
        table, fmt, export_filename(stem, table.name, date_from=query["from"], date_to=query["to"], values=applied)
    )


def _period_label(row: Any, period: str | None) -> str:
    return row.period.strftime(PERIOD_LABELS[period]) if row.period and period else ""


def _trend(query: UsageQuery, title: str) -> Table:
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
    table.chart = line_chart(title, labels, series)
    return table


def _national_context(query: UsageQuery, allowed: frozenset[int] | None) -> dict[str, Any]:
    comparison = national_comparison(query, restricted=allowed is not None)
    national = comparison.measures
    return {
        "national": national,
        "national_note": comparison.note,
        "national_use_rate": display(national.use_rate, "rate") if national is not None else "",
    }


def _kpis(national: Measures | None) -> list[tuple[str, str, str]]:
    """The overview's key figures, formatted exactly as the tables format them (grouped thousands,
    rates with one decimal), so a figure reads the same in the box, the table and the export."""
    if national is None:
        return []
    return [
        (_("Visits"), display(national.visits, "int"), ""),
        (_("Need rate"), display(national.need_rate, "rate"), ""),
        (_("National use rate"), display(national.use_rate, "rate"), "national-use-rate"),
        (_("Under-use gap"), display(national.gap, "int"), ""),
    ]


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    allowed = _allowed(request)
    query, form = _filters(request, default_period="month", allowed=allowed)
    trend_table = _trend(query, _("Trend"))
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
    export = _maybe_export(request, tables, "usage", form)
    if export:
        return export
    gap_items = []
    if totals and totals[0].measures.gap_by_reason:
        for col in gap_columns():
            value = col.get(totals[0]) if col.get else None
            gap_items.append((str(col.header), float(value or 0), None))
    if gap_items:
        gaps_table.chart = bar_chart(_("Under-use gap by reason"), gap_items, percent=False)
    return render(
        request,
        "reports/overview.html",
        {
            "form": form,
            **_filter_context(form, allowed),
            "national": comparison.measures,
            "national_note": comparison.note,
            "kpis": _kpis(comparison.measures),
            "last_month": f"{previous_month():%Y-%m}",
            "scoped": allowed is not None,
            "tables": tables,
        },
    )


def _office_link(form: dict) -> Any:
    """Each ranking row links to its office's page with the same filters (but the office filter)."""
    keep = QueryDict(mutable=True)
    keep.update({k: v for k, v in form["given"].items() if k not in ("office", "period") and k not in form["errors"]})
    suffix = f"?{keep.urlencode()}" if keep else ""
    return lambda row: reverse("reports:office", args=[row.group]) + suffix


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
    table = Table("offices", _("Offices, ranked"), columns, rows, sortable=True, row_link=_office_link(form))
    sort = request.GET.get("sort", "")
    if sort not in {column.key for column in columns}:
        sort = "use_rate" if visit_measures else "bookings"
    table.sort_rows(sort, request.GET.get("dir", "desc") != "asc")
    export = _maybe_export(request, [table], "office-ranking", form)
    if export:
        return export
    comparison = national_comparison(query, restricted=allowed is not None)
    national = comparison.measures
    if visit_measures:
        items = [(r.label, r.measures.use_rate, r.measures.use_rate_ci) for r in table.rows]
        reference = national.use_rate if national is not None else None
        table.chart = bar_chart(_("Use rate per office"), items, reference=reference, reference_label=_("National"))
    else:
        items = [(r.label, r.measures.fulfilment_rate, None) for r in table.rows]
        table.chart = bar_chart(_("Fulfilment rate per office"), items)
    return render(
        request,
        "reports/ranking.html",
        {
            "form": form,
            **_filter_context(form, allowed, period=False),
            "table": table,
            "national": national,
            "national_note": comparison.note,
        },
    )


@login_required
def office_detail(request: HttpRequest, office_id: int) -> HttpResponse:
    allowed = _allowed(request)
    if allowed is not None and office_id not in allowed:
        raise Http404
    office = get_object_or_404(Office, pk=office_id)
    query, form = _filters(request, default_period="month", allowed=allowed, office_filter=False)
    query = replace(query, office=office.pk)
    trend_table = _trend(query, _("Trend"))
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
    export = _maybe_export(request, tables, f"office-{office.pk}", form)
    if export:
        return export
    if visit_measures:
        items = [(r.label, r.measures.use_rate, r.measures.use_rate_ci) for r in language_table.rows[:25]]
        language_table.chart = bar_chart(_("Use rate per language"), items)
    else:
        items = [(r.label, r.measures.fulfilment_rate, None) for r in language_table.rows[:25]]
        language_table.chart = bar_chart(_("Fulfilment rate per language"), items)
    return render(
        request,
        "reports/office.html",
        {
            "form": form,
            **_filter_context(form, allowed, county=False, office=False),
            "office": office,
            "tables": tables,
            **_national_context(query, allowed),
        },
    )


@login_required
def monthly_report(request: HttpRequest) -> HttpResponse:
    """The monthly management report: with ``?month=YYYY-MM`` (and optionally ``office``) the PDF,
    otherwise the form to choose them. Managers get their own offices only."""
    allowed = _allowed(request)
    offices = Office.objects.order_by("name")
    if allowed is not None:
        offices = offices.filter(pk__in=allowed)
    values = {"month": request.GET.get("month", ""), "office": request.GET.get("office", "")}
    errors: dict[str, str] = {}
    office: int | None = None
    if "month" in request.GET:
        try:
            month = parse_month(values["month"])
        except MonthError as exc:
            errors["month"] = str(exc)
        if values["office"]:
            if not values["office"].isdigit():
                errors["office"] = _("Choose an office from the list.")
            elif not offices.filter(pk=int(values["office"])).exists():
                raise Http404  # another office's report reads like one that does not exist
            else:
                office = int(values["office"])
        if not errors:
            report = monthly_report_build(month=month, offices=allowed, office=office)
            response = HttpResponse(monthly_report_pdf(report), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{monthly_report_filename(report, office)}"'
            return response
    else:
        values["month"] = f"{previous_month():%Y-%m}"
    return render(
        request,
        "reports/monthly.html",
        {
            "values": values,
            "errors": errors,
            "offices": [(str(pk), name) for pk, name in offices.values_list("pk", "name")],
        },
        status=400 if errors else 200,
    )
