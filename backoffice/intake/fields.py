"""One invoice's fields, read by column name and validated, each problem kept with where it is.

A CSV row and a Factur-X PDF give the same fields under the same names (the CSV's columns), and go
through the same validation (:func:`read_fields`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from backoffice.inputs import is_pdf
from config.judicial import load_judicial_rules
from law.judicial import JudicialRules
from models.bounds import (
    MAX_EMAIL,
    MAX_FIELD,
    MAX_INVOICE_NUMBER,
    MAX_NAME,
    MAX_REFERENCE,
    amount_from_text,
    checked_line,
    day_from_text,
    debtor_civility,
    debtor_siren,
    due_day,
    handled_currency,
    invoice_number,
    issue_day,
    not_time_barred,
    rate_from_text,
)
from models.enums import Civility, DebtorKind
from models.invoices import InvoiceInfo
from models.parties import (
    Address,
    CreditorInfo,
    DebtorInfo,
    Signatory,
    establishment_of,
    valid_iban,
    valid_siren,
    valid_siret,
    valid_vat_number,
    vat_number_of,
)
from models.policy import EscalationPolicy
from support.french import money_fr
from support.parsing import quoted
from support.typography import NBSP, typeset_text

T = TypeVar("T")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"[0-9]{5}", re.ASCII)
# The longest text of a column (models/bounds.py names the limits); MAX_FIELD for the others.
_LONGEST = {
    **dict.fromkeys(
        (f"{party}_{field}" for party in ("creditor", "debtor") for field in ("name", "street", "city")),
        MAX_NAME,
    ),
    "creditor_email": MAX_EMAIL,
    "creditor_signatory_name": MAX_NAME,
    "creditor_signatory_title": MAX_NAME,
    "debtor_email": MAX_EMAIL,
    "invoice_number": MAX_INVOICE_NUMBER,
    "order_reference": MAX_REFERENCE,
    # A path (Linux's PATH_MAX).
    "invoice_pdf": 4096,
    "order_pdf": 4096,
}


@dataclass(frozen=True)
class InvoiceProblem:
    """One reason a batch is refused: where (file; CSV row or header; column or field) and why, in
    French with its no-break spaces, as the clerk who imports reads it:
    ``factures.csv, ligne 3, colonne due_date : …``."""

    source: Path
    # The CSV row as a spreadsheet numbers it (0: the header); None for a PDF or the whole file.
    row: int | None
    # The column (or, for a PDF, the field under the same name); None for the whole row or file.
    column: str | None
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", typeset_text(self.message))

    def __str__(self) -> str:
        place = None if self.row is None else (f"ligne {self.row}" if self.row else "en-tête")
        field = None if self.column is None else f"{'champ' if self.row is None else 'colonne'} {self.column}"
        where = ", ".join(str(part) for part in (self.source, place, field) if part)
        return f"{where}{NBSP}: {self.message}"


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
    # The same for ``invoice.order_pdf_path``: an uploaded file, or a Factur-X attachment's bytes.
    order_to_keep: Path | bytes | None = None

    def described_from(self, other: Path) -> str:
        """Where this invoice was read, as said in a problem of the file ``other``: ``la ligne 2``,
        ``la ligne 2 de factures.csv``, or a PDF's path."""
        if self.row is None:
            return str(self.source)
        return f"la ligne {self.row}" if self.source == other else f"la ligne {self.row} de {self.source}"


@dataclass(frozen=True)
class ImportRules:
    """What an invoice is checked against besides its own fields."""

    # The day of the import, in the creditor's calendar (the policy's time zone).
    today: date
    # The prescription periods (config/judicial.toml): a time-barred claim is not imported.
    judicial: JudicialRules

    @classmethod
    def on(cls, policy: EscalationPolicy, judicial: JudicialRules) -> ImportRules:
        """The rules of an import made now with ``policy``."""
        return cls(policy.local_date(datetime.now(UTC)), judicial)

    @classmethod
    def bundled(cls) -> ImportRules:
        """Today in Paris and the bundled judicial rules: for a file read outside an import."""
        return cls(datetime.now(ZoneInfo("Europe/Paris")).date(), load_judicial_rules())


class FieldReader:
    """Reads one invoice's fields by column name and collects their problems, so that one bad field
    hides no other."""

    def __init__(
        self,
        source: Path,
        row: int | None,
        values: Mapping[str, str],
        problems: list[InvoiceProblem],
        rules: ImportRules,
    ) -> None:
        self.source = source
        self.row = row
        self.values = values
        self.problems = problems
        self.rules = rules

    def fail(self, column: str | None, message: str) -> None:
        self.problems.append(InvoiceProblem(self.source, self.row, column, message))

    def missing(self, column: str) -> None:
        self.fail(column, "vide : cette colonne est obligatoire")

    def checked(self, column: str, check: Callable[..., T], *args: Any) -> T | None:
        """``check(*args)``, or None with its refusal as the column's problem."""
        try:
            return check(*args)
        except ValueError as error:
            self.fail(column, str(error))
            return None

    def text(self, column: str, required: bool = True) -> str:
        """The field's text, one line within the column's length (empty once refused)."""
        value = (self.values.get(column) or "").strip()
        if not value:
            if required:
                self.missing(column)
            return ""
        return self.checked(column, checked_line, value, _LONGEST.get(column, MAX_FIELD)) or ""

    def email(self, column: str) -> str:
        value = self.text(column)
        if value and not _EMAIL.match(value):
            self.fail(column, f"{quoted(value)} n'est pas une adresse e-mail")
        return value

    def identifier(
        self, column: str, check: Callable[[str | None], str | None], required: bool = False
    ) -> str | None:
        """A SIREN, SIRET, VAT number or IBAN, in its compact form once ``check`` accepts it."""
        value = self.text(column, required)
        return self.checked(column, check, value) if value else None

    def postcode(self, column: str) -> str:
        value = self.text(column)
        if value and not _POSTCODE.fullmatch(value):
            self.fail(column, f"{quoted(value)} n'est pas un code postal français (5 chiffres)")
        return value

    def date(self, column: str, required: bool = True) -> date | None:
        """A date from 2000 to ten years ahead (``models.bounds``)."""
        value = self.text(column, required)
        return self.checked(column, day_from_text, value, self.rules.today) if value else None

    def number(self, column: str, parse: Callable[[str], Decimal], required: bool = True) -> Decimal | None:
        """An amount or a rate within its bounds; an optional one left empty is None."""
        value = self.text(column, required)
        return self.checked(column, parse, value) if value else None


# The fields read as plain text, each required.
_TEXT_COLUMNS = (
    "creditor_name",
    "creditor_street",
    "creditor_city",
    "debtor_name",
    "debtor_street",
    "debtor_city",
)


def read_fields(
    r: FieldReader, folder: Path, attachments: Mapping[str, Path] | None = None
) -> InvoiceRow | None:
    """Validate one invoice's fields; None when any is wrong (every problem is in ``r.problems``).

    ``folder`` is where a relative ``invoice_pdf`` or ``order_pdf`` is looked for, unless
    ``attachments`` are given (see :func:`~backoffice.intake.invoice_file.read_invoices`). An order
    PDF needs no ``order_reference``: the document proves the debtor's commitment by itself.
    """
    problems_before = len(r.problems)
    creditor_siren, identifiers = _creditor_identifiers(r)
    kind, debtor_siren = _debtor_kind(r)
    civility = _debtor_civility(r, kind)
    number = r.text("invoice_number")
    number = r.checked("invoice_number", invoice_number, number) if number else None
    terms = _invoice_terms(r, kind)
    charter = r.date("creditor_charter_accepted_on", required=False)
    pdf_path = _checked_pdf(r, "invoice_pdf", folder, attachments)
    order_pdf_path = _checked_pdf(r, "order_pdf", folder, attachments)
    texts = {column: r.text(column) for column in _TEXT_COLUMNS}
    emails = {party: r.email(f"{party}_email") for party in ("creditor", "debtor")}
    postcodes = {party: r.postcode(f"{party}_postcode") for party in ("creditor", "debtor")}
    if len(r.problems) > problems_before:
        return None
    assert creditor_siren and kind and number

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
            civility=civility,
            address=address("debtor"),
        ),
        invoice=InvoiceInfo(
            number=number,
            **terms,
            order_reference=r.text("order_reference", required=False) or None,
            pdf_path=str(pdf_path) if pdf_path else None,
            order_pdf_path=str(order_pdf_path) if order_pdf_path else None,
        ),
    )


def _creditor_identifiers(r: FieldReader) -> tuple[str | None, dict[str, Any]]:
    """The creditor's SIREN, and its SIRET, VAT number and IBAN when given, each consistent with it;
    and its signatory when given."""
    siren = r.identifier("creditor_siren", valid_siren, required=True)
    siret = r.identifier("creditor_siret", valid_siret)
    vat_number = r.identifier("creditor_vat_number", valid_vat_number)
    iban = r.identifier("creditor_iban", valid_iban)
    if siren:
        r.checked("creditor_siret", establishment_of, siren, siret)
        r.checked("creditor_vat_number", vat_number_of, siren, vat_number)
    return siren, {"siret": siret, "vat_number": vat_number, "iban": iban, "signatory": _signatory(r)}


def _signatory(r: FieldReader) -> Signatory | None:
    """The person who signs the creditor's letters and requests, named with their title (CPC 54,
    57): both or neither. Without one the import goes on; the case's first letter is refused."""
    columns = ("creditor_signatory_name", "creditor_signatory_title")
    name, title = (r.text(column, required=False) for column in columns)
    given = {column: (r.values.get(column) or "").strip() for column in columns}
    for column, other in zip(columns, reversed(columns), strict=True):
        if given[other] and not given[column]:
            r.fail(column, f"vide alors que {other} est rempli : un signataire est nommé avec sa fonction")
    return Signatory(name=name, title=title) if name and title else None


def _debtor_kind(r: FieldReader) -> tuple[DebtorKind | None, str | None]:
    """Business, consumer or public buyer, and the SIREN a business or a public buyer must have and
    a consumer has not."""
    kind_text = r.text("debtor_kind").lower()
    kind: DebtorKind | None = None
    if kind_text:
        try:
            kind = DebtorKind(kind_text)
        except ValueError:
            r.fail(
                "debtor_kind",
                f"{quoted(kind_text)} n'est ni « business » (professionnel), ni « consumer » "
                "(consommateur), ni « public » (acheteur public)",
            )
    problems_before = len(r.problems)
    siren = r.identifier("debtor_siren", valid_siren)
    if kind is not None and len(r.problems) == problems_before:
        r.checked("debtor_siren", debtor_siren, kind, siren)
    return kind, siren


def _debtor_civility(r: FieldReader, kind: DebtorKind | None) -> Civility | None:
    """Madame or Monsieur, when the file gives it for a consumer (``models.bounds``)."""
    value = r.text("debtor_civility", required=False)
    return r.checked("debtor_civility", debtor_civility, kind, value) if value and kind else None


def _invoice_terms(r: FieldReader, kind: DebtorKind | None) -> dict[str, Any]:
    """The invoice's dates, amounts, late-payment rate and currency, as ``InvoiceInfo`` names them;
    the claim, if unpaid, not time-barred against a debtor of ``kind``."""
    today = r.rules.today
    issue_date = r.date("issue_date")
    issue_date = r.checked("issue_date", issue_day, issue_date, today) if issue_date else None
    due_date = r.date("due_date")
    if issue_date and due_date:
        due_date = r.checked("due_date", due_day, due_date, issue_date)
    amount_due = r.number("amount_due", amount_from_text)
    amount_paid = r.number(
        "amount_paid", partial(amount_from_text, zero_allowed=True), required=False
    ) or Decimal("0.00")
    if amount_due is not None and amount_paid > amount_due:
        r.fail("amount_paid", f"{money_fr(amount_paid)} dépasse le montant dû ({money_fr(amount_due)})")
    elif amount_due is not None and amount_paid < amount_due and kind and due_date:
        r.checked("due_date", not_time_barred, kind, due_date, today, r.rules.judicial)
    # Code de commerce L441-10 II: the late-payment rate the terms of sale set, percent a year.
    contract_rate = r.number("contract_rate", rate_from_text, required=False)
    currency = r.text("currency", required=False).upper() or "EUR"
    r.checked("currency", handled_currency, currency)
    return {
        "issue_date": issue_date,
        "due_date": due_date,
        "amount_due": amount_due,
        "currency": currency,
        "amount_paid": amount_paid,
        "contract_rate_percent": contract_rate,
    }


def _checked_pdf(
    r: FieldReader, column: str, folder: Path, attachments: Mapping[str, Path] | None
) -> Path | None:
    """The PDF the column names (an invoice's, an order's), None when it names none or is refused."""
    value = r.text(column, required=False)
    if not value:
        return None
    path = Path(value)
    if attachments is not None:
        # An upload names its own attachments only: never a file of the server.
        name = PurePosixPath(value.replace("\\", "/")).name
        if name not in attachments:
            r.fail(column, f"{value} : joignez {name} à l'envoi, avec le fichier de factures")
            return None
        path = attachments[name]
    elif not path.is_absolute():
        path = (folder / path).resolve()
    if not path.is_file():
        r.fail(column, f"{path} n'existe pas")
        return None
    if not is_pdf(path):
        r.fail(column, f"{path} n'est pas un PDF")
        return None
    return path
