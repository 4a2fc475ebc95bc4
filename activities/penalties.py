"""Penalties: compute a case's late-payment penalties, render the statement and its ledger lines.

``compute_penalties`` is quick and pure: its result, the statement with every rate and its source,
is recorded in the workflow history, which is then the proof of what was claimed and why.
``render_penalty_statement`` renders the French "justificatif de calcul" to PDF (CPU-heavy and
synchronous: the worker runs it on its thread pool) and writes beside it the bookkeeper's ledger
lines as CSV. Both files sit at paths derived from case and step, written atomically: a retry
overwrites them with the same content.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from jinja2 import TemplateError
from pydantic import BaseModel, ConfigDict, ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import _path_part, letter_environment
from activities.pdf_rendering import html_to_pdf
from config.accounts import Accounts, ledger_accounts
from config.rates import load_rate_tables
from config.settings import Settings
from law.penalties import (
    PenaltyComputation,
    PenaltyRequest,
    PenaltyStatement,
    RateNotKnown,
    RateTables,
    StatementRequest,
    compute_penalties,
    half_year_fr,
    half_year_of,
)
from models.documents import DocumentRef
from models.enums import DebtorKind
from support.files import sha256_of, write_atomically
from support.french import date_fr

STATEMENT_TEMPLATE = "penalty_statement.html.j2"
LEDGER_COLUMNS = ("date", "account", "label", "debit", "credit")
ZERO = Decimal("0.00")


class PenaltyStatementFiles(BaseModel):
    """The statement as a PDF and its ledger lines as CSV."""

    model_config = ConfigDict(frozen=True)

    statement: DocumentRef
    ledger: DocumentRef






def rates_pending_warning(covered_until: date) -> str:
    """Why a statement stops at ``covered_until``, and that interest does not (in French: it is printed)."""
    next_day = covered_until + timedelta(days=1)
    return (
        f"Intérêts arrêtés au {date_fr(covered_until)} : le taux applicable au {half_year_fr(next_day)} "
        f"({half_year_of(next_day)}) ne figure pas encore dans les tables de taux ; les intérêts continuent "
        "de courir au-delà de cette date, jusqu'au complet paiement."
    )


def ledger_csv(request: StatementRequest, accounts: Accounts) -> bytes:
    """The entry booking what the statement claims: the customer debited, income credited.

    Amounts are decimal strings with a dot; debits equal credits. Zero amounts give no line.
    """
    statement = request.statement
    reference = f"facture {request.invoice_number} — {request.debtor_name}"
    credits = [
        (accounts.interest, f"Intérêts de retard, {reference}", statement.interest),
        (
            accounts.indemnity,
            f"Indemnité forfaitaire pour frais de recouvrement, {reference}",
            statement.indemnity,
        ),
        (accounts.indemnity, f"Frais de recouvrement justifiés, {reference}", statement.further_costs),
    ]
    claimed = "Pénalités" if request.debtor_kind is DebtorKind.BUSINESS else "Intérêts"
    lines = [(accounts.customer, f"{claimed} de retard, {reference}", statement.total, ZERO)]
    lines += [(account, label, ZERO, amount) for account, label, amount in credits]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    for account, label, debit, credit in lines:
        if debit or credit:
            writer.writerow([request.drawn_on.isoformat(), account, label, f"{debit:.2f}", f"{credit:.2f}"])
    return out.getvalue().encode("utf-8")


def statement_values(request: StatementRequest) -> dict[str, Any]:
    """What the statement template sees: the request's fields and the debtor's kind as a flag."""
    return {**dict(request), "business": request.debtor_kind is DebtorKind.BUSINESS}


def _checked(computation: PenaltyComputation) -> PenaltyRequest:
    """The request validated again. The data converter validates what the workflow sends, but a
    request built without validation (``model_construct``) or changed since (``model_copy``) would
    otherwise be computed as it is; it fails the same on every attempt, so it is not retried."""
    try:
        return PenaltyRequest.model_validate(computation.request.model_dump())
    except ValidationError as error:
        raise ApplicationError(
            f"{computation.case_id}: invalid penalty request: {error}",
            type="InvalidPenaltyRequest",
            non_retryable=True,
        ) from error


def _statement(case_id: str, request: PenaltyRequest, rates: RateTables) -> PenaltyStatement:
    try:
        return compute_penalties(request, rates)
    except RateNotKnown as error:
        # Retrying cannot help: the rate tables must be completed from the official source (and
        # the worker restarted, it reads them once).
        raise ApplicationError(f"{case_id}: {error}", type="RateNotKnown", non_retryable=True) from error


# --- activities ----------------------------------------------------------------------------------


class PenaltyActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def rate_tables(self) -> RateTables:
        return load_rate_tables(self._settings.rates_dir)

    @activity.defn
    async def compute_penalties(self, computation: PenaltyComputation) -> PenaltyStatement:
        """The case's penalties; with ``stop_at_known_rates``, drawn only as far as the rate tables go."""
        request = _checked(computation)
        rates = self.rate_tables()
        covered = rates.covered_until()
        # Only when some late day is covered: a statement of no late day at all would claim nothing.
        if (
            computation.stop_at_known_rates
            and covered is not None
            and request.start < covered < request.until
        ):
            statement = _statement(computation.case_id, request.model_copy(update={"until": covered}), rates)
            warnings = [*statement.warnings, rates_pending_warning(covered)]
            return statement.model_copy(update={"warnings": warnings})
        return _statement(computation.case_id, request, rates)

    @activity.defn
    def render_penalty_statement(self, request: StatementRequest) -> PenaltyStatementFiles:
        """The statement as a French PDF, ``<step>.statement.pdf``, and its ledger lines beside it."""
        templates_dir = self._settings.templates_dir
        folder = self._settings.documents_dir / _path_part(request.case_id)
        step = _path_part(request.step_key)
        try:
            template = letter_environment(templates_dir).get_template(STATEMENT_TEMPLATE)
            page = template.render(statement_values(request))
        except (TemplateError, ValueError, TypeError) as error:
            # The same request would fail the same way on every retry.
            raise ApplicationError(
                f"penalty statement template {STATEMENT_TEMPLATE!r} in {templates_dir} failed: {error}",
                type="TemplateError",
                non_retryable=True,
            ) from error
        pdf = html_to_pdf(page, templates_dir)
        ledger = ledger_csv(request, ledger_accounts())
        pdf_path = folder / f"{step}.statement.pdf"
        ledger_path = folder / f"{step}.ledger.csv"
        write_atomically(pdf_path, pdf)
        write_atomically(ledger_path, ledger)
        return PenaltyStatementFiles(
            statement=DocumentRef(path=str(pdf_path), sha256=sha256_of(pdf)),
            ledger=DocumentRef(path=str(ledger_path), sha256=sha256_of(ledger)),
        )
