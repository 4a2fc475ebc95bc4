"""The back-office application: one FastAPI app over the same Temporal client and database as the
command line. ``create_app`` takes a client and a database (tests, ``relance up``) or opens its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import Client

from backoffice.portfolio import RecentPortfolio
from backoffice.web import account_pages, audit_pages, auth_pages, case_pages, codec, import_pages
from backoffice.web.access import Forbidden, SignInRequired, login_url
from backoffice.web.import_pages import ImportJobs
from backoffice.web.rendering import NotFound, render
from config.settings import Settings
from storage.database import Database
from support.files import keep_private

# On every response. The pages run no inline script nor style (app.js and app.css only), so the
# policy allows this origin's files and nothing else; no other site may frame a page (clickjacking
# of the command forms), nor may a browser guess a type a response does not declare.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware putting ``SECURITY_HEADERS`` on every response, static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass
class Backoffice:
    """What every route reads: settings, the Temporal client and the database."""

    settings: Settings
    client: Client
    database: Database
    imports: ImportJobs = field(default_factory=ImportJobs)
    portfolio: RecentPortfolio = field(init=False)

    def __post_init__(self) -> None:
        self.portfolio = RecentPortfolio(self.client, self.database, self.settings.temporal_task_queue)


def create_app(settings: Settings, client: Client | None = None, database: Database | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from config.temporal import connect

        await asyncio.to_thread(keep_private, settings.data_dir)
        own_database = database is None
        db = database or Database(settings.effective_database_url)
        await db.migrate()
        app.state.backoffice = Backoffice(settings, client or await connect(settings), db)
        try:
            yield
        finally:
            await app.state.backoffice.imports.cancel_all()
            if own_database:
                await db.dispose()

    app = FastAPI(
        title="Relance — back office", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (auth_pages, case_pages, account_pages, import_pages, audit_pages, codec):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, error: SignInRequired) -> Response:
        if request.url.path.startswith("/codec/"):
            return Response("sign in to the back office first", status_code=401)
        return RedirectResponse(login_url(error.next_url), status_code=303)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return await render(request, "error.html", status_code=404, title=error.title, message=str(error))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        return await render(request, "error.html", status_code=403, title="Refusé", message=str(error))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        """A parameter of the wrong type or missing: 400, each named, instead of FastAPI's JSON."""
        names = ", ".join(sorted({str(problem["loc"][-1]) for problem in error.errors() if problem["loc"]}))
        message = f"paramètre invalide ou manquant : {names}" if names else "requête invalide"
        return await render(request, "error.html", status_code=400, title="Requête invalide", message=message)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
