"""What a case says of itself: its status query, and what an agent gets back from a command."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from law.penalties import InterestStart
from models.commands import CostBearer
from models.enums import CaseState, InsolvencyKind, Stage
from models.frozen import Value


class Promise(Value):
    amount: Decimal
    by: date
    recorded_by: str
    # What the debtor had paid when promising: the promise is kept once this grows by ``amount``.
    paid_before: Decimal


class CostLine(Value):
    amount: Decimal
    borne_by: CostBearer
    reported_on: date
    note: str = ""


class ActionRecord(Value):
    at: datetime
    kind: str
    actor: str
    detail: str
    step_key: str | None = None
    stage: Stage | None = None
    document_sha256: str | None = None


class PaymentLine(Value):
    amount: Decimal
    paid_on: date
    recorded_by: str
    reference: str = ""
    # The id of the update that recorded it: an account's part sent again under it is not recorded twice.
    key: str = ""


class InsolvencyStatus(Value):
    """The collective proceedings against the debtor, as agents recorded them, and the declaration
    of the claim (Code de commerce L622-24)."""

    kind: InsolvencyKind
    opened_on: date
    court: str
    recorded_by: str
    bodacc_published_on: date | None = None
    mandataire: str = ""
    # The last day to declare (R622-24), once the BODACC publication is known.
    deadline: date | None = None
    # The declaration drawn last, its file and SHA-256 (None while none could be drawn).
    declaration_path: str | None = None
    declaration_sha256: str | None = None
    # The agents were reminded that the deadline nears; the declaration sent, and its reference.
    reminded: bool = False
    declaration_sent_on: date | None = None
    declaration_reference: str = ""


class CaseStatus(Value):
    case_id: str
    invoice_number: str
    creditor_name: str
    debtor_name: str
    state: CaseState
    stage: Stage | None
    balance: Decimal
    currency: str
    paused: bool
    pause_reason: str | None = None
    pause_until: datetime | None = None
    next_action: str | None = None
    next_action_at: datetime | None = None
    actions: list[ActionRecord] = Field(default_factory=list)
    payments: list[PaymentLine] = Field(default_factory=list)
    # What the case waits for from a person, if anything (an approval, a proof).
    waiting_for: str | None = None
    dispute_reason: str | None = None
    promise: Promise | None = None
    # Sums the commissaire de justice recovered, and the costs reported with who bears them.
    recovered: Decimal = Decimal("0.00")
    costs: list[CostLine] = Field(default_factory=list)
    # The last day a court claim can be brought (prescription), once the case knows it.
    prescription_ends_on: date | None = None
    # What an agent's work queue needs to know (backoffice/work_queue.py).
    # Paused by the case itself, for an agent to look (not by an agent who knows why).
    held_by_case: bool = False
    approval_pending: bool = False
    filing_requested_by: str | None = None
    prescription_warned: bool = False
    # Collective proceedings against the debtor, once an agent recorded the opening judgment.
    insolvency: InsolvencyStatus | None = None
    # Where a consumer's interest runs from (the formal notice's receipt), once the case knows it.
    interest_start: InterestStart | None = None


class CommandResult(Value):
    """What an agent gets back once a command is accepted."""

    message: str
    status: CaseStatus
