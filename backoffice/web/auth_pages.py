"""Sign in, sign out, and the accounts page of administrators."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.accounts import (
    SESSION_LIFETIME,
    AccountError,
    SignedIn,
    TooManyAttempts,
    add_first_admin,
    add_user,
    has_users,
    list_users,
    set_active,
    sign_in,
    sign_out,
)
from backoffice.web.access import (
    SESSION_COOKIE,
    Forbidden,
    Permission,
    checked_form,
    requires,
    signed_in_user,
)
from backoffice.web.rendering import redirect_with_message, render
from models.enums import Role

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
    if not expected or not secrets.compare_digest(sent, expected):
        raise Forbidden("the form has expired or did not come from this site: reload the page")
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    try:
        if password != str(form.get("password_again", "")):
            raise AccountError("password: the two entries differ")
        await add_first_admin(backoffice.database, username, password, str(form.get("full_name", "")))
        token = await sign_in(
            backoffice.database, username, password, request.client.host if request.client else ""
        )
    except AccountError as error:
        response = await render(
            request, "setup.html", status_code=422, setup_token=sent, error=str(error), username=username
        )
        return response
    response = redirect_with_message(
        "/users", "administrateur créé : créez maintenant les comptes de l'équipe"
    )
    _set_session_cookie(response, token, backoffice.settings.backoffice_secure_cookies)
    response.delete_cookie(SETUP_COOKIE)
    return response


def _set_session_cookie(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
    )


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    backoffice = request.app.state.backoffice
    address = request.client.host if request.client else ""
    try:
        token = await sign_in(backoffice.database, username, password, address)
    except (TooManyAttempts, AccountError) as refusal:
        response = await render(
            request,
            "login.html",
            status_code=429 if isinstance(refusal, TooManyAttempts) else 401,
            next=_safe_next(next),
            error=str(refusal),
            username=username,
        )
        if isinstance(refusal, TooManyAttempts):
            response.headers["Retry-After"] = str(int(refusal.retry_after.total_seconds()) + 1)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_session_cookie(response, token, backoffice.settings.backoffice_secure_cookies)
    return response


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
    return await render(request, "users.html", users=users, roles=list(Role), error=None)


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
            raise AccountError(f"role {form.get('role')!r}: one of {', '.join(r.value for r in Role)}")
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
            request, "users.html", status_code=422, users=users, roles=list(Role), error=str(error)
        )
    return redirect_with_message("/users", f"compte {created.username} créé ({created.role.value})")


@router.post("/users/{username}/active")
async def change_active(
    request: Request, username: str, user: Annotated[SignedIn, Depends(requires(Permission.MANAGE_USERS))]
) -> Response:
    form = await checked_form(request, user)
    active = form.get("active") == "true"
    if username == user.username and not active:
        return redirect_with_message("/users", "un administrateur ne peut pas désactiver son propre compte")
    try:
        await set_active(request.app.state.backoffice.database, username, active)
    except AccountError as error:
        return redirect_with_message("/users", str(error))
    return redirect_with_message("/users", f"compte {username} {'réactivé' if active else 'désactivé'}")
