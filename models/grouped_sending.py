"""Grouped sending: a case's step asked of its debtor's account, the letter the account writes for
every step of one send slot, and the account's answer to each case (``workflows/debtor_account.py``).

Each invoice keeps its own timeline: the case decides when its step falls due, computes its own
penalties and renders its own enclosures; the account only gathers the steps of one slot and sends
one communication per channel for them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from law.judicial import JudicialDecision
from models.court import FilingRequest, GroupedFiling
from models.documents import DocumentRef, LetterContext
from models.enums import Channel, LabelColour, Stage
from models.frozen import Value
from models.mail import RegisteredLetterReceipt
from models.policy import EscalationPolicy, PolicyStep


class SendRequest(Value):
    """One case's step that fell due, asked of its account (signal ``send_step``, with start)."""

    account_id: str
    # Unique per asking: the case id, its run and its count of askings (a step asked again after an
    # agent resumed the case is a new request).
    request_id: str
    case_id: str
    invoice_number: str
    due_date: date
    step: PolicyStep
    # When the step fell due on the case's own timeline: its send slot follows from it.
    planned_at: datetime
    # Asked now (an agent's escalation, a broken promise): its slot is the moment it was asked.
    at_once: bool = False
    # The letter as the case would write it alone (its balance, penalties, previous letters).
    context: LetterContext
    # What the case joins to its step: the labelled invoice and attestation with a reminder, the
    # penalty statement with a penalty claim.
    enclosures: list[DocumentRef] = Field(default_factory=list)
    policy: EscalationPolicy
    # A judicial step's claim: the filing request the case would make alone.
    claim: FilingRequest | None = None

    @property
    def slot(self) -> datetime:
        return self.planned_at if self.at_once else self.policy.send_slot(self.planned_at)


class OverdueInvoice(Value):
    """Another overdue invoice of the debtor, listed for information in a grouped letter."""

    invoice_number: str
    due_date: date
    days_late: int
    balance: Decimal
    currency: str = "EUR"


class GroupedLetterContext(Value):
    """What a grouped letter's templates see: one letter context per invoice whose step is in it,
    in due-date order, and the debtor's other overdue invoices."""

    account_id: str
    # The communication's key, ``<slot>-<stage>``: its letter's file name and its label code's.
    communication_key: str
    stage: Stage
    letter_date: date
    letters: list[LetterContext]
    others: list[OverdueInvoice] = Field(default_factory=list)


class GroupedLetterRequest(Value):
    # ``grouped_reminder``, ``grouped_formal_notice`` or ``grouped_penalty_claim``.
    template: str
    context: GroupedLetterContext


class CombineRequest(Value):
    """PDFs made one, in order: each invoice's penalty statement as a section of one statement."""

    account_id: str
    name: str
    documents: list[DocumentRef]


class AccountStatementRequest(Value):
    """The statement of account as at ``drawn_on``, joined to a grouped letter: every invoice of
    the account the invoices table holds (by ``case_ids``' creditor and debtor)."""

    account_id: str
    case_ids: list[str]
    drawn_on: date
    # The grouped letter it goes with: each letter keeps the statement it carried.
    communication_key: str = ""


class AnswerKind(StrEnum):
    # Sent in a grouped communication: ``sending`` says what.
    SENT = "sent"
    # Alone in its slot: the case sends its step itself, as it always did.
    ALONE = "alone"
    # The case no longer takes it (closed, paused, disputed since): its step waits again.
    WITHDRAWN = "withdrawn"
    # The grouped sending failed for good: the case waits for an agent, like a step that failed.
    FAILED = "failed"
    # The dossier the claim was in was rejected by the agent asked to approve it.
    REJECTED = "rejected"


class GroupedSending(Value):
    """One communication the account sent for several invoices."""

    communication_key: str
    stage: Stage
    channel: Channel
    label: LabelColour
    document: DocumentRef
    enclosures: list[DocumentRef] = Field(default_factory=list)
    receipt: RegisteredLetterReceipt | None = None
    sent_at: datetime
    invoice_numbers: list[str]
    case_ids: list[str]


class SendAnswer(Value):
    """The account's answer to one request (signal ``account_answer`` to the case)."""

    request_id: str
    kind: AnswerKind
    sending: GroupedSending | None = None
    # Why it was withdrawn or failed, in French.
    reason: str = ""
    # An amicable step covered by a grouped formal notice (``formal_notice_covers = "all_overdue"``).
    as_stage: Stage | None = None
    # The dossier filed with the claim of a judicial step.
    filing: GroupedFiling | None = None


class DossierApprovalAsk(Value):
    """The account asks one case of a dossier (its lead) to obtain the four-eyes approval, once for
    the dossier (signal ``approve_dossier`` to the case)."""

    request_id: str
    dossier_key: str
    decision: JudicialDecision
    invoice_numbers: list[str]


class DossierDecision(Value):
    """The lead case's answer (signal ``dossier_decided`` to the account): approved, rejected, or
    None when the case left before anyone decided (paid, closed, collective proceedings)."""

    dossier_key: str
    approve: bool | None
    agent: str = ""
    reason: str = ""


class OpenDossier(Value):
    """A dossier the account formed at a slot, waiting for its lead's approval."""

    dossier_key: str
    requests: list[SendRequest]
    decision: JudicialDecision
    lead: str
    # The requests it was formed with: one withdrawn since changes the dossier, approved again.
    formed_with: list[str]
    decided: DossierDecision | None = None
