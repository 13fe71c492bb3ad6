"""The Django admin is for national admins only (issue 14, item 11).

It is not scoped by office the way the API and pages are: a staff user given "view visit" would see
every office's visitors there. So it opens to superusers (national admins) only, whatever staff
flags and model permissions a user has; office staff use the pages and the API."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class NationalAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser)


class NationalAdminConfig(AdminConfig):
    default_site = "config.admin.NationalAdminSite"

    def ready(self) -> None:
        super().ready()
        # The idle-session clock starts at sign-in (config.middleware), before the first request.
        import config.middleware  # noqa: F401
