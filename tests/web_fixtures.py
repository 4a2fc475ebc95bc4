"""The web back office under test: the application on a Temporal dev server (the back office lists
cases through visibility, which the time-skipping server lacks), a worker and the test's database,
driven over HTTP (httpx on the ASGI app, no port) by signed-in users."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from backoffice.accounts import add_user
from backoffice.intake.batch import start_case
from backoffice.web.app import create_app
from config.encryption import data_converter
from config.settings import Settings
from embedded.smtp_outbox import OutboxSMTPServer
from models.enums import Role
from storage.database import Database
from tests.case_fixtures import RelanceUnderTest, make_case, rate_tables_for_tests
from tests.temporal_fixtures import TEST_PAYLOAD_KEYS
from tests.test_workflow import Handle, today
from worker import build_worker, ensure_search_attributes

PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class WebUser:
    """One browser: its cookies, and the CSRF token of its session."""

    http: httpx.AsyncClient
    username: str
    csrf: str = ""

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(url, **kwargs)

    async def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """A form post carrying the session's CSRF token, as the pages' forms do."""
        return await self.http.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


@dataclass
class BackofficeUnderTest:
    relance: RelanceUnderTest
    app: FastAPI
    browsers: list[httpx.AsyncClient] = field(default_factory=list)

    def browser(self) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://backoffice.test"
        )
        self.browsers.append(http)
        return http

    async def case(self, **details: Any) -> tuple[str, Handle]:
        """A running case, due today unless said otherwise: its id and handle."""
        relance = self.relance
        details.setdefault("due_date", await today(relance))
        case = make_case(**details)
        handle = await start_case(relance.client, relance.settings.temporal_task_queue, case)
        assert handle is not None
        return case.case_id, handle

    async def user(self, username: str, role: Role) -> WebUser:
        """A new account of this role, signed in."""
        await add_user(self.relance.database, username, PASSWORD, role, full_name=username.title())
        return await self.sign_in(username)

    async def sign_in(self, username: str, password: str = PASSWORD) -> WebUser:
        http = self.browser()
        response = await http.post("/login", data={"username": username, "password": password, "next": "/"})
        assert response.status_code == 303, response.text
        page = await http.get("/dashboard")
        found = CSRF_INPUT.search(page.text)
        assert found, page.text
        return WebUser(http, username, found.group(1))


TEMPORAL_CLI = Path(sys.executable).parent / "temporal"


@pytest.fixture(scope="session")
async def visibility_server() -> AsyncIterator[WorkflowEnvironment]:
    """A Temporal dev server for the whole session, with the case search attributes; each test
    has its own task queue, database and data folder on it."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL_CLI),
        data_converter=data_converter(Settings(payload_keys=TEST_PAYLOAD_KEYS)),
    )
    await ensure_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest.fixture
async def relance_live(
    visibility_server: WorkflowEnvironment, smtp_outbox: OutboxSMTPServer, tmp_path: Path
) -> AsyncIterator[RelanceUnderTest]:
    """Relance in real time: a worker on the dev server, the outbox, a SQLite database."""
    settings = Settings(
        data_dir=tmp_path / "var",
        temporal_task_queue=f"web-{uuid.uuid4().hex[:8]}",
        smtp_port=smtp_outbox.port,
        payload_keys=TEST_PAYLOAD_KEYS,
        rates_dir=rate_tables_for_tests(tmp_path / "rates"),
        outbox_presentation_delay_seconds=0,
        outbox_delivery_delay_seconds=0,
    )
    database = Database(settings.effective_database_url)
    await database.migrate()
    with ThreadPoolExecutor(settings.activity_slots) as executor:
        async with build_worker(visibility_server.client, settings, database, executor):
            yield RelanceUnderTest(visibility_server, settings, database, smtp_outbox)
    await database.dispose()


@pytest.fixture
async def backoffice(relance_live: RelanceUnderTest) -> AsyncIterator[BackofficeUnderTest]:
    relance = relance_live
    app = create_app(relance.settings, client=relance.client, database=relance.database)
    async with app.router.lifespan_context(app):
        under_test = BackofficeUnderTest(relance, app)
        yield under_test
        for http in under_test.browsers:
            await http.aclose()
