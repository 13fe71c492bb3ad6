"""Request types for views that only run behind a sign-in guard (annotations only).

Django and DRF type `request.user` as `User | AnonymousUser`. Behind `login_required` (pages) or
`IsAuthenticated` (API) it is always a signed-in User, which is what services record as the actor;
these subclasses let a view say so in its signature instead of casting at every call."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from rest_framework.request import Request


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User
