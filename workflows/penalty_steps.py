"""The late-payment penalties of a case (part of ``InvoiceCollectionWorkflow``): computed as at the
letter's date by an activity, and the statement joined to a penalty claim."""

from __future__ import annotations

from datetime import date

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.penalties import PenaltyActivities
    from law.penalties import PenaltyPayment, PenaltyRequest, PenaltyStatement
    from models.documents import DocumentRef
    from models.enums import DebtorKind, Stage
    from models.penalties import PenaltyComputation, StatementRequest
    from models.policy import PolicyStep

from workflows.common import DOCUMENT_ACTIVITY, SYSTEM_ACTOR


class PenaltySteps:
    """Mixed into the case workflow: uses its case, its payments and its journal (``_journal``)."""

    def _penalty_request(self, until: date) -> PenaltyRequest | None:
        """What the penalties are computed on, or None while nothing can be late yet."""
        invoice = self._case.invoice
        consumer = self._case.debtor.kind == DebtorKind.CONSUMER
        # A consumer owes interest from the formal notice only (Code civil 1231-6); a business from
        # the day after the due date, without any reminder (Code de commerce L441-10).
        start = self._notice_date if consumer else invoice.due_date
        if start is None or until <= start or until <= invoice.due_date:
            return None
        if consumer and start < invoice.due_date:
            return None
        return PenaltyRequest(
            principal=invoice.balance,
            due_date=invoice.due_date,
            until=until,
            debtor_kind=self._case.debtor.kind,
            contract_rate_percent=invoice.contract_rate_percent if not consumer else None,
            notice_date=self._notice_date if consumer else None,
            payments=tuple(PenaltyPayment(paid_on=p.paid_on, amount=p.amount) for p in self._payments),
        )

    async def _penalties_so_far(self, step: PolicyStep) -> PenaltyStatement | None:
        """The penalties as at today, drawn no further than the published rates.

        A formal notice without amounts is still a formal notice: there a rate not yet published
        leaves the amounts out. A penalty claim without them has no object: its failure holds the
        case for an agent, who completes the rate tables.
        """
        request = self._penalty_request(self._case.policy.local_date(workflow.now()))
        if request is None:
            return None
        try:
            return await workflow.execute_activity_method(
                PenaltyActivities.compute_penalties,
                PenaltyComputation(case_id=self._case.case_id, request=request, stop_at_known_rates=True),
                **DOCUMENT_ACTIVITY,
            )
        except ActivityError as error:
            cause = error.cause
            if step.stage == Stage.FORMAL_NOTICE and isinstance(cause, ApplicationError):
                if cause.type == "RateNotKnown":
                    await self._journal(
                        "penalties_not_stated", actor=SYSTEM_ACTOR, detail=f"{step.key}: {cause.message}"
                    )
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
            detail=f"{step.key}: statement {files.statement.path}, ledger lines {files.ledger.path} "
            f"(ledger sha256 {files.ledger.sha256})",
            document_sha256=files.statement.sha256,
        )
        return files.statement
