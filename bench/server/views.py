from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.parsers import BoundedJSONParser


class BareApi(APIView):
    """The baseline: the API's authentication, permission, throttles and parser, and no work."""

    parser_classes = [BoundedJSONParser]

    def post(self, request: Request) -> Response:
        return Response({"ok": bool(request.data)}, status=201)


class StatementCountMiddleware:
    """Answers with X-Statements: the SQL statements the request sent (BEGIN/COMMIT excluded)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Statements"] = str(count)
        return response
