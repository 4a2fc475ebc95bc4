"""Read and validate invoice files — CSV files and Factur-X PDFs — before anything is written.

Every field of every invoice is checked and every problem reported (file, row or field, why); a
batch of files is accepted only when it has none, so an import is all or nothing. A CSV row and a
Factur-X PDF give the same fields under the same names, and go through the same validation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from backoffice.intake.csv_file import CsvFile, read_csv_file, record_values
from backoffice.intake.facturx_invoice import FacturxError, FacturxFields, read_facturx_fields
from backoffice.intake.fields import FieldReader, ImportRules, InvoiceProblem, InvoiceRow, read_fields
from backoffice.intake.progress import ImportPhase, ImportProgress
from law.payment_terms import agreed_terms
from models.case_ids import safe_name
from support.french import count_fr
from support.parsing import quoted

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
        super().__init__(
            f"{count_fr(len(problems), 'erreur')} dans {count_fr(files, 'fichier')}\u00a0: rien n'est importé"
        )


class _FacturxFieldReader(FieldReader):
    """The fields of a Factur-X PDF: each problem says where in the XML the value is (or is not)."""

    def __init__(
        self, source: Path, fields: FacturxFields, problems: list[InvoiceProblem], rules: ImportRules
    ) -> None:
        super().__init__(source, None, fields.values, problems, rules)
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


def read_invoice_file(path: Path, rules: ImportRules | None = None) -> InvoiceFile:
    """Parse and validate one CSV file (against ``rules``, by default today's and the bundled ones);
    raise :class:`InvoiceFileError` listing every problem."""
    problems: list[InvoiceProblem] = []
    found = read_csv_file(path, problems)
    rows = _csv_rows(found, problems, rules or ImportRules.bundled()) if found else []
    return InvoiceFile(path=path, rows=_accepted(rows, problems))


def read_invoices(
    paths: Sequence[Path],
    invoices_dir: Path,
    default_terms: int | None = None,
    attachments: Mapping[str, Path] | None = None,
    rules: ImportRules | None = None,
    progress: ImportProgress | None = None,
) -> list[InvoiceRow]:
    """Parse and validate CSV files, Factur-X PDFs and folders of them as one batch, against
    ``rules`` (by default today's and the bundled ones).

    A folder is read for its ``*.csv`` and ``*.pdf`` files. A PDF's invoice gets a kept copy under
    ``invoices_dir`` (``<creditor SIREN>/<invoice number>.pdf``), written when it is stored, and so
    does the signed quote or order it carries (:func:`kept_pdf_path`).
    ``default_terms`` (days) dates a Factur-X invoice that has no due date; they must be terms two
    businesses may agree (``law.payment_terms``), else ValueError. With ``attachments`` (file name
    -> path: PDFs uploaded beside a CSV), a CSV's ``invoice_pdf`` and ``order_pdf`` name one of them,
    and nothing else on this machine. ``progress`` is told of each CSV row and PDF validated. Raise
    :class:`InvoiceFileError` listing every problem of every file.
    """
    if default_terms is not None:
        agreed_terms(default_terms)
    rules = rules or ImportRules.bundled()
    progress = progress or ImportProgress()
    problems: list[InvoiceProblem] = []
    files = _files_of(paths, problems)
    # Every CSV file is parsed first, so that the validation knows how many rows it has ahead.
    csv_files = {path: read_csv_file(path, problems) for path in files if path.suffix.lower() != ".pdf"}
    progress.begin(
        ImportPhase.VALIDATING,
        len(files) - len(csv_files) + sum(len(found.records) for found in csv_files.values() if found),
    )
    rows: list[InvoiceRow] = []
    for path in files:
        if path not in csv_files:
            row = _read_pdf(path, invoices_dir, default_terms, problems, rules)
            rows += [row] if row else []
            progress.advance()
        elif found := csv_files[path]:
            read = _csv_rows(found, problems, rules, attachments, progress)
            if attachments is not None:
                # Uploaded PDFs go away with the upload: the data folder keeps its own copy.
                read = [_uploads_kept(invoices_dir, row) for row in read]
            rows += read
    return _accepted(rows, problems)


def kept_pdf_path(invoices_dir: Path, creditor_siren: str, invoice_number: str, order: bool = False) -> Path:
    """Where the data folder keeps an imported invoice's PDF, or with ``order`` its signed quote or
    order's: one stable path each, the orders in a folder of their own (no invoice takes their name)."""
    folder, name = invoices_dir / creditor_siren, f"{safe_name(invoice_number)}.pdf"
    return (folder / "orders" / f"commande-{name}" if order else folder / name).resolve()


def _uploads_kept(invoices_dir: Path, row: InvoiceRow) -> InvoiceRow:
    """The row with the uploaded PDFs it names kept by the data folder."""
    invoice, order = row.invoice.pdf_path, row.invoice.order_pdf_path
    return kept_in(invoices_dir, row, Path(invoice) if invoice else None, Path(order) if order else None)


def _files_of(paths: Iterable[Path], problems: list[InvoiceProblem]) -> list[Path]:
    """The files to read, each once, in the order given (a folder's in name order)."""
    files: dict[Path, Path] = {}
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in INVOICE_SUFFIXES)
            if not found:
                problems.append(InvoiceProblem(path, None, None, "le dossier n'a aucun fichier .csv ou .pdf"))
            for file in found:
                files.setdefault(file.resolve(), file)
        elif not path.is_file():
            problems.append(InvoiceProblem(path, None, None, "aucun fichier ni dossier à ce chemin"))
        elif path.suffix.lower() not in INVOICE_SUFFIXES:
            problems.append(
                InvoiceProblem(
                    path, None, None, "ce n'est ni un fichier CSV (.csv) ni une facture PDF Factur-X (.pdf)"
                )
            )
        else:
            files.setdefault(path.resolve(), path)
    return list(files.values())


def _read_pdf(
    path: Path,
    invoices_dir: Path,
    default_terms: int | None,
    problems: list[InvoiceProblem],
    rules: ImportRules,
) -> InvoiceRow | None:
    try:
        fields = read_facturx_fields(path, default_terms)
    except FacturxError as error:
        problems.append(InvoiceProblem(path, None, None, str(error)))
        return None
    before = len(problems)
    reader = _FacturxFieldReader(path, fields, problems, rules)
    for column, message in fields.problems:
        reader.fail(column, message)
    row = read_fields(reader, path.parent)
    if row is None or len(problems) > before:
        return None
    return kept_in(invoices_dir, row, path, fields.order_pdf)


def kept_in(
    invoices_dir: Path, row: InvoiceRow, source: Path | None, order: Path | bytes | None = None
) -> InvoiceRow:
    """The row with its PDFs kept by the data folder, copied when it is stored: the invoice's from
    ``source``, its signed quote or order's from ``order`` (a file, or a Factur-X attachment)."""
    siren, number = row.creditor.siren, row.invoice.number
    paths: dict[str, str] = {}
    if source is not None:
        paths["pdf_path"] = str(kept_pdf_path(invoices_dir, siren, number))
    if order is not None:
        paths["order_pdf_path"] = str(kept_pdf_path(invoices_dir, siren, number, order=True))
    invoice = row.invoice.model_copy(update=paths)
    return replace(row, invoice=invoice, pdf_to_keep=source, order_to_keep=order)


def _csv_rows(
    found: CsvFile,
    problems: list[InvoiceProblem],
    rules: ImportRules,
    attachments: Mapping[str, Path] | None = None,
    progress: ImportProgress | None = None,
) -> list[InvoiceRow]:
    """Every row of the file validated; ``progress`` told of each."""
    progress = progress or ImportProgress()
    rows = []
    for record in found.records:
        before = len(problems)
        values = record_values(found, record, problems)
        if values is not None:
            reader = FieldReader(found.path, record.row, values, problems, rules)
            row = read_fields(reader, found.path.parent, attachments)
            if row is not None and len(problems) == before:
                rows.append(row)
        progress.advance()
    return rows


def debtor_natural_key(row: InvoiceRow) -> str:
    """What tells one debtor from another (``DebtorInfo.natural_key``)."""
    return row.debtor.natural_key


def same_name(one: str, other: str) -> bool:
    """Whether two names are the same but for case and spaces."""
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def _accepted(rows: list[InvoiceRow], problems: list[InvoiceProblem]) -> list[InvoiceRow]:
    """The batch's rows once what only the whole batch shows is checked too: an invoice given
    twice, a creditor's or a debtor's SIREN under two names. Raise on any problem."""
    invoices: dict[tuple[str, str], InvoiceRow] = {}
    # A SIREN's first row, for its creditor's and its debtor's name.
    named: dict[tuple[str, str], InvoiceRow] = {}
    for row in rows:
        key = (row.creditor.siren, row.invoice.number)
        if key in invoices:
            where = invoices[key].described_from(row.source)
            problems.append(
                InvoiceProblem(row.source, row.row, "invoice_number", f"même facture que {where}")
            )
        for party, info in (("creditor", row.creditor), ("debtor", row.debtor)):
            if info.siren is None or key in invoices:
                continue
            first = named.setdefault((party, info.siren), row)
            name = getattr(first, party).name
            if not same_name(name, info.name):
                where = first.described_from(row.source)
                message = f"le SIREN {info.siren} est celui de {quoted(name)} d'après {where}"
                problems.append(InvoiceProblem(row.source, row.row, f"{party}_name", message))
        invoices.setdefault(key, row)
    if problems:
        raise InvoiceFileError(problems)
    return rows
