"""Database fixtures: SQLite files and PostgreSQL databases, each migrated with alembic.

PostgreSQL runs on 127.0.0.1:5432 (trust auth). Under CI its absence fails the run loudly; on a
developer's machine without it the PostgreSQL tests are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from models.database import Database

POSTGRES_ADMIN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "postgres"}


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(**POSTGRES_ADMIN, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def postgres_template() -> AsyncIterator[str]:
    """A migrated database that each test's database is copied from (fast, and always fresh)."""
    name = f"relance_template_{uuid.uuid4().hex[:8]}"
    try:
        await _admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as error:
        reason = f"PostgreSQL on 127.0.0.1:5432 is not usable: {error}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    await database.migrate()
    await database.dispose()
    yield name
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def postgresql_database(postgres_template: str) -> AsyncIterator[Database]:
    name = f"relance_test_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    database = Database(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    yield database
    await database.dispose()
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'relance.db'}")
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_database")
