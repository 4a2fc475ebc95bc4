"""The application around the pages: the security headers on every response of every route, a
malformed cookie is a signed-out visitor, a malformed parameter a 400 in French, and the data folder
the back office and its worker write is private."""

from __future__ import annotations

import re
from html import unescape

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from models.enums import Role
from tests.fixtures.files import assert_private
from tests.fixtures.web import (
    PASSWORD,
    BackofficeUnderTest,
    WebUser,
    case_with_notice_received,
)

# A value for every path parameter of the app: a route with another one makes the walk fail, so
# that no route is left out of it.
SAMPLES = {
    "case_id": "{case}",
    # A debtor's account is found from one of its cases as well.
    "account_or_case_id": "{case}",
    "account_id": "{case}",
    "command": "pause",
    "sha256": "0" * 64,
    "job_id": "unknown",
    "username": "nobody",
    "operation": "decode",
    "path": "app.js",
}
# Cookies no session, device, setup form or message of ours can be: non-ASCII, too long, quoted,
# percent-escaped, with a space.
MALFORMED_COOKIES = ["é", "ü" * 43, "!" * 43, "x" * 4000, '"', "%ff%fe", "a b", "é" * 43]


def every_request(app: FastAPI, case_id: str) -> list[tuple[str, str]]:
    """(method, URL) for every route of the app, its parameters filled in; /logout last (it ends
    the session of the walk)."""
    requests = []
    for route in iter_route_contexts(app.routes):
        assert route.path_format is not None
        names = re.findall(r"{(\w+)}", route.path_format)
        assert set(names) <= SAMPLES.keys(), f"{route.path_format}: add a sample for {names}"
        url = route.path_format.format(**SAMPLES).replace("{case}", case_id)
        methods = getattr(route.original_route, "methods", None) or {"GET"}
        requests += [(method, url) for method in sorted(methods - {"HEAD"})]
    return sorted(requests, key=lambda request: request[1] == "/logout")


def assert_security_headers(response: httpx.Response, what: object) -> None:
    policy = response.headers.get("content-security-policy", "")
    directives = {}
    for piece in policy.split(";"):
        name, _, value = piece.strip().partition(" ")
        directives[name] = value
    assert directives.get("default-src") == "'self'", (what, policy)
    assert directives.get("script-src") == "'self'", (what, policy)
    assert directives.get("frame-ancestors") == "'none'", (what, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (what, policy)
    assert response.headers.get("x-frame-options") == "DENY", what
    assert response.headers.get("x-content-type-options") == "nosniff", what
    assert response.headers.get("referrer-policy") == "same-origin", what


async def _send(
    visitor: httpx.AsyncClient | WebUser, method: str, url: str, cookie: bytes = b""
) -> httpx.Response:
    headers = [(b"cookie", cookie)] if cookie else []
    if isinstance(visitor, WebUser):
        if method == "POST":
            # A harmless form with the session's CSRF token, so that the route itself answers.
            return await visitor.post(url, {"reason": "x"})
        return await visitor.http.request(method, url)
    return await visitor.request(method, url, headers=headers)


async def test_every_route_answers_with_the_security_headers_and_a_malformed_cookie_signs_nobody_in(
    backoffice: BackofficeUnderTest,
) -> None:
    case_id, _ = await backoffice.case()
    admin = await backoffice.user("root", Role.ADMIN)
    anonymous, malformed = backoffice.browser(), backoffice.browser()
    requests = every_request(backoffice.app, case_id)
    assert len(requests) >= 30 and ("GET", "/static/app.js") in requests
    for method, url in [*requests, ("GET", "/no/such/page")]:
        signed_out = await _send(anonymous, method, url)
        assert_security_headers(signed_out, (method, url, "anonymous"))
        for value in MALFORMED_COOKIES:
            cookie = "; ".join(
                f"{name}={value}"
                for name in ("relance_session", "relance_device", "relance_flash", "relance_setup")
            )
            response = await _send(malformed, method, url, cookie.encode("utf-8"))
            # Whatever the cookie, a signed-out visitor: the same answer as one without any.
            assert (response.status_code, response.headers.get("location")) == (
                signed_out.status_code,
                signed_out.headers.get("location"),
            ), (method, url, value, response.text[:300])
            assert_security_headers(response, (method, url, value))
        signed_in = await _send(admin, method, url)
        assert signed_in.status_code < 500, (method, url, signed_in.text[:300])
        assert_security_headers(signed_in, (method, url, "admin"))


async def test_a_malformed_device_cookie_still_lets_the_right_password_in(
    backoffice: BackofficeUnderTest,
) -> None:
    await backoffice.user("dora", Role.AUDITOR)
    for value in MALFORMED_COOKIES:
        browser = backoffice.browser()
        cookie = f"relance_device={value}; relance_session={value}".encode()
        response = await browser.post(
            "/login", data={"username": "dora", "password": PASSWORD}, headers=[(b"cookie", cookie)]
        )
        assert response.status_code == 303, value
        assert (await browser.get("/audit")).status_code == 200


async def test_a_parameter_of_the_wrong_type_or_missing_is_a_400_in_french(
    backoffice: BackofficeUnderTest,
) -> None:
    reader = await backoffice.user("rita", Role.BACK_OFFICE)
    wrong_type = await reader.get("/cases?closed=peut-être")
    assert wrong_type.status_code == 400
    assert "paramètre invalide ou manquant : closed" in unescape(wrong_type.text)
    missing = await backoffice.browser().post("/login", data={"username": "rita"})
    assert missing.status_code == 400
    assert "paramètre invalide ou manquant : password" in unescape(missing.text)


async def test_the_data_folder_and_everything_written_there_are_private(
    backoffice: BackofficeUnderTest,
) -> None:
    relance = backoffice.relance
    await case_with_notice_received(backoffice)
    files = assert_private(relance.data_dir)
    # The database (created before the back office started, then made private), the letter, the
    # registered letter and its receipt, all written after.
    assert {"relance.db", "receipt.json"} <= {path.name for path in files}, files
    assert any(path.suffix == ".pdf" and "documents" in path.parts for path in files), files
    mails = assert_private(relance.outbox.folder)
    assert mails and all(path.suffix == ".eml" for path in mails)
