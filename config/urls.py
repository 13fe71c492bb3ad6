from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import health, metrics
from config.api_docs import DocsView, SchemaView

api_v1 = [
    path("", include("visits.api_urls")),
    path("", include("interpreters.api_urls")),
    path("", include("visits.reports.api_urls")),
]

urlpatterns = [
    # No trailing slash, no login: probes for load balancers (config/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves its init script as a file: the docs page works under a strict CSP.
    # (No ReDoc: its page pulls fonts from a CDN and needs inline scripts/styles.)
    path("api/docs/", DocsView.as_view(url_name="schema"), name="api-docs"),
]

# UI pages: the language comes from the session/cookie or Accept-Language, Swedish by default.
urlpatterns += [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("reports/", include("visits.reports.urls")),
    path("", include("visits.urls")),
    path("", include("interpreters.desk.urls")),
    path("", include("interpreters.urls")),
]

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"

__all__ = ["urlpatterns", "i18n_patterns", "handler404", "handler500"]
