"""GET /api/v1/reports/usage/: usage measures per group and period, from the daily rollups."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import BAD_INPUT, NOT_FOUND, READ_ERRORS
from visits.permissions import Action, office_permission
from visits.reports.params import UsageQuerySerializer
from visits.reports.selectors import UsageRow, national_comparison, report_offices_for_user, usage_report


def row_payload(row: UsageRow) -> dict[str, Any]:
    return {
        "group": row.group,
        "label": row.label,
        "period": row.period.isoformat() if row.period else None,
        **row.measures.as_dict(),
        "outlier": row.outlier,
        "outlier_visits_per_officer_hour": row.extra.get("outlier_visits_per_officer_hour", False),
        "outlier_wait": row.extra.get("outlier_wait", False),
    }


class UsageReportRowSerializer(serializers.Serializer):
    """Documentation only: one row of the report (measures as defined in README "Measures")."""

    group = serializers.JSONField(allow_null=True)
    # A declared field, moved out of the class by SerializerMetaclass; the stub sees Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    period = serializers.DateField(allow_null=True)
    visits = serializers.IntegerField(allow_null=True)
    need = serializers.IntegerField(allow_null=True)
    need_rate = serializers.FloatField(allow_null=True)
    wanted = serializers.IntegerField(allow_null=True)
    wanted_used = serializers.IntegerField(allow_null=True)
    use_rate = serializers.FloatField(allow_null=True)
    use_rate_ci_low = serializers.FloatField(allow_null=True)
    use_rate_ci_high = serializers.FloatField(allow_null=True)
    gap = serializers.IntegerField(allow_null=True)
    gap_by_reason = serializers.DictField(child=serializers.IntegerField(), allow_null=True)
    bookings = serializers.IntegerField()
    fulfilment_rate = serializers.FloatField(allow_null=True)
    connect_median_s = serializers.IntegerField(allow_null=True)
    connect_p90_s = serializers.IntegerField(allow_null=True)
    minutes = serializers.IntegerField()
    cost_ore = serializers.IntegerField(help_text="Confirmed price where the office confirmed it, else reported.")
    cost_estimated_ore = serializers.IntegerField()
    cost_reported_ore = serializers.IntegerField()
    cost_confirmed_ore = serializers.IntegerField()
    disputed_minutes = serializers.IntegerField()
    cancellation_fees_ore = serializers.IntegerField()
    cancellations_billable = serializers.IntegerField()
    cost_per_need_visit_ore = serializers.FloatField(allow_null=True)
    requirements_asked = serializers.IntegerField()
    requirements_met = serializers.IntegerField()
    requirements_unmet = serializers.IntegerField()
    requirements_met_rate = serializers.FloatField(allow_null=True, help_text="Met / answered (met or not met).")
    calls_authorised = serializers.IntegerField(help_text="Completed bookings with an authorised interpreter.")
    authorised_share = serializers.FloatField(allow_null=True, help_text="calls_authorised / completed bookings.")
    ratings = serializers.IntegerField()
    rating_average = serializers.FloatField(allow_null=True)
    rating_problems = serializers.DictField(child=serializers.IntegerField(), allow_null=True)
    complaints = serializers.IntegerField(help_text="Bookings with a complaint (withdrawn ones not counted).")
    complaints_accepted = serializers.IntegerField()
    complaints_disputed = serializers.IntegerField(help_text="Disputed by the agency (escalated included).")
    complaints_per_100 = serializers.FloatField(allow_null=True, help_text="Per 100 completed bookings.")
    left_before_service = serializers.IntegerField(allow_null=True)
    wait_median_s = serializers.IntegerField(allow_null=True, help_text="Check-in to service start (bucket edge).")
    wait_p90_s = serializers.IntegerField(allow_null=True)
    service_median_s = serializers.IntegerField(allow_null=True, help_text="Service start to end (bucket edge).")
    service_p90_s = serializers.IntegerField(allow_null=True)
    times_by_group = serializers.DictField(
        allow_null=True, help_text="Wait and service times for interpreted / need without interpreter / no need."
    )
    extra_service_minutes_interpreted = serializers.FloatField(allow_null=True)
    cost_per_visit_ore = serializers.FloatField(allow_null=True)
    gap_cost_ore = serializers.FloatField(
        allow_null=True, help_text="Gap x cost per interpreted visit in the same slice (an estimate)."
    )
    officer_hours = serializers.FloatField(allow_null=True, help_text="Null when sliced narrower than an office.")
    visits_per_officer_hour = serializers.FloatField(allow_null=True)
    served_minutes_per_officer_hour = serializers.FloatField(allow_null=True)
    outlier = serializers.BooleanField(help_text="Use rate significantly below the national rate.")
    outlier_visits_per_officer_hour = serializers.BooleanField()
    outlier_wait = serializers.BooleanField()


class UsageReportSerializer(serializers.Serializer):
    national = serializers.DictField(allow_null=True)
    national_note = serializers.CharField(help_text="Why `national` is null (empty when it is not).")
    rows = UsageReportRowSerializer(many=True)


class UsageReportApi(APIView):
    permission_classes = [office_permission(Action.REPORT_VIEW)]

    @extend_schema(
        parameters=[UsageQuerySerializer],
        responses={200: UsageReportSerializer, 400: BAD_INPUT, 404: NOT_FOUND, **READ_ERRORS},
        tags=["reports"],
    )
    def get(self, request: Request) -> Response:
        allowed = report_offices_for_user(request.user)
        params = UsageQuerySerializer(data=request.query_params, allowed_offices=allowed)
        params.is_valid(raise_exception=True)
        query = params.to_query()
        rows = usage_report(query)
        data = params.validated_data
        national = national_comparison(query, restricted=allowed is not None)
        return Response(
            {
                "from": data["from"].isoformat(),
                "to": data["to"].isoformat(),
                "group_by": data["group_by"],
                "period": data["period"],
                "national": national.measures.as_dict() if national.measures is not None else None,
                "national_note": national.note,
                "rows": [row_payload(r) for r in rows],
            }
        )
