"""Notification preferences API (issue 11): the signed-in officer's or manager's own settings.

    GET   /api/v1/notification-preferences/    the settings (defaults when never saved)
    PATCH /api/v1/notification-preferences/    change some of them

Receptionists get no notifications and get 403 (visits.permissions: NOTIFICATION_RECEIVE).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import READ_ERRORS, WRITE_ERRORS
from config.request_types import AuthenticatedRequest
from config.serializers import StrictInputSerializer
from interpreters.models import NotificationEvent, NotificationLanguage
from interpreters.services.notifications import notification_preference_update, notification_preferences_of
from visits.permissions import Action, office_permission


class NotificationPreferencesSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=NotificationLanguage.choices)
    email_enabled = serializers.BooleanField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=NotificationEvent.choices))
    office_wide = serializers.BooleanField()


class NotificationPreferencesInputSerializer(StrictInputSerializer):
    language = serializers.ChoiceField(choices=NotificationLanguage.choices, required=False)
    email_enabled = serializers.BooleanField(required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationEvent.choices), required=False, max_length=20
    )
    office_wide = serializers.BooleanField(required=False)


class NotificationPreferencesApi(APIView):
    permission_classes = [office_permission(Action.NOTIFICATION_RECEIVE)]

    def _answer(self, user_id: int) -> Response:
        prefs = notification_preferences_of(user_id)
        return Response(
            NotificationPreferencesSerializer(
                {
                    "language": prefs.language,
                    "email_enabled": prefs.email_enabled,
                    "events": list(prefs.events),
                    "office_wide": prefs.office_wide,
                }
            ).data
        )

    @extend_schema(responses={200: NotificationPreferencesSerializer, **READ_ERRORS})
    def get(self, request: AuthenticatedRequest) -> Response:
        return self._answer(request.user.pk)

    @extend_schema(
        request=NotificationPreferencesInputSerializer,
        responses={200: NotificationPreferencesSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: AuthenticatedRequest) -> Response:
        data = NotificationPreferencesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notification_preference_update(user=request.user, **data.validated_data)
        return self._answer(request.user.pk)
