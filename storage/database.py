"""Database access: one async engine per URL (SQLite via aiosqlite, PostgreSQL via asyncpg), and
the schema upgrade (alembic) that every entry point runs before using it.

SQLite runs in WAL mode with a busy timeout: the worker, the back office and a command line write
to one file at once, and a writer waits for another instead of failing at once. Processes starting
together on a new file upgrade one after the other (a lock file beside it); on PostgreSQL an
advisory lock does the same (migrations/env.py)."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Alembic keeps the running migration's context in module globals: one upgrade at a time per process.
_upgrade_lock = asyncio.Lock()
# Between processes, upgrades on PostgreSQL take this advisory lock (see migrations/env.py).
MIGRATION_LOCK_KEY = 0x52454C414E4345
# How long a SQLite writer waits for another to finish before it gives up.
SQLITE_BUSY_TIMEOUT_SECONDS = 30


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database)
    return None


def ensure_sqlite_folder(url: str) -> None:
    """SQLite creates its file but not the folder it sits in."""
    file = sqlite_file(url)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(busy_timeout_seconds: float, connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout_seconds * 1000)}")
    cursor.close()


@asynccontextmanager
async def migration_lock(url: str) -> AsyncIterator[None]:
    """Hold the SQLite file's migration lock (``<file>.migrate.lock``); nothing for PostgreSQL."""
    file = sqlite_file(url)
    if file is None:
        yield
        return
    handle = os.open(file.with_name(f"{file.name}.migrate.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        # Waiting for another process's upgrade blocks: a thread waits, not the event loop.
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


class Database:
    def __init__(self, url: str, busy_timeout_seconds: float = SQLITE_BUSY_TIMEOUT_SECONDS) -> None:
        """``busy_timeout_seconds``: how long a SQLite writer waits for another (PostgreSQL waits
        for its locks as long as they are held)."""
        self.url = url
        self.engine: AsyncEngine = create_async_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", partial(_sqlite_pragmas, busy_timeout_seconds))
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        """Upgrade the schema to the newest revision (a no-op when it is already there)."""
        ensure_sqlite_folder(self.url)
        async with _upgrade_lock, migration_lock(self.url), self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
