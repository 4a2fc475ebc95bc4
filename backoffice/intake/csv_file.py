"""The text of a CSV invoice file, before its fields are validated: UTF-8, columns separated by
commas or semicolons, a header naming each column once, rows that fit the header.

Each way a file fails is one line saying which and what was expected: empty, another encoding
(UTF-16, Windows-1252), another separator (tabs), a column missing, unknown or given twice, a row
with more fields than the header or with a line break inside a quoted field.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from backoffice.intake.fields import InvoiceProblem
from support.files import unreadable
from support.french import enumeration_fr, number_fr
from support.parsing import quoted

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
    # Who signs the creditor's letters and requests (CPC 54, 57): both or neither.
    "creditor_signatory_name",
    "creditor_signatory_title",
    "debtor_siren",
    # Madame or Monsieur (Mme, M.), for a consumer: the letters address them so.
    "debtor_civility",
    "currency",
    "amount_paid",
    "order_reference",
    "contract_rate",
    "invoice_pdf",
    # The signed quote or order, a PDF as invoice_pdf is: its own exhibit of the filing dossier.
    "order_pdf",
)
# What separates an invoice file's columns; and what other exports separate them with.
SEPARATORS = (",", ";")
_OTHER_SEPARATORS = {"\t": "des tabulations", "|": "des barres verticales"}
_LINE_BREAK = re.compile(r"[\r\n]+")


@dataclass(frozen=True)
class CsvRecord:
    # The row as a spreadsheet numbers it (the header is row 1), and its lines in the file (a
    # quoted field may hold a line break).
    row: int
    lines: tuple[int, int]
    values: list[str]


@dataclass(frozen=True)
class CsvFile:
    path: Path
    separator: str
    header: list[str]
    records: list[CsvRecord]


def read_csv_file(path: Path, problems: list[InvoiceProblem]) -> CsvFile | None:
    """The file's header and rows, once its encoding, separator and header are right; else None,
    with the file's problem in ``problems``."""
    text = _csv_text(path, problems)
    if text is None:
        return None
    separator = _separator(path, text.partition("\n")[0], problems)
    if separator is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    records: list[CsvRecord] = []
    try:
        header = [name.strip() for name in next(reader)]
        line = reader.line_num
        for number, values in enumerate(reader, start=2):
            # A blank line is a row of its own in a spreadsheet: counted, and skipped.
            if values:
                records.append(CsvRecord(number, (line + 1, reader.line_num), values))
            line = reader.line_num
    except csv.Error as error:
        problems.append(InvoiceProblem(path, None, None, _not_csv(reader.line_num, error)))
        return None
    header_problems = _header_problems(path, header)
    if not header_problems and not records:
        header_problems.append(
            InvoiceProblem(path, None, None, "le fichier a un en-tête mais aucune facture")
        )
    problems += header_problems
    return None if header_problems else CsvFile(path, separator, header, records)


def _csv_text(path: Path, problems: list[InvoiceProblem]) -> str | None:
    """The file's text, or None with why it cannot be read: an invoice file is UTF-8."""
    try:
        content = path.read_bytes()
    except OSError as error:
        problems.append(InvoiceProblem(path, None, None, unreadable(error)))
        return None
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _not_utf8(path, "le fichier est en UTF-16", problems)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        found = f"le fichier n'est pas en UTF-8 (octet 0x{content[error.start]:02x} à la ligne {line})"
        if _is_windows_1252(content):
            found += ", il semble enregistré en Windows-1252 ou Latin-1"
        return _not_utf8(path, found, problems)
    if not text.strip():
        why = "le fichier est vide : un fichier de factures a une ligne d'en-tête, puis une facture par ligne"
        problems.append(InvoiceProblem(path, None, None, why))
        return None
    return text


def _not_utf8(path: Path, found: str, problems: list[InvoiceProblem]) -> None:
    expected = "enregistrez-le en UTF-8 (par exemple « CSV UTF-8 ») et importez-le à nouveau"
    problems.append(InvoiceProblem(path, None, None, f"{found} : {expected}"))


def _not_csv(line: int, error: csv.Error) -> str:
    """Why the line cannot be read as CSV: in a file that is UTF-8 text, only a field too long."""
    why = str(error)
    if why.startswith("field larger than field limit"):
        why = f"un champ dépasse {number_fr(csv.field_size_limit())} caractères"
    return f"la ligne {line} du fichier n'est pas du CSV lisible : {why}"


def _is_windows_1252(content: bytes) -> bool:
    try:
        content.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _separator(path: Path, first_line: str, problems: list[InvoiceProblem]) -> str | None:
    """The separator of the header's columns: a comma or a semicolon, whichever it has more of."""
    counts = {separator: first_line.count(separator) for separator in SEPARATORS}
    if any(counts.values()):
        return max(SEPARATORS, key=lambda separator: counts[separator])
    other = next((name for character, name in _OTHER_SEPARATORS.items() if character in first_line), None)
    found = f"les colonnes sont séparées par {other}" if other else "la première ligne n'a qu'une colonne"
    expected = "un fichier de factures sépare ses colonnes par des virgules ou des points-virgules"
    problems.append(InvoiceProblem(path, 0, None, f"{found} ; {expected} (enregistrez-le en CSV)"))
    return None


def _header_problems(path: Path, header: list[str]) -> list[InvoiceProblem]:
    """Every required column there, each column once, none unknown."""
    names = list(dict.fromkeys(header))
    problems = [
        InvoiceProblem(path, 0, column, "colonne obligatoire absente")
        for column in REQUIRED_COLUMNS
        if column not in names
    ]
    problems += [
        InvoiceProblem(path, 0, column, "colonne inconnue : vérifiez son nom")
        for column in names
        if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    ]
    for column in names:
        places = [str(index) for index, name in enumerate(header, start=1) if name == column]
        if len(places) > 1:
            message = (
                f"{len(places)} fois (colonnes {enumeration_fr(places)}) : donnez chaque colonne une fois"
            )
            problems.append(InvoiceProblem(path, 0, column, message))
    return problems


def record_values(found: CsvFile, record: CsvRecord, problems: list[InvoiceProblem]) -> dict[str, str] | None:
    """The row's values by column; None when the row does not fit the header. A line break inside
    a quoted field is reported, and the value read on one line so that its other problems show."""
    path, columns, count = found.path, len(found.header), len(record.values)
    if count > columns:
        message = f"{count} champs, plus que les {columns} colonnes de l'en-tête"
        problems.append(InvoiceProblem(path, record.row, None, message))
        return None
    if count == 1 < columns and record.values[0].strip():
        message = (
            f"un seul champ, quand l'en-tête a {columns} colonnes séparées par {quoted(found.separator)} : "
            "cette ligne est-elle séparée par un autre caractère ?"
        )
        problems.append(InvoiceProblem(path, record.row, None, message))
        return None
    # A row may leave out trailing optional columns.
    values = dict(zip(found.header, record.values, strict=False))
    for column, value in values.items():
        if _LINE_BREAK.search(value):
            first, last = record.lines
            message = (
                f"retour à la ligne dans le champ entre guillemets (lignes {first} à {last} du fichier) : "
                "écrivez la valeur sur une seule ligne"
            )
            problems.append(InvoiceProblem(path, record.row, column, message))
            values[column] = _LINE_BREAK.sub(" ", value)
    return values
