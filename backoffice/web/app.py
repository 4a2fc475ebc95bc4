"""The back-office application: one FastAPI app over the same Temporal client and database as the
command line. ``create_app`` takes a client and a database (tests, ``relance up``) or opens its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from temporalio.client import Client

from backoffice.portfolio import RecentPortfolio
from backoffice.web import audit_pages, auth_pages, case_pages, codec, import_pages
from backoffice.web.access import Forbidden, SignInRequired, login_url
from backoffice.web.import_pages import ImportJobs
from backoffice.web.rendering import NotFound, render
from config.settings import Settings
from storage.database import Database


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

    app = FastAPI(title="Relance — back office", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (auth_pages, case_pages, import_pages, audit_pages, codec):
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

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
