"""One filing per debtor (part of ``DebtorAccountWorkflow``): the claims of the debtor's invoices
whose judicial step falls in one send slot go to court in one dossier.

Each case decides its own eligibility (an invoice with no order, an open dispute or a prescribed
claim stays out, and says why) and asks its account with the filing request it would make alone.
Claims of one slot form one dossier: its route is decided on their combined principal and interest
(CPCE L125-1), one of its cases (its lead) obtains the four-eyes approval once for the dossier, and
once approved the account checks that nothing changed (a payment, a dispute, a case closed), files
one request listing each claim (CPC 1407) and delivers it to the commissaire de justice. A dossier
that changed before it was filed is formed again from the claims that remain, and approved again.
A claim alone in its slot is filed by its case, as it always was.
"""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.debtor_accounts import DebtorAccountActivities
    from activities.legal import LegalActivities
    from law.judicial import combined_decision
    from models.court import BailiffDelivery, FilingRequest, GroupedFiling, GroupedFilingRequest
    from models.debtor_accounts import AccountInvoice, CaseBalances
    from models.grouped_sending import (
        AnswerKind,
        DossierApprovalAsk,
        DossierDecision,
        OpenDossier,
        SendAnswer,
        SendRequest,
    )
    from workflows.common import DOCUMENT_ACTIVITY, HANDOFF_ACTIVITY, LEDGER_ACTIVITY, MAIL_ACTIVITY

CHANGED = "la facture a changé depuis la validation du dossier commun (paiement, litige, pause ou clôture)"


class AccountFiling:
    """Mixed into ``DebtorAccountWorkflow``: uses ``self._account_id``, ``self._pending``,
    ``self._arrivals``, ``self._cases``, ``self._dossiers``, ``self._filings``, ``_answer`` and
    ``_failed``."""

    @workflow.signal
    def dossier_decided(self, decision: DossierDecision) -> None:
        dossier = self._dossiers.get(decision.dossier_key)
        if dossier is not None and dossier.decided is None:
            self._dossiers[decision.dossier_key] = dossier.model_copy(update={"decided": decision})
            self._arrivals += 1

    def _decided_dossier(self) -> OpenDossier | None:
        return next((dossier for dossier in self._dossiers.values() if dossier.decided is not None), None)

    async def _open_dossier(self, key: str, group: list[SendRequest]) -> None:
        """Form the dossier of the slot's claims and ask its lead for the approval."""
        claims = [_claim(request) for request in group]
        rules = await workflow.execute_activity_method(LegalActivities.judicial_rules, **DOCUMENT_ACTIVITY)
        decision = combined_decision(
            [claim.decision for claim in claims],
            principal=sum((claim.principal for claim in claims), Decimal("0.00")),
            interest=sum((claim.interest for claim in claims), Decimal("0.00")),
            rules=rules,
        )
        lead = group[0]
        ids = [request.request_id for request in group]
        self._dossiers[key] = OpenDossier(
            dossier_key=key, requests=group, decision=decision, lead=lead.request_id, formed_with=ids
        )
        ask = DossierApprovalAsk(
            request_id=lead.request_id,
            dossier_key=key,
            decision=decision,
            invoice_numbers=[request.invoice_number for request in group],
        )
        await workflow.get_external_workflow_handle(lead.case_id).signal("approve_dossier", ask)

    def _withdraw_claim(self, request_id: str) -> SendRequest | None:
        """Take a claim out of the dossier it is in (its case escalated or left); the dossier,
        changed, is approved again once its lead has decided."""
        for key, dossier in self._dossiers.items():
            kept = [request for request in dossier.requests if request.request_id != request_id]
            if len(kept) != len(dossier.requests):
                self._dossiers[key] = dossier.model_copy(update={"requests": kept})
                return next(r for r in dossier.requests if r.request_id == request_id)
        return None

    async def _file_decided(self, dossier: OpenDossier) -> None:
        """File the dossier its lead approved, unless something changed; or tell its cases why not."""
        del self._dossiers[dossier.dossier_key]
        decided = dossier.decided
        assert decided is not None
        others = [request for request in dossier.requests if request.request_id != dossier.lead]
        if decided.approve is False:
            reason = f"saisine du dossier commun rejetée par {decided.agent} : {decided.reason}"
            for request in others:
                rejected = SendAnswer(request_id=request.request_id, kind=AnswerKind.REJECTED, reason=reason)
                await self._answer(request, rejected)
            return
        going = dossier.requests if decided.approve else others
        invoices = await workflow.execute_activity_method(
            DebtorAccountActivities.case_balances,
            CaseBalances(cases=[self._cases[request.case_id] for request in going]),
            **LEDGER_ACTIVITY,
        )
        by_case = {invoice.case_id: invoice for invoice in invoices}
        unchanged = [request for request in going if _unchanged(request, by_case.get(request.case_id))]
        for request in going:
            if request not in unchanged:
                await self._answer(
                    request,
                    SendAnswer(request_id=request.request_id, kind=AnswerKind.WITHDRAWN, reason=CHANGED),
                )
        if decided.approve and [r.request_id for r in unchanged] == dossier.formed_with:
            await self._file_dossier(dossier, decided)
            return
        # Formed again from what remains, at once: approved again, or filed alone by its case.
        for request in unchanged:
            self._pending[request.request_id] = request
        self._arrivals += 1

    async def _file_dossier(self, dossier: OpenDossier, decided: DossierDecision) -> None:
        requests = dossier.requests
        first = _claim(requests[0])
        try:
            filed = await workflow.execute_activity_method(
                LegalActivities.prepare_grouped_filing,
                GroupedFilingRequest(
                    account_id=self._account_id,
                    dossier_key=dossier.dossier_key,
                    decision=dossier.decision,
                    claims=[_claim(request) for request in requests],
                    filed_on=requests[0].policy.local_date(workflow.now()),
                ),
                **HANDOFF_ACTIVITY,
            )
            numbers = [request.invoice_number for request in requests]
            delivery = await workflow.execute_activity_method(
                LegalActivities.deliver_to_bailiff,
                BailiffDelivery(
                    case_id=f"{self._account_id}-{dossier.dossier_key}",
                    dossier=filed,
                    creditor_name=first.creditor.name,
                    debtor_name=first.debtor.name,
                    invoice_number=", ".join(numbers),
                    invoice_numbers=numbers,
                ),
                **MAIL_ACTIVITY,
            )
        except ActivityError as error:
            await self._failed(requests, "dossier commun en échec", error)
            return
        filing = GroupedFiling(
            dossier_key=dossier.dossier_key,
            dossier=filed,
            delivery=delivery,
            decision=dossier.decision,
            approved_by=decided.agent,
            filed_at=workflow.now(),
            invoice_numbers=numbers,
            case_ids=[request.case_id for request in requests],
        )
        self._filings.append(filing)
        for request in requests:
            await self._answer(
                request, SendAnswer(request_id=request.request_id, kind=AnswerKind.SENT, filing=filing)
            )


def _claim(request: SendRequest) -> FilingRequest:
    assert request.claim is not None  # a judicial step's request carries its claim
    return request.claim


def _unchanged(request: SendRequest, invoice: AccountInvoice | None) -> bool:
    """Whether the claim still stands as it was approved: the case open, holding nothing, its
    balance the claim's principal."""
    return (
        invoice is not None
        and invoice.takes_payments
        and not invoice.holds
        and invoice.balance == _claim(request).principal
    )
