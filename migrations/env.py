"""Alembic environment: runs on the connection ``Database.migrate`` hands over, or, from the
``alembic`` command line, on ``DATABASE_URL`` (the settings' database).

``alembic upgrade head --sql`` prints the SQL instead of running it, for a DBA to review.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from config.settings import load_settings
from storage.database import MIGRATION_LOCK_KEY, Database, ensure_sqlite_folder, migration_lock

target_metadata = SQLModel.metadata


def run_on(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Two processes starting together (worker and back office) upgrade one after the other; the
        # second then finds the schema at head. The lock is released when the transaction ends.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them: batch mode writes later revisions that way.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_settings() -> None:
    database = Database(load_settings().effective_database_url)
    ensure_sqlite_folder(database.url)
    try:
        # Beside a running worker or back office upgrading the same file, one after the other.
        async with migration_lock(database.url), database.engine.begin() as connection:
            await connection.run_sync(run_on)
    finally:
        await database.dispose()


def print_sql() -> None:
    context.configure(
        url=load_settings().effective_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.config.config_file_name is not None:
    # The command line: log each step as alembic.ini says. In-process upgrades keep the app's logging.
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)

connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
elif context.is_offline_mode():
    print_sql()
else:
    asyncio.run(run_from_settings())
