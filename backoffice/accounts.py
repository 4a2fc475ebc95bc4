"""Back-office accounts: users and roles, argon2 password hashes, sessions and signing in (its limit
in ``backoffice/sign_in_limit.py``).

Shared by the web application and by ``relance user``; the web layer only carries cookies.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, delete, select

from backoffice import sign_in_limit
from models.enums import Role
from storage.database import Database
from storage.tables import KnownDevice, LoginAttempt, User, WebSession
from support.french import moment_fr
from support.parsing import quoted
from support.typography import typeset_text

SESSION_LIFETIME = timedelta(hours=10)  # one working day
# One refusal whatever was wrong at sign-in: it does not tell whether the user exists.
UNKNOWN_OR_WRONG = "identifiant inconnu ou mot de passe erroné"
MIN_PASSWORD_LENGTH = 12
USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown."""
    return _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A user that cannot be created or changed as asked; the message says which field and why, in
    French (the administrator reads it, on the accounts page or at the command line), its no-break
    spaces set."""

    def __init__(self, message: str) -> None:
        super().__init__(typeset_text(message))


@dataclass(frozen=True)
class SignedIn:
    """The user behind a session, as the web layer needs them."""

    username: str
    full_name: str
    role: Role
    csrf_token: str
    # What the commands carry beside the username: the four-eyes rule compares ids.
    user_id: int

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def _now() -> datetime:
    return datetime.now(UTC)


def normalise_username(username: str) -> str:
    """A username as kept and looked up: ``Admin `` is ``admin`` (NFKC, no surrounding blanks,
    case-folded), at creation as at sign-in."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def check_new_user(username: str, password: str) -> str:
    """The username as kept (normalised), or ``AccountError`` naming the field at fault."""
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        raise AccountError(
            f"identifiant {quoted(username)} : de 2 à 64 caractères, une lettre d'abord, puis des "
            "lettres sans accent, des chiffres, « . », « _ » ou « - »"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"mot de passe : {MIN_PASSWORD_LENGTH} caractères au moins")
    return name


async def add_user(database: Database, username: str, password: str, role: Role, full_name: str = "") -> User:
    name = check_new_user(username, password)
    async with database.sessions() as session, session.begin():
        if (await session.exec(select(User).where(User.username == name))).first() is not None:
            raise AccountError(f"identifiant {quoted(name)} : déjà pris")
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
            raise AccountError("le premier administrateur existe déjà : connectez-vous")
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
    name = normalise_username(username)
    async with database.sessions() as session, session.begin():
        user = (await session.exec(select(User).where(User.username == name))).first()
        if user is None:
            raise AccountError(f"identifiant {quoted(username)} : aucun compte de ce nom")
        user.active = active
        if not active:
            await session.exec(delete(WebSession).where(col(WebSession.user_id) == user.id))
            await session.exec(delete(KnownDevice).where(col(KnownDevice.user_id) == user.id))


async def sign_in(
    database: Database, username: str, password: str, client_address: str, device_token: str = ""
) -> str:
    """Check the password and open a session: the token to put in the cookie.

    ``TooManyAttempts`` when a key of the attempt is locked (``backoffice/sign_in_limit.py``;
    ``device_token`` is the cookie of a browser the user signed in with); ``AccountError`` (one
    message whatever was wrong, so as not to tell whether the user exists) otherwise."""
    name, address = normalise_username(username)[:64], client_address[:64]
    charges = await sign_in_limit.charge(
        database, await sign_in_limit.attempt_keys(database, name, address, device_token)
    )
    async with database.sessions() as session:
        user = (await session.exec(select(User).where(User.username == name))).first()
    # An unknown user costs a verification too: timing does not tell which usernames exist.
    matches = await asyncio.to_thread(_verify, user.password_hash if user else _dummy_hash(), password)
    valid = matches and user is not None and user.active
    token = secrets.token_urlsafe(32)
    async with database.sessions() as session, session.begin():
        session.add(LoginAttempt(username=name, client_address=address, succeeded=valid))
        # What no longer counts is dropped as it goes: ended sessions, old attempts and counters.
        await session.exec(delete(WebSession).where(col(WebSession.expires_at) < _now()))
        await sign_in_limit.drop_what_no_longer_counts(session)
        if valid and user is not None and user.id is not None:
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = await _hash(password)
                session.add(user)
            session.add(
                WebSession(
                    token_sha256=_digest(token),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    expires_at=_now() + SESSION_LIFETIME,
                )
            )
    if not valid:
        # The charge stays: the limit counts this failure.
        raise AccountError(UNKNOWN_OR_WRONG)
    await sign_in_limit.give_back(database, charges)
    return token


async def known_device(database: Database, username: str, device_token: str) -> str:
    """After ``username`` signed in: the token of the browser's device cookie (kept if it is
    already theirs, else a new one)."""
    async with database.sessions() as session:
        named = User.username == normalise_username(username)
        user_id = (await session.exec(select(User.id).where(named))).one()
    assert user_id is not None
    return await sign_in_limit.remember_device(database, user_id, device_token)


def _digest(token: str) -> str:
    digest = sign_in_limit.token_sha256(token)
    assert digest is not None, "a token made here"
    return digest


async def _hash(password: str) -> str:
    # argon2 is slow on purpose: off the event loop, so that other requests go on meanwhile.
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def session_user(database: Database, token: str) -> SignedIn | None:
    """The active user of a live session, or None (unknown, expired or disabled, or a cookie no
    session of ours can have)."""
    digest = sign_in_limit.token_sha256(token)
    if digest is None:
        return None
    async with database.sessions() as session:
        found = (
            await session.exec(
                select(WebSession, User)
                .join(User, col(User.id) == WebSession.user_id)
                .where(WebSession.token_sha256 == digest, WebSession.expires_at > _now())
            )
        ).first()
    if found is None:
        return None
    web_session, user = found
    if not user.active:
        return None
    return SignedIn(
        user.username, user.full_name, Role(user.role), web_session.csrf_token, web_session.user_id
    )


async def sign_out(database: Database, token: str) -> None:
    digest = sign_in_limit.token_sha256(token)
    if digest is None:
        return
    async with database.sessions() as session, session.begin():
        await session.exec(delete(WebSession).where(col(WebSession.token_sha256) == digest))


async def why_no_session(database: Database, token: str) -> str:
    """Why ``token`` opens no session (``session_user`` gave none), for the command line to say."""
    digest = sign_in_limit.token_sha256(token)
    found = None
    if digest is not None:
        async with database.sessions() as session:
            found = (
                await session.exec(
                    select(WebSession.expires_at, User.active)
                    .join(User, col(User.id) == WebSession.user_id)
                    .where(WebSession.token_sha256 == digest)
                )
            ).first()
    if found is None:
        return "session inconnue (fermée, ou ouverte sur une autre installation)"
    expires_at, active = found
    if not active:
        return "le compte est désactivé"
    return f"la session a expiré le {moment_fr(expires_at)}"
