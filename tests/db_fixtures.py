"""Database fixtures: SQLite files and PostgreSQL databases, each migrated with alembic.

PostgreSQL runs on 127.0.0.1:5432 (trust auth). Under CI its absence fails the run loudly; on a
developer's machine without it the PostgreSQL tests are skipped with the reason.

The session migrates one PostgreSQL database (``postgres_url``); each test gets its own copy of it
(``CREATE DATABASE ... TEMPLATE``), which is fresh, isolated and takes a few milliseconds — no
cleaning between tests, and the append-only journal never needs its trigger lifted.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from models.enums import DebtorKind
from storage.database import Database
from storage.tables import Creditor, Debtor, Invoice

DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
POSTGRES_ADMIN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "postgres"}


def postgres_url_for(name: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(**POSTGRES_ADMIN, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def new_postgres_database(template: str | None = None) -> AsyncIterator[str]:
    """A database of its own (a copy of ``template`` if given), dropped on exit; yields its URL."""
    name = f"relance_test_{uuid.uuid4().hex[:12]}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    await _admin(f'CREATE DATABASE "{name}"{copy_of}')
    try:
        yield postgres_url_for(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def postgres_server() -> None:
    """Skips the test without PostgreSQL, or fails it under CI, where the database tests must run."""
    try:
        await _admin("SELECT 1")
    except (OSError, asyncpg.PostgresError) as error:
        reason = f"PostgreSQL on 127.0.0.1:5432 is not usable: {error!r}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
async def postgres_url(postgres_server: None) -> AsyncIterator[str]:
    """The session's migrated PostgreSQL database. Each test's database is copied from it, which
    PostgreSQL allows only while nobody is connected: tests use ``database``, not this URL."""
    async with new_postgres_database() as url:
        database = Database(url)
        await database.migrate()
        await database.dispose()
        yield url


@pytest.fixture
async def postgresql_database(postgres_url: str) -> AsyncIterator[Database]:
    async with new_postgres_database(template=postgres_url.rsplit("/", 1)[1]) as url:
        database = Database(url)
        yield database
        await database.dispose()


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'relance.db'}")
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture(params=DIALECTS)
def database(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL, each migrated to head."""
    return request.getfixturevalue(f"{request.param}_database")


@pytest.fixture
async def postgresql_empty_url(postgres_server: None) -> AsyncIterator[str]:
    async with new_postgres_database() as url:
        yield url


@pytest.fixture
def sqlite_empty_url(tmp_path: Path) -> str:
    # In a folder that does not exist yet: the upgrade creates it.
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'relance.db'}"


@pytest.fixture(params=DIALECTS)
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a database with no schema yet, for the tests of the migrations themselves."""
    return request.getfixturevalue(f"{request.param}_empty_url")


async def store_invoice(
    database: Database, *, number: str, amount_due: Decimal, case_id: str, creditor_siren: str = "123456782"
) -> Invoice:
    """One creditor, one debtor and one invoice between them, as an import stores them."""
    async with database.sessions() as session:
        creditor = Creditor(
            name="Menuiserie Dupont SARL",
            siren=creditor_siren,
            email="compta@menuiserie-dupont.fr",
            street="12 rue des Artisans",
            postcode="69003",
            city="Lyon",
        )
        debtor = Debtor(
            natural_key=f"debtor-of-{case_id}",
            kind=DebtorKind.BUSINESS,
            name="Bâtiments Martin SAS",
            siren="987654324",
            email="factures@batiments-martin.fr",
            street="4 avenue Jean Jaurès",
            postcode="75019",
            city="Paris",
        )
        session.add_all([creditor, debtor])
        await session.flush()
        assert creditor.id is not None and debtor.id is not None
        invoice = Invoice(
            creditor_id=creditor.id,
            debtor_id=debtor.id,
            number=number,
            issue_date=date(2026, 1, 5),
            due_date=date(2026, 2, 4),
            amount_due=amount_due,
            case_id=case_id,
        )
        session.add(invoice)
        await session.commit()
        return invoice
