"""The schema on real SQLite and real PostgreSQL: alembic upgrades, the models matching the
migrations, exact money, aware timestamps, the invoice's natural key and the append-only journal."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.command import upgrade
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlmodel import SQLModel, select

from config.settings import PROJECT_ROOT
from models.ledger import CaseEventRecord
from storage.database import MIGRATION_LOCK_KEY, Database, alembic_config
from storage.journal import append_event, case_events
from storage.tables import CaseEvent, Invoice, Payment
from tests.fixtures.database import POSTGRES_ADMIN, store_invoice

TABLES = {
    "creditor",
    "debtor",
    "invoice",
    "payment",
    "case_event",
    "app_user",
    "web_session",
    "login_attempt",
    "sign_in_counter",
    "known_device",
}
WAITING_FOR_ADVISORY_LOCKS = """
    SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def _schema(connection: Connection) -> tuple[set[str], str | None]:
    tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
    return tables, MigrationContext.configure(connection).get_current_revision()


async def schema_of(url: str) -> tuple[set[str], str | None]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(_schema)
    finally:
        await database.dispose()


def journal_line(key: str = "case-1/run/1") -> CaseEventRecord:
    return CaseEventRecord(
        case_id="case-1",
        kind="letter_sent",
        actor="workflow",
        occurred_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        detail="first reminder by email",
        idempotency_key=key,
        step_key="first_reminder",
        document_sha256="ab" * 32,
    )


async def test_migrate_creates_the_schema_at_head(empty_database_url: str) -> None:
    database = Database(empty_database_url)
    await database.migrate()
    await database.migrate()  # already at head: changes nothing, fails on nothing
    await database.dispose()

    assert HEAD == "0006"
    assert await schema_of(empty_database_url) == (TABLES, HEAD)


async def test_schema_has_the_named_constraints_and_indexes(database: Database) -> None:
    def describe(connection: Connection) -> dict[str, set[str]]:
        inspector = inspect(connection)
        return {
            table: {c["name"] for c in inspector.get_unique_constraints(table)}
            | {i["name"] for i in inspector.get_indexes(table) if i["name"]}
            | {f["name"] for f in inspector.get_foreign_keys(table)}
            for table in TABLES
        }

    async with database.engine.connect() as connection:
        names = await connection.run_sync(describe)
    assert names["invoice"] == {
        "uq_invoice_creditor_number",
        "ix_invoice_case_id",
        "ix_invoice_creditor_id",
        "ix_invoice_debtor_id",
        "fk_invoice_creditor_id_creditor",
        "fk_invoice_debtor_id_debtor",
    }
    assert names["payment"] == {"uq_payment_idempotency_key", "ix_payment_case_id"}
    assert names["case_event"] == {
        "uq_case_event_idempotency_key",
        "ix_case_event_case_id",
        "ix_case_event_kind",
        "ix_case_event_document_sha256",
        "ix_case_event_label_code",
    }


async def test_models_and_migrations_agree(database: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)

    async with database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_upgrades_started_together_in_one_process(empty_database_url: str) -> None:
    databases = [Database(empty_database_url) for _ in range(3)]
    await asyncio.gather(*(database.migrate() for database in databases))
    for database in databases:
        await database.dispose()
    assert await schema_of(empty_database_url) == (TABLES, HEAD)


MIGRATE_IN_A_PROCESS = """
import asyncio, sys
from storage.database import Database

async def main():
    database = Database(sys.argv[1])
    await database.migrate()
    await database.dispose()

asyncio.run(main())
"""


async def test_upgrades_started_together_by_two_processes(empty_database_url: str) -> None:
    # Two processes (worker and back office) starting on a new file: both succeed, one after the other.
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            MIGRATE_IN_A_PROCESS,
            empty_database_url,
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [(await process.communicate())[0].decode() for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert await schema_of(empty_database_url) == (TABLES, HEAD)


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_database: Database) -> None:
    async with sqlite_database.engine.connect() as connection:
        journal_mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        busy_timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    assert (journal_mode, busy_timeout) == ("wal", 30000)


async def run_alembic(*arguments: str, database_url: str, cwd: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "alembic",
        "-c",
        str(PROJECT_ROOT / "alembic.ini"),
        *arguments,
        cwd=cwd,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_operator_upgrades_and_downgrades_with_the_alembic_command(
    empty_database_url: str, tmp_path: Path
) -> None:
    # Run from another folder: alembic.ini finds the migrations beside itself.
    log = await run_alembic("upgrade", "head", database_url=empty_database_url, cwd=tmp_path)
    assert "Running upgrade  -> 0001" in log
    assert await schema_of(empty_database_url) == (TABLES, HEAD)

    await run_alembic("downgrade", "base", database_url=empty_database_url, cwd=tmp_path)
    assert await schema_of(empty_database_url) == (set(), None)

    # The downgrade removed everything, PostgreSQL's trigger function included: upgrading works again.
    await run_alembic("upgrade", "head", database_url=empty_database_url, cwd=tmp_path)
    assert await schema_of(empty_database_url) == (TABLES, HEAD)


@pytest.mark.postgres
async def test_processes_starting_together_upgrade_one_after_the_other(
    postgresql_empty_url: str, tmp_path: Path
) -> None:
    # Hold the upgrade lock while three processes start, so that they all reach it together.
    holder = await asyncpg.connect(**{**POSTGRES_ADMIN, "database": make_url(postgresql_empty_url).database})
    await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    upgrades = [
        asyncio.create_task(run_alembic("upgrade", "head", database_url=postgresql_empty_url, cwd=tmp_path))
        for _ in range(3)
    ]
    try:
        while await holder.fetchval(WAITING_FOR_ADVISORY_LOCKS) < len(upgrades):
            assert not any(upgrade.done() for upgrade in upgrades), "an upgrade did not wait for the lock"
            await asyncio.sleep(0.05)
    finally:
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await holder.close()
    logs = await asyncio.gather(*upgrades)

    # One process ran the revision; the others then found the schema at head.
    assert sum("Running upgrade  -> 0001" in log for log in logs) == 1
    assert await schema_of(postgresql_empty_url) == (TABLES, HEAD)


def test_upgrade_sql_script_for_review(monkeypatch: pytest.MonkeyPatch) -> None:
    # No server is needed to print the script; this host does not exist.
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://relance@db.invalid:5432/relance")
    config = alembic_config()
    config.output_buffer = io.StringIO()
    upgrade(config, "head", sql=True)
    script = config.output_buffer.getvalue()
    assert "CREATE TABLE case_event" in script
    assert "CONSTRAINT uq_invoice_creditor_number UNIQUE (creditor_id, number)" in script
    assert "BEFORE UPDATE OR DELETE ON case_event" in script
    assert "BEFORE TRUNCATE ON case_event" in script
    assert "INSERT INTO alembic_version (version_num) VALUES ('0001')" in script


@pytest.mark.parametrize("amount_due", ["1234567.89", "0.10", "999999999999.99", "0.01"])
async def test_money_round_trips_exactly(database: Database, amount_due: str) -> None:
    await store_invoice(database, number="F-1", amount_due=Decimal(amount_due), case_id="case-1")
    async with database.sessions() as session:
        session.add(
            Payment(
                case_id="case-1",
                amount=Decimal(amount_due),
                paid_on=date(2026, 3, 1),
                recorded_by="agent",
                idempotency_key="p-1",
            )
        )
        await session.commit()

    async with database.sessions() as session:
        invoice = (await session.exec(select(Invoice))).one()
        payment = (await session.exec(select(Payment))).one()
    assert isinstance(invoice.amount_due, Decimal)
    assert str(invoice.amount_due) == amount_due
    assert str(invoice.amount_paid) == "0.00"
    assert str(payment.amount) == amount_due


async def test_timestamps_are_stored_as_instants_and_read_back_aware(database: Database) -> None:
    paris_winter = timezone(timedelta(hours=1))
    sent = datetime(2026, 3, 2, 10, 30, 15, 123456, tzinfo=paris_winter)
    await append_event(database, journal_line().model_copy(update={"occurred_at": sent}))

    (event,) = await case_events(database, "case-1")
    assert event.occurred_at == sent
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert event.occurred_at.hour == 9
    assert event.recorded_at.tzinfo is not None


async def test_naive_timestamps_are_refused(database: Database) -> None:
    naive = journal_line().model_copy(update={"occurred_at": datetime(2026, 3, 2, 9, 0)})
    with pytest.raises(StatementError, match="naive datetime"):
        await append_event(database, naive)
    assert await case_events(database, "case-1") == []


async def test_an_invoice_number_is_unique_per_creditor(database: Database) -> None:
    first = await store_invoice(database, number="F-2026-001", amount_due=Decimal("100.00"), case_id="case-1")
    other_creditor = await store_invoice(
        database,
        number="F-2026-001",
        amount_due=Decimal("100.00"),
        case_id="case-2",
        creditor_siren="552100554",
    )
    assert other_creditor.creditor_id != first.creditor_id

    async with database.sessions() as session:
        same_number = first.model_dump(exclude={"id", "case_id", "imported_at"})
        session.add(Invoice(**same_number, case_id="case-3"))
        with pytest.raises(IntegrityError, match=r"(?i)unique"):
            await session.commit()
    async with database.sessions() as session:
        numbers = (await session.exec(select(Invoice.case_id).order_by(Invoice.case_id))).all()
    assert numbers == ["case-1", "case-2"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE case_event SET detail = 'nothing happened'",
        "DELETE FROM case_event",
        "DELETE FROM case_event WHERE idempotency_key = 'case-1/run/1'",
    ],
)
async def test_the_journal_refuses_changes_and_deletions(database: Database, statement: str) -> None:
    await append_event(database, journal_line())

    async with database.engine.connect() as connection:
        with pytest.raises(DBAPIError, match="append-only journal"):
            await connection.execute(text(statement))

    (event,) = await case_events(database, "case-1")
    assert event.detail == "first reminder by email"


async def test_the_journal_refuses_orm_updates_too(database: Database) -> None:
    await append_event(database, journal_line())
    async with database.sessions() as session:
        event = (await session.exec(select(CaseEvent))).one()
        event.actor = "someone else"
        session.add(event)
        with pytest.raises(DBAPIError, match="append-only journal"):
            await session.commit()
    (event,) = await case_events(database, "case-1")
    assert event.actor == "workflow"


@pytest.mark.postgres
async def test_the_journal_refuses_truncate_on_postgresql(postgresql_database: Database) -> None:
    await append_event(postgresql_database, journal_line())
    async with postgresql_database.engine.connect() as connection:
        with pytest.raises(DBAPIError, match="append-only journal"):
            await connection.execute(text("TRUNCATE case_event"))
    assert len(await case_events(postgresql_database, "case-1")) == 1


async def test_the_journal_still_takes_new_lines(database: Database) -> None:
    assert await append_event(database, journal_line("case-1/run/1"))
    assert await append_event(database, journal_line("case-1/run/2"))
    assert not await append_event(database, journal_line("case-1/run/1"))
    assert [event.idempotency_key for event in await case_events(database, "case-1")] == [
        "case-1/run/1",
        "case-1/run/2",
    ]
