"""Read and validate invoice files — CSV files and Factur-X PDFs — before anything is written.

Every field of every invoice is checked and every problem reported (file, row or field, why); a
batch of files is accepted only when it has none, so an import is all or nothing. A CSV row and a
Factur-X PDF give the same fields under the same names, and go through the same validation.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath

from backoffice.facturx_invoice import FacturxError, FacturxFields, read_facturx_fields
from models.case_ids import safe_name
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
    "creditor_siret",
    "creditor_vat_number",
    "creditor_iban",
    "debtor_siren",
    "currency",
    "amount_paid",
    "order_reference",
    "contract_rate",
    "invoice_pdf",
)
# What a folder given to the import is read for.
INVOICE_SUFFIXES = (".csv", ".pdf")
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


@dataclass
class InvoiceFile:
    path: Path
    rows: list[InvoiceRow]


class InvoiceFileError(ValueError):
    def __init__(self, problems: list[InvoiceProblem]) -> None:
        self.problems = problems
        files = len({problem.source for problem in problems})
        super().__init__(f"{len(problems)} error(s) in {files} file(s); nothing imported")










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


class _FacturxFieldReader(FieldReader):
    """The fields of a Factur-X PDF: each problem says where in the XML the value is (or is not)."""

    def __init__(self, source: Path, fields: FacturxFields, problems: list[InvoiceProblem]) -> None:
        super().__init__(source, None, fields.values, problems)
        self.fields = fields
        self.reported: set[str | None] = set()

    def fail(self, column: str | None, message: str) -> None:
        self.reported.add(column)
        location = FacturxFields.location(column) if column else None
        super().fail(column, f"{message} ({location})" if location else message)

    def missing(self, column: str) -> None:
        # A field the XML has in a form Relance cannot read is already reported, not also missing.
        if column not in self.reported:
            self.reported.add(column)
            FieldReader.fail(self, column, self.fields.missing(column))


def read_invoice_file(path: Path) -> InvoiceFile:
    """Parse and validate one CSV file; raise :class:`InvoiceFileError` listing every problem."""
    problems: list[InvoiceProblem] = []
    rows = _read_csv(path, problems)
    return InvoiceFile(path=path, rows=_accepted(rows, problems, [path]))


def read_invoices(
    paths: Sequence[Path],
    invoices_dir: Path,
    default_terms: int | None = None,
    attachments: Mapping[str, Path] | None = None,
) -> list[InvoiceRow]:
    """Parse and validate CSV files, Factur-X PDFs and folders of them as one batch.

    A folder is read for its ``*.csv`` and ``*.pdf`` files. A PDF's invoice gets a kept copy under
    ``invoices_dir`` (``<creditor SIREN>/<invoice number>.pdf``), written when it is stored.
    ``default_terms`` (days) dates a Factur-X invoice that has no due date. With ``attachments``
    (file name -> path: PDFs uploaded beside a CSV), a CSV's ``invoice_pdf`` names one of them, and
    nothing else on this machine. Raise :class:`InvoiceFileError` listing every problem of every file.
    """
    problems: list[InvoiceProblem] = []
    rows: list[InvoiceRow] = []
    for path in _files_of(paths, problems):
        if path.suffix.lower() == ".pdf":
            row = _read_pdf(path, invoices_dir, default_terms, problems)
            rows += [row] if row else []
        else:
            found = _read_csv(path, problems, attachments)
            if attachments is not None:
                # Uploaded PDFs go away with the upload: the data folder keeps its own copy.
                found = [
                    kept_in(invoices_dir, row, Path(row.invoice.pdf_path)) if row.invoice.pdf_path else row
                    for row in found
                ]
            rows += found
    return _accepted(rows, problems, paths)


def kept_pdf_path(invoices_dir: Path, creditor_siren: str, invoice_number: str) -> Path:
    """Where the data folder keeps an imported invoice's PDF: one stable path per invoice."""
    return (invoices_dir / creditor_siren / f"{safe_name(invoice_number)}.pdf").resolve()


def _files_of(paths: Iterable[Path], problems: list[InvoiceProblem]) -> list[Path]:
    """The files to read, each once, in the order given (a folder's in name order)."""
    files: dict[Path, Path] = {}
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in INVOICE_SUFFIXES)
            if not found:
                problems.append(InvoiceProblem(path, None, None, "the folder has no .csv or .pdf file"))
            for file in found:
                files.setdefault(file.resolve(), file)
        elif not path.is_file():
            problems.append(InvoiceProblem(path, None, None, "does not exist"))
        elif path.suffix.lower() not in INVOICE_SUFFIXES:
            problems.append(
                InvoiceProblem(path, None, None, "is neither a CSV file (.csv) nor a Factur-X PDF (.pdf)")
            )
        else:
            files.setdefault(path.resolve(), path)
    return list(files.values())


def _read_pdf(
    path: Path, invoices_dir: Path, default_terms: int | None, problems: list[InvoiceProblem]
) -> InvoiceRow | None:
    try:
        fields = read_facturx_fields(path, default_terms)
    except FacturxError as error:
        problems.append(InvoiceProblem(path, None, None, str(error)))
        return None
    before = len(problems)
    reader = _FacturxFieldReader(path, fields, problems)
    for column, message in fields.problems:
        reader.fail(column, message)
    row = read_fields(reader, path.parent)
    if row is None or len(problems) > before:
        return None
    return kept_in(invoices_dir, row, path)


def kept_in(invoices_dir: Path, row: InvoiceRow, source: Path) -> InvoiceRow:
    """The row with its PDF kept by the data folder: copied from ``source`` when it is stored."""
    kept = kept_pdf_path(invoices_dir, row.creditor.siren, row.invoice.number)
    return replace(row, invoice=row.invoice.model_copy(update={"pdf_path": str(kept)}), pdf_to_keep=source)


def _read_csv(
    path: Path, problems: list[InvoiceProblem], attachments: Mapping[str, Path] | None = None
) -> list[InvoiceRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(InvoiceProblem(path, None, None, f"cannot read the file: {error}"))
        return []
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    problems += [InvoiceProblem(path, 0, column, "required column is missing") for column in missing]
    problems += [InvoiceProblem(path, 0, column, "unknown column") for column in unknown]
    if missing or unknown:
        return []
    rows = []
    # Row 1 is the header, so the first invoice is on row 2, as a spreadsheet shows it.
    for number, values in enumerate(reader, start=2):
        if None in values:
            problems.append(InvoiceProblem(path, number, None, "more fields than columns"))
            continue
        row = read_fields(FieldReader(path, number, values, problems), path.parent, attachments)
        if row is not None:
            rows.append(row)
    return rows


def _accepted(
    rows: list[InvoiceRow], problems: list[InvoiceProblem], paths: Sequence[Path]
) -> list[InvoiceRow]:
    """The batch's rows once what only the whole batch shows is checked too: an invoice given
    twice, a creditor's SIREN under two names, no invoice at all. Raise on any problem."""
    seen_invoices: dict[tuple[str, str], InvoiceRow] = {}
    creditors: dict[str, InvoiceRow] = {}
    for row in rows:
        key = (row.creditor.siren, row.invoice.number)
        first = creditors.setdefault(row.creditor.siren, row)
        if key in seen_invoices:
            where = seen_invoices[key].described_from(row.source)
            problems.append(InvoiceProblem(row.source, row.row, "invoice_number", f"same invoice as {where}"))
        elif first.creditor.name != row.creditor.name:
            message = (
                f"SIREN {row.creditor.siren} is {first.creditor.name!r} on {first.described_from(row.source)}"
            )
            problems.append(InvoiceProblem(row.source, row.row, "creditor_name", message))
        seen_invoices.setdefault(key, row)
    if not rows and not problems:
        problems += [InvoiceProblem(path, None, None, "has no invoice") for path in paths]
    if problems:
        raise InvoiceFileError(problems)
    return rows


def read_fields(
    r: FieldReader, folder: Path, attachments: Mapping[str, Path] | None = None
) -> InvoiceRow | None:
    """Validate one invoice's fields; None when any is wrong (every problem is in ``r.problems``).

    ``folder`` is where a relative ``invoice_pdf`` is looked for, unless ``attachments`` are given
    (see :func:`read_invoices`).
    """
    problems_before = len(r.problems)
    creditor_siren = r.identifier("creditor_siren", valid_siren, required=True)
    siret = r.identifier("creditor_siret", valid_siret)
    vat_number = r.identifier("creditor_vat_number", valid_vat_number)
    iban = r.identifier("creditor_iban", valid_iban)
    if creditor_siren and siret and not siret.startswith(creditor_siren):
        r.fail("creditor_siret", f"{siret} is not an establishment of SIREN {creditor_siren}")
    if creditor_siren and vat_number and not vat_number.endswith(creditor_siren):
        r.fail("creditor_vat_number", f"{vat_number} is not the VAT number of SIREN {creditor_siren}")
    kind_text = r.text("debtor_kind").lower()
    kind: DebtorKind | None = None
    if kind_text:
        try:
            kind = DebtorKind(kind_text)
        except ValueError:
            r.fail("debtor_kind", f"{kind_text!r} is neither 'business' nor 'consumer'")
    debtor_siren = r.identifier("debtor_siren", valid_siren, required=kind == DebtorKind.BUSINESS)
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
    charter = r.date("creditor_charter_accepted_on", required=False)
    pdf = r.text("invoice_pdf", required=False)
    pdf_path = _checked_pdf(r, folder, pdf, attachments) if pdf else None
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
    if len(r.problems) > problems_before:
        return None
    assert creditor_siren and kind and issue_date and due_date and amount_due is not None
    return InvoiceRow(
        source=r.source,
        row=r.row,
        creditor=CreditorInfo(
            name=texts["creditor_name"],
            siren=creditor_siren,
            email=creditor_email,
            address=Address(
                street=texts["creditor_street"], postcode=creditor_postcode, city=texts["creditor_city"]
            ),
            charter_accepted_on=charter,
            siret=siret,
            vat_number=vat_number,
            iban=iban,
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
            amount_paid=amount_paid,
            order_reference=r.text("order_reference", required=False) or None,
            contract_rate_percent=contract_rate,
            pdf_path=str(pdf_path) if pdf_path else None,
        ),
    )


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
    with path.open("rb") as handle:
        if handle.read(5) != b"%PDF-":
            r.fail("invoice_pdf", f"{path} is not a PDF")
            return None
    return path
