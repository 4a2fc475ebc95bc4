"""Penalties: the activities computing a case's late-payment penalties and rendering the statement
with its ledger lines (``activities.rendering.penalty_statement``).

``compute_penalties`` is quick and pure: its result, the statement with every rate and its source,
is recorded in the workflow history, which is then the proof of what was claimed and why.
``render_penalty_statement`` renders the French "justificatif de calcul" to PDF (CPU-heavy and
synchronous: the worker runs it on its thread pool) and writes beside it the bookkeeper's ledger
lines as CSV. Both files sit at paths derived from case and step, written atomically: a retry
overwrites them with the same content.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.paths import path_part
from activities.rendering.penalty_statement import (
    STATEMENT_TEMPLATE,
    ledger_csv,
    rates_pending_warning,
    rates_unpublished_warning,
    statement_values,
)
from activities.rendering.templates import template_pdf
from config.accounts import ledger_accounts
from config.rates import load_rate_tables
from config.settings import Settings
from law.penalties import PenaltyRequest, PenaltyStatement, compute_penalties, statement_before_rates
from law.rates import RateNotKnown, RateTables
from models.documents import DocumentRef
from models.penalties import PenaltyComputation, PenaltyStatementFiles, StatementRequest
from support.files import sha256_of, write_atomically


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
        # the worker restarted, it reads them once). The agent reads the message; the operator,
        # in the details, where the table is.
        raise ApplicationError(
            error.french, f"{case_id}: {error}", type="RateNotKnown", non_retryable=True
        ) from error


def penalties_at_known_rates(case_id: str, request: PenaltyRequest, rates: RateTables) -> PenaltyStatement:
    """The penalties of ``request``, drawn only as far as the rate tables go, and said to run on
    beyond; a late day in a gap of the tables is a non-retryable ``RateNotKnown``."""
    covered = rates.covered_until()
    # A public buyer's late days all bear the rate of the first one (R2192-31): it alone is needed.
    if covered is not None and covered < request.last_rate_day:
        if request.start < covered:
            # Interest counted as far as the tables go, and said to run on.
            drawn = request.model_copy(update={"until": covered})
            statement = _statement(case_id, drawn, rates)
            warnings = [*statement.warnings, rates_pending_warning(covered)]
            return statement.model_copy(update={"warnings": warnings, "rates_pending": True})
        # No late day is covered yet: the indemnity, which needs no rate, is still claimed.
        first_late_day = request.start + timedelta(days=1)
        return statement_before_rates(request, rates_unpublished_warning(first_late_day))
    return _statement(case_id, request, rates)


class PenaltyActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def rate_tables(self) -> RateTables:
        return load_rate_tables(self._settings.rates_dir)

    @activity.defn
    async def compute_penalties(self, computation: PenaltyComputation) -> PenaltyStatement:
        """The case's penalties; with ``stop_at_known_rates``, drawn only as far as the rate tables go."""
        request = _checked(computation)
        if computation.stop_at_known_rates:
            return penalties_at_known_rates(computation.case_id, request, self.rate_tables())
        return _statement(computation.case_id, request, self.rate_tables())

    @activity.defn
    def render_penalty_statement(self, request: StatementRequest) -> PenaltyStatementFiles:
        """The statement as a French PDF, ``<step>.statement.pdf``, and its ledger lines beside it."""
        folder = self._settings.documents_dir / path_part(request.case_id)
        step = path_part(request.step_key)
        values = statement_values(request)
        pdf = template_pdf(self._settings.templates_dir, STATEMENT_TEMPLATE, values, "penalty statement")
        ledger = ledger_csv(request, ledger_accounts())
        pdf_path = folder / f"{step}.statement.pdf"
        ledger_path = folder / f"{step}.ledger.csv"
        write_atomically(pdf_path, pdf)
        write_atomically(ledger_path, ledger)
        return PenaltyStatementFiles(
            statement=DocumentRef(path=str(pdf_path), sha256=sha256_of(pdf)),
            ledger=DocumentRef(path=str(ledger_path), sha256=sha256_of(ledger)),
        )
