"""The debtor's account: every case of one creditor and one debtor, and the payments recorded on it
(``workflows/debtor_account.py``). Not the users' accounts of the back office (``backoffice/accounts``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from law.imputation import PRINCIPAL_ONLY, Debt, ImputationRule, impute_payment
from models.bounds import Day, PositiveAmount, ShortLine
from models.commands import Command, PaymentRequest
from models.court import GroupedFiling
from models.enums import CaseState, Stage
from models.frozen import Value
from models.grouped_sending import GroupedSending, OpenDossier, SendRequest

# The French an agent reads for each rule of imputation (Code civil 1342-10).
RULES_FR = {
    ImputationRule.NAMED: "facture désignée par le débiteur (Code civil 1342-10, al. 1)",
    ImputationRule.DUE_OLDEST: "dette échue, la plus ancienne d'abord (Code civil 1342-10, al. 2)",
    ImputationRule.DUE_PROPORTIONAL: (
        "dettes échues le même jour, toutes choses égales : proportionnellement (Code civil 1342-10, al. 2)"
    ),
    ImputationRule.NOT_DUE: "dette non encore échue, après les dettes échues (Code civil 1342-10, al. 2)",
}


class AccountCase(Value):
    """One invoice of the account, as the invoices table keeps it: what does not change."""

    case_id: str
    invoice_number: str
    due_date: date


class AccountInvoice(AccountCase):
    """One invoice of the account with what its case says of it now."""

    balance: Decimal
    currency: str = "EUR"
    state: CaseState
    stage: Stage | None = None
    # Paused, disputed, promised or under collective proceedings: the case sends nothing now.
    holds: bool = False

    @property
    def takes_payments(self) -> bool:
        """A closed case takes no payment (its ``record_payment`` refuses one)."""
        return not self.state.is_closed and self.balance > 0


class CaseBalances(Value):
    """The account's cases whose balances, states and stages an activity asks them."""

    cases: list[AccountCase]


class ImputedPart(Value):
    case_id: str
    invoice_number: str
    amount: Decimal
    rule: ImputationRule

    @property
    def rule_fr(self) -> str:
        return RULES_FR[self.rule]


class AccountPaymentRequest(Command):
    """A payment on the account, with the split the agent was shown and confirmed.

    ``payment_id`` is the key of this payment (``backoffice.debtor_accounts.payment_id_for``): the
    same payment sent again is recorded once, and each case gets its part once.
    """

    payment_id: ShortLine
    amount: PositiveAmount
    paid_on: Day
    reference: ShortLine = ""
    # The invoice numbers the debtor named, in their order (Code civil 1342-10, al. 1).
    named: list[ShortLine] = Field(default_factory=list)
    cases: list[AccountCase]
    split: list[ImputedPart]


class CasePayment(Value):
    """One case's part of an account payment, sent once under ``key`` (the case's update id)."""

    case_id: str
    key: str
    payment: PaymentRequest


class AccountPayment(Value):
    payment_id: str
    amount: Decimal
    paid_on: date
    reference: str
    named: list[str]
    recorded_by: str
    recorded_at: datetime
    split: list[ImputedPart]
    # The cases whose part is recorded; a part a case refused (closed meanwhile) stays out.
    sent: list[str] = Field(default_factory=list)
    refused: dict[str, str] = Field(default_factory=dict)
    imputation_note: str = PRINCIPAL_ONLY

    @property
    def complete(self) -> bool:
        return len(self.sent) == len(self.split)


class AccountInput(Value):
    """What an account starts with, its opaque id (``models.case_ids.account_id_for``), and what it
    carries over when it continues as new."""

    account_id: str
    case_ids: list[str] = Field(default_factory=list)
    payments: list[AccountPayment] = Field(default_factory=list)
    # The cases' steps waiting for their send slot, and the asking already answered (a request
    # signalled again by a retried activity is not sent twice).
    pending: list[SendRequest] = Field(default_factory=list)
    answered: list[str] = Field(default_factory=list)
    # The invoices the account has heard of, by case id (the others overdue a grouped letter lists).
    cases: list[AccountCase] = Field(default_factory=list)
    communications: list[GroupedSending] = Field(default_factory=list)
    # The dossiers formed for several invoices, waiting for their approval, and those filed.
    dossiers: list[OpenDossier] = Field(default_factory=list)
    filings: list[GroupedFiling] = Field(default_factory=list)


class AccountStatus(Value):
    account_id: str
    case_ids: list[str]
    payments: list[AccountPayment]
    # What the account sent for several invoices at once, oldest first.
    communications: list[GroupedSending] = Field(default_factory=list)
    # The steps waiting for the next send slot: (case id, step key, slot).
    waiting: list[tuple[str, str, datetime]] = Field(default_factory=list)
    # The dossiers filed for several invoices, oldest first.
    filings: list[GroupedFiling] = Field(default_factory=list)


class AccountPaymentResult(Value):
    message: str
    payment: AccountPayment


def split_payment(
    amount: Decimal, paid_on: date, invoices: list[AccountInvoice], named: list[str]
) -> list[ImputedPart]:
    """The split of a payment on the invoices whose cases take one, by Code civil 1342-10
    (``law.imputation``); ``named`` are invoice numbers. ``ValueError`` (``Overpayment``, a named
    invoice not in the account or closed) says why there is none."""
    open_invoices = [invoice for invoice in invoices if invoice.takes_payments]
    by_number = {invoice.invoice_number: invoice for invoice in open_invoices}
    unknown = [number for number in named if number not in by_number]
    if unknown:
        raise ValueError(f"facture sans solde ouvert sur ce compte : {', '.join(unknown)}")
    debts = [Debt(invoice.case_id, invoice.balance, invoice.due_date) for invoice in open_invoices]
    named_keys = [by_number[number].case_id for number in named]
    numbers = {invoice.case_id: invoice.invoice_number for invoice in open_invoices}
    parts = impute_payment(amount, debts, paid_on=paid_on, named=named_keys)
    return [
        ImputedPart(case_id=part.key, invoice_number=numbers[part.key], amount=part.amount, rule=part.rule)
        for part in parts
    ]
