"""The API docs page in a real headless Chromium: Swagger UI renders our endpoints, and the
browser fetches nothing from anywhere but our own server."""

import pytest

pytestmark = pytest.mark.browser


def test_docs_page_renders_the_api_from_local_files_only(browser, live_server, transactional_db):
    requested: list[str] = []
    page = browser.new_page()
    try:
        page.set_default_timeout(15_000)
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_server.url}/api/docs/")
        # Swagger UI has fetched the schema and drawn one block per operation.
        page.wait_for_selector(".opblock-summary-path >> text=/api/v1/visits/")
        paths = page.locator(".opblock-summary-path").all_inner_texts()
    finally:
        page.close()
    assert {"/api/v1/offices/", "/api/v1/languages/", "/api/v1/visits/"} <= {p.strip() for p in paths}
    outside = [url for url in requested if not url.startswith((live_server.url, "data:", "blob:"))]
    assert outside == []
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in url for url in requested)
    assert any(url.startswith(f"{live_server.url}/api/schema/") for url in requested)
