"""The Django admin is for national admins only (issue 14, item 11).

It is not scoped by office the way the API and pages are: a staff user given "view visit" would see
every office's visitors there. So it opens to superusers (national admins) only, whatever staff
flags and model permissions a user has; office staff use the pages and the API."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext as _


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


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline's cells have no <label>: the column header names them for sighted users only.
    Each input (the delete box included) gets an aria-label with its column and row, so a screen
    reader, and axe's WCAG "label"/"select-name" rules, can tell the cells apart."""

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):  # type: ignore[valid-type,misc]
            def add_fields(self, form: Any, index: int | None) -> None:
                super().add_fields(form, index)
                row = _("row %(n)s") % {"n": index + 1} if index is not None else _("new row")
                for name, field in form.fields.items():
                    field.widget.attrs.setdefault("aria-label", f"{field.label or name}, {row}")

        return LabelledFormSet
