"""The statement of account (*relevé de compte*): every invoice of one creditor and one debtor, paid
and unpaid, the payments and how each was split, the penalties accrued at the day it is drawn, and
the totals (``activities/account_statements.py`` draws it, ``activities/rendering/account_statement``
renders it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from law.imputation import PRINCIPAL_ONLY
from law.penalties import PenaltyStatement
from models.enums import CaseState, DebtorKind, Stage
from models.frozen import Value
from models.parties import Address
from models.wording import stage_fr, state_fr

ZERO = Decimal("0.00")


class StatementParty(Value):
    name: str
    siren: str | None = None
    address: Address


class StatementInvoice(Value):
    """One invoice as the statement prints it, with the penalties it accrued (None: none claimed,
    ``no_penalties`` says why when it is not obvious)."""

    case_id: str
    invoice_number: str
    issue_date: date
    due_date: date
    amount: Decimal
    paid: Decimal
    balance: Decimal
    days_late: int
    stage: Stage | None
    state: CaseState
    penalties: PenaltyStatement | None = None
    no_penalties: str = ""

    @property
    def stage_fr(self) -> str:
        return stage_fr(self.stage)

    @property
    def state_fr(self) -> str:
        return state_fr(self.state)

    @property
    def penalties_total(self) -> Decimal:
        return self.penalties.total if self.penalties else ZERO


class StatementPart(Value):
    invoice_number: str
    amount: Decimal
    # Why this invoice (Code civil 1342-10), or that the payment was recorded on this invoice alone.
    rule_fr: str
    refused: str = ""


class StatementPayment(Value):
    paid_on: date
    amount: Decimal
    reference: str
    parts: list[StatementPart]


class AccountStatement(Value):
    account_id: str
    drawn_on: date
    currency: str = "EUR"
    creditor: StatementParty
    debtor: StatementParty
    debtor_kind: DebtorKind
    invoices: list[StatementInvoice]
    payments: list[StatementPayment] = Field(default_factory=list)
    imputation_note: str = PRINCIPAL_ONLY

    @property
    def total_amount(self) -> Decimal:
        return sum((invoice.amount for invoice in self.invoices), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return sum((invoice.paid for invoice in self.invoices), ZERO)

    @property
    def total_balance(self) -> Decimal:
        return sum((invoice.balance for invoice in self.invoices), ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum((i.penalties.interest for i in self.invoices if i.penalties), ZERO)

    @property
    def total_indemnity(self) -> Decimal:
        return sum((i.penalties.indemnity for i in self.invoices if i.penalties), ZERO)

    @property
    def total_penalties(self) -> Decimal:
        return sum((invoice.penalties_total for invoice in self.invoices), ZERO)

    @property
    def total_due(self) -> Decimal:
        return self.total_balance + self.total_penalties
