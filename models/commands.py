"""The agents' commands, as the workflow's updates receive them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import model_validator

from models.bounds import Amount, Day, NameLine, Note, PositiveAmount, ShortLine
from models.enums import InsolvencyKind, Stage
from models.frozen import Value


class Command(Value):
    """Who gives a command. The back office fills both from the signed-in user
    (``backoffice.commands.send_command``): the journal keeps the username, the four-eyes rule
    compares the ids. Histories recorded before ``agent_id`` existed carry none."""

    agent: ShortLine = "agent"
    agent_id: int | None = None


class PauseRequest(Command):
    reason: Note
    until: datetime | None = None


class ResumeRequest(Command):
    """Resume a paused case: nothing but who resumes it."""


class EscalateRequest(Command):
    to_stage: Stage | None = None


class PaymentRequest(Command):
    amount: PositiveAmount
    paid_on: Day
    reference: ShortLine = ""


class FilingDecision(Command):
    """An agent's approval or rejection of a judicial filing (four-eyes rule)."""

    approve: bool
    reason: Note = ""


class PromiseRequest(Command):
    """The debtor promises to pay ``amount`` by ``by``: the ladder waits until then; a broken
    promise resumes it at the next stage at once."""

    amount: PositiveAmount
    by: Day


class DisputeRequest(Command):
    """Open or close a dispute: while one is open the ladder holds and no filing goes to court."""

    open: bool
    reason: Note


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


class BailiffReport(Command):
    """A status update from the commissaire de justice, entered by an agent or a webhook."""

    kind: BailiffReportKind
    # The sum the commissaire recovered and will pay over (``recovered`` only).
    amount: Amount = Decimal("0.00")
    received_on: Day | None = None
    # The costs of the acts reported, and who bears them.
    costs: Amount = Decimal("0.00")
    costs_borne_by: CostBearer | None = None
    note: Note = ""

    @model_validator(mode="after")
    def _consistent(self) -> BailiffReport:
        if self.kind is BailiffReportKind.RECOVERED and self.amount == 0:
            raise ValueError("a recovery report needs the amount recovered")
        if self.kind is not BailiffReportKind.RECOVERED and self.amount:
            raise ValueError(f"only a recovery report carries an amount, not {self.kind.value!r}")
        if self.costs and self.costs_borne_by is None:
            raise ValueError("say who bears the costs: debtor (enforcement) or creditor")
        return self


class InsolvencyDeclared(Command):
    """The debtor is under collective proceedings: the opening judgment stops the ladder at once
    (Code de commerce L622-21) and the case draws the declaration of its claim. Given again, it
    completes or corrects what was known (the BODACC publication, the mandataire)."""

    opened_on: Day
    kind: InsolvencyKind
    # The court that opened the proceedings, as the judgment names it.
    court: NameLine
    # The judgment's publication in the BODACC, from which the two months to declare run (R622-24);
    # unknown at first, given later.
    bodacc_published_on: Day | None = None
    # The mandataire judiciaire (the liquidateur in a liquidation): name and address, one per line.
    mandataire: Note = ""

    @model_validator(mode="after")
    def _consistent(self) -> InsolvencyDeclared:
        if not self.court.strip():
            raise ValueError("le tribunal qui a ouvert la procédure est requis")
        published = self.bodacc_published_on
        if published is not None and published < self.opened_on:
            raise ValueError(
                f"la publication au BODACC du {published:%d/%m/%Y} précède le jugement "
                f"du {self.opened_on:%d/%m/%Y}"
            )
        return self


class ClaimDeclarationSent(Command):
    """The declaration of claim went to the mandataire (or the liquidateur): the reminder ends."""

    sent_on: Day
    # The registered letter's number, or the reference of the online filing.
    reference: ShortLine = ""
