"""Database access: one async engine per URL (SQLite via aiosqlite, PostgreSQL via asyncpg), and
the schema upgrade (alembic) that every entry point runs before using it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Alembic keeps the running migration's context in module globals: one upgrade at a time per process.
_upgrade_lock = asyncio.Lock()
# Between processes, upgrades on PostgreSQL take this advisory lock (see migrations/env.py).
MIGRATION_LOCK_KEY = 0x52454C414E4345


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def ensure_sqlite_folder(url: str) -> None:
    """SQLite creates its file but not the folder it sits in."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(url)
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        """Upgrade the schema to the newest revision (a no-op when it is already there)."""
        ensure_sqlite_folder(self.url)
        async with _upgrade_lock, self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
