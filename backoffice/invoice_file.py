"""Read and validate an invoice file (CSV) before anything is written.

Every row is checked and every problem reported (row, column, why); the file is accepted only
when it has none, so an import is all or nothing.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from models.case import CENT, Address, CreditorInfo, DebtorInfo, InvoiceInfo, valid_siren
from models.enums import DebtorKind

REQUIRED_COLUMNS = (
    "creditor_siren",
    "creditor_name",
    "creditor_email",
    "creditor_street",
    "creditor_postcode",
    "creditor_city",
    "debtor_kind",
    "debtor_name",
    "debtor_email",
    "debtor_street",
    "debtor_postcode",
    "debtor_city",
    "invoice_number",
    "issue_date",
    "due_date",
    "amount_due",
)
OPTIONAL_COLUMNS = (
    "creditor_charter_accepted_on",
    "debtor_siren",
    "currency",
    "amount_paid",
    "order_reference",
    "invoice_pdf",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"^\d{5}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "header"
        return f"{where}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class InvoiceRow:
    row: int
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo


@dataclass
class InvoiceFile:
    path: Path
    rows: list[InvoiceRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class InvoiceFileError(ValueError):
    def __init__(self, path: Path, errors: list[RowError]) -> None:
        self.path = path
        self.errors = errors
        super().__init__(f"{path}: {len(errors)} error(s); nothing imported")


def parse_amount(text: str) -> Decimal:
    """Amounts as written in France or in ISO form: ``1 234,56``, ``1234.56``, ``1234``."""
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
    if "," in cleaned:
        if "." in cleaned:
            raise ValueError(f"{text!r}: use either a comma or a dot as the decimal separator")
        cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not an amount") from error
    if not amount.is_finite():
        raise ValueError(f"{text!r} is not an amount")
    if amount != amount.quantize(CENT):
        raise ValueError(f"{text!r} has more than two decimals")
    return amount.quantize(CENT)


def parse_date(text: str) -> date:
    """ISO dates (2026-03-31) or French ones (31/03/2026)."""
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (write 2026-03-31 or 31/03/2026)")


class _RowReader:
    """Collects a row's problems while reading its fields, so that one bad field hides no other."""

    def __init__(self, number: int, values: dict[str, str], errors: list[RowError]) -> None:
        self.number = number
        self.values = values
        self.errors = errors

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def text(self, column: str, required: bool = True) -> str:
        value = (self.values.get(column) or "").strip()
        if required and not value:
            self.fail(column, "is empty")
        return value

    def email(self, column: str) -> str:
        value = self.text(column)
        if value and not _EMAIL.match(value):
            self.fail(column, f"{value!r} is not an email address")
        return value

    def siren(self, column: str, required: bool = True) -> str | None:
        value = self.text(column, required)
        if not value:
            return None
        try:
            return valid_siren(value)
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

    def amount(self, column: str, required: bool = True) -> Decimal | None:
        value = self.text(column, required)
        if not value:
            return None if required else Decimal("0.00")
        try:
            amount = parse_amount(value)
        except ValueError as error:
            self.fail(column, str(error))
            return None
        if amount < 0:
            self.fail(column, f"{value!r} is negative")
            return None
        return amount


def read_invoice_file(path: Path) -> InvoiceFile:
    """Parse and validate the whole file; raise :class:`InvoiceFileError` listing every problem."""
    result = InvoiceFile(path=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvoiceFileError(path, [RowError(0, "-", f"cannot read the file: {error}")]) from error
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    result.errors += [RowError(0, column, "required column is missing") for column in missing]
    result.errors += [RowError(0, column, "unknown column") for column in unknown]
    if missing or unknown:
        raise InvoiceFileError(path, result.errors)

    seen_invoices: dict[tuple[str, str], int] = {}
    creditor_names: dict[str, tuple[str, int]] = {}
    # Row 1 is the header, so the first invoice is on row 2, as a spreadsheet shows it.
    for number, values in enumerate(reader, start=2):
        if None in values:
            result.errors.append(RowError(number, "-", "more fields than columns"))
            continue
        row = _read_row(_RowReader(number, values, result.errors), path.parent)
        if row is None:
            continue
        key = (row.creditor.siren, row.invoice.number)
        if key in seen_invoices:
            result.errors.append(
                RowError(number, "invoice_number", f"same invoice as row {seen_invoices[key]}")
            )
            continue
        seen_invoices[key] = number
        known = creditor_names.setdefault(row.creditor.siren, (row.creditor.name, number))
        if known[0] != row.creditor.name:
            result.errors.append(
                RowError(
                    number, "creditor_name", f"SIREN {row.creditor.siren} is {known[0]!r} on row {known[1]}"
                )
            )
            continue
        result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append(RowError(0, "-", "the file has no invoice"))
    if result.errors:
        raise InvoiceFileError(path, result.errors)
    return result


def _read_row(r: _RowReader, folder: Path) -> InvoiceRow | None:
    errors_before = len(r.errors)
    creditor_siren = r.siren("creditor_siren")
    kind_text = r.text("debtor_kind").lower()
    kind: DebtorKind | None = None
    if kind_text:
        try:
            kind = DebtorKind(kind_text)
        except ValueError:
            r.fail("debtor_kind", f"{kind_text!r} is neither 'business' nor 'consumer'")
    debtor_siren = r.siren("debtor_siren", required=kind == DebtorKind.BUSINESS)
    issue_date = r.date("issue_date")
    due_date = r.date("due_date")
    if issue_date and due_date and due_date < issue_date:
        r.fail("due_date", f"{due_date.isoformat()} is before the issue date {issue_date.isoformat()}")
    amount_due = r.amount("amount_due")
    if amount_due is not None and amount_due == 0:
        r.fail("amount_due", "is zero")
    amount_paid = r.amount("amount_paid", required=False)
    if amount_due is not None and amount_paid is not None and amount_paid > amount_due:
        r.fail("amount_paid", f"{amount_paid} is more than the amount due {amount_due}")
    currency = r.text("currency", required=False).upper() or "EUR"
    if not _CURRENCY.match(currency):
        r.fail("currency", f"{currency!r} is not an ISO 4217 code such as EUR")
    charter = r.date("creditor_charter_accepted_on", required=False)
    pdf = r.text("invoice_pdf", required=False)
    pdf_path = _checked_pdf(r, folder, pdf) if pdf else None
    texts = {
        column: r.text(column)
        for column in (
            "creditor_name",
            "creditor_street",
            "creditor_city",
            "debtor_name",
            "debtor_street",
            "debtor_city",
            "invoice_number",
        )
    }
    creditor_email = r.email("creditor_email")
    debtor_email = r.email("debtor_email")
    creditor_postcode = r.postcode("creditor_postcode")
    debtor_postcode = r.postcode("debtor_postcode")
    if len(r.errors) > errors_before:
        return None
    assert creditor_siren and kind and issue_date and due_date and amount_due is not None
    return InvoiceRow(
        row=r.number,
        creditor=CreditorInfo(
            name=texts["creditor_name"],
            siren=creditor_siren,
            email=creditor_email,
            address=Address(
                street=texts["creditor_street"], postcode=creditor_postcode, city=texts["creditor_city"]
            ),
            charter_accepted_on=charter,
        ),
        debtor=DebtorInfo(
            kind=kind,
            name=texts["debtor_name"],
            email=debtor_email,
            siren=debtor_siren,
            address=Address(
                street=texts["debtor_street"], postcode=debtor_postcode, city=texts["debtor_city"]
            ),
        ),
        invoice=InvoiceInfo(
            number=texts["invoice_number"],
            issue_date=issue_date,
            due_date=due_date,
            amount_due=amount_due,
            currency=currency,
            amount_paid=amount_paid or Decimal("0.00"),
            order_reference=r.text("order_reference", required=False) or None,
            pdf_path=str(pdf_path) if pdf_path else None,
        ),
    )


def _checked_pdf(r: _RowReader, folder: Path, value: str) -> Path | None:
    path = Path(value)
    if not path.is_absolute():
        path = (folder / path).resolve()
    if not path.is_file():
        r.fail("invoice_pdf", f"{path} does not exist")
        return None
    with path.open("rb") as handle:
        if handle.read(5) != b"%PDF-":
            r.fail("invoice_pdf", f"{path} is not a PDF")
            return None
    return path
