"""Each route's permission, sessions in cookies, CSRF protection of every form, and the client's
address."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import Request
from starlette.datastructures import FormData

from backoffice.accounts import SignedIn, session_user
from backoffice.permissions import NotAllowed, Permission, authorize  # the rules both doors ask

SESSION_COOKIE = "relance_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class SignInRequired(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__("sign in required")
        self.next_url = next_url


class Forbidden(Exception):
    """Signed in, but the role does not allow this; the message says what was refused."""


def client_address(request: Request) -> str:
    """The address of the person at the other end. ``X-Forwarded-For`` is read only when the
    request comes from a trusted proxy (RELANCE_TRUSTED_PROXIES): right to left, the first hop that
    is not one of them; anybody else could write any address there."""
    peer = request.client.host if request.client else ""
    networks = request.app.state.backoffice.settings.trusted_proxy_networks
    address = peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for")).split(",")
    for hop in [peer, *reversed(forwarded)]:
        try:
            ip = ipaddress.ip_address(hop.strip())
        except ValueError:
            break  # not written by a proxy of ours: the last address it trusted stands
        address = str(ip)
        if not any(ip in network for network in networks):
            break
    return address


def same_token(sent: object, expected: str) -> bool:
    """A token sent by a browser matches ours (in constant time; anything else simply does not)."""
    return isinstance(sent, str) and secrets.compare_digest(sent.encode(), expected.encode())


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
        try:
            authorize(user, permission)
        except NotAllowed as refusal:
            raise Forbidden(str(refusal)) from None
        return user

    return dependency


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"


async def checked_form(request: Request, user: SignedIn) -> FormData:
    """The posted form, once its CSRF token matches the session's; ``Forbidden`` otherwise."""
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not same_token(sent, user.csrf_token):
        raise Forbidden(
            "le formulaire a expiré ou ne vient pas de ce site (contrôle CSRF) : rechargez la page"
        )
    return form
