"""API for the outcome the officer records at the end of a visit: /api/v1/visits/{id}/outcome/."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import NOT_FOUND, READ_ERRORS, WRITE_ERRORS
from config.request_types import AuthenticatedRequest
from config.serializers import StrictInputSerializer
from interpreters.desk.services import visit_outcome_record
from visits.models import NotUsedReason, VisitOutcome
from visits.permissions import Action, visit_for_request_or_404
from visits.services import outcome_warnings


class OutcomeInputSerializer(StrictInputSerializer):
    interpreter_used = serializers.BooleanField()
    reason_not_used = serializers.ChoiceField(choices=NotUsedReason.choices, required=False, allow_blank=True)


class OutcomeOutputSerializer(serializers.ModelSerializer):
    reason_not_used_label = serializers.CharField(source="get_reason_not_used_display", read_only=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = VisitOutcome
        fields = ["visit", "interpreter_used", "reason_not_used", "reason_not_used_label", "recorded_at", "warnings"]

    def get_warnings(self, outcome: VisitOutcome) -> list[str]:
        return [str(w) for w in outcome_warnings(outcome=outcome)]


class VisitOutcomeApi(APIView):
    """Read, record or correct whether an interpreter was used at a visit (and if not, why).

    POST and PUT do the same: the visit has at most one outcome, recording again replaces it."""

    @extend_schema(
        responses={200: OutcomeOutputSerializer, 404: NOT_FOUND, **READ_ERRORS},
        description="404 also when the visit has no outcome yet.",
    )
    def get(self, request: Request, pk: int) -> Response:
        # Another office's visit is "not found", never "forbidden": its existence is not disclosed.
        visit = visit_for_request_or_404(request, pk, Action.VISIT_VIEW)
        outcome = get_object_or_404(VisitOutcome, visit=visit)
        return Response(OutcomeOutputSerializer(outcome).data)

    @extend_schema(
        request=OutcomeInputSerializer,
        responses={200: OutcomeOutputSerializer, 201: OutcomeOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        visit = visit_for_request_or_404(request, pk, Action.OUTCOME_RECORD)
        serializer = OutcomeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome, created = visit_outcome_record(
            visit=visit,
            interpreter_used=serializer.validated_data["interpreter_used"],
            reason_not_used=serializer.validated_data.get("reason_not_used", ""),
            recorded_by=request.user,
        )
        return Response(
            OutcomeOutputSerializer(outcome).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        request=OutcomeInputSerializer, responses={200: OutcomeOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS}
    )
    def put(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self.post(request, pk)
