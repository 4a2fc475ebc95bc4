"""A judicial step filed through the debtor's account (part of ``InvoiceCollectionWorkflow``): the
case, eligible on its own facts, gives its account the filing request it would make alone; the
account files the claims of one slot in one dossier (workflows/account_filing.py). The case asked
to lead the dossier obtains its four-eyes approval, once for all its invoices; every case of the
dossier journals the same dossier and follows the commissaire de justice's reports on its own.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from law.judicial import JudicialDecision
    from law.penalties import PenaltyStatement
    from models.enums import CaseState, Stage
    from models.grouped_sending import AnswerKind, DossierApprovalAsk, DossierDecision
    from models.policy import PolicyStep
    from models.wording import step_fr
    from support.french import count_fr, enumeration_fr

from workflows.common import STEP_EVENT_KIND, SYSTEM_ACTOR
from workflows.court import filed_detail
from workflows.patches import GROUPED_FILING


class CourtThroughAccount:
    """Mixed into the case workflow: uses the court step (``_filing_request``, ``_filing_approved``,
    ``_follow_bailiff``), the account (``_ask_account``) and the case's state and journal."""

    @workflow.signal
    def approve_dossier(self, ask: DossierApprovalAsk) -> None:
        self._dossier_asks[ask.request_id] = ask

    def _files_with_account(self, step: PolicyStep) -> bool:
        """Whether the judicial step goes to court through the debtor's account, with the debtor's
        other claims of its slot, unless the policy files per invoice."""
        case = self._case
        return (
            step.stage == Stage.JUDICIAL_FILING
            and case.account_id is not None
            and case.policy.group_by_debtor
            and workflow.patched(GROUPED_FILING)
        )

    async def _filed_with_account(
        self, step: PolicyStep, decision: JudicialDecision, penalties: PenaltyStatement | None
    ) -> bool:
        """Give the account the case's claim; False when it is alone in its slot (the case files it
        itself), True once the account filed it or its dossier was rejected."""
        claim = await self._filing_request(step, decision, penalties)
        answer = await self._ask_account(step, penalties, [], claim=claim)
        if answer.kind == AnswerKind.ALONE:
            return False
        if answer.kind == AnswerKind.REJECTED:
            await self._close(CaseState.KEPT_AMICABLE, answer.reason)
            return True
        filing = answer.filing
        assert filing is not None
        self._stage = step.stage
        self._last_action_at = filing.filed_at
        if self._insolvency is None:  # proceedings opened meanwhile keep their state
            self._state = CaseState.WITH_BAILIFF
        self._stop_prescription_watch()
        others = [number for number in filing.invoice_numbers if number != self._case.invoice.number]
        with_others = f"{count_fr(len(others), 'autre')} facture{'s' if len(others) > 1 else ''}"
        with_others += f" ({enumeration_fr(others)})"
        await self._journal(
            STEP_EVENT_KIND[step.stage],
            actor=SYSTEM_ACTOR,
            detail=f"{step_fr(step.key)} : dossier commun avec {with_others}, validé par "
            f"{filing.approved_by} : {filed_detail(filing.decision, filing.dossier, filing.delivery)}",
            step_key=step.key,
            document_sha256=filing.dossier.manifest_sha256,
        )
        await self._follow_bailiff()
        return True

    async def _decide_dossier(
        self, step: PolicyStep, account_id: str, ask: DossierApprovalAsk
    ) -> bool | None:
        """As the dossier's lead: wait for a second agent's approval of the whole dossier, and tell
        the account; None when the case left before anyone decided."""
        approved = await self._filing_approved(step, ask.decision, covering=ask.invoice_numbers)
        decision = self._filing_decision
        approve = approved if decision is not None else None
        await workflow.get_external_workflow_handle(account_id).signal(
            "dossier_decided",
            DossierDecision(
                dossier_key=ask.dossier_key,
                approve=approve,
                agent=decision.agent if decision else "",
                reason=decision.reason if decision else "",
            ),
        )
        return approve
