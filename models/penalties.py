"""What the penalty activities receive: a computation of the penalties, and a statement to draw."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, model_validator

from law.penalties import PenaltyRequest, PenaltyStatement, legal_basis
from models.documents import DocumentRef
from models.enums import DebtorKind
from models.parties import Address


class PenaltyComputation(BaseModel):
    """The ``compute_penalties`` activity's input."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    request: PenaltyRequest
    # Draw the statement to the last day the rate tables cover rather than fail on a rate not yet
    # published; the statement then says the interest keeps running.
    stop_at_known_rates: bool = False


class StatementRequest(BaseModel):
    """The ``render_penalty_statement`` activity's input: the statement and what it is about."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    step_key: str
    creditor_name: str
    creditor_siren: str
    debtor_name: str
    debtor_kind: DebtorKind
    invoice_number: str
    issue_date: date
    due_date: date
    # The principal the statement counts from: what was still due when the case started.
    principal: Decimal
    currency: str = "EUR"
    # The debtor identified as on the letters, and the invoice's own amount; None in requests
    # recorded before they were sent, whose statement shows what it knows.
    debtor_siren: str | None = None
    debtor_address: Address | None = None
    invoice_amount: Decimal | None = None
    statement: PenaltyStatement
    # The day the statement is drawn up (printed on it): never the clock, so a retry renders the same.
    drawn_on: date

    @model_validator(mode="after")
    def _statement_for_this_debtor(self) -> StatementRequest:
        # The main article names the kind: a statement recorded before a later text was cited with
        # it (Code civil 1344-1) is still this debtor's.
        if self.statement.legal_basis[:1] != list(legal_basis(self.debtor_kind)[:1]):
            raise ValueError(
                f"the statement was computed for another kind of debtor than {self.debtor_kind.value}"
            )
        return self


class PenaltyStatementFiles(BaseModel):
    """The statement as a PDF and its ledger lines as CSV."""

    model_config = ConfigDict(frozen=True)

    statement: DocumentRef
    ledger: DocumentRef
