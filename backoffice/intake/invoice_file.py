"""Read and validate invoice files — CSV files and Factur-X PDFs — before anything is written.

Every field of every invoice is checked and every problem reported (file, row or field, why); a
batch of files is accepted only when it has none, so an import is all or nothing. A CSV row and a
Factur-X PDF give the same fields under the same names, and go through the same validation.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from backoffice.intake.facturx_invoice import FacturxError, FacturxFields, read_facturx_fields
from backoffice.intake.fields import FieldReader, InvoiceProblem, InvoiceRow, read_fields
from law.payment_terms import agreed_terms
from models.case_ids import safe_name

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


@dataclass
class InvoiceFile:
    path: Path
    rows: list[InvoiceRow]


class InvoiceFileError(ValueError):
    def __init__(self, problems: list[InvoiceProblem]) -> None:
        self.problems = problems
        files = len({problem.source for problem in problems})
        super().__init__(f"{len(problems)} error(s) in {files} file(s); nothing imported")


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
    ``default_terms`` (days) dates a Factur-X invoice that has no due date; they must be terms two
    businesses may agree (``law.payment_terms``), else ValueError. With ``attachments`` (file name
    -> path: PDFs uploaded beside a CSV), a CSV's ``invoice_pdf`` names one of them, and nothing else
    on this machine. Raise :class:`InvoiceFileError` listing every problem of every file.
    """
    if default_terms is not None:
        agreed_terms(default_terms)
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
