"""The case journal: append-only, and idempotent by key so that a retried activity adds nothing."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from models.ledger import CaseEventRecord
from storage.database import Database
from storage.tables import CaseEvent


async def find_event(database: Database, idempotency_key: str) -> CaseEvent | None:
    async with database.sessions() as session:
        result = await session.exec(select(CaseEvent).where(CaseEvent.idempotency_key == idempotency_key))
        return result.first()


async def append_event(database: Database, record: CaseEventRecord) -> bool:
    """Write one journal line; return False when a line with the same key is already there."""
    if await find_event(database, record.idempotency_key) is not None:
        return False
    async with database.sessions() as session:
        session.add(CaseEvent(**record.model_dump()))
        try:
            await session.commit()
        except IntegrityError:
            # A concurrent attempt wrote the same key first: same outcome as finding it above.
            await session.rollback()
            return False
    return True


async def events_with_label_code(database: Database, label_code: str) -> list[CaseEvent]:
    """The journal lines of the documents whose label carries this verification code, oldest first."""
    async with database.sessions() as session:
        result = await session.exec(
            select(CaseEvent).where(CaseEvent.label_code == label_code).order_by(col(CaseEvent.id))
        )
        return list(result.all())


async def case_events(database: Database, case_id: str) -> list[CaseEvent]:
    async with database.sessions() as session:
        result = await session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.id))
        )
        return list(result.all())
