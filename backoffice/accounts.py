"""Back-office accounts: users and roles, argon2 password hashes, sessions and the sign-in rate limit.

Shared by the web application and by ``relance user``; the web layer only carries cookies.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.enums import Role
from storage.database import Database
from storage.tables import LoginAttempt, User, WebSession

SESSION_LIFETIME = timedelta(hours=10)  # one working day
# Failed sign-ins allowed for one username within the window, after which sign-in is refused until
# the window has passed, even with the right password. One address (an office behind one router)
# gets more, for all its users together: enough for typos, too few to guess passwords.
MAX_FAILED_LOGINS = 5
MAX_FAILED_LOGINS_PER_ADDRESS = 20
FAILED_LOGIN_WINDOW = timedelta(minutes=15)
ATTEMPTS_KEPT = timedelta(days=1)
MIN_PASSWORD_LENGTH = 12
USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown."""
    return _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A user that cannot be created or changed as asked; the message says which field and why."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, int(retry_after.total_seconds() // 60) + 1)
        super().__init__(f"too many failed sign-ins: try again in {minutes} minute(s)")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """The user behind a session, as the web layer needs them."""

    username: str
    full_name: str
    role: Role
    csrf_token: str

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def _now() -> datetime:
    return datetime.now(UTC)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def check_new_user(username: str, password: str) -> str:
    """The username as kept (lower-cased), or ``AccountError`` naming the field at fault."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccountError(
            f"username {username!r}: 2 to 64 characters, a letter first, then letters, digits, "
            "'.', '_' or '-'"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    return name


async def add_user(database: Database, username: str, password: str, role: Role, full_name: str = "") -> User:
    name = check_new_user(username, password)
    async with database.sessions() as session, session.begin():
        if (await session.exec(select(User).where(User.username == name))).first() is not None:
            raise AccountError(f"username {name!r}: already taken")
        user = User(
            username=name, full_name=full_name.strip(), role=role, password_hash=await _hash(password)
        )
        session.add(user)
    return user


async def has_users(database: Database) -> bool:
    async with database.sessions() as session:
        return (await session.exec(select(User.id).limit(1))).first() is not None


async def add_first_admin(database: Database, username: str, password: str, full_name: str = "") -> User:
    """The first account of a new installation; ``AccountError`` once any account exists."""
    name = check_new_user(username, password)
    async with database.sessions() as session, session.begin():
        if (await session.exec(select(User.id).limit(1))).first() is not None:
            raise AccountError("the first administrator already exists: sign in")
        user = User(
            username=name, full_name=full_name.strip(), role=Role.ADMIN, password_hash=await _hash(password)
        )
        session.add(user)
    return user


async def list_users(database: Database) -> list[User]:
    async with database.sessions() as session:
        return list((await session.exec(select(User).order_by(col(User.username)))).all())


async def set_active(database: Database, username: str, active: bool) -> None:
    """Disable (or enable again) a user; disabling also ends their open sessions."""
    async with database.sessions() as session, session.begin():
        user = (await session.exec(select(User).where(User.username == username))).first()
        if user is None:
            raise AccountError(f"username {username!r}: no such user")
        user.active = active
        if not active:
            await session.exec(delete(WebSession).where(col(WebSession.user_id) == user.id))


async def sign_in(database: Database, username: str, password: str, client_address: str) -> str:
    """Check the password and open a session: the token to put in the cookie.

    ``TooManyAttempts`` when the username or the address failed too often lately; ``AccountError``
    (one message whatever was wrong, so as not to tell whether the user exists) otherwise."""
    name = username.strip().lower()[:64]
    since = _now() - FAILED_LOGIN_WINDOW
    async with database.sessions() as session, session.begin():
        await _refuse_when_limited(session, name, client_address[:64], since)
        user = (await session.exec(select(User).where(User.username == name))).first()
        # An unknown user costs a verification too: timing does not tell which usernames exist.
        matches = await asyncio.to_thread(_verify, user.password_hash if user else _dummy_hash(), password)
        valid = matches and user is not None and user.active
        session.add(LoginAttempt(username=name, client_address=client_address[:64], succeeded=valid))
        # What no longer counts is dropped as it goes: ended sessions, attempts of another day.
        await session.exec(delete(WebSession).where(col(WebSession.expires_at) < _now()))
        await session.exec(
            delete(LoginAttempt).where(col(LoginAttempt.attempted_at) < _now() - ATTEMPTS_KEPT)
        )
        if not valid or user is None or user.id is None:
            # The attempt is committed with the refusal: the limit counts it.
            failure = AccountError("unknown username or wrong password")
        else:
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = await _hash(password)
            token = secrets.token_urlsafe(32)
            session.add(
                WebSession(
                    token_sha256=_sha256(token),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    expires_at=_now() + SESSION_LIFETIME,
                )
            )
            return token
    raise failure


async def _refuse_when_limited(
    session: AsyncSession, username: str, client_address: str, since: datetime
) -> None:
    limits = (
        (LoginAttempt.username, username, MAX_FAILED_LOGINS),
        (LoginAttempt.client_address, client_address, MAX_FAILED_LOGINS_PER_ADDRESS),
    )
    for column, value, limit in limits:
        if not value:
            continue
        failed = (
            select(LoginAttempt.attempted_at)
            .where(
                column == value, col(LoginAttempt.succeeded).is_(False), LoginAttempt.attempted_at >= since
            )
            .order_by(col(LoginAttempt.attempted_at).desc())
            .limit(limit)
        )
        recent = (await session.exec(failed)).all()
        if len(recent) >= limit:
            # Open again once the oldest of the last ``limit`` failures leaves the window.
            raise TooManyAttempts(recent[-1] + FAILED_LOGIN_WINDOW - _now())


async def _hash(password: str) -> str:
    # argon2 is slow on purpose: off the event loop, so that other requests go on meanwhile.
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def session_user(database: Database, token: str) -> SignedIn | None:
    """The active user of a live session, or None (unknown, expired or disabled)."""
    if not token:
        return None
    async with database.sessions() as session:
        found = (
            await session.exec(
                select(WebSession, User)
                .join(User, col(User.id) == WebSession.user_id)
                .where(WebSession.token_sha256 == _sha256(token), WebSession.expires_at > _now())
            )
        ).first()
    if found is None:
        return None
    web_session, user = found
    if not user.active:
        return None
    return SignedIn(user.username, user.full_name, Role(user.role), web_session.csrf_token)


async def sign_out(database: Database, token: str) -> None:
    async with database.sessions() as session, session.begin():
        await session.exec(delete(WebSession).where(col(WebSession.token_sha256) == _sha256(token)))
