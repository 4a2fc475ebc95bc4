"""The sign-in limit: failed sign-ins counted in the database, per key, before the password is checked.

Each attempt is charged to its keys in one transaction that holds their rows (SQLite's write lock,
PostgreSQL's row locks) before its password is checked: of many parallel attempts, exactly as many
as the limit allows are checked, whatever the number of back-office processes. A success gives the
charge back.

The keys of an attempt say who it may lock out. A username from an address is always charged: an
attacker elsewhere never locks the user out of their own address. The username alone (every
address) and the address alone (every username) are charged too, unless the user signed in from
that address before (a known address): those catch an attacker who moves from address to address,
or from username to username. From a browser the user signed in with before (a known device, its
cookie), only that device is charged: the right password from it is accepted whatever others did.

A key may fail a few times freely, then is locked for a minute, twice as long after every further
failure, a day at most; refused attempts while it is locked are not checked and change nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.database import Database
from storage.tables import KnownDevice, LoginAttempt, SignInCounter, User

# Failures a key may have before it is locked. One address (an office behind one router) and one
# username (a user moving between places) get more than a username from one address.
FREE_FAILURES_PER_USER_AND_ADDRESS = 5
FREE_FAILURES_PER_USER = 20
FREE_FAILURES_PER_ADDRESS = 20
FREE_FAILURES_PER_DEVICE = 5
FIRST_LOCK = timedelta(minutes=1)
MAX_LOCK = timedelta(days=1)
# A counter without a failure for this long is forgotten (its lock has ended by then).
COUNTER_KEPT = MAX_LOCK
# An address a user signed in from is known for this long; failed attempts are kept a day.
KNOWN_ADDRESS_KEPT = timedelta(days=90)
FAILED_ATTEMPTS_KEPT = timedelta(days=1)
# A device unused for this long is forgotten; its cookie lasts as long.
DEVICE_KEPT = timedelta(days=90)
# The cookie's token: what ``secrets.token_urlsafe(32)`` makes, nothing else is looked up.
TOKEN_LENGTH = 43


class TooManyAttempts(Exception):
    """Refused before the password was checked: a key of the attempt is locked for ``retry_after``."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"too many failed sign-ins: try again in {minutes_of(retry_after)} minute(s)")
        self.retry_after = retry_after


def minutes_of(wait: timedelta) -> int:
    """A wait in whole minutes, rounded up: what a person is told to wait."""
    return max(1, -(-int(wait.total_seconds()) // 60))


@dataclass(frozen=True)
class Key:
    """A counter's name (``user-address:NAME|ADDRESS``, ``user:NAME``, ``address:ADDRESS``,
    ``device:ID``) and the failures it may have before it is locked."""

    name: str
    free_failures: int


# The keys of one user's own place (their address, their browser), reset by a success; the keys
# others share (a username everywhere, an address) only get their charge back.
_OWN_KEYS = ("user-address:", "device:")


@dataclass(frozen=True)
class Charge:
    """One key's row as it was before an attempt was charged to it, to give it back on success."""

    key: str
    failures: int
    locked_until: datetime | None
    forgotten_on_success: bool


def _now() -> datetime:
    return datetime.now(UTC)


def token_sha256(token: str) -> str | None:
    """The SHA-256 kept for a cookie's token; None for anything a token of ours cannot be."""
    if (
        len(token) != TOKEN_LENGTH
        or not token.isascii()
        or not token.replace("-", "").replace("_", "").isalnum()
    ):
        return None
    return _sha256(token)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def lock_after(failures: int, free_failures: int) -> timedelta | None:
    """How long a key is locked after its ``failures``-th failure; None while it may fail freely."""
    if failures < free_failures:
        return None
    doublings = failures - free_failures
    # Past ~11 doublings the day's cap is reached: no need to count higher.
    return min(FIRST_LOCK * 2 ** min(doublings, 20), MAX_LOCK)


async def attempt_keys(database: Database, username: str, address: str, device_token: str) -> list[Key]:
    """The keys an attempt of ``username`` (normalised) from ``address`` is charged to."""
    async with database.sessions() as session:
        device = await _known_device(session, username, device_token)
        if device is not None:
            return [Key(f"device:{device}", FREE_FAILURES_PER_DEVICE)]
        keys = [Key(f"user-address:{username}|{address}", FREE_FAILURES_PER_USER_AND_ADDRESS)]
        known_address = (
            await session.exec(
                select(LoginAttempt.id)
                .where(
                    LoginAttempt.username == username,
                    LoginAttempt.client_address == address,
                    col(LoginAttempt.succeeded).is_(True),
                    LoginAttempt.attempted_at >= _now() - KNOWN_ADDRESS_KEPT,
                )
                .limit(1)
            )
        ).first()
    if known_address is None:
        keys += [
            Key(f"user:{username}", FREE_FAILURES_PER_USER),
            Key(f"address:{address}", FREE_FAILURES_PER_ADDRESS),
        ]
    return keys


async def _known_device(session: AsyncSession, username: str, device_token: str) -> int | None:
    digest = token_sha256(device_token)
    if digest is None:
        return None
    return (
        await session.exec(
            select(KnownDevice.id)
            .join(User, col(User.id) == KnownDevice.user_id)
            .where(
                KnownDevice.token_sha256 == digest,
                User.username == username,
                KnownDevice.last_used_at >= _now() - DEVICE_KEPT,
            )
        )
    ).first()


async def charge(database: Database, keys: list[Key]) -> list[Charge]:
    """Charge one failure to every key, all or none: ``TooManyAttempts`` when one is locked."""
    now = _now()
    free = {key.name: key.free_failures for key in keys}
    names = sorted(free)  # every transaction locks rows in the same order: no deadlock
    insert = sqlite.insert if database.dialect == "sqlite" else postgresql.insert
    missing = [{"key": name, "failures": 0, "locked_until": None, "updated_at": now} for name in names]
    async with database.sessions() as session, session.begin():
        # Writing first takes SQLite's write lock for the transaction; PostgreSQL locks the rows below.
        await session.exec(
            insert(SignInCounter).values(missing).on_conflict_do_nothing(index_elements=["key"])
        )
        rows = (
            await session.exec(
                select(SignInCounter)
                .where(col(SignInCounter.key).in_(names))
                .order_by(col(SignInCounter.key))
                .with_for_update()
            )
        ).all()
        waits = [row.locked_until - now for row in rows if row.locked_until and row.locked_until > now]
        if waits:
            raise TooManyAttempts(max(waits))  # rolled back: nothing charged, nothing inserted
        charges = []
        for row in rows:
            charges.append(Charge(row.key, row.failures, row.locked_until, row.key.startswith(_OWN_KEYS)))
            row.failures += 1
            lock = lock_after(row.failures, free[row.key])
            row.locked_until = now + lock if lock else None
            row.updated_at = now
    return charges


async def give_back(database: Database, charges: list[Charge]) -> None:
    """After a success: the user's own keys start afresh, the shared ones lose this attempt's charge."""
    async with database.sessions() as session, session.begin():
        for charge_ in charges:
            row = SignInCounter.key == charge_.key
            if charge_.forgotten_on_success:
                await session.exec(delete(SignInCounter).where(row))
                continue
            # As it was, unless another attempt was charged since: then one failure less.
            restored = await session.exec(
                update(SignInCounter)
                .where(row, SignInCounter.failures == charge_.failures + 1)
                .values(failures=charge_.failures, locked_until=charge_.locked_until)
            )
            if restored.rowcount == 0:
                await session.exec(
                    update(SignInCounter)
                    .where(row, SignInCounter.failures > 0)
                    .values(failures=SignInCounter.failures - 1)
                )


async def remember_device(database: Database, user_id: int, device_token: str) -> str:
    """The device cookie's token for this user: the one the browser has if it is theirs, else a new one."""
    digest = token_sha256(device_token)
    async with database.sessions() as session, session.begin():
        if digest is not None:
            refreshed = await session.exec(
                update(KnownDevice)
                .where(KnownDevice.token_sha256 == digest, KnownDevice.user_id == user_id)
                .values(last_used_at=_now())
            )
            if refreshed.rowcount == 1:
                return device_token
        token = secrets.token_urlsafe(32)
        session.add(KnownDevice(token_sha256=_sha256(token), user_id=user_id))
    return token


async def drop_what_no_longer_counts(session: AsyncSession) -> None:
    """Forgotten counters, failed attempts of another day, addresses and devices unused for months."""
    now = _now()
    await session.exec(delete(SignInCounter).where(col(SignInCounter.updated_at) < now - COUNTER_KEPT))
    await session.exec(
        delete(LoginAttempt).where(
            col(LoginAttempt.attempted_at) < now - FAILED_ATTEMPTS_KEPT,
            col(LoginAttempt.succeeded).is_(False),
        )
    )
    await session.exec(delete(LoginAttempt).where(col(LoginAttempt.attempted_at) < now - KNOWN_ADDRESS_KEPT))
    await session.exec(delete(KnownDevice).where(col(KnownDevice.last_used_at) < now - DEVICE_KEPT))
