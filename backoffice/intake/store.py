"""Store an import's creditors, debtors and invoices in one transaction: a creditor's identifiers are
filled, never replaced, and a new invoice's PDF is kept in the data folder."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from backoffice.intake.fields import InvoiceProblem, InvoiceRow
from backoffice.intake.invoice_file import InvoiceFileError
from models.case_ids import case_id_for
from models.enums import DebtorKind
from storage.database import Database
from storage.tables import Creditor, Debtor, Invoice
from support.files import write_atomically


@dataclass
class StoredInvoices:
    # The rows as stored: each creditor with every identifier known for it, from any import.
    rows: list[InvoiceRow]
    new: int
    known: int


async def store_invoices(database: Database, rows: list[InvoiceRow], policy: str) -> StoredInvoices:
    """Store creditors, debtors and invoices in one transaction, and keep a copy of each new
    invoice's PDF where ``pdf_to_keep`` says. A creditor's identifier that contradicts the one it
    has raises :class:`InvoiceFileError` (listing every such conflict) and stores nothing."""
    stored = known = 0
    to_keep: list[tuple[Path, Path]] = []
    async with database.sessions() as session, session.begin():
        parties = _Parties(session)
        for row in rows:
            creditor = await parties.creditor(row)
            debtor = await parties.debtor(row)
            existing = await session.exec(
                select(Invoice).where(
                    Invoice.creditor_id == creditor.id, Invoice.number == row.invoice.number
                )
            )
            if existing.first() is not None:
                # A known invoice keeps what it has, its PDF included: importing again changes nothing.
                known += 1
                continue
            session.add(
                Invoice(
                    **row.invoice.model_dump(),
                    creditor_id=creditor.id,
                    debtor_id=debtor.id,
                    case_id=case_id_for(row.creditor.siren, row.invoice.number),
                    policy=policy,
                )
            )
            if row.pdf_to_keep and row.invoice.pdf_path:
                to_keep.append((row.pdf_to_keep, Path(row.invoice.pdf_path)))
            stored += 1
        if parties.conflicts:
            raise InvoiceFileError(parties.conflicts)  # leaving the block rolls everything back
        await asyncio.to_thread(_keep_pdfs, to_keep)
        as_stored = [parties.as_stored(row) for row in rows]
    return StoredInvoices(as_stored, stored, known)


def _keep_pdfs(copies: list[tuple[Path, Path]]) -> None:
    for source, target in copies:
        write_atomically(target, source.read_bytes())


CREDITOR_IDENTIFIERS = {"siret": "SIRET", "vat_number": "VAT number", "iban": "IBAN"}


class _Parties:
    """Creditors and debtors of one import: found once, created when new.

    A creditor seen again keeps its name, email and address. An identifier it lacks (SIRET, VAT
    number, IBAN) is filled from the import; one that differs from what it has is a conflict,
    reported and refused, never replaced: an IBAN slipped into an invoice file is how payments
    get diverted, so a creditor's identifiers change only deliberately.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._known: dict[str, Creditor | Debtor] = {}
        # (SIREN, identifier) -> the row of this import that first gave its value.
        self._given_by: dict[tuple[str, str], InvoiceRow] = {}
        self.conflicts: list[InvoiceProblem] = []

    async def creditor(self, row: InvoiceRow) -> Creditor:
        info = row.creditor
        found = await self._find_or_add(
            f"creditor:{info.siren}",
            select(Creditor).where(Creditor.siren == info.siren),
            lambda: Creditor(
                name=info.name,
                siren=info.siren,
                email=info.email,
                charter_accepted_on=info.charter_accepted_on,
                **info.address.model_dump(),
            ),
        )
        assert isinstance(found, Creditor)
        for name, label in CREDITOR_IDENTIFIERS.items():
            given, has = getattr(info, name), getattr(found, name)
            if given is None:
                continue
            if has is None:
                setattr(found, name, given)
            elif given != has:
                first = self._given_by.get((info.siren, name))
                where = first.described_from(row.source) if first else "an earlier import"
                self.conflicts.append(
                    InvoiceProblem(
                        row.source,
                        row.row,
                        f"creditor_{name}",
                        f"{given} differs from {has}, the {label} of SIREN {info.siren} given by "
                        f"{where}: an import never replaces a creditor's {label}",
                    )
                )
                continue
            self._given_by.setdefault((info.siren, name), row)
        return found

    def as_stored(self, row: InvoiceRow) -> InvoiceRow:
        """The row with its creditor's identifiers as stored."""
        creditor = self._known[f"creditor:{row.creditor.siren}"]
        known = {name: getattr(creditor, name) for name in CREDITOR_IDENTIFIERS}
        return replace(row, creditor=row.creditor.model_copy(update=known))

    async def debtor(self, row: InvoiceRow) -> Debtor:
        info, key = row.debtor, debtor_natural_key(row)
        found = await self._find_or_add(
            f"debtor:{key}",
            select(Debtor).where(Debtor.natural_key == key),
            lambda: Debtor(
                natural_key=key,
                kind=info.kind,
                name=info.name,
                siren=info.siren,
                email=info.email,
                **info.address.model_dump(),
            ),
        )
        assert isinstance(found, Debtor)
        return found

    async def _find_or_add(
        self, key: str, query: SelectOfScalar[Any], build: Callable[[], Creditor | Debtor]
    ) -> Creditor | Debtor:
        if key not in self._known:
            found = (await self._session.exec(query)).first()
            if found is None:
                found = build()
                self._session.add(found)
                await self._session.flush()  # gives the new row its id
            self._known[key] = found
        return self._known[key]


def debtor_natural_key(row: InvoiceRow) -> str:
    if row.debtor.kind == DebtorKind.BUSINESS and row.debtor.siren:
        return f"siren:{row.debtor.siren}"
    return f"email:{row.debtor.email.lower()}"
