"""Sign in, sign out, and the accounts page of administrators."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.accounts import (
    SESSION_LIFETIME,
    UNKNOWN_OR_WRONG,
    AccountError,
    SignedIn,
    add_first_admin,
    add_user,
    has_users,
    known_device,
    list_users,
    normalise_username,
    set_active,
    sign_in,
    sign_out,
)
from backoffice.sign_in_limit import DEVICE_KEPT, TooManyAttempts, minutes_of
from backoffice.web.access import (
    SESSION_COOKIE,
    Forbidden,
    Permission,
    checked_form,
    client_address,
    requires,
    same_token,
    signed_in_user,
)
from backoffice.web.rendering import redirect_with_message, render
from models.enums import Role
from models.wording import ROLES
from support.parsing import quoted

router = APIRouter()


def _safe_next(next_url: str) -> str:
    """Only a path of this site: a crafted link cannot send a user elsewhere after signing in."""
    return next_url if next_url.startswith("/") and not next_url.startswith("//") else "/"


@router.get("/")
async def home(request: Request) -> Response:
    user = await signed_in_user(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/queue" if user.role == Role.AGENT else "/dashboard", status_code=303)


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    if not await has_users(request.app.state.backoffice.database):
        return RedirectResponse("/setup", status_code=303)
    return await render(request, "login.html", next=_safe_next(next), error=None, username="")


# A new installation has no account: its first visitor creates the administrator (the back office
# listens on 127.0.0.1 unless configured otherwise). The form carries a token also set as a cookie,
# so that another site cannot post it (there is no session yet to hold a CSRF token).
SETUP_COOKIE = "relance_setup"


@router.get("/setup")
async def setup_page(request: Request) -> Response:
    if await has_users(request.app.state.backoffice.database):
        return RedirectResponse("/login", status_code=303)
    token = secrets.token_urlsafe(32)
    response = await render(request, "setup.html", setup_token=token, error=None, username="")
    response.set_cookie(SETUP_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
    return response


@router.post("/setup")
async def setup(request: Request) -> Response:
    backoffice = request.app.state.backoffice
    form = await request.form()
    sent, expected = str(form.get("setup_token", "")), request.cookies.get(SETUP_COOKIE, "")
    if not expected or not same_token(sent, expected):
        raise Forbidden("le formulaire a expiré ou ne vient pas de ce site : rechargez la page")
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    try:
        if password != str(form.get("password_again", "")):
            raise AccountError("mot de passe : les deux saisies diffèrent")
        await add_first_admin(backoffice.database, username, password, str(form.get("full_name", "")))
        token = await sign_in(backoffice.database, username, password, client_address(request))
    except AccountError as error:
        response = await render(
            request, "setup.html", status_code=422, setup_token=sent, error=str(error), username=username
        )
        return response
    response = redirect_with_message(
        "/users", "administrateur créé : créez maintenant les comptes de l'équipe"
    )
    await _set_cookies(request, response, username, token)
    response.delete_cookie(SETUP_COOKIE)
    return response


# The browsers a user signed in with keep a cookie that lets the right password in while others'
# failures lock the username or the address (backoffice/sign_in_limit.py). Only /login reads it.
DEVICE_COOKIE = "relance_device"
DEVICE_COOKIE_PATH = "/login"


async def _set_cookies(request: Request, response: Response, username: str, token: str) -> None:
    """The new session's cookie, and the device cookie of the browser that opened it."""
    backoffice = request.app.state.backoffice
    secure = backoffice.settings.backoffice_secure_cookies
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    device = await known_device(backoffice.database, username, request.cookies.get(DEVICE_COOKIE, ""))
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=int(DEVICE_KEPT.total_seconds()),
        path=DEVICE_COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure,
    )


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    database = request.app.state.backoffice.database
    device = request.cookies.get(DEVICE_COOKIE, "")
    try:
        token = await sign_in(database, username, password, client_address(request), device)
    except (TooManyAttempts, AccountError) as refusal:
        locked = isinstance(refusal, TooManyAttempts)
        response = await render(
            request,
            "login.html",
            status_code=429 if locked else 401,
            next=_safe_next(next),
            error=_refusal_in_french(refusal),
            username=username,
        )
        if isinstance(refusal, TooManyAttempts):
            response.headers["Retry-After"] = str(int(refusal.retry_after.total_seconds()) + 1)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    await _set_cookies(request, response, username, token)
    return response


def _refusal_in_french(refusal: Exception) -> str:
    if isinstance(refusal, TooManyAttempts):
        return (
            "trop d'échecs de connexion : réessayez dans "
            f"{minutes_of(refusal.retry_after)} minute(s), ou depuis un navigateur où vous vous êtes "
            "déjà connecté"
        )
    return UNKNOWN_OR_WRONG


@router.post("/logout")
async def logout(request: Request, user: Annotated[SignedIn, Depends(requires(Permission.READ))]) -> Response:
    await checked_form(request, user)
    await sign_out(request.app.state.backoffice.database, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/users")
async def users_page(
    request: Request, user: Annotated[SignedIn, Depends(requires(Permission.MANAGE_USERS))]
) -> Response:
    users = await list_users(request.app.state.backoffice.database)
    return await render(request, "users.html", users=users, roles=ROLES, error=None)


@router.post("/users")
async def create_user(
    request: Request, user: Annotated[SignedIn, Depends(requires(Permission.MANAGE_USERS))]
) -> Response:
    form = await checked_form(request, user)
    database = request.app.state.backoffice.database
    try:
        role = Role(str(form.get("role", "")))
    except ValueError:
        role = None
    try:
        if role is None:
            given = quoted(str(form.get("role", "")))
            raise AccountError(f"rôle {given} : l'un de {', '.join(ROLES.values())}")
        created = await add_user(
            database,
            str(form.get("username", "")),
            str(form.get("password", "")),
            role,
            str(form.get("full_name", "")),
        )
    except AccountError as error:
        users = await list_users(database)
        return await render(
            request, "users.html", status_code=422, users=users, roles=ROLES, error=str(error)
        )
    return redirect_with_message("/users", f"compte {created.username} créé ({ROLES[created.role]})")


@router.post("/users/{username}/active")
async def change_active(
    request: Request, username: str, user: Annotated[SignedIn, Depends(requires(Permission.MANAGE_USERS))]
) -> Response:
    form = await checked_form(request, user)
    active = form.get("active") == "true"
    if normalise_username(username) == user.username and not active:
        return redirect_with_message("/users", "un administrateur ne peut pas désactiver son propre compte")
    try:
        await set_active(request.app.state.backoffice.database, username, active)
    except AccountError as error:
        return redirect_with_message("/users", str(error))
    return redirect_with_message("/users", f"compte {username} {'réactivé' if active else 'désactivé'}")
