"""API authentication for kiosks: `Authorization: Token <key>`.

A kiosk is not a user: request.user stays anonymous and request.auth is the KioskToken. Every
endpoint therefore refuses kiosks by default (IsAuthenticated), and only the actions in
visits.permissions.KIOSK_ACTIONS accept them, at the token's office."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from visits.kiosks import kiosk_token_for_key
from visits.models import KioskToken

KEYWORD = "Token"


class KioskTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[AnonymousUser, KioskToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        token = kiosk_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return AnonymousUser(), token

    def authenticate_header(self, request: Any) -> str:
        return KEYWORD


class KioskTokenScheme(OpenApiAuthenticationExtension):
    """Documents the kiosk token in the OpenAPI schema."""

    target_class = "visits.authentication.KioskTokenAuthentication"
    name = "kioskToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Kiosk token, one office: `Token <key>` (manage.py kiosk_token_create).",
        }
