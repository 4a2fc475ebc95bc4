"""The agents' commands, as the workflow's updates receive them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import model_validator

from models.enums import Stage
from models.frozen import Value
from support.units import CENT


class PauseRequest(Value):
    reason: str
    until: datetime | None = None
    agent: str = "agent"


class ResumeRequest(Value):
    agent: str = "agent"


class EscalateRequest(Value):
    to_stage: Stage | None = None
    agent: str = "agent"


class PaymentRequest(Value):
    amount: Decimal
    paid_on: date
    agent: str = "agent"
    reference: str = ""


class FilingDecision(Value):
    """An agent's approval or rejection of a judicial filing (four-eyes rule)."""

    approve: bool
    agent: str
    reason: str = ""


class PromiseRequest(Value):
    """The debtor promises to pay ``amount`` by ``by``: the ladder waits until then; a broken
    promise resumes it at the next stage at once."""

    amount: Decimal
    by: date
    agent: str = "agent"


class DisputeRequest(Value):
    """Open or close a dispute: while one is open the ladder holds and no filing goes to court."""

    open: bool
    reason: str
    agent: str = "agent"


class BailiffReportKind(StrEnum):
    """What the commissaire de justice reports on a dossier handed to them."""

    ACCEPTED = "accepted"
    # Money recovered from the debtor (lowers the balance), with the costs of the acts, if any.
    RECOVERED = "recovered"
    # Nothing more can be recovered (debtor insolvent, not found…): the case closes.
    FAILED = "failed"
    # The commissaire closes the file: the case closes, paid or with what is left.
    CLOSED = "closed"


class CostBearer(StrEnum):
    """Who bears a cost the commissaire de justice reports."""

    # Enforcement under an enforceable title: the debtor's (CPCE L111-8, first paragraph), like the
    # proportional fee charged to the debtor (Code de commerce A444-31).
    DEBTOR = "debtor"
    # Amicable collection and the small-claims procedure: the creditor's (CPCE L111-8, R125-1 and
    # following), like the proportional fee charged to the creditor (Code de commerce A444-32).
    CREDITOR = "creditor"


class BailiffReport(Value):
    """A status update from the commissaire de justice, entered by an agent or a webhook."""

    kind: BailiffReportKind
    # The sum the commissaire recovered and will pay over (``recovered`` only).
    amount: Decimal = Decimal("0.00")
    received_on: date | None = None
    # The costs of the acts reported, and who bears them.
    costs: Decimal = Decimal("0.00")
    costs_borne_by: CostBearer | None = None
    note: str = ""
    agent: str = "agent"

    @model_validator(mode="after")
    def _consistent(self) -> BailiffReport:
        for name in ("amount", "costs"):
            value = getattr(self, name)
            if value < 0 or value != value.quantize(CENT):
                raise ValueError(f"{name} {value} is not an amount in euros and cents")
        if self.kind is BailiffReportKind.RECOVERED and self.amount == 0:
            raise ValueError("a recovery report needs the amount recovered")
        if self.kind is not BailiffReportKind.RECOVERED and self.amount:
            raise ValueError(f"only a recovery report carries an amount, not {self.kind.value!r}")
        if self.costs and self.costs_borne_by is None:
            raise ValueError("say who bears the costs: debtor (enforcement) or creditor")
        return self
