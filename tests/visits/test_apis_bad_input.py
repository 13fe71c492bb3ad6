"""Bad input to the visits API: always a 4xx JSON answer naming the field at fault, never a 500,
and never a row written. Runs on SQLite and PostgreSQL (where overlong strings, NUL bytes and
out-of-range integers would otherwise surface as database errors)."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.middleware.csrf import _get_new_csrf_string
from django.test import override_settings
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from config.exceptions import api_exception_handler
from tests.factories import LanguageNeedFactory, VisitFactory
from visits.models import LanguageNeed, Visit, VisitStatus

VISITS = "/api/v1/visits/"


@pytest.fixture
def valid(office, authority):
    return {
        "office": office.pk,
        "authority": authority.code,
        "language_need": {"language": "ar", "interpreter_wanted": "yes", "identified_by": "visitor_said"},
        "visitor_name": "Ahmad",
        "visitor_phone": "+46701234567",
        "note": "",
    }


def rows() -> tuple[int, int]:
    return Visit.objects.count(), LanguageNeed.objects.count()


def with_changes(base: dict, changes: dict) -> dict:
    body = json.loads(json.dumps(base))
    for dotted, value in changes.items():
        target = body
        *parents, key = dotted.split(".")
        for parent in parents:
            target = target[parent]
        if value is DROP:
            del target[key]
        else:
            target[key] = value
    return body


DROP = object()

# (changes to the valid body, the field the 400 must name; "a.b" = nested field b under a)
BAD_BODIES = [
    ({"language_need.language": "zz"}, "language_need.language"),
    ({"language_need.language": "klingon"}, "language_need.language"),
    ({"language_need.language": ""}, "language_need.language"),
    ({"language_need.language": "a" * 36}, "language_need.language"),
    ({"language_need.language": None}, "language_need.language"),
    ({"language_need.language": DROP}, "language_need.language"),
    ({"visitor_phone": "12"}, "visitor_phone"),
    ({"visitor_phone": "not a phone"}, "visitor_phone"),
    ({"visitor_phone": "+4670" + "1" * 300}, "visitor_phone"),
    ({"visitor_phone": ["+46701234567"]}, "visitor_phone"),
    ({"office": 999_999}, "office"),
    ({"office": 2**63}, "office"),
    ({"office": 10**30}, "office"),
    ({"office": -1}, "office"),
    ({"office": "1"}, "office"),
    ({"office": "Uppsala"}, "office"),
    ({"office": True}, "office"),
    ({"office": 1.5}, "office"),
    ({"office": {"id": 1}}, "office"),
    ({"office": None}, "office"),
    ({"office": DROP}, "office"),
    ({"authority": "nope"}, "authority"),
    ({"authority": 1}, "authority"),
    ({"authority": ["forsakringskassan"]}, "authority"),
    ({"authority": DROP}, "authority"),
    ({"authority": "x" * 5000}, "authority"),
    ({"language_need": ["ar"]}, "language_need"),
    ({"language_need": "ar"}, "language_need"),
    ({"language_need": 1}, "language_need"),
    ({"language_need": {}}, "language_need.language"),
    ({"language_need.interpreter_wanted": "maybe"}, "language_need.interpreter_wanted"),
    ({"language_need.interpreter_wanted": True}, "language_need.interpreter_wanted"),
    ({"language_need.identified_by": "telepathy"}, "language_need.identified_by"),
    ({"language_need.dialect": "d" * 81}, "language_need.dialect"),
    ({"language_need.dialect": {"x": 1}}, "language_need.dialect"),
    ({"language_need.dialect": "Herat\x00"}, "language_need.dialect"),
    ({"visitor_name": "n" * 121}, "visitor_name"),
    ({"visitor_name": "Ahmad\x00"}, "visitor_name"),
    ({"visitor_name": "\ud800"}, "visitor_name"),
    ({"visitor_name": {"first": "A"}}, "visitor_name"),
    ({"note": "n" * 2001}, "note"),
    ({"note": None}, "note"),
    # Unknown fields are rejected, top level and nested: a typo must not silently drop data.
    ({"languge_need": {"language": "ar"}}, "languge_need"),
    ({"queue_number": "A001"}, "queue_number"),
    ({"language_need.interpreter": "yes"}, "language_need.interpreter"),
]


def error_at(body: dict, dotted: str) -> object:
    for key in dotted.split("."):
        assert isinstance(body, dict) and key in body, f"no error at {dotted!r}: {body}"
        body = body[key]
    return body


@pytest.mark.parametrize(("changes", "field"), BAD_BODIES, ids=[field for _, field in BAD_BODIES])
def test_bad_check_in_is_400_on_the_field_and_writes_nothing(reception_api, valid, changes, field):
    before = rows()
    # json.dumps escapes non-ASCII, so even a lone surrogate ("\ud800") travels as valid JSON text.
    raw = json.dumps(with_changes(valid, changes))
    response = reception_api.generic("POST", VISITS, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    messages = error_at(response.json(), field)
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert rows() == before


def test_the_valid_body_itself_is_accepted(reception_api, valid):
    """Guards the table above: each case fails because of its change, not because of the base."""
    response = reception_api.post(VISITS, valid, format="json")
    assert response.status_code == 201, response.content
    assert rows() == (1, 1)


def test_several_bad_fields_are_reported_together(reception_api, valid):
    body = with_changes(valid, {"office": "x", "authority": "nope", "language_need.language": "zz", "extra": 1})
    response = reception_api.post(VISITS, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert {"office", "authority", "language_need", "extra"} <= set(errors)


def test_an_invalid_language_message_is_clear(reception_api, valid):
    body = with_changes(valid, {"language_need.language": "zz"})
    response = reception_api.post(VISITS, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"language_need": {"language": ["“zz” is not a valid language code (ISO 639 / BCP 47)."]}}


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"office": 1,}',
        b"[]",
        b'"just a string"',
        b"null",
        b"\xff\xfe\x00garbage",
        b'{"office": NaN}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 30_000 + b"1" + b"}" * 30_000,
        b'{"office": ' + b"9" * 5000 + b"}",
    ],
    ids=[
        "truncated",
        "trailing-comma",
        "array",
        "string",
        "null",
        "not-utf8",
        "nan",
        "deep-array",
        "deep-object",
        "huge-int",
    ],
)
def test_unreadable_json_is_400(reception_api, office, raw):
    before = rows()
    response = reception_api.generic("POST", VISITS, raw, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert rows() == before


def test_a_body_that_is_not_json_is_415(reception_api, office, authority):
    response = reception_api.post(VISITS, {"office": office.pk, "authority": authority.code})  # multipart
    assert response.status_code == 415
    assert "detail" in response.json()
    assert rows() == (0, 0)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_an_oversize_json_body_is_413_and_writes_nothing(reception_api, valid):
    body = with_changes(valid, {"note": "x" * 1500, "visitor_name": "y" * 1000})
    response = reception_api.post(VISITS, body, format="json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    assert rows() == (0, 0)


def test_an_oversize_body_at_the_default_limit_is_413(reception_api, valid, settings):
    body = with_changes(valid, {"note": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = reception_api.post(VISITS, body, format="json")
    assert response.status_code == 413
    assert rows() == (0, 0)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_an_oversize_body_is_refused_even_when_content_length_understates_it(reception_api, valid):
    """The parser never reads more than the cap, whatever the header says."""
    raw = json.dumps(with_changes(valid, {"note": "x" * 3000})).encode()
    response = reception_api.generic("POST", VISITS, raw, content_type="application/json", CONTENT_LENGTH="100")
    # Only the first 100 bytes are read (WSGI stops at Content-Length): broken JSON, 400, not a write.
    assert response.status_code == 400
    assert rows() == (0, 0)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_an_oversize_form_body_under_csrf_checks_is_a_json_4xx(receptionist):
    """With a CSRF cookie (real browser sessions) the CSRF check looks for the token in a form body,
    which goes through the API's parsers: the visits API takes JSON only, so 415, nothing written."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(receptionist)
    client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    response = client.post(VISITS, "note=" + "x" * 5000, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/json")
    assert rows() == (0, 0)


class RawBodyApi(APIView):
    """Reads request.body directly, as a signed webhook must: Django itself enforces the cap."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def post(self, request):
        return Response({"bytes": len(request._request.body)})


urlpatterns = [path("raw/", RawBodyApi.as_view())]


@pytest.mark.urls(__name__)
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_djangos_own_size_refusal_becomes_json_413(api, db):
    assert api.generic("POST", "/raw/", b"x" * 100, content_type="application/octet-stream").json() == {"bytes": 100}
    response = api.generic("POST", "/raw/", b"x" * 5000, content_type="application/octet-stream")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_the_exception_handler_maps_djangos_request_refusals():
    too_big = api_exception_handler(RequestDataTooBig("too big"), {})
    too_many = api_exception_handler(TooManyFieldsSent("fields"), {})
    assert (too_big.status_code, too_many.status_code) == (413, 400)


def test_a_post_without_csrf_token_under_session_auth_is_403_json(receptionist, valid):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(receptionist)
    response = client.post(VISITS, valid, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert rows() == (0, 0)


# --- PATCH ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"status": ""}, "status"),
        ({"status": None}, "status"),
        ({"status": ["done"]}, "status"),
        ({"status": True}, "status"),
        ({"language_need": None}, "language_need"),
        ({"language_need": []}, "language_need"),
        ({"language_need": {"language": "zz"}}, "language_need.language"),
        ({"language_need": {"dialect": "d" * 81}}, "language_need.dialect"),
        ({"language_need": {"interpreter_wanted": "maybe"}}, "language_need.interpreter_wanted"),
        ({"language_need": {"wanted": "yes"}}, "language_need.wanted"),
        ({"queue_number": "X999"}, "queue_number"),
        ({"office": 1}, "office"),
    ],
)
def test_bad_patch_is_400_on_the_field_and_changes_nothing(officer_api, office, body, field):
    need = LanguageNeedFactory(visit__office=office, language="ar", dialect="")
    visit = need.visit
    response = officer_api.patch(f"{VISITS}{visit.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert error_at(response.json(), field)
    visit.refresh_from_db()
    need.refresh_from_db()
    assert (visit.status, visit.queue_number, visit.office_id) == (VisitStatus.WAITING, visit.queue_number, office.pk)
    assert (need.language, need.dialect, need.interpreter_wanted) == ("ar", "", "yes")


def test_patch_with_invalid_json_is_400(officer_api, office):
    visit = VisitFactory(office=office)
    response = officer_api.generic("PATCH", f"{VISITS}{visit.pk}/", b'{"status": ', content_type="application/json")
    assert response.status_code == 400


# --- URLs and query strings -----------------------------------------------------------------------


@pytest.mark.parametrize("visit_id", ["999999", str(2**63), "9" * 40])
def test_unknown_or_out_of_range_visit_ids_are_404(officer_api, visit_id):
    assert officer_api.get(f"{VISITS}{visit_id}/").status_code == 404
    assert officer_api.patch(f"{VISITS}{visit_id}/", {"status": "done"}, format="json").status_code == 404


@pytest.mark.parametrize("office_id", ["999999", str(2**63), "9" * 40])
def test_unknown_or_out_of_range_office_ids_are_404(reception_api, office_id):
    assert reception_api.get(f"/api/v1/offices/{office_id}/").status_code == 404


@pytest.mark.parametrize(
    ("url", "param"),
    [
        (VISITS + "?status=finished", "status"),
        (VISITS + "?service_date=yesterday", "service_date"),
        (VISITS + "?service_date=2026-13-45", "service_date"),
        (VISITS + "?has_language_need=maybe", "has_language_need"),
        (VISITS + "?office=abc", "office"),
        (VISITS + f"?office={2**63}", "office"),
        (VISITS + "?office=" + "9" * 40, "office"),
        (VISITS + "?office=1.5", "office"),
        ("/api/v1/offices/?active=maybe", "active"),
        ("/api/v1/offices/?county=XX", "county"),
        ("/api/v1/offices/?search=" + "s" * 101, "search"),
        ("/api/v1/offices/?search=a%00b", "search"),
        ("/api/v1/languages/?q=" + "q" * 101, "q"),
        ("/api/v1/languages/?q=a%00b", "q"),
    ],
)
def test_bad_query_parameters_are_400_on_the_parameter(reception_api, office, url, param):
    response = reception_api.get(url)
    assert response.status_code == 400, response.content
    assert param in response.json()


def test_filtering_by_another_offices_id_is_400_not_a_leak(reception_api):
    other = VisitFactory().office
    response = reception_api.get(f"{VISITS}?office={other.pk}")
    assert response.status_code == 400
    assert "office" in response.json()


@pytest.mark.parametrize("query", ["?limit=abc", "?limit=-5&offset=-3", "?offset=" + "9" * 40, "?limit=" + "9" * 40])
def test_odd_pagination_parameters_never_fail(reception_api, office, query):
    VisitFactory(office=office)
    response = reception_api.get(VISITS + query)
    assert response.status_code == 200
