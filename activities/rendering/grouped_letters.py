"""A grouped letter: one letter for the steps of several invoices of one debtor falling due in one
send slot (``models.grouped_sending``), what its templates see, and the PDFs joined to it made one.

Each invoice's values are those of its own letter (``letters.template_values``); the letter adds
what its invoices share (the parties, who signs, whom to pay) and what it sums: the principal, the
interest, the indemnities and the court route a claim of them all would take.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from temporalio.exceptions import ApplicationError

from activities.rendering.letters import template_values
from law.letters import AGENCY_FIRST_LETTER, announced_route, letter_reference, letter_template
from law.rates import SourcedRate
from models.documents import DocumentRef, LetterContext
from models.grouped_sending import GroupedLetterContext, GroupedLetterRequest
from models.wording import step_fr
from support.files import sha256_of

# What every letter of the group says alike: the grouped letter says it once.
SHARED_VALUES = (
    "creditor",
    "debtor",
    "agency",
    "letter_date",
    "sender",
    "signatory",
    "payee",
    "business",
    "consumer",
    "public",
    "professional",
    "recovery_indemnity",
    "small_claims_ceiling",
    "legal_rate",
    "half_year",
)
ZERO = Decimal("0.00")


def grouped_template(request: GroupedLetterRequest) -> str:
    """The template of the grouped letter, refused for good when it cannot be written for its
    invoices: without any, in several currencies (no total), or when it would be a collection
    agency's first letter for one of them, which carries the mentions of CPCE R124-4 and goes alone
    (``agency_first_letter``)."""
    letters = request.context.letters
    if not letters:
        raise _refused("a grouped letter needs at least one invoice's letter")
    currencies = sorted({letter.invoice.currency for letter in letters})
    if len(currencies) > 1:
        raise _refused(f"invoices in {', '.join(currencies)} cannot be claimed in one total")
    for letter in letters:
        template = letter_template(
            request.template,
            stage=letter.stage,
            by_agency=letter.agency is not None,
            first_letter=not letter.previous_letters,
        )
        if template == AGENCY_FIRST_LETTER:
            raise _refused(
                f"invoice {letter.invoice.number} has had no letter from the agency yet: its first one "
                "carries the mentions of CPCE R124-4 and goes alone"
            )
    return request.template


def grouped_values(
    context: GroupedLetterContext, small_claims_ceiling: Decimal, legal_rate: SourcedRate | None = None
) -> dict[str, Any]:
    """What a grouped letter's templates see: ``invoices``, each its own letter's values with its
    days late and its step in words, the values they share, the sums and the debtor's ``others``."""
    letters = context.letters
    invoices = [
        invoice_values(letter, context.letter_date, small_claims_ceiling, legal_rate) for letter in letters
    ]
    statements = [letter.penalties for letter in letters]
    counted = [statement for statement in statements if statement is not None]
    interest = sum((statement.interest for statement in counted), ZERO)
    balance = sum((letter.balance for letter in letters), ZERO)
    return {
        **{name: invoices[0][name] for name in SHARED_VALUES},
        **_deadline(letters),
        "stage": context.stage,
        "account_id": context.account_id,
        "communication_key": context.communication_key,
        "letter_reference": letter_reference(context.account_id, context.communication_key),
        "invoices": invoices,
        "others": context.others,
        "currency": letters[0].invoice.currency,
        # An invoice of the letter already reminded: the letter is firmer.
        "reminded": any(values["reminders"] for values in invoices),
        # Interest, an indemnity or costs beyond the principal: each invoice's sums are set out.
        "itemised": any(values["amount_claimed"] != values["balance"] for values in invoices),
        "as_at": max((statement.until for statement in counted), default=context.letter_date),
        "balance_total": balance,
        "interest_total": interest,
        "indemnity_total": sum((statement.indemnity for statement in counted), ZERO),
        "further_costs_total": sum((statement.further_costs for statement in counted), ZERO),
        "amount_claimed": sum((values["amount_claimed"] for values in invoices), ZERO),
        # CPCE L125-1: the ceiling applies to the claim as filed, every invoice's principal and
        # interest together.
        "route": announced_route(
            balance,
            interest,
            small_claims_ceiling,
            interest_complete=len(counted) == len(letters) and not any(s.rates_pending for s in counted),
        ),
        # A court is announced only if it may be for every invoice claimed (law.letters.court_announced).
        "court_possible": all(values["court_possible"] for values in invoices),
        # The debtor may name the invoices a payment settles (Code civil 1342-10).
        "payment_reference": ", ".join(letter.invoice.number for letter in letters),
        # No one first day of penalties nor one contract rate: the templates say each invoice's.
        "penalties_from": None,
        "contract_rates": list(dict.fromkeys(letter.invoice.contract_rate_percent for letter in letters)),
        "rates_applied": [],
    }


def invoice_values(
    letter: LetterContext, letter_date: date, small_claims_ceiling: Decimal, legal_rate: SourcedRate | None
) -> dict[str, Any]:
    """One invoice's part of a grouped letter: its own letter's values, its days late as at the
    grouped letter's date and the step it is, in words (``premier rappel``)."""
    return {
        **template_values(letter, small_claims_ceiling, legal_rate),
        "days_late": (letter_date - letter.invoice.due_date).days,
        "step": step_fr(letter.step_key),
    }


def _deadline(letters: Sequence[LetterContext]) -> dict[str, date | timedelta | None]:
    """The letter's one deadline, never shorter than any of its invoices' own: days from receipt
    when every letter counts so, else the latest date."""
    within = [letter.pay_within for letter in letters if letter.pay_within is not None]
    if len(within) == len(letters):
        return {"pay_within": max(within), "pay_by": None}
    dates = [letter.pay_by for letter in letters if letter.pay_by is not None]
    return {"pay_within": None, "pay_by": max(dates, default=None)}


def combined_pdf(documents: Sequence[DocumentRef]) -> bytes:
    """The documents in order as one PDF, each checked to be the file that was produced; their
    bookmarks are kept, so that each reads as a section of the whole."""
    if not documents:
        raise _refused("no document to combine")
    readers = [_reader(document) for document in documents]
    try:
        # The first document's catalog (its language, its metadata) is the whole's.
        writer = PdfWriter(clone_from=readers[0])
        for reader in readers[1:]:
            writer.append(reader)
        out = BytesIO()
        writer.write(out)
    except PyPdfError as error:
        raise ApplicationError(
            f"the documents cannot be combined: {error}", type="DocumentUnreadable", non_retryable=True
        ) from error
    return out.getvalue()


def _reader(document: DocumentRef) -> PdfReader:
    """The document's PDF, exactly as produced: a file gone, changed or unreadable is refused for good."""
    source = Path(document.path)
    try:
        content = source.read_bytes()
    except FileNotFoundError as error:
        raise ApplicationError(
            f"{source} is missing: nothing to combine", type="DocumentChanged", non_retryable=True
        ) from error
    if sha256_of(content) != document.sha256:
        raise ApplicationError(
            f"{source} changed since it was produced (sha256 {sha256_of(content)}, expected "
            f"{document.sha256}): not combining it",
            type="DocumentChanged",
            non_retryable=True,
        )
    try:
        return PdfReader(BytesIO(content))
    except PyPdfError as error:
        raise ApplicationError(
            f"{source} is not a PDF that can be combined: {error}",
            type="DocumentUnreadable",
            non_retryable=True,
        ) from error


def _refused(why: str) -> ApplicationError:
    return ApplicationError(why, type="GroupedLetterRefused", non_retryable=True)
