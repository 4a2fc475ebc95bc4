"""The late-payment penalties of a case (part of ``InvoiceCollectionWorkflow``): computed as at the
letter's date by an activity, and the statement joined to a penalty claim."""

from __future__ import annotations

from datetime import date
from pathlib import PurePath

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.penalties import PenaltyActivities
    from law.penalties import InterestStart, PenaltyPayment, PenaltyRequest, PenaltyStatement
    from law.penalty_claims import penalty_request
    from models.documents import DocumentRef
    from models.enums import DebtorKind, Stage
    from models.penalties import PenaltyComputation, StatementRequest
    from models.policy import PolicyStep
    from models.wording import step_fr

from workflows.common import DOCUMENT_ACTIVITY, SYSTEM_ACTOR
from workflows.patches import CONSUMER_INTEREST_FROM_RECEIPT

# Why a consumer's letter claims no amount of interest yet (the agent reads it in the journal).
CONSUMER_INTEREST_UNPROVEN = (
    "intérêts non chiffrés : la réception de la mise en demeure n'est pas établie ; un consommateur "
    "les doit à compter de sa réception ou, si elle est refusée ou non réclamée, de sa première "
    "présentation (articles 1231-6 et 1344-1 du Code civil)"
)
# The stages whose letter goes without the penalties' amounts while a rate is not published.
AMOUNTS_OPTIONAL = (Stage.FORMAL_NOTICE, Stage.AMICABLE_REMINDER)


class PenaltySteps:
    """Mixed into the case workflow: uses its case, its payments and its journal (``_journal``)."""

    def _penalty_request(self, until: date) -> PenaltyRequest | None:
        """What the penalties are computed on, or None while nothing can be late yet."""
        invoice = self._case.invoice
        kind = self._case.debtor.kind
        return penalty_request(
            principal=invoice.balance,
            due_date=invoice.due_date,
            until=until,
            debtor_kind=kind,
            contract_rate_percent=invoice.contract_rate_percent,
            interest_start=self._consumer_interest_start() if kind == DebtorKind.CONSUMER else None,
            payments=(PenaltyPayment(paid_on=p.paid_on, amount=p.amount) for p in self._payments),
        )

    def _consumer_interest_start(self) -> InterestStart | None:
        """Where a consumer's interest runs from: the formal notice's receipt, or its first
        presentation when it was refused or not claimed, as courts count it (Code civil 1231-6,
        1344-1). Until the notice's outcome is known none is claimed: counted from its sending, it
        would claim days the consumer may not owe. Cases started before count from the notice's date."""
        if self._notice_date is None:
            return None
        if not workflow.patched(CONSUMER_INTEREST_FROM_RECEIPT):
            return InterestStart(on=self._notice_date)
        return self._interest_start

    def _consumer_interest_unproven(self) -> bool:
        """A consumer's notice sent, but what became of it not known: no day to count interest from."""
        consumer = self._case.debtor.kind == DebtorKind.CONSUMER
        return consumer and self._notice_date is not None and self._consumer_interest_start() is None

    async def _penalties_so_far(self, step: PolicyStep) -> PenaltyStatement | None:
        """The penalties as at today, drawn no further than the published rates.

        A formal notice without amounts is still a formal notice, and a reminder (an agency's first
        letter) still a reminder: there a rate not yet published leaves the amounts out. A penalty
        claim without them has no object: its failure holds the case for an agent, who completes the
        rate tables.
        """
        request = self._penalty_request(self._case.policy.local_date(workflow.now()))
        if request is None:
            if step.stage != Stage.JUDICIAL_FILING and self._consumer_interest_unproven():
                detail = f"{step_fr(step.key)} : {CONSUMER_INTEREST_UNPROVEN}"
                await self._journal("penalties_not_stated", actor=SYSTEM_ACTOR, detail=detail)
            return None
        try:
            return await workflow.execute_activity_method(
                PenaltyActivities.compute_penalties,
                PenaltyComputation(case_id=self._case.case_id, request=request, stop_at_known_rates=True),
                **DOCUMENT_ACTIVITY,
            )
        except ActivityError as error:
            cause = error.cause
            if step.stage in AMOUNTS_OPTIONAL and isinstance(cause, ApplicationError):
                if cause.type == "RateNotKnown":
                    detail = f"{step_fr(step.key)} : {cause.message}"
                    await self._journal("penalties_not_stated", actor=SYSTEM_ACTOR, detail=detail)
                    return None
            raise

    async def _penalty_statement(self, step: PolicyStep, penalties: PenaltyStatement) -> DocumentRef:
        """The statement ("justificatif de calcul") joined to the claim, and its ledger lines."""
        case = self._case
        files = await workflow.execute_activity_method(
            PenaltyActivities.render_penalty_statement,
            StatementRequest(
                case_id=case.case_id,
                step_key=step.key,
                creditor_name=case.creditor.name,
                creditor_siren=case.creditor.siren,
                debtor_name=case.debtor.name,
                debtor_kind=case.debtor.kind,
                debtor_siren=case.debtor.siren,
                debtor_address=case.debtor.address,
                invoice_number=case.invoice.number,
                issue_date=case.invoice.issue_date,
                due_date=case.invoice.due_date,
                principal=case.invoice.balance,
                invoice_amount=case.invoice.amount_due,
                currency=case.invoice.currency,
                statement=penalties,
                drawn_on=case.policy.local_date(workflow.now()),
            ),
            **DOCUMENT_ACTIVITY,
        )
        await self._journal(
            "penalty_statement_drawn",
            actor=SYSTEM_ACTOR,
            detail=f"{step_fr(step.key)} : justificatif {PurePath(files.statement.path).name}, lignes de "
            f"calcul {PurePath(files.ledger.path).name} (SHA-256 des lignes {files.ledger.sha256})",
            document_sha256=files.statement.sha256,
        )
        return files.statement
