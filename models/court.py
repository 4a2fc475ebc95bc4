"""The judicial step: the filing dossier, its exhibits, its delivery to the commissaire de justice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from law.judicial import JudicialDecision, JudicialRoute
from law.penalties import PenaltyStatement
from models.documents import DocumentRef
from models.frozen import Value
from models.invoices import InvoiceInfo
from models.parties import CreditorInfo, DebtorInfo
from models.status import ActionRecord


class HandoffRequest(Value):
    case_id: str
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo
    balance: Decimal
    documents: list[DocumentRef]
    actions: list[ActionRecord]
    handed_off_at: datetime


class DossierRef(Value):
    path: str
    manifest_sha256: str


# The exhibits of a filing, in the order the bordereau de pièces lists them.
ExhibitKind = Literal["invoice", "order", "formal_notice", "notice_receipt", "penalty_statement", "reminder"]


class Exhibit(Value):
    """A document produced in support of a filing (pièce justificative)."""

    kind: ExhibitKind
    document: DocumentRef
    # The document's own date: the invoice's issue, the letter's sending, the receipt's signature;
    # None for the signed quote or order, whose date is on it, not in the invoice file.
    dated: date | None


def route_of(decision: JudicialDecision) -> JudicialRoute:
    """The route of a filable decision; an ineligible one has none (the requests refuse it)."""
    if decision.route is None:
        raise ValueError("an ineligible decision has no route")
    return decision.route


class FilingRequest(Value):
    """What ``prepare_filing`` builds the filing dossier from, for an eligible decision."""

    case_id: str
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo
    decision: JudicialDecision
    # Principal still due; the penalty statement, when penalties accrued, gives interest and indemnity.
    principal: Decimal
    penalties: PenaltyStatement | None = None
    notice_received_on: date
    exhibits: list[Exhibit]
    # The case's Temporal history export (JSON, see ``export_history``), filed in the dossier.
    history: DocumentRef
    # The request's date, printed on it: never the clock.
    filed_on: date
    # Whether the debtor ever opened a dispute (since closed: an open one keeps the case out of
    # court); None in requests recorded before it was told, of which the request says neither.
    disputed: bool | None = None

    @property
    def interest(self) -> Decimal:
        return self.penalties.interest if self.penalties else Decimal("0.00")

    @property
    def indemnity(self) -> Decimal:
        return self.penalties.indemnity if self.penalties else Decimal("0.00")

    @property
    def route(self) -> JudicialRoute:
        return route_of(self.decision)

    @model_validator(mode="after")
    def _filable(self) -> FilingRequest:
        if not self.decision.eligible or self.decision.route is None:
            raise ValueError(f"the case may not go to court: {'; '.join(self.decision.refusals)}")
        total = self.principal + self.interest + self.indemnity
        if total != self.decision.claim_amount:
            claimed = self.decision.claim_amount
            raise ValueError(f"the amounts ({total}) differ from the decision's ({claimed})")
        kinds = {exhibit.kind for exhibit in self.exhibits}
        for kind in ("invoice", "formal_notice"):
            if kind not in kinds:
                raise ValueError(f"a filing needs the {kind.replace('_', ' ')} among its exhibits")
        return self


class HistoryExportRequest(Value):
    """Write the case's Temporal history, as it stands, to a file of the case's documents."""

    case_id: str
    step_key: str


class InvoiceDocumentRequest(Value):
    """The invoice PDF kept for the case, or its signed quote or order's, to be produced as an exhibit."""

    case_id: str
    path: str
    kind: Literal["invoice", "order"] = "invoice"


class FilingDossierRef(Value):
    path: str
    manifest_sha256: str
    route: JudicialRoute
    # Every file of the dossier with its SHA-256, the manifest last.
    files: list[DocumentRef]


class BailiffDelivery(Value):
    """Send a filing dossier to the commissaire de justice (by email, or into the drop folder)."""

    case_id: str
    dossier: FilingDossierRef
    creditor_name: str
    debtor_name: str
    invoice_number: str
    # Every invoice of a dossier for several (``prepare_grouped_filing``), whose ``case_id`` is then
    # the dossier's reference; empty for one invoice's, and in deliveries recorded before.
    invoice_numbers: list[str] = Field(default_factory=list)


class BailiffDeliveryReceipt(Value):
    channel: Literal["email", "folder"]
    # The email's Message-ID, or the folder the copy was dropped in.
    reference: str
    delivered_at: datetime
    duplicate: bool = False


class GroupedFilingRequest(Value):
    """One request for the eligible claims of one debtor's account (CPC 1407: the amount with the
    breakdown of each claim), built from each case's own filing request."""

    account_id: str
    # The dossier's key in its account, ``<slot>-judicial_filing``: its folder's name with the account's.
    dossier_key: str
    # ``law.judicial.combined_decision`` of the claims: the route on their combined principal and
    # interest (CPCE L125-1).
    decision: JudicialDecision
    claims: list[FilingRequest]
    # The request's date, printed on it: never the clock.
    filed_on: date

    @property
    def creditor(self) -> CreditorInfo:
        return self.claims[0].creditor

    @property
    def debtor(self) -> DebtorInfo:
        return self.claims[0].debtor

    @property
    def route(self) -> JudicialRoute:
        return route_of(self.decision)

    @model_validator(mode="after")
    def _filable(self) -> GroupedFilingRequest:
        if len(self.claims) < 2:
            raise ValueError("a grouped request covers two claims or more")
        if not self.decision.eligible or self.decision.route is None:
            raise ValueError(f"the claims may not go to court: {'; '.join(self.decision.refusals)}")
        if len({(claim.creditor.siren, claim.debtor.natural_key) for claim in self.claims}) != 1:
            raise ValueError("the claims of one request are of one creditor against one debtor")
        # Each case claimed once (its history is its own file of the dossier), in one currency summed.
        if len({claim.case_id for claim in self.claims}) != len(self.claims):
            raise ValueError("a case is claimed once in a request")
        if len({claim.invoice.currency for claim in self.claims}) != 1:
            raise ValueError("the claims of one request are in one currency")
        total = sum((claim.decision.claim_amount for claim in self.claims), Decimal("0.00"))
        if total != self.decision.claim_amount:
            claimed = self.decision.claim_amount
            raise ValueError(f"the claims ({total}) differ from the decision's ({claimed})")
        return self


class GroupedFiling(Value):
    """A dossier the account filed for several invoices, as each case journals it."""

    dossier_key: str
    dossier: FilingDossierRef
    delivery: BailiffDeliveryReceipt
    decision: JudicialDecision
    approved_by: str
    filed_at: datetime
    invoice_numbers: list[str]
    case_ids: list[str]
