"""Accounts, sessions and roles of the web back office: who may open which page, and every refusal."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from sqlmodel import select

from backoffice.accounts import (
    AccountError,
    add_user,
    session_user,
    set_active,
    sign_in,
    sign_out,
)
from backoffice.sign_in_limit import FREE_FAILURES_PER_USER_AND_ADDRESS, TooManyAttempts
from models.enums import Role
from storage.database import Database
from storage.tables import LoginAttempt, User, WebSession
from support.typography import typeset_text as fr
from tests.fixtures.cli import ForkServers
from tests.fixtures.web import PASSWORD, BackofficeUnderTest
from workflows import InvoiceCollectionWorkflow

RELANCE = Path(sys.executable).parent / "relance"

# Every route, and the roles that may use it (the others get 403; nobody signed in gets the login).
READ = {Role.BACK_OFFICE, Role.AGENT, Role.AUDITOR, Role.ADMIN}
ROUTES: list[tuple[str, str, set[Role]]] = [
    ("GET", "/dashboard", READ),
    ("GET", "/dashboard/panel", READ),
    ("GET", "/cases", READ),
    ("GET", "/queue", READ),
    ("GET", "/cases/{case}", READ),
    ("GET", "/cases/{case}/documents/" + "0" * 64, READ),
    ("POST", "/cases/{case}/pause", {Role.AGENT, Role.ADMIN}),
    ("POST", "/cases/{case}/resume", {Role.AGENT, Role.ADMIN}),
    ("POST", "/cases/{case}/escalate", {Role.AGENT, Role.ADMIN}),
    ("POST", "/cases/{case}/payment", {Role.AGENT, Role.ADMIN}),
    ("POST", "/cases/{case}/promise", {Role.AGENT, Role.ADMIN}),
    ("POST", "/cases/{case}/dispute", {Role.AGENT, Role.ADMIN}),
    ("POST", "/cases/{case}/filing", {Role.AGENT, Role.ADMIN}),
    ("GET", "/accounts/{case}", READ),
    ("GET", "/accounts/{case}/statement", READ),
    ("GET", "/accounts/{case}/documents/" + "0" * 64, READ),
    ("POST", "/accounts/{case}/payment/preview", {Role.AGENT, Role.ADMIN}),
    ("POST", "/accounts/{case}/payment", {Role.AGENT, Role.ADMIN}),
    ("POST", "/accounts/{case}/commands/pause", {Role.AGENT, Role.ADMIN}),
    ("POST", "/accounts/{case}/commands/resume", {Role.AGENT, Role.ADMIN}),
    ("POST", "/accounts/{case}/commands/promise", {Role.AGENT, Role.ADMIN}),
    ("GET", "/imports/new", {Role.BACK_OFFICE, Role.ADMIN}),
    ("POST", "/imports", {Role.BACK_OFFICE, Role.ADMIN}),
    ("POST", "/imports/demo", {Role.BACK_OFFICE, Role.ADMIN}),
    ("GET", "/imports/unknown", {Role.BACK_OFFICE, Role.ADMIN}),
    ("GET", "/imports/unknown/progress", {Role.BACK_OFFICE, Role.ADMIN}),
    ("GET", "/audit", {Role.AUDITOR, Role.ADMIN}),
    ("GET", "/audit/cases/{case}", {Role.AUDITOR, Role.ADMIN}),
    ("GET", "/audit/cases/{case}/history.json", {Role.AUDITOR, Role.ADMIN}),
    ("POST", "/audit/cases/{case}/replay", {Role.AUDITOR, Role.ADMIN}),
    ("GET", "/audit/export", {Role.AUDITOR, Role.ADMIN}),
    ("GET", "/users", {Role.ADMIN}),
    ("POST", "/users", {Role.ADMIN}),
    ("POST", "/users/nobody/active", {Role.ADMIN}),
    ("POST", "/codec/decode", READ),
]


async def test_every_route_checks_the_role_and_refuses_the_others(backoffice: BackofficeUnderTest) -> None:
    case_id, handle = await backoffice.case()
    users = {role: await backoffice.user(f"user-{role.value}".replace("_", "-"), role) for role in Role}
    anonymous = backoffice.browser()
    for method, template, allowed in ROUTES:
        url = template.format(case=case_id)
        codec = url.startswith("/codec/")
        body = {"content": b'{"payloads": []}'} if codec else {}

        response = await anonymous.request(method, url, **body)
        if codec:
            assert response.status_code == 401, url
        else:
            assert response.status_code == 303, (method, url)
            assert response.headers["location"].startswith("/login?next="), url

        for role, user in users.items():
            if codec:
                response = await user.http.post(url, **body)
            elif method == "GET":
                response = await user.get(url)
            else:
                # A harmless form: the role is checked before anything in it is read.
                response = await user.post(url, {"reason": "x"})
            if role in allowed:
                assert response.status_code != 403, (role, method, url, response.text[:300])
            else:
                assert response.status_code == 403, (role, method, url)
                assert "n&#39;a pas le droit de" in response.text

    # Nobody's harmless form changed the case; no refused role left a trace in its journal.
    status = await handle.query(InvoiceCollectionWorkflow.status)
    actors = {action.actor for action in status.actions}
    assert "user-agent" in actors
    assert not actors & {"user-back-office", "user-auditor"}


async def test_a_form_without_the_session_token_is_refused_and_changes_nothing(
    backoffice: BackofficeUnderTest,
) -> None:
    case_id, handle = await backoffice.case()
    agent = await backoffice.user("alice", Role.AGENT)

    forged = await agent.http.post(f"/cases/{case_id}/pause", data={"reason": "forged"})
    assert forged.status_code == 403
    assert "CSRF" in forged.text
    wrong = await agent.http.post(
        f"/cases/{case_id}/pause", data={"reason": "forged", "csrf_token": "x" * 43}
    )
    assert wrong.status_code == 403

    status = await handle.query(InvoiceCollectionWorkflow.status)
    assert not status.paused
    assert "forged" not in [action.detail for action in status.actions]


async def test_passwords_are_kept_as_argon2_hashes_and_sign_in_is_rate_limited(
    backoffice: BackofficeUnderTest,
) -> None:
    database = backoffice.relance.database
    await add_user(database, "Bob", PASSWORD, Role.AGENT)
    async with database.sessions() as session:
        bob = (await session.exec(select(User).where(User.username == "bob"))).one()
    assert bob.password_hash.startswith("$argon2id$")
    assert PASSWORD not in bob.password_hash

    with pytest.raises(AccountError, match=fr("« bob » : déjà pris")):
        await add_user(database, "bob", PASSWORD, Role.AGENT)
    with pytest.raises(AccountError, match=fr("mot de passe : 12 caractères au moins")):
        await add_user(database, "carol", "short", Role.AGENT)
    with pytest.raises(AccountError, match=fr("identifiant « 1x » : de 2 à 64 caractères")):
        await add_user(database, "1x", PASSWORD, Role.AGENT)

    browser = backoffice.browser()
    page = await browser.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text

    # The same answer for an unknown user and a wrong password.
    unknown = await browser.post("/login", data={"username": "nobody", "password": PASSWORD})
    wrong = await browser.post("/login", data={"username": "bob", "password": "wrong password!"})
    assert unknown.status_code == wrong.status_code == 401
    assert "identifiant inconnu ou mot de passe erroné" in unescape(unknown.text)
    assert "identifiant inconnu ou mot de passe erroné" in unescape(wrong.text)

    for _ in range(FREE_FAILURES_PER_USER_AND_ADDRESS - 1):
        await browser.post("/login", data={"username": "bob", "password": "wrong password!"})
    # Locked now from this address and this browser, even with the right password; the page says
    # for how long.
    locked = await browser.post("/login", data={"username": "bob", "password": PASSWORD})
    assert locked.status_code == 429
    assert "trop d'échecs de connexion : réessayez dans 1 minute(s)" in unescape(locked.text)
    assert 0 < int(locked.headers["retry-after"]) <= 61
    assert "relance_session" not in browser.cookies


async def test_a_session_is_an_http_only_cookie_that_signing_out_ends(
    backoffice: BackofficeUnderTest,
) -> None:
    await add_user(backoffice.relance.database, "dora", PASSWORD, Role.AUDITOR)
    browser = backoffice.browser()
    signed_in = await browser.post(
        "/login", data={"username": "dora", "password": PASSWORD, "next": "/audit"}
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/audit"
    cookie = signed_in.headers["set-cookie"]
    assert "relance_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie

    # A link to another site after sign-in is not followed.
    elsewhere = await backoffice.browser().post(
        "/login", data={"username": "dora", "password": PASSWORD, "next": "//evil.example/"}
    )
    assert elsewhere.headers["location"] == "/"

    home = await browser.get("/")
    assert home.headers["location"] == "/dashboard"
    token = (await browser.get("/audit")).text.split('name="csrf_token" value="')[1].split('"')[0]
    out = await browser.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    # The old cookie, sent again by another browser, opens nothing.
    replayed = backoffice.browser()
    replayed.cookies.set("relance_session", cookie.split(";")[0].split("=", 1)[1])
    again = await replayed.get("/audit")
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


async def test_an_administrator_creates_and_disables_accounts(backoffice: BackofficeUnderTest) -> None:
    admin = await backoffice.user("root", Role.ADMIN)
    refused = await admin.post("/users", {"username": "x y", "password": PASSWORD, "role": "agent"})
    assert refused.status_code == 422
    assert fr("identifiant « x y » : de 2 à 64 caractères, une lettre d'abord") in unescape(refused.text)
    bad_role = await admin.post("/users", {"username": "eve", "password": PASSWORD, "role": "boss"})
    assert bad_role.status_code == 422
    roles = "back-office, agent, auditeur, administrateur"
    assert fr(f"rôle « boss » : l'un de {roles}") in unescape(bad_role.text)
    short = await admin.post("/users", {"username": "eve", "password": "court", "role": "agent"})
    assert short.status_code == 422 and fr("mot de passe : 12 caractères au moins") in unescape(short.text)

    created = await admin.post("/users", {"username": "eve", "password": PASSWORD, "role": "auditor"})
    assert created.status_code == 303
    listing = unescape((await admin.get("/users")).text)
    assert "compte eve créé (auditeur)" in listing
    # Each account's role, and the roles to choose from, by their French names.
    assert "<td>eve</td><td></td><td>auditeur</td>" in listing
    assert '<option value="back_office">back-office</option>' in listing
    taken = await admin.post("/users", {"username": "Eve", "password": PASSWORD, "role": "agent"})
    assert taken.status_code == 422 and fr("identifiant « eve » : déjà pris") in unescape(taken.text)

    eve = await backoffice.sign_in("eve")
    assert (await eve.get("/queue")).status_code == 200
    disabled = await admin.post("/users/eve/active", {"active": "false"})
    assert disabled.status_code == 303
    # Her open session ends with the account, and she cannot sign in again.
    assert (await eve.get("/queue")).status_code == 303
    again = await backoffice.browser().post("/login", data={"username": "eve", "password": PASSWORD})
    assert again.status_code == 401
    # An administrator cannot lock themself out.
    await admin.post("/users/root/active", {"active": "false"})
    assert (await admin.get("/users")).status_code == 200


async def test_the_first_visitor_of_a_new_installation_creates_the_administrator(
    backoffice: BackofficeUnderTest,
) -> None:
    browser = backoffice.browser()
    first = await browser.get("/login")
    assert first.status_code == 303 and first.headers["location"] == "/setup"
    page = await browser.get("/setup")
    token = page.text.split('name="setup_token" value="')[1].split('"')[0]
    form = {"setup_token": token, "username": "admin", "password": PASSWORD, "password_again": PASSWORD}

    # Posted from elsewhere (no cookie of this site): refused.
    assert (await backoffice.browser().post("/setup", data=form)).status_code == 403
    differ = await browser.post("/setup", data={**form, "password_again": PASSWORD + "!"})
    assert differ.status_code == 422
    assert fr("mot de passe : les deux saisies diffèrent") in unescape(differ.text)

    created = await browser.post("/setup", data=form)
    assert created.status_code == 303 and created.headers["location"] == "/users"
    users = await browser.get("/users")
    assert users.status_code == 200 and "administrateur créé" in unescape(users.text)

    # Once an account exists, the setup page is gone for everyone.
    late = backoffice.browser()
    assert (await late.get("/setup")).headers["location"] == "/login"
    assert (await late.get("/login")).status_code == 200
    again = await late.post("/setup", data=form, cookies=None)
    assert again.status_code == 403


async def test_the_first_administrator_can_be_created_from_the_command_line(
    backoffice: BackofficeUnderTest, fork_servers: ForkServers
) -> None:
    settings = backoffice.relance.settings
    env = {
        **os.environ,
        "RELANCE_DATA_DIR": str(settings.data_dir),
        "RELANCE_SESSION_FILE": str(settings.data_dir.parent / "home" / "session"),
    }

    async def relance(*args: str, stdin: str = "") -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            *await fork_servers.command(env),
            *args,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate(stdin.encode())
        assert process.returncode is not None
        return process.returncode, " ".join(out.decode().split())

    bobs = PASSWORD + "\n"
    code, out = await relance("user", "add", "bob", "--role", "agent", "--password-stdin", stdin=bobs)
    assert code == 1 and "aucun compte encore : le premier est l'administrateur (--role admin)" in out
    code, out = await relance(
        "user", "add", "Admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert code == 0 and "compte admin créé (administrateur)" in out
    # Once an account exists, only a signed-in administrator adds one.
    code, out = await relance("user", "add", "bob", "--role", "agent", "--password-stdin", stdin=bobs)
    assert code == 1 and "personne n'est connecté" in out
    code, out = await relance("login", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and "connecté comme admin (administrateur)" in out
    code, out = await relance("user", "add", "shorty", "--role", "agent", "--password-stdin", stdin="short\n")
    assert code == 1 and "mot de passe : 12 caractères au moins" in out
    await backoffice.sign_in("admin")


async def test_ended_sessions_and_old_attempts_are_dropped_at_the_next_sign_in(
    backoffice: BackofficeUnderTest,
) -> None:
    database = backoffice.relance.database
    await add_user(database, "zoe", PASSWORD, Role.AGENT)
    async with database.sessions() as session, session.begin():
        zoe = (await session.exec(select(User).where(User.username == "zoe"))).one()
        long_ago = datetime.now(UTC) - timedelta(days=3)
        session.add(WebSession(token_sha256="0" * 64, user_id=zoe.id, csrf_token="x", expires_at=long_ago))
        session.add(LoginAttempt(username="zoe", succeeded=False, attempted_at=long_ago))
    await backoffice.sign_in("zoe")
    async with database.sessions() as session:
        sessions = (await session.exec(select(WebSession))).all()
        attempts = (await session.exec(select(LoginAttempt))).all()
    assert [s.token_sha256 for s in sessions if s.token_sha256 == "0" * 64] == []
    assert len(sessions) == 1 and [a.succeeded for a in attempts] == [True]


async def test_accounts_and_sessions_on_both_databases(database: Database) -> None:
    await add_user(database, "yann", PASSWORD, Role.AUDITOR, full_name="Yann")
    token = await sign_in(database, "YANN ", PASSWORD, "10.0.0.1")
    signed_in = await session_user(database, token)
    assert signed_in is not None
    assert (signed_in.username, signed_in.role, signed_in.display_name) == ("yann", Role.AUDITOR, "Yann")
    assert await session_user(database, token + "x") is None
    for _ in range(FREE_FAILURES_PER_USER_AND_ADDRESS):
        with pytest.raises(AccountError):
            await sign_in(database, "yann", "not the password", "10.0.0.2")
    with pytest.raises(TooManyAttempts) as locked:
        await sign_in(database, "yann", PASSWORD, "10.0.0.2")
    assert timedelta(seconds=50) < locked.value.retry_after <= timedelta(minutes=1)
    # From the address Yann signed in from, the right password still opens a session.
    assert await session_user(database, await sign_in(database, "yann", PASSWORD, "10.0.0.1"))
    await set_active(database, "yann", False)
    assert await session_user(database, token) is None
    await sign_out(database, token)


async def test_the_back_office_says_so_when_its_port_is_taken(tmp_path: Path) -> None:
    taken = await asyncio.start_server(lambda reader, writer: writer.close(), "127.0.0.1", 0)
    port = taken.sockets[0].getsockname()[1]
    env = {**os.environ, "RELANCE_DATA_DIR": str(tmp_path), "RELANCE_BACKOFFICE_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(
        str(RELANCE), "backoffice", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    taken.close()
    assert process.returncode == 1
    assert f"127.0.0.1:{port} est déjà pris (un autre back-office ?)" in " ".join(out.decode().split())
