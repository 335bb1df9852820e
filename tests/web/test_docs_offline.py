"""/docs works offline under the service's Content-Security-Policy (issue 17): Swagger UI is
served from local files, and the page renders the API with every non-loopback request blocked."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from tests.service.conftest import Server


def test_swagger_ui_renders_offline_under_the_csp(server: Server, browser: Any) -> None:
    page = browser.new_page()
    outside: list[str] = []
    violations: list[str] = []

    def route(r: Any) -> None:
        host = urlparse(r.request.url).hostname or ""
        if host.startswith("127.") or r.request.url.startswith("data:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{server.base_url}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert page.locator(".opblock").count() >= 12  # the operations of /openapi.json
    assert not outside, outside
    assert not violations, violations
    page.close()
