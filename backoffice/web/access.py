"""Who may do what in the back office, sessions in cookies, and CSRF protection of every form."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from enum import StrEnum
from urllib.parse import quote

from fastapi import Request
from starlette.datastructures import FormData

from backoffice.accounts import SignedIn, session_user
from models.enums import Role

SESSION_COOKIE = "relance_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class Permission(StrEnum):
    READ = "read"  # dashboards, lists, case pages and their documents
    IMPORT = "import"  # upload invoices and start cases
    STEER = "steer"  # commands to running cases
    AUDIT = "audit"  # raw histories, replay, document checks, exports
    MANAGE_USERS = "manage_users"


# An auditor reads everything and changes nothing: replaying a history changes no case.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.BACK_OFFICE: frozenset({Permission.READ, Permission.IMPORT}),
    Role.AGENT: frozenset({Permission.READ, Permission.STEER}),
    Role.AUDITOR: frozenset({Permission.READ, Permission.AUDIT}),
    Role.ADMIN: frozenset(Permission),
}


def can(user: SignedIn, permission: Permission) -> bool:
    return permission in PERMISSIONS[user.role]


class SignInRequired(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__("sign in required")
        self.next_url = next_url


class Forbidden(Exception):
    """Signed in, but the role does not allow this; the message says what was refused."""


async def signed_in_user(request: Request) -> SignedIn | None:
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    user = await session_user(request.app.state.backoffice.database, request.cookies.get(SESSION_COOKIE, ""))
    request.state.user = user
    return user


def requires(permission: Permission) -> Callable[[Request], Awaitable[SignedIn]]:
    """A route dependency: the signed-in user, if their role grants ``permission``."""

    async def dependency(request: Request) -> SignedIn:
        user = await signed_in_user(request)
        if user is None:
            raise SignInRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if not can(user, permission):
            raise Forbidden(
                f"{user.username} ({user.role.value}) may not {permission.value.replace('_', ' ')}"
            )
        return user

    return dependency


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"


async def checked_form(request: Request, user: SignedIn) -> FormData:
    """The posted form, once its CSRF token matches the session's; ``Forbidden`` otherwise."""
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(sent, str) or not secrets.compare_digest(sent, user.csrf_token):
        raise Forbidden("the form has expired or did not come from this site (CSRF check): reload the page")
    return form
