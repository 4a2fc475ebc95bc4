"""Signing in through the pages: the browser a user signed in with gets in while an attacker locks
their address, and the client's address comes from X-Forwarded-For only behind a trusted proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from sqlmodel import select

from backoffice.accounts import add_user
from backoffice.sign_in_limit import FREE_FAILURES_PER_USER_AND_ADDRESS
from backoffice.web.app import create_app
from config.settings import Settings
from models.enums import Role
from storage.tables import LoginAttempt
from tests.fixtures.web import PASSWORD, BackofficeUnderTest

GUESS = "admin-2026-guess"


async def test_the_admins_browser_gets_in_while_an_attacker_locks_their_address(
    backoffice: BackofficeUnderTest,
) -> None:
    await add_user(backoffice.relance.database, "admin", PASSWORD, Role.ADMIN)
    admins = backoffice.browser()
    first = await admins.post("/login", data={"username": "admin", "password": PASSWORD})
    assert first.status_code == 303
    device = next(cookie for cookie in first.headers.get_list("set-cookie") if "relance_device=" in cookie)
    assert "HttpOnly" in device and "Path=/login" in device and "SameSite=strict" in device

    # From the same address (an office's router), with a trailing space and capitals.
    attacker = backoffice.browser()
    for _ in range(FREE_FAILURES_PER_USER_AND_ADDRESS):
        assert (
            await attacker.post("/login", data={"username": "Admin ", "password": GUESS})
        ).status_code == 401
    assert (
        await attacker.post("/login", data={"username": "admin", "password": PASSWORD})
    ).status_code == 429
    assert (
        await backoffice.browser().post("/login", data={"username": "admin", "password": PASSWORD})
    ).status_code == 429

    again = await admins.post("/login", data={"username": "admin", "password": PASSWORD})
    assert again.status_code == 303
    assert (await admins.get("/users")).status_code == 200
    # The browser keeps its device cookie.
    assert admins.cookies.get("relance_device", path="/login") == device.split(";")[0].split("=", 1)[1]


@asynccontextmanager
async def behind_a_proxy(
    backoffice: BackofficeUnderTest,
) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """The back office with RELANCE_TRUSTED_PROXIES=10.1.0.0/16; browsers as if from an address."""
    relance = backoffice.relance
    settings = Settings(**{**relance.settings.model_dump(), "trusted_proxies": "10.1.0.0/16"})
    app = create_app(settings, client=relance.client, database=relance.database)
    browsers: list[httpx.AsyncClient] = []

    def browser_at(peer: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        browsers.append(httpx.AsyncClient(transport=transport, base_url="http://backoffice.test"))
        return browsers[-1]

    async with app.router.lifespan_context(app):
        yield browser_at
    for browser in browsers:
        await browser.aclose()


async def test_the_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(
    backoffice: BackofficeUnderTest,
) -> None:
    database = backoffice.relance.database
    await add_user(database, "admin", PASSWORD, Role.ADMIN)
    seen = [
        # (the peer, its X-Forwarded-For, the address the back office takes)
        ("10.1.0.5", "203.0.113.7", "203.0.113.7"),
        # The client may write anything on the left: the hop our proxy added is the last one.
        ("10.1.0.5", "198.51.100.1, 203.0.113.8", "203.0.113.8"),
        ("10.1.0.5", "203.0.113.9, 10.1.0.6", "203.0.113.9"),
        ("10.1.0.5", "no address", "10.1.0.5"),
        ("10.1.0.5", None, "10.1.0.5"),
        # Not one of the proxies: its header is anybody's, and not read.
        ("192.0.2.1", "203.0.113.7", "192.0.2.1"),
    ]
    async with behind_a_proxy(backoffice) as browser_at:
        for number, (peer, forwarded, _) in enumerate(seen):
            headers = {"x-forwarded-for": forwarded} if forwarded else {}
            await browser_at(peer).post(
                "/login", data={"username": f"probe{number}", "password": GUESS}, headers=headers
            )
        async with database.sessions() as session:
            attempts = {
                row.username: row.client_address for row in (await session.exec(select(LoginAttempt)))
            }
        assert [attempts[f"probe{number}"] for number in range(len(seen))] == [taken for *_, taken in seen]

        # Behind the proxy, an attacker's failures lock their own address only...
        attacker = browser_at("10.1.0.5")
        for _ in range(FREE_FAILURES_PER_USER_AND_ADDRESS):
            await attacker.post(
                "/login",
                data={"username": "admin", "password": GUESS},
                headers={"x-forwarded-for": "203.0.113.66"},
            )
        colleague = await browser_at("10.1.0.5").post(
            "/login",
            data={"username": "admin", "password": PASSWORD},
            headers={"x-forwarded-for": "203.0.113.10"},
        )
        assert colleague.status_code == 303
        # ... and one who writes the header himself, not through the proxy, cannot change his.
        direct = browser_at("192.0.2.1")
        for number in range(FREE_FAILURES_PER_USER_AND_ADDRESS):
            await direct.post(
                "/login",
                data={"username": "admin", "password": GUESS},
                headers={"x-forwarded-for": f"10.1.0.{number}"},
            )
        locked = await direct.post(
            "/login",
            data={"username": "admin", "password": PASSWORD},
            headers={"x-forwarded-for": "10.1.0.99"},
        )
        assert locked.status_code == 429
