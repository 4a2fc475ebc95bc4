"""The invoice a case collects, and the case's input: everything it needs, frozen when it starts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from models.frozen import Value
from models.parties import AgencyInfo, CreditorInfo, DebtorInfo
from models.policy import EscalationPolicy
from support.units import CENT


class InvoiceInfo(Value):
    number: str
    issue_date: date
    due_date: date
    amount_due: Decimal
    currency: str = "EUR"
    amount_paid: Decimal = Decimal("0.00")
    order_reference: str | None = None
    # Late-payment rate of the terms of sale, percent a year (Code de commerce L441-10 II).
    contract_rate_percent: Decimal | None = None
    pdf_path: str | None = None
    # The signed quote or order the invoice refers to: its own exhibit of the filing dossier.
    order_pdf_path: str | None = None

    @property
    def balance(self) -> Decimal:
        return (self.amount_due - self.amount_paid).quantize(CENT)

    @property
    def names_an_order(self) -> bool:
        """Whether the invoice names its signed quote or order, by its reference or its document:
        without either, the debtor's commitment is not proven and the case stays amicable
        (law/judicial.py)."""
        return bool((self.order_reference or "").strip() or self.order_pdf_path)


class CaseInput(Value):
    """Everything a case needs, frozen at the moment it starts."""

    case_id: str
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo
    policy: EscalationPolicy
    started_by: str = "back-office"
    # Set when a collection agency, not the creditor itself, sends the letters.
    agency: AgencyInfo | None = None
    # The debtor's account (``models.case_ids.account_id_for``) that sends the case's letters with
    # the debtor's other invoices; None for cases started before accounts sent, which send alone.
    account_id: str | None = None
