"""The OpenAPI schema and its docs page. Public in development and the demo; in production only for
signed-in users unless TOLKDESK_API_DOCS_PUBLIC says otherwise (issue 14, item 13). Read per request,
so the setting (and a test's override of it) applies without re-importing the views."""

from typing import Any

from django.conf import settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated


def _docs_permissions() -> list[BasePermission]:
    return [AllowAny()] if settings.TOLKDESK_API_DOCS_PUBLIC else [IsAuthenticated()]


class SchemaView(SpectacularAPIView):
    def get_permissions(self) -> list[Any]:
        return _docs_permissions()


class DocsView(SpectacularSwaggerSplitView):
    def get_permissions(self) -> list[Any]:
        return _docs_permissions()
