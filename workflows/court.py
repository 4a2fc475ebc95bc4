"""The judicial step (part of ``InvoiceCollectionWorkflow``): the decision by the rules of
``config/judicial.toml`` with each refusal explained, the four-eyes approval, the filing dossier,
its delivery to the commissaire de justice and the wait for their reports; and the warning ahead
of prescription, from the day the case opens."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Literal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.legal import LegalActivities
    from law.judicial import JudicialDecision, JudicialFacts, judicial_decision, prescription
    from law.penalties import PenaltyStatement
    from models.court import (
        BailiffDelivery,
        BailiffDeliveryReceipt,
        Exhibit,
        FilingDossierRef,
        FilingRequest,
        HistoryExportRequest,
        InvoiceDocumentRequest,
    )
    from models.enums import CaseState
    from models.policy import PolicyStep
    from models.wording import COURTS, ROUTES, step_fr
    from support.french import date_fr, de_fr, enumeration_fr, money_fr, words_fr

from workflows.common import DOCUMENT_ACTIVITY, HANDOFF_ACTIVITY, MAIL_ACTIVITY, STEP_EVENT_KIND, SYSTEM_ACTOR
from workflows.patches import ORDER_DOCUMENT, ROUTE_ON_PUBLISHED_RATES


class CourtProceedings:
    """Mixed into the case workflow: uses its state, its journal (``_journal``), ``_close`` and
    the penalties it computes (``_penalties_so_far``, ``_penalty_statement``)."""

    async def _filing_approved(
        self, step: PolicyStep, decision: JudicialDecision | None = None, covering: list[str] | None = None
    ) -> bool:
        """Wait for a second agent to approve the filing (of the debtor's dossier ``covering``
        several invoices, once for all); remind, then ask a supervisor, if nobody does."""
        requested_by = self._filing_requested_by
        self._approval_pending, self._filing_decision = True, None
        route = ""
        if decision is not None:
            route = (
                f" ({ROUTES[decision.route]} devant le {COURTS[decision.court]}, créance de "
                f"{money_fr(decision.claim_amount, self._case.invoice.currency)})"
            )
        if covering:
            route += f" du dossier commun des factures n° {enumeration_fr(covering)}"
        await self._journal(
            "filing_approval_requested",
            actor=requested_by,
            detail=f"{step_fr(step.key)} : la saisine judiciaire{route}, demandée par {requested_by}, "
            "attend la validation d'un autre agent",
        )
        timeout = self._case.policy.approval_timeout
        for overdue, why in (
            ("approval_reminder", "pas encore de décision sur la saisine : les agents sont relancés"),
            ("approval_to_supervisor", "toujours pas de décision sur la saisine : appel à un superviseur"),
            (None, ""),
        ):
            try:
                # Collective proceedings opened meanwhile: no filing can follow (L622-21).
                await workflow.wait_condition(
                    lambda: (
                        self._filing_decision is not None
                        or self._state.is_closed
                        or self._insolvency is not None
                    ),
                    timeout=timeout if overdue else None,
                )
                break
            except TimeoutError:
                assert overdue is not None
                self._supervisor_asked = overdue == "approval_to_supervisor"
                await self._journal(overdue, actor=SYSTEM_ACTOR, detail=f"{step_fr(step.key)} : {why}")
        self._approval_pending = False
        decision = self._filing_decision
        if self._state.is_closed or decision is None:
            return False
        if not decision.approve:
            await self._close(
                CaseState.KEPT_AMICABLE, f"saisine rejetée par {decision.agent} : {decision.reason}"
            )
            return False
        return True

    async def _go_to_court(self, step: PolicyStep) -> None:
        """Decide by the rules; if the case may go to court, file once a second agent approves,
        hand the dossier to the commissaire de justice and follow their reports; none of it once
        collective proceedings opened against the debtor (Code de commerce L622-21)."""
        decision, penalties = await self._judicial_decision(step)
        if self._insolvency is not None:
            return
        if not decision.eligible:
            await self._not_to_court(step, decision)
            return
        if await self._route_waits_for_rates(step, decision, penalties):
            return
        if self._files_with_account(step) and await self._filed_with_account(step, decision, penalties):
            return
        if not await self._filing_approved(step, decision):
            return
        # Payments, a dispute or the days passed while the approval was awaited: decide again.
        decision, penalties = await self._judicial_decision(step)
        if self._insolvency is not None:
            return
        if not decision.eligible:
            await self._not_to_court(step, decision)
            return
        if await self._route_waits_for_rates(step, decision, penalties):
            return
        self._stage = step.stage
        dossier, delivered = await self._file(step, decision, penalties)
        self._last_action_at = workflow.now()
        if self._insolvency is None:  # proceedings opened while it was filed keep their state
            self._state = CaseState.WITH_BAILIFF
        self._stop_prescription_watch()
        await self._journal(
            STEP_EVENT_KIND[step.stage],
            actor=SYSTEM_ACTOR,
            detail=f"{step_fr(step.key)} : {filed_detail(decision, dossier, delivered)}",
            step_key=step.key,
            document_sha256=dossier.manifest_sha256,
        )
        await self._follow_bailiff()

    async def _judicial_decision(self, step: PolicyStep) -> tuple[JudicialDecision, PenaltyStatement | None]:
        case = self._case
        rules = await workflow.execute_activity_method(LegalActivities.judicial_rules, **DOCUMENT_ACTIVITY)
        penalties = await self._penalties_so_far(step)
        # Histories from before the order's document was kept replay as they ran: its reference sufficed.
        order_documents = workflow.patched(ORDER_DOCUMENT)
        facts = JudicialFacts(
            debtor_kind=case.debtor.kind,
            creditor_siren=case.creditor.siren,
            debtor_siren=case.debtor.siren,
            order_reference=case.invoice.order_reference,
            order_on_file=bool(case.invoice.order_pdf_path),
            order_may_follow=case.policy.file_without_order_document or not order_documents,
            notice_received_on=self._notice_received_on,
            dispute_open=self._dispute_reason is not None,
            due_date=case.invoice.due_date,
            principal=self._balance,
            interest=penalties.interest if penalties else Decimal("0.00"),
            indemnity=penalties.indemnity if penalties else Decimal("0.00"),
            invoice_on_file=bool(case.invoice.pdf_path),
            today=case.policy.local_date(workflow.now()),
        )
        return judicial_decision(facts, rules), penalties

    async def _route_waits_for_rates(
        self, step: PolicyStep, decision: JudicialDecision, penalties: PenaltyStatement | None
    ) -> bool:
        """Whether the route must wait for the rates of today, holding the case for an agent.

        The small-claims ceiling counts principal and interest (CPCE L125-1): interest drawn only to
        the end of the published rates may keep under it a claim that is over it today. A principal
        above the ceiling goes to the injonction de payer whatever the interest, so only a small
        claim waits. Once the rates are completed, the agent resumes and the step decides again.
        """
        if penalties is None or not penalties.rates_pending or decision.route != "small_claims":
            return False
        if not workflow.patched(ROUTE_ON_PUBLISHED_RATES):
            return False
        self._next_index, self._step_put_back = self._case.policy.steps.index(step), True
        await self._hold(
            "route_waits_for_rates",
            f"{step_fr(step.key)} : taux du semestre non publiés : la voie (petites créances ou "
            "injonction de payer) se décide sur les intérêts à ce jour ; complétez les tables de taux "
            "(relance rates check), puis reprenez le dossier",
        )
        return True

    async def _not_to_court(self, step: PolicyStep, decision: JudicialDecision) -> None:
        reasons = " ; ".join(decision.refusals)
        if self._dispute_reason is not None and len(decision.refusals) == 1:
            # Only the dispute stands in the way: the step runs again once it is settled.
            self._next_index, self._step_put_back = self._case.policy.steps.index(step), True
            detail = f"{step_fr(step.key)} : {reasons}"
            await self._journal("filing_deferred", actor=SYSTEM_ACTOR, detail=detail)
            return
        await self._close(CaseState.KEPT_AMICABLE, f"pas de saisine judiciaire : {reasons}")

    async def _file(
        self, step: PolicyStep, decision: JudicialDecision, penalties: PenaltyStatement | None
    ) -> tuple[FilingDossierRef, BailiffDeliveryReceipt]:
        """Build the filing dossier and deliver it to the commissaire de justice."""
        case = self._case
        dossier = await workflow.execute_activity_method(
            LegalActivities.prepare_filing,
            await self._filing_request(step, decision, penalties),
            **HANDOFF_ACTIVITY,
        )
        delivery = await workflow.execute_activity_method(
            LegalActivities.deliver_to_bailiff,
            BailiffDelivery(
                case_id=case.case_id,
                dossier=dossier,
                creditor_name=case.creditor.name,
                debtor_name=case.debtor.name,
                invoice_number=case.invoice.number,
            ),
            **MAIL_ACTIVITY,
        )
        return dossier, delivery

    async def _filing_request(
        self, step: PolicyStep, decision: JudicialDecision, penalties: PenaltyStatement | None
    ) -> FilingRequest:
        """The case's claim as a filing request: its exhibits, its penalty statement and its history."""
        case = self._case
        today = case.policy.local_date(workflow.now())
        exhibits = list(self._exhibits)
        invoice = case.invoice
        if invoice.pdf_path:
            exhibits.append(await self._kept_exhibit("invoice", invoice.pdf_path, invoice.issue_date))
        if invoice.order_pdf_path and workflow.patched(ORDER_DOCUMENT):
            # The order's date is on it, not in the invoice file.
            exhibits.append(await self._kept_exhibit("order", invoice.order_pdf_path, None))
        if penalties is not None:
            statement = await self._penalty_statement(step, penalties)
            exhibits.append(Exhibit(kind="penalty_statement", document=statement, dated=today))
        history = await workflow.execute_activity_method(
            LegalActivities.export_history,
            HistoryExportRequest(case_id=case.case_id, step_key=step.key),
            **DOCUMENT_ACTIVITY,
        )
        assert self._notice_received_on is not None  # the decision required it
        return FilingRequest(
            case_id=case.case_id,
            creditor=case.creditor,
            debtor=case.debtor,
            invoice=case.invoice,
            decision=decision,
            principal=self._balance,
            penalties=penalties,
            notice_received_on=self._notice_received_on,
            exhibits=exhibits,
            history=history,
            filed_on=today,
            # The request says the debtor never disputed the claim only when it is true.
            disputed=any(action.kind == "dispute_opened" for action in self._actions),
        )

    async def _kept_exhibit(
        self, kind: Literal["invoice", "order"], path: str, dated: date | None
    ) -> Exhibit:
        """The invoice's PDF, or its signed quote or order's, as the case keeps it: an exhibit."""
        document = await workflow.execute_activity_method(
            LegalActivities.invoice_document,
            InvoiceDocumentRequest(case_id=self._case.case_id, path=path, kind=kind),
            **DOCUMENT_ACTIVITY,
        )
        return Exhibit(kind=kind, document=document, dated=dated)

    async def _follow_bailiff(self) -> None:
        """Wait for the commissaire de justice's reports until the case closes; remind when silent."""
        wait = self._case.policy.bailiff_report_wait
        # Until the case closes, or collective proceedings stop the commissaire's acts (L622-21).
        while self._state == CaseState.WITH_BAILIFF:
            revision = self._revision
            try:
                await workflow.wait_condition(lambda r=revision: self._revision != r, timeout=wait)
            except TimeoutError:
                await self._journal(
                    "bailiff_no_news",
                    actor=SYSTEM_ACTOR,
                    detail=f"aucun compte rendu du commissaire de justice depuis {words_fr(wait.days)} "
                    "jours : demandez-lui où en est le dossier",
                )

    # --- prescription --------------------------------------------------------------------------

    async def _watch_prescription(self) -> None:
        """Warn the agents ahead of the day the claim is time-barred (rules in config/judicial.toml)."""
        case = self._case
        rules = await workflow.execute_activity_method(LegalActivities.judicial_rules, **DOCUMENT_ACTIVITY)
        limit = prescription(case.debtor.kind, case.invoice.due_date, rules)
        self._prescription = limit
        warn_at = case.policy.send_time(limit.warn_from)
        if warn_at > workflow.now():
            await workflow.sleep(warn_at - workflow.now())
        if self._state.is_closed or self._state == CaseState.WITH_BAILIFF:
            return
        self._prescription_warned = True
        barred_from = date_fr(limit.ends_on + timedelta(days=1))
        await self._journal(
            "prescription_warning",
            actor=SYSTEM_ACTOR,
            detail=f"la créance est prescrite à compter du {barred_from} ({limit.basis}, à compter du "
            f"{date_fr(limit.runs_from)}) : saisissez le tribunal ou obtenez du débiteur la "
            "reconnaissance de la dette d'ici là ; une mise en demeure n'interrompt pas la "
            "prescription (articles 2240 et 2241 du Code civil)",
        )

    def _stop_prescription_watch(self) -> None:
        if self._prescription_watch is not None and not self._prescription_watch.done():
            self._prescription_watch.cancel()


def filed_detail(
    decision: JudicialDecision, dossier: FilingDossierRef, delivered: BailiffDeliveryReceipt
) -> str:
    """The filing as the journal tells it: the route, the dossier by its name, how it went."""
    if delivered.channel == "email":
        how = f"par courriel ({delivered.reference})"
    else:
        how = f"dans le dossier de dépôt {PurePath(delivered.reference).name}"
    route = de_fr(ROUTES[decision.route]) if decision.route else "de saisine"
    return (
        f"dossier {route} {PurePath(dossier.path).name} (SHA-256 du manifeste "
        f"{dossier.manifest_sha256}) remis au commissaire de justice {how}"
    )
