"""The OpenAPI schema generates cleanly, and the docs pages work with no CDN: every script, style
sheet and icon they reference is a local static file that the server actually serves."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client, override_settings

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
    assert {"201", "400", "403", "413"} <= set(visits["post"]["responses"])
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


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_reference_only_local_static_files_and_they_are_served(db, collected_static, page):
    with override_settings(STATIC_ROOT=collected_static):
        client = Client()  # a new client builds the middleware, so WhiteNoise sees this STATIC_ROOT
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        refs = _References()
        refs.feed(html)
        assert refs.urls, "the page references nothing: the check below would be empty"
        # Nothing absolute or protocol-relative, in attributes or in inline scripts.
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), "external URL in page"
        static_refs = [url for url in refs.urls if url.startswith("/static/")]
        assert static_refs and all(url.startswith("/static/") or url == "/api/schema/" for url in refs.urls)
        for url in static_refs:
            asset = client.get(url)
            assert asset.status_code == 200, url
            body = b"".join(asset.streaming_content) if asset.streaming else asset.content
            assert len(body) > 100, url


def test_swagger_ui_is_told_not_to_call_the_public_validator(db):
    html = Client().get("/api/docs/").content.decode()
    assert '"validatorUrl": null' in html
