"""Back-office operations on the good-practice label: check a verification code against the
journal, put the green label on a creditor's invoice, issue its charter attestation.

The CLI calls these, and so can the web back office. A label issued here goes to the journal with
its code and its document's SHA-256 (``record_label``), which is what ``verify_label`` finds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import select

from activities.labelling.charter import (
    ATTESTATION_STEP,
    INVOICE_STEP,
    CharterNotAccepted,
    attestation_pdf,
    attestation_subject,
    green_invoice,
)
from activities.labelling.codes import normalise_label_code
from activities.labelling.stamp import PdfRefused
from backoffice.intake.facturx_invoice import FacturxError, read_facturx_fields
from backoffice.intake.store import invoice_case_id
from models.documents import AttestationRequest
from models.invoices import InvoiceInfo
from models.ledger import CaseEventRecord
from models.parties import Address, CreditorInfo, valid_siren
from storage.database import Database
from storage.journal import append_event, events_with_label_code
from storage.tables import CaseEvent, Creditor, Invoice
from support.files import sha256_of
from support.parsing import quoted


class LabelRefused(ValueError):
    """A label that cannot be issued or checked; the message says why."""


@dataclass(frozen=True)
class IssuedLabel:
    """A document just labelled, and what the journal keeps of it."""

    case_id: str
    step_key: str
    kind: str
    detail: str
    code: str
    pdf: bytes

    @property
    def sha256(self) -> str:
        return sha256_of(self.pdf)


async def verify_label(database: Database, text: str) -> list[CaseEvent]:
    """The journal lines of the documents carrying this code (none for a code Relance never issued)."""
    code = normalise_label_code(text)
    if code is None:
        raise LabelRefused(f"{quoted(text)} n'est pas un code de label : ils s'écrivent comme RL-7K3M-Q9TD")
    return await events_with_label_code(database, code)


async def creditor_info(database: Database, siren: str) -> CreditorInfo:
    """The creditor as imported, found by its SIREN."""
    try:
        compact = valid_siren(siren)
    except ValueError as error:
        raise LabelRefused(str(error)) from error
    async with database.sessions() as session:
        creditor = (await session.exec(select(Creditor).where(Creditor.siren == compact))).first()
    if creditor is None:
        raise LabelRefused(f"aucun créancier de SIREN {compact} : importez d'abord une de ses factures")
    return CreditorInfo(
        name=creditor.name,
        siren=creditor.siren,
        email=creditor.email,
        address=Address(
            street=creditor.street, postcode=creditor.postcode, city=creditor.city, country=creditor.country
        ),
        charter_accepted_on=creditor.charter_accepted_on,
        siret=creditor.siret,
        vat_number=creditor.vat_number,
        iban=creditor.iban,
    )


async def invoice_info(database: Database, creditor: CreditorInfo, number: str) -> tuple[InvoiceInfo, str]:
    """One of the creditor's invoices as imported, found by its number, and the id of its case."""
    async with database.sessions() as session:
        query = (
            select(Invoice).join(Creditor).where(Creditor.siren == creditor.siren, Invoice.number == number)
        )
        invoice = (await session.exec(query)).first()
    if invoice is None:
        raise LabelRefused(f"{creditor.name} (SIREN {creditor.siren}) n'a pas de facture n° {number}")
    return InvoiceInfo.model_validate(invoice, from_attributes=True), invoice.case_id


async def label_invoice_file(
    database: Database, case_id_key: bytes, creditor_siren: str, path: Path, number: str | None = None
) -> IssuedLabel:
    """The creditor's invoice with the green label; its number is read from Factur-X if not given.
    The label names the invoice's case: the one it was imported with, else the one it will get."""
    creditor = await creditor_info(database, creditor_siren)
    if not number:
        try:
            number = (await asyncio.to_thread(read_facturx_fields, path)).values["invoice_number"]
        except FacturxError as error:
            raise LabelRefused(f"{path} : {error} ; donnez le numéro de la facture (--invoice)") from error
        if not number:
            raise LabelRefused(
                f"{path} : son XML Factur-X n'a pas de numéro de facture ; donnez-le (--invoice)"
            )
    case_id = await invoice_case_id(database, case_id_key, creditor.siren, number)
    content = await asyncio.to_thread(path.read_bytes)
    try:
        stamped, code = await asyncio.to_thread(green_invoice, content, creditor, case_id)
    except (PdfRefused, CharterNotAccepted) as error:
        raise LabelRefused(str(error)) from error
    detail = f"label vert apposé sur la facture n° {number}"
    return IssuedLabel(case_id, INVOICE_STEP, "invoice_labelled", detail, code, stamped)


async def issue_attestation(
    database: Database, templates_dir: Path, creditor_siren: str, issued_on: date, number: str | None = None
) -> IssuedLabel:
    """The creditor's charter attestation, joined to one of its invoices when a number is given."""
    creditor = await creditor_info(database, creditor_siren)
    invoice, case_id = await invoice_info(database, creditor, number) if number else (None, None)
    request = AttestationRequest(creditor=creditor, issued_on=issued_on, invoice=invoice, case_id=case_id)
    try:
        pdf, code = await asyncio.to_thread(attestation_pdf, templates_dir, request)
    except CharterNotAccepted as error:
        raise LabelRefused(str(error)) from error
    charter = "attestation de la charte des bonnes pratiques"
    detail = f"{charter} jointe à la facture n° {number}" if number else charter
    subject = attestation_subject(request)
    return IssuedLabel(subject, ATTESTATION_STEP, "attestation_issued", detail, code, pdf)


async def record_label(database: Database, label: IssuedLabel, actor: str, at: datetime) -> None:
    """Journal the label: its code then verifies. Recording the same document twice adds nothing."""
    await append_event(
        database,
        CaseEventRecord(
            case_id=label.case_id,
            kind=label.kind,
            actor=actor,
            occurred_at=at,
            detail=label.detail,
            idempotency_key=f"{label.case_id}/{label.step_key}/{label.sha256}",
            step_key=label.step_key,
            document_sha256=label.sha256,
            label_code=label.code,
        ),
    )
