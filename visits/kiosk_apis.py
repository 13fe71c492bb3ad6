"""Today's queue for a display or kiosk: queue numbers, status and language only, no personal data.

Staff read the queues of their offices; a kiosk token reads its own office's queue only."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import NOT_SIGNED_IN
from visits.models import Office
from visits.permissions import Action, AuthenticatedOrKiosk, kiosk_for_request, offices_for_request
from visits.selectors import office_queue_today


class QueueApi(APIView):
    permission_classes = [AuthenticatedOrKiosk]
    kiosk_methods = ("GET",)

    class FilterSerializer(serializers.Serializer):
        office = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    class QueueEntrySerializer(serializers.Serializer):
        queue_number = serializers.CharField()
        status = serializers.CharField()
        checked_in_at = serializers.DateTimeField()
        language = serializers.CharField(allow_null=True)

    class OutputSerializer(serializers.Serializer):
        office = serializers.IntegerField()
        entries = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        operation_id="queue_today",
        parameters=[OpenApiParameter("office", OpenApiTypes.INT, description="Office id (a kiosk: its own).")],
        responses={
            200: OpenApiResponse(
                description="Waiting and in-service visits, oldest first.",
                response={
                    "type": "object",
                    "properties": {
                        "office": {"type": "integer"},
                        "entries": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "queue_number": {"type": "string"},
                                    "status": {"type": "string"},
                                    "checked_in_at": {"type": "string", "format": "date-time"},
                                    "language": {"type": "string", "nullable": True},
                                },
                                "required": ["queue_number", "status", "checked_in_at", "language"],
                            },
                        },
                    },
                    "required": ["office", "entries"],
                },
            ),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: messages per field."),
            401: NOT_SIGNED_IN,
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="No office role."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such office among the requester's."),
        },
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        offices = offices_for_request(request, Action.QUEUE_VIEW)
        office_id = filters.validated_data.get("office")
        office: Office | None
        if office_id is not None:
            office = offices.filter(pk=office_id).first()
            if office is None:
                raise exceptions.NotFound(_("No such office."))
        else:
            office = offices.filter(active=True).order_by("name").first()
            if office is None:
                if kiosk_for_request(request) is None and not offices.exists():
                    raise exceptions.PermissionDenied(_("You have no office."))
                raise exceptions.NotFound(_("No such office."))
        entries: list[dict[str, Any]] = []
        for visit in office_queue_today(office=office):
            need = getattr(visit, "language_need", None) if hasattr(visit, "language_need") else None
            entries.append(
                {
                    "queue_number": visit.queue_number,
                    "status": visit.status,
                    "checked_in_at": serializers.DateTimeField().to_representation(visit.checked_in_at),
                    "language": need.language if need is not None else None,
                }
            )
        return Response({"office": office.pk, "entries": entries})
