"""The OpenAPI schema generates cleanly, and the docs pages work with no CDN: every script, style
sheet and icon they reference is a local static file that the server actually serves."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client, override_settings

EXTERNAL_URL = r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}"
API_PATHS = ["/api/v1/offices/", "/api/v1/offices/{id}/", "/api/v1/languages/", "/api/v1/visits/"]


def test_schema_generates_and_validates_without_any_warning(db, tmp_path):
    target = tmp_path / "schema.yml"
    # --fail-on-warn turns every drf-spectacular warning (unresolvable type, name collision, …)
    # into an error; --validate checks the result against the OpenAPI 3 meta-schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert set(API_PATHS) <= set(schema["paths"])
    assert "/api/v1/visits/{visit_id}/" in schema["paths"]
    visits = schema["paths"]["/api/v1/visits/"]
    check_in = schema["components"]["schemas"]["CheckInInputRequest"]
    assert set(check_in["required"]) == {"office", "authority"}
    assert check_in["properties"]["language_need"]["allOf"][0]["$ref"].endswith("/LanguageNeedInputRequest")
    assert list(visits["post"]["requestBody"]["content"]) == ["application/json"]
    assert {"201", "400", "401", "403", "413"} <= set(visits["post"]["responses"])
    assert "patch" in schema["paths"]["/api/v1/visits/{visit_id}/"]


def test_schema_is_served_over_http(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/visits/" in response.json()["paths"]


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "spec-url"} and value:
                self.urls.append(value)


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """Static files collected as in production and served by WhiteNoise from STATIC_ROOT."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", "--noinput", verbosity=0)
    return Path(root)


def test_docs_page_references_only_local_files_and_they_are_served(db, collected_static):
    with override_settings(STATIC_ROOT=collected_static):
        client = Client()  # a new client builds the middleware, so WhiteNoise sees this STATIC_ROOT
        response = client.get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        refs = _References()
        refs.feed(html)
        assert refs.urls, "the page references nothing: the check below would be empty"
        # Nothing absolute or protocol-relative, in attributes or inline.
        assert not re.search(EXTERNAL_URL, html, re.IGNORECASE), "external URL in the docs page"
        assert all(url.startswith("/") and not url.startswith("//") for url in refs.urls), refs.urls
        assert any(url.startswith("/static/drf_spectacular_sidecar/") for url in refs.urls)
        for url in refs.urls:
            asset = client.get(url)
            assert asset.status_code == 200, url
            body = b"".join(asset.streaming_content) if asset.streaming else asset.content
            assert len(body) > 100, url
            if not url.startswith("/static/"):
                # Our own init script (Swagger's split view): it must not point elsewhere either.
                assert not re.search(EXTERNAL_URL, body.decode(), re.IGNORECASE), url


def test_swagger_ui_is_told_not_to_call_the_public_validator(db):
    page = Client().get("/api/docs/").content.decode()
    refs = _References()
    refs.feed(page)
    scripts = [Client().get(url).content.decode() for url in refs.urls if not url.startswith("/static/")]
    assert any('"validatorUrl": null' in text for text in [page, *scripts])


def test_every_operation_documents_its_error_answers(db):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if "agency-callbacks" in path:
                assert {"400", "401"} <= codes, (method, path)
                assert "404" not in codes, (method, path)  # an unknown agency is a 401 (issue 14, item 13)
                continue
            assert {"401", "403"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= codes, (method, path)


def test_strict_request_objects_are_documented_as_closed(db):
    components = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["components"]
    assert components["schemas"]["CheckInInputRequest"]["additionalProperties"] is False
    assert components["schemas"]["LanguageNeedInputRequest"]["additionalProperties"] is False


def test_an_api_url_that_matches_no_route_is_a_json_404_and_a_page_stays_html(client, db):
    response = client.get("/api/v1/visits/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_the_agency_callback_documents_its_json_body(db):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    body = schema["paths"]["/api/v1/agency-callbacks/{agency_slug}/"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/AgencyCallbackRequest")
