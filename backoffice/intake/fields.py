"""One invoice's fields, read by column name and validated, each problem kept with where it is.

A CSV row and a Factur-X PDF give the same fields under the same names (the CSV's columns), and go
through the same validation (:func:`read_fields`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from backoffice.inputs import is_pdf
from models.enums import DebtorKind
from models.invoices import InvoiceInfo
from models.parties import (
    Address,
    CreditorInfo,
    DebtorInfo,
    valid_iban,
    valid_siren,
    valid_siret,
    valid_vat_number,
)
from support.parsing import parse_amount, parse_date, parse_rate

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"^\d{5}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_RATE_LIMIT = Decimal("1000")


@dataclass(frozen=True)
class InvoiceProblem:
    """One reason a batch is refused: where (file; CSV row or header; column or field) and why."""

    source: Path
    # The CSV row as a spreadsheet numbers it (0: the header); None for a PDF or the whole file.
    row: int | None
    # The column (or, for a PDF, the field under the same name); None for the whole row or file.
    column: str | None
    message: str

    def __str__(self) -> str:
        place = None if self.row is None else (f"row {self.row}" if self.row else "header")
        field = self.column if self.row is None or self.column is None else f"column {self.column}"
        where = ", ".join(part for part in (place, field) if part)
        return f"{self.source}: {where}: {self.message}" if where else f"{self.source}: {self.message}"


@dataclass(frozen=True)
class InvoiceRow:
    """One validated invoice, and where it was read."""

    source: Path
    row: int | None
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo
    # The PDF to copy to ``invoice.pdf_path`` (in the data folder) when the invoice is stored.
    pdf_to_keep: Path | None = None

    def described_from(self, other: Path) -> str:
        """Where this invoice was read, as said in a problem of the file ``other``."""
        if self.row is None:
            return str(self.source)
        return f"row {self.row}" if self.source == other else f"row {self.row} of {self.source}"


class FieldReader:
    """Reads one invoice's fields by column name and collects their problems, so that one bad field
    hides no other."""

    def __init__(
        self, source: Path, row: int | None, values: Mapping[str, str], problems: list[InvoiceProblem]
    ) -> None:
        self.source = source
        self.row = row
        self.values = values
        self.problems = problems

    def fail(self, column: str | None, message: str) -> None:
        self.problems.append(InvoiceProblem(self.source, self.row, column, message))

    def missing(self, column: str) -> None:
        self.fail(column, "is empty")

    def text(self, column: str, required: bool = True) -> str:
        value = (self.values.get(column) or "").strip()
        if required and not value:
            self.missing(column)
        return value

    def email(self, column: str) -> str:
        value = self.text(column)
        if value and not _EMAIL.match(value):
            self.fail(column, f"{value!r} is not an email address")
        return value

    def identifier(
        self, column: str, check: Callable[[str | None], str | None], required: bool = False
    ) -> str | None:
        """A SIREN, SIRET, VAT number or IBAN, in its compact form once ``check`` accepts it."""
        value = self.text(column, required)
        if not value:
            return None
        try:
            return check(value)
        except ValueError as error:
            self.fail(column, str(error))
            return None

    def postcode(self, column: str) -> str:
        value = self.text(column)
        if value and not _POSTCODE.match(value):
            self.fail(column, f"{value!r} is not a French postcode (5 digits)")
        return value

    def date(self, column: str, required: bool = True) -> date | None:
        value = self.text(column, required)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError as error:
            self.fail(column, str(error))
            return None

    def number(self, column: str, parse: Callable[[str], Decimal], required: bool = True) -> Decimal | None:
        """A non-negative amount or rate; an optional one left empty is None."""
        value = self.text(column, required)
        if not value:
            return None
        try:
            number = parse(value)
        except ValueError as error:
            self.fail(column, str(error))
            return None
        if number < 0:
            self.fail(column, f"{value!r} is negative")
            return None
        return number


# The fields read as plain text, each required.
_TEXT_COLUMNS = (
    "creditor_name",
    "creditor_street",
    "creditor_city",
    "debtor_name",
    "debtor_street",
    "debtor_city",
    "invoice_number",
)


def read_fields(
    r: FieldReader, folder: Path, attachments: Mapping[str, Path] | None = None
) -> InvoiceRow | None:
    """Validate one invoice's fields; None when any is wrong (every problem is in ``r.problems``).

    ``folder`` is where a relative ``invoice_pdf`` is looked for, unless ``attachments`` are given
    (see :func:`~backoffice.intake.invoice_file.read_invoices`).
    """
    problems_before = len(r.problems)
    creditor_siren, identifiers = _creditor_identifiers(r)
    kind, debtor_siren = _debtor_kind(r)
    terms = _invoice_terms(r)
    charter = r.date("creditor_charter_accepted_on", required=False)
    pdf = r.text("invoice_pdf", required=False)
    pdf_path = _checked_pdf(r, folder, pdf, attachments) if pdf else None
    texts = {column: r.text(column) for column in _TEXT_COLUMNS}
    emails = {party: r.email(f"{party}_email") for party in ("creditor", "debtor")}
    postcodes = {party: r.postcode(f"{party}_postcode") for party in ("creditor", "debtor")}
    if len(r.problems) > problems_before:
        return None
    assert creditor_siren and kind

    def address(party: str) -> Address:
        street, city = texts[f"{party}_street"], texts[f"{party}_city"]
        return Address(street=street, postcode=postcodes[party], city=city)

    return InvoiceRow(
        source=r.source,
        row=r.row,
        creditor=CreditorInfo(
            name=texts["creditor_name"],
            siren=creditor_siren,
            email=emails["creditor"],
            address=address("creditor"),
            charter_accepted_on=charter,
            **identifiers,
        ),
        debtor=DebtorInfo(
            kind=kind,
            name=texts["debtor_name"],
            email=emails["debtor"],
            siren=debtor_siren,
            address=address("debtor"),
        ),
        invoice=InvoiceInfo(
            number=texts["invoice_number"],
            **terms,
            order_reference=r.text("order_reference", required=False) or None,
            pdf_path=str(pdf_path) if pdf_path else None,
        ),
    )


def _creditor_identifiers(r: FieldReader) -> tuple[str | None, dict[str, str | None]]:
    """The creditor's SIREN, and its SIRET, VAT number and IBAN when given, each consistent with it."""
    siren = r.identifier("creditor_siren", valid_siren, required=True)
    siret = r.identifier("creditor_siret", valid_siret)
    vat_number = r.identifier("creditor_vat_number", valid_vat_number)
    iban = r.identifier("creditor_iban", valid_iban)
    if siren and siret and not siret.startswith(siren):
        r.fail("creditor_siret", f"{siret} is not an establishment of SIREN {siren}")
    if siren and vat_number and not vat_number.endswith(siren):
        r.fail("creditor_vat_number", f"{vat_number} is not the VAT number of SIREN {siren}")
    return siren, {"siret": siret, "vat_number": vat_number, "iban": iban}


def _debtor_kind(r: FieldReader) -> tuple[DebtorKind | None, str | None]:
    """Business or consumer, and the SIREN a business debtor must have."""
    kind_text = r.text("debtor_kind").lower()
    kind: DebtorKind | None = None
    if kind_text:
        try:
            kind = DebtorKind(kind_text)
        except ValueError:
            r.fail("debtor_kind", f"{kind_text!r} is neither 'business' nor 'consumer'")
    return kind, r.identifier("debtor_siren", valid_siren, required=kind == DebtorKind.BUSINESS)


def _invoice_terms(r: FieldReader) -> dict[str, Any]:
    """The invoice's dates, amounts, late-payment rate and currency, as ``InvoiceInfo`` names them."""
    issue_date = r.date("issue_date")
    due_date = r.date("due_date")
    if issue_date and due_date and due_date < issue_date:
        r.fail("due_date", f"{due_date.isoformat()} is before the issue date {issue_date.isoformat()}")
    amount_due = r.number("amount_due", parse_amount)
    if amount_due is not None and amount_due == 0:
        r.fail("amount_due", "is zero")
    amount_paid = r.number("amount_paid", parse_amount, required=False) or Decimal("0.00")
    if amount_due is not None and amount_paid > amount_due:
        r.fail("amount_paid", f"{amount_paid} is more than the amount due {amount_due}")
    # Code de commerce L441-10 II: the late-payment rate the terms of sale set, percent a year.
    contract_rate = r.number("contract_rate", parse_rate, required=False)
    if contract_rate is not None and contract_rate >= _RATE_LIMIT:
        r.fail("contract_rate", f"{contract_rate} is not a yearly rate in percent (below 1000)")
    currency = r.text("currency", required=False).upper() or "EUR"
    if not _CURRENCY.match(currency):
        r.fail("currency", f"{currency!r} is not an ISO 4217 code such as EUR")
    return {
        "issue_date": issue_date,
        "due_date": due_date,
        "amount_due": amount_due,
        "currency": currency,
        "amount_paid": amount_paid,
        "contract_rate_percent": contract_rate,
    }


def _checked_pdf(
    r: FieldReader, folder: Path, value: str, attachments: Mapping[str, Path] | None
) -> Path | None:
    path = Path(value)
    if attachments is not None:
        # An upload names its own attachments only: never a file of the server.
        name = PurePosixPath(value.replace("\\", "/")).name
        if name not in attachments:
            r.fail("invoice_pdf", f"{value}: attach {name} to the upload, with the invoice file")
            return None
        path = attachments[name]
    elif not path.is_absolute():
        path = (folder / path).resolve()
    if not path.is_file():
        r.fail("invoice_pdf", f"{path} does not exist")
        return None
    if not is_pdf(path):
        r.fail("invoice_pdf", f"{path} is not a PDF")
        return None
    return path
