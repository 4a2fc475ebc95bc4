"""Store an import's creditors, debtors and invoices in one transaction, once every row has been
checked against what is stored.

An import never changes what an earlier one stored: a known invoice given with another debtor or
another amount, a SIREN given under another name, a creditor's SIRET, VAT number or IBAN other than
its own — each is an error naming the row and what is stored, and nothing is stored. A creditor's
identifier it lacks is filled from the import; its signatory is the one its latest import names (who
represents a company changes), one per creditor in an import; an invoice already stored keeps its
case id, so that importing it again never starts a second case; a new invoice's PDF is kept in the
data folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backoffice.intake.fields import InvoiceProblem, InvoiceRow
from backoffice.intake.invoice_file import InvoiceFileError, debtor_natural_key, same_name
from backoffice.intake.progress import ImportPhase, ImportProgress
from models.case_ids import case_id_for
from storage.creditors import signatory_of
from storage.database import Database
from storage.tables import Creditor, Debtor, Invoice
from support.files import write_atomically
from support.french import date_fr, money_fr
from support.parsing import quoted

T = TypeVar("T")
# Keys looked up, and invoices written, this many at a time: within every database's limit on
# the parameters of one statement.
CHUNK = 500
# A creditor's identifiers, as a conflict names them.
CREDITOR_IDENTIFIERS = {"siret": "le SIRET", "vat_number": "le numéro de TVA", "iban": "l'IBAN"}


@dataclass(frozen=True)
class StoredInvoice:
    # The row with its creditor's identifiers as stored, from any import.
    row: InvoiceRow
    # The id of its case: the one it was stored with when it was known already.
    case_id: str


@dataclass
class StoredInvoices:
    invoices: list[StoredInvoice]
    new: int
    known: int

    @property
    def rows(self) -> list[InvoiceRow]:
        return [stored.row for stored in self.invoices]


async def store_invoices(
    database: Database,
    rows: list[InvoiceRow],
    policy: str,
    case_id_key: bytes,
    *,
    imported_by: str | None = None,
    through_agency: bool = False,
    progress: ImportProgress | None = None,
) -> StoredInvoices:
    """Check every row against what is stored, then store creditors, debtors and invoices in one
    transaction and keep a copy of each new invoice's PDF where ``pdf_to_keep`` says (and of its
    signed quote or order where ``order_to_keep`` does). A new invoice gets its case id from
    ``case_id_key`` (``models.case_ids``), and keeps its policy, who imported it and whether
    through the collection agency: what its case starts with if the import stops
    before (backoffice/intake/unstarted.py). Any conflict raises :class:`InvoiceFileError` listing
    every one, and nothing is stored."""
    progress = progress or ImportProgress()
    progress.begin(ImportPhase.STORING, len(rows))
    session = database.sessions()
    committed: StoredInvoices | None = None
    try:
        async with session.begin():
            batch = await _Batch.load(session, rows)
            problems = [problem for row in rows for problem in batch.check(row)]
            if problems:
                raise InvoiceFileError(problems)  # leaving the block rolls everything back
            fields = {
                "policy": policy,
                "imported_by": imported_by,
                "through_agency": through_agency,
                "imported_at": datetime.now(UTC),
            }
            stored = await batch.write(session, rows, fields, case_id_key, progress)
            await asyncio.to_thread(_keep_pdfs, [row for row in rows if batch.is_new(row)])
        committed = stored
    except IntegrityError as error:
        # Another import stored one of these invoices between the check and the write.
        why = (
            "une autre importation a enregistré certaines de ces factures entre-temps ; rien n'est "
            "importé : importez à nouveau"
        )
        raise InvoiceFileError([InvoiceProblem(rows[0].source, None, None, why)]) from error
    finally:
        try:
            await _close(session)
        except asyncio.CancelledError:
            if committed is None:
                raise
            raise StoredThenInterrupted(committed) from None
    return stored


class StoredThenInterrupted(Exception):
    """Interrupted once the invoices were committed: they are stored, their cases not started."""

    def __init__(self, stored: StoredInvoices) -> None:
        super().__init__("interrompu une fois les factures enregistrées")
        self.stored = stored


async def _close(session: AsyncSession) -> None:
    """Give the connection back to the pool even when interrupted (Ctrl-C): its reset cut short,
    SQLAlchemy would print a traceback, and the connection would be lost."""
    closing = asyncio.ensure_future(session.close())
    try:
        await asyncio.shield(closing)
    except asyncio.CancelledError:
        await closing
        raise


async def invoice_case_id(database: Database, case_id_key: bytes, creditor_siren: str, number: str) -> str:
    """The id of an invoice's case: the one it was stored with, else the one its import will give."""
    query = (
        select(Invoice.case_id)
        .join(Creditor, col(Creditor.id) == Invoice.creditor_id)
        .where(Creditor.siren == creditor_siren, Invoice.number == number)
    )
    async with database.sessions() as session:
        stored = (await session.exec(query)).first()
    return stored or case_id_for(case_id_key, creditor_siren, number)


def _keep_pdfs(rows: list[InvoiceRow]) -> None:
    for row in rows:
        if row.pdf_to_keep and row.invoice.pdf_path:
            write_atomically(Path(row.invoice.pdf_path), row.pdf_to_keep.read_bytes())
        order = row.order_to_keep
        if order is not None and row.invoice.order_pdf_path:
            content = order if isinstance(order, bytes) else order.read_bytes()
            write_atomically(Path(row.invoice.order_pdf_path), content)


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def _all(
    session: AsyncSession, table: Any, column: Any, keys: Iterable[Any], *conditions: Any
) -> list[Any]:
    """The rows of ``table`` whose ``column`` is one of ``keys`` (and that meet ``conditions``), a
    chunk of keys a query."""
    found: list[Any] = []
    for chunk in _chunks(sorted(set(keys))):
        found += (await session.exec(select(table).where(col(column).in_(chunk), *conditions))).all()
    return found


class _Batch:
    """The creditors, debtors and invoices an import names, as stored, and what it adds to them."""

    def __init__(self, creditors: list[Creditor], debtors: list[Debtor], invoices: list[Invoice]) -> None:
        self.creditors = {creditor.siren: creditor for creditor in creditors}
        self.debtors = {debtor.natural_key: debtor for debtor in debtors}
        sirens = {creditor.id: creditor.siren for creditor in creditors}
        self.invoices = {(sirens[invoice.creditor_id], invoice.number): invoice for invoice in invoices}
        self.debtors_by_id = {debtor.id: debtor for debtor in debtors}
        # (SIREN, identifier) -> the row of this import that first gave its value.
        self._given_by: dict[tuple[str, str], InvoiceRow] = {}

    @classmethod
    async def load(cls, session: AsyncSession, rows: list[InvoiceRow]) -> _Batch:
        creditors = await _all(session, Creditor, Creditor.siren, (row.creditor.siren for row in rows))
        debtors = await _all(session, Debtor, Debtor.natural_key, map(debtor_natural_key, rows))
        invoices: list[Invoice] = []
        numbers: dict[str, list[str]] = {}
        for row in rows:
            numbers.setdefault(row.creditor.siren, []).append(row.invoice.number)
        for creditor in creditors:
            of_creditor = Invoice.creditor_id == creditor.id
            invoices += await _all(session, Invoice, Invoice.number, numbers[creditor.siren], of_creditor)
        # The debtors the known invoices are stored with, for what a conflict says.
        known = {debtor.id for debtor in debtors}
        debtors += await _all(
            session, Debtor, Debtor.id, (i.debtor_id for i in invoices if i.debtor_id not in known)
        )
        return cls(creditors, debtors, invoices)

    def is_new(self, row: InvoiceRow) -> bool:
        return (row.creditor.siren, row.invoice.number) not in self.invoices

    def check(self, row: InvoiceRow) -> list[InvoiceProblem]:
        """Where the row contradicts what is stored (or what an earlier row filled in)."""
        problems = self._creditor_conflicts(row)
        debtor = self.debtors.get(debtor_natural_key(row))
        if debtor is not None and row.debtor.siren and not same_name(debtor.name, row.debtor.name):
            problems.append(_stored_name(row, "debtor", debtor.name))
        invoice = self.invoices.get((row.creditor.siren, row.invoice.number))
        if invoice is not None:
            problems += self._invoice_conflicts(row, invoice)
        return problems

    def _creditor_conflicts(self, row: InvoiceRow) -> list[InvoiceProblem]:
        """A creditor seen again keeps its email and address; its name is the one stored; an
        identifier it lacks is filled from the import, one it has is never replaced: an IBAN slipped
        into an invoice file is how payments get diverted."""
        info = row.creditor
        stored = self.creditors.get(info.siren)
        if stored is None:
            stored = self.creditors[info.siren] = Creditor(
                name=info.name,
                siren=info.siren,
                email=info.email,
                charter_accepted_on=info.charter_accepted_on,
                **info.address.model_dump(),
            )
        elif not same_name(stored.name, info.name):
            return [_stored_name(row, "creditor", stored.name)]
        problems = []
        for name, label in CREDITOR_IDENTIFIERS.items():
            given, has = getattr(info, name), getattr(stored, name)
            if given is None:
                continue
            if has is None:
                setattr(stored, name, given)
            elif given != has:
                first = self._given_by.get((info.siren, name))
                where = first.described_from(row.source) if first else "une importation précédente"
                message = (
                    f"{given} diffère de {has}, {label} du SIREN {info.siren} d'après {where} : une "
                    f"importation ne remplace jamais {label} d'un créancier"
                )
                problems.append(InvoiceProblem(row.source, row.row, f"creditor_{name}", message))
                continue
            self._given_by.setdefault((info.siren, name), row)
        return problems + self._signatory_conflicts(row, stored)

    def _signatory_conflicts(self, row: InvoiceRow, stored: Creditor) -> list[InvoiceProblem]:
        """The creditor's signatory is the one the import names, when it names one: the rows of one
        import name the same person, with the same title."""
        given, siren = row.creditor.signatory, row.creditor.siren
        if given is None:
            return []
        first = self._given_by.setdefault((siren, "signatory"), row)
        named = first.creditor.signatory
        assert named is not None
        if not (same_name(given.name, named.name) and same_name(given.title, named.title)):
            message = (
                f"{given.name} ({given.title}) diffère de {named.name} ({named.title}), signataire du "
                f"SIREN {siren} d'après {first.described_from(row.source)} : une importation nomme un "
                "seul signataire par créancier"
            )
            return [InvoiceProblem(row.source, row.row, "creditor_signatory_name", message)]
        stored.signatory_name, stored.signatory_title = named.name, named.title
        return []

    def _invoice_conflicts(self, row: InvoiceRow, stored: Invoice) -> list[InvoiceProblem]:
        """A known invoice is the one stored: the same debtor, the same amounts."""
        where = f"la facture {stored.number} du SIREN {row.creditor.siren} est enregistrée"
        since = f"(importée le {date_fr(stored.imported_at)})"
        never = "une importation ne modifie jamais une facture enregistrée"
        problems = []
        debtor = self.debtors_by_id[stored.debtor_id]
        if debtor.natural_key != debtor_natural_key(row):
            column = "debtor_siren" if row.debtor.siren else "debtor_email"
            message = (
                f"{where} avec le débiteur {quoted(debtor.name)} ({_debtor_key(debtor)}) {since} ; cette "
                f"ligne donne {quoted(row.debtor.name)} ({_debtor_key(row.debtor)}) : {never}"
            )
            problems.append(InvoiceProblem(row.source, row.row, column, message))
        for column, what in (("amount_due", "dû"), ("amount_paid", "payé")):
            has, given = getattr(stored, column), getattr(row.invoice, column)
            if has != given:
                message = (
                    f"{where} avec un montant {what} de {money_fr(has)} {since} ; cette ligne donne "
                    f"{money_fr(given)} : {never}"
                )
                if column == "amount_paid":
                    message += " (enregistrez un paiement sur son dossier)"
                problems.append(InvoiceProblem(row.source, row.row, column, message))
        return problems

    async def write(
        self,
        session: AsyncSession,
        rows: list[InvoiceRow],
        invoice_fields: dict[str, Any],
        case_id_key: bytes,
        progress: ImportProgress,
    ) -> StoredInvoices:
        """Add the new creditors, debtors and invoices (the rows, checked, contradict nothing); each
        new invoice with ``invoice_fields`` besides its own."""
        for row in rows:
            key = debtor_natural_key(row)
            if key not in self.debtors:
                self.debtors[key] = Debtor(
                    natural_key=key,
                    kind=row.debtor.kind,
                    name=row.debtor.name,
                    siren=row.debtor.siren,
                    email=row.debtor.email,
                    civility=row.debtor.civility,
                    **row.debtor.address.model_dump(),
                )
            elif self.debtors[key].civility is None and row.debtor.civility is not None:
                # A consumer stored without a civility: the import that gives one fills it in.
                self.debtors[key].civility = row.debtor.civility
        fresh = [party for party in (*self.creditors.values(), *self.debtors.values()) if party.id is None]
        session.add_all(fresh)
        await session.flush()  # gives the new rows their ids
        stored: list[StoredInvoice] = []
        # The new invoices' columns: inserted a chunk a statement, without an object each (building
        # tens of thousands of them takes longer than storing them).
        added: list[dict[str, Any]] = []
        for row in rows:
            creditor = self.creditors[row.creditor.siren]
            known = self.invoices.get((row.creditor.siren, row.invoice.number))
            case_id = (
                known.case_id if known else case_id_for(case_id_key, row.creditor.siren, row.invoice.number)
            )
            if known is None:
                added.append(
                    row.invoice.model_dump()
                    | invoice_fields
                    | {
                        "creditor_id": creditor.id,
                        "debtor_id": self.debtors[debtor_natural_key(row)].id,
                        "case_id": case_id,
                    }
                )
            identifiers = {name: getattr(creditor, name) for name in CREDITOR_IDENTIFIERS}
            identifiers["signatory"] = signatory_of(creditor)
            as_stored = replace(row, creditor=row.creditor.model_copy(update=identifiers))
            stored.append(StoredInvoice(as_stored, case_id))
        progress.advance(len(rows) - len(added))
        for chunk in _chunks(added):
            await session.exec(insert(Invoice), params=list(chunk))
            progress.advance(len(chunk))
        return StoredInvoices(stored, len(added), len(rows) - len(added))


def _stored_name(row: InvoiceRow, party: str, name: str) -> InvoiceProblem:
    """The row names the creditor or the debtor of a stored SIREN otherwise."""
    given = getattr(row, party)
    message = (
        f"le SIREN {given.siren} est enregistré au nom de {quoted(name)} par une importation précédente ; "
        f"cette ligne donne {quoted(given.name)}"
    )
    return InvoiceProblem(row.source, row.row, f"{party}_name", message)


def _debtor_key(debtor: Any) -> str:
    return f"SIREN {debtor.siren}" if debtor.siren else f"e-mail {debtor.email}"
