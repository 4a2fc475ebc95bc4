"""The sign-in limit on SQLite and PostgreSQL: parallel attempts never overrun it, an attacker's
failures never lock the real user out of their own device or address, and it backs off."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select, update

from backoffice.accounts import AccountError, add_user, known_device, session_user, sign_in
from backoffice.sign_in_limit import (
    FIRST_LOCK,
    FREE_FAILURES_PER_DEVICE,
    FREE_FAILURES_PER_USER,
    FREE_FAILURES_PER_USER_AND_ADDRESS,
    MAX_LOCK,
    TooManyAttempts,
    lock_after,
)
from models.enums import Role
from storage.database import Database
from storage.tables import LoginAttempt, SignInCounter, User
from tests.fixtures.web import PASSWORD

WRONG = "not the password at all"


async def _outcome(database: Database, username: str, password: str, address: str, device: str = "") -> str:
    try:
        await sign_in(database, username, password, address, device)
    except TooManyAttempts:
        return "locked"
    except AccountError:
        return "refused"
    return "signed in"


async def _checked_attempts(database: Database, username: str) -> int:
    async with database.sessions() as session:
        rows = await session.exec(select(LoginAttempt).where(LoginAttempt.username == username))
        return len(rows.all())


async def test_parallel_wrong_attempts_check_exactly_the_limit(database: Database) -> None:
    await add_user(database, "admin", PASSWORD, Role.ADMIN)
    # Three engines on one database, as three back-office processes would have.
    processes = [database, Database(database.url), Database(database.url)]
    try:
        outcomes = await asyncio.gather(
            *(_outcome(processes[n % 3], "admin", WRONG, "203.0.113.9") for n in range(15))
        )
    finally:
        for other in processes[1:]:
            await other.dispose()

    assert Counter(outcomes) == {"refused": FREE_FAILURES_PER_USER_AND_ADDRESS, "locked": 10}
    assert await _checked_attempts(database, "admin") == FREE_FAILURES_PER_USER_AND_ADDRESS
    # The right password from there waits too: the attacker may be the one who has it.
    assert await _outcome(database, "admin", PASSWORD, "203.0.113.9") == "locked"


async def test_the_admin_still_signs_in_after_an_attackers_failures(database: Database) -> None:
    await add_user(database, "admin", PASSWORD, Role.ADMIN)
    await sign_in(database, "admin", PASSWORD, "10.0.0.1")
    device = await known_device(database, "admin", "")
    await sign_in(database, "admin", PASSWORD, "10.0.0.2")

    # The attacker fails from the office's own address, and from many others (with `Admin `).
    for _ in range(FREE_FAILURES_PER_USER_AND_ADDRESS):
        assert await _outcome(database, "Admin ", WRONG, "10.0.0.1") == "refused"
    for n in range(FREE_FAILURES_PER_USER):
        await _outcome(database, "Admin ", WRONG, f"198.51.100.{n}")
    assert await _outcome(database, "admin", PASSWORD, "10.0.0.1") == "locked"
    assert await _outcome(database, "admin", PASSWORD, "192.0.2.77") == "locked"

    # From the browser they signed in with, the admin gets in, at the attacked address too.
    assert await _outcome(database, "admin", PASSWORD, "10.0.0.1", device) == "signed in"
    assert await _outcome(database, "admin", PASSWORD, "192.0.2.77", device) == "signed in"
    # From an address they signed in from, untouched by the attacker, as well.
    assert await _outcome(database, "admin", PASSWORD, "10.0.0.2") == "signed in"

    # The device cookie is no key to unlimited guesses: it has a limit of its own.
    for _ in range(FREE_FAILURES_PER_DEVICE):
        assert await _outcome(database, "admin", WRONG, "10.0.0.1", device) == "refused"
    assert await _outcome(database, "admin", PASSWORD, "10.0.0.1", device) == "locked"
    # Nor is it anyone else's: another user's attempt with it is charged as any other.
    await add_user(database, "eve", PASSWORD, Role.AGENT)
    for _ in range(FREE_FAILURES_PER_USER_AND_ADDRESS):
        await _outcome(database, "eve", WRONG, "192.0.2.5", device)
    assert await _outcome(database, "eve", PASSWORD, "192.0.2.5", device) == "locked"


async def test_usernames_are_normalised_at_creation_and_at_sign_in(database: Database) -> None:
    await add_user(database, "  Admin ", PASSWORD, Role.ADMIN)
    async with database.sessions() as session:
        assert (await session.exec(select(User.username))).all() == ["admin"]
    with pytest.raises(AccountError, match="déjà pris"):
        await add_user(database, "ADMIN", PASSWORD, Role.AGENT)
    for typed in ("Admin ", "ADMIN", "\uff41\uff44\uff4d\uff49\uff4e"):  # the last one in full-width letters
        signed_in = await session_user(database, await sign_in(database, typed, PASSWORD, "10.0.0.1"))
        assert signed_in is not None and signed_in.username == "admin"

    # Failures under every spelling count for the one user.
    for typed in ("Admin ", "ADMIN", "admin", " aDmin", "Admin"):
        assert await _outcome(database, typed, WRONG, "192.0.2.1") == "refused"
    assert await _outcome(database, "admin", PASSWORD, "192.0.2.1") == "locked"


async def test_the_lock_doubles_after_each_further_failure(database: Database) -> None:
    assert lock_after(FREE_FAILURES_PER_USER_AND_ADDRESS - 1, FREE_FAILURES_PER_USER_AND_ADDRESS) is None
    assert [lock_after(5 + n, 5) for n in range(4)] == [FIRST_LOCK * 2**n for n in range(4)]
    assert lock_after(1000, 5) == MAX_LOCK

    await add_user(database, "bob", PASSWORD, Role.AGENT)
    for _ in range(FREE_FAILURES_PER_USER_AND_ADDRESS):
        await _outcome(database, "bob", WRONG, "192.0.2.1")
    for lock in (FIRST_LOCK * 2, FIRST_LOCK * 4):
        # The lock ends (the counter's lock moved to the past, as time would)...
        async with database.sessions() as session, session.begin():
            ended = datetime.now(UTC) - timedelta(seconds=1)
            await session.exec(update(SignInCounter).values(locked_until=ended))
        # ... one more attempt is checked, and fails: locked twice as long.
        assert await _outcome(database, "bob", WRONG, "192.0.2.1") == "refused"
        with pytest.raises(TooManyAttempts) as locked:
            await sign_in(database, "bob", PASSWORD, "192.0.2.1")
        assert lock - timedelta(seconds=5) < locked.value.retry_after <= lock


async def test_a_success_forgets_the_users_own_failures_only(database: Database) -> None:
    await add_user(database, "carol", PASSWORD, Role.AGENT)
    for _ in range(3):
        await _outcome(database, "carol", WRONG, "192.0.2.1")
    await sign_in(database, "carol", PASSWORD, "192.0.2.1")
    async with database.sessions() as session:
        counters = {row.key: row.failures for row in (await session.exec(select(SignInCounter))).all()}
    # Her own address starts afresh; the username everywhere and the address keep the 3 failures
    # (an attacker elsewhere, a colleague's typos), not her successful attempt.
    assert counters == {"user:carol": 3, "address:192.0.2.1": 3}
