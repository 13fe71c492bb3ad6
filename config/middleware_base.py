"""What our middleware classes share, kept free of models so config/logs.py (loaded with the
logging settings, before the apps) can use it too."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def route_name(request: HttpRequest) -> str:
    """The name of the route the request matched ("" before URL resolution or when nothing matched).
    Logs and metrics name the route, never the path: paths hold ids (one series per visit) and a
    query string can hold a visitor's name."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


def is_background_request(request: HttpRequest) -> bool:
    """A page's own background fetch (checkin.js sends X-Requested-With, visit.js asks for JSON); the
    same URL opened directly is a page view."""
    return bool(request.headers.get("X-Requested-With")) or "application/json" in request.headers.get("Accept", "")


class Middleware:
    """The plain middleware shape: passes the request on. A subclass overrides __call__, or adds
    process_view to act once the view is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


class TimedMiddleware(Middleware):
    """Times everything below it and hands the route name ("unmatched" for none) and the seconds to
    `observe`."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        self.observe(request, response, route=route_name(request) or "unmatched", seconds=time.perf_counter() - started)
        return response

    def observe(self, request: HttpRequest, response: HttpResponse, *, route: str, seconds: float) -> None:
        raise NotImplementedError
