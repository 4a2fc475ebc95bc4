"""A creditor as stored: who signs its letters and requests (CPC 54, 57), as the import keeps it,
the cases it starts and the step that looks again once an agent has given one."""

from __future__ import annotations

from sqlmodel import select

from models.parties import Signatory
from storage.database import Database
from storage.tables import Creditor


def signatory_of(creditor: Creditor) -> Signatory | None:
    """The creditor's signatory, or None while no import has named one."""
    if creditor.signatory_name and creditor.signatory_title:
        return Signatory(name=creditor.signatory_name, title=creditor.signatory_title)
    return None


async def stored_signatory(database: Database, siren: str) -> Signatory | None:
    """The signatory stored for the creditor of ``siren``; None when it has none, or is not stored."""
    async with database.sessions() as session:
        creditor = (await session.exec(select(Creditor).where(Creditor.siren == siren))).first()
    return signatory_of(creditor) if creditor is not None else None
