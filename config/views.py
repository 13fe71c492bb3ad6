"""Error pages: the API answers in JSON even for a URL that matches no route (e.g. /api/v1/visits/abc/,
where the route wants an integer), as its schema documents; pages keep Django's HTML."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
