"""The commands of the agents to a running case (part of ``InvoiceCollectionWorkflow``): each an
update with a validator that refuses, before anything is recorded, what the law or the case does
not allow; each accepted command is journaled under the agent's name."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.ledger import LedgerActivities
    from models.bounds import within_max_hold
    from models.commands import (
        BailiffReport,
        BailiffReportKind,
        Command,
        DisputeRequest,
        EscalateRequest,
        FilingDecision,
        PauseRequest,
        PaymentRequest,
        PromiseRequest,
        ResumeRequest,
    )
    from models.enums import CaseState, Stage
    from models.ledger import PaymentRecord
    from models.status import CommandResult, CostLine, PaymentLine, Promise
    from models.wording import COST_BEARERS, event_fr, stage_fr, state_fr
    from support.french import date_fr, moment_fr, money_fr
    from support.units import CENT

from workflows.common import LEDGER_ACTIVITY, SYSTEM_ACTOR, CommandRefused, escalation_fr


class AgentCommands:
    """Mixed into the case workflow: uses its state, its journal (``_journal``), ``_resume``,
    ``_close`` and ``_result``."""

    @workflow.update
    async def pause(self, request: PauseRequest) -> CommandResult:
        self._state = CaseState.PAUSED
        self._held_by_case = False
        self._pause_reason = request.reason.strip()
        self._pause_until = request.until
        self._revision += 1
        until = f" jusqu'au {moment_fr(request.until)}" if request.until else ""
        await self._journal("paused", actor=request.agent, detail=f"{self._pause_reason}{until}")
        return self._result(f"dossier mis en pause{until}")

    @pause.validator
    def _validate_pause(self, request: PauseRequest) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        self._refuse_under_proceedings()
        self._refuse_if_with_bailiff()
        if self._state == CaseState.PAUSED:
            raise CommandRefused(f"le dossier est déjà en pause ({self._pause_reason})")
        if not request.reason.strip():
            raise CommandRefused("une pause demande un motif")
        if request.until is not None:
            if request.until.tzinfo is None:
                raise CommandRefused("la fin d'une pause demande un fuseau horaire")
            if request.until <= workflow.now():
                raise CommandRefused(f"la fin de la pause ({moment_fr(request.until)}) est déjà passée")
            self._refuse_beyond_max_hold("la fin de la pause", request.until - workflow.now())

    @workflow.update
    async def resume(self, request: ResumeRequest) -> CommandResult:
        await self._resume(request.agent, "reprise par un agent")
        return self._result("dossier repris")

    @resume.validator
    def _validate_resume(self, request: ResumeRequest) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        if self._state != CaseState.PAUSED:
            raise CommandRefused("le dossier n'est pas en pause")

    @workflow.update
    async def escalate(self, request: EscalateRequest) -> CommandResult:
        index = self._escalation_target(request)
        self._escalate_to = index
        self._revision += 1
        step = self._case.policy.steps[index]
        if step.stage == Stage.JUDICIAL_FILING:
            self._filing_requested_by = request.agent
            self._filing_requested_by_id = request.agent_id
        escalation = escalation_fr(step.key, step.stage)
        await self._journal("escalated", actor=request.agent, detail=escalation)
        return self._result(escalation)

    @escalate.validator
    def _validate_escalate(self, request: EscalateRequest) -> None:
        self._refuse_unless_a_person(request)
        self._escalation_target(request)

    def _escalation_target(self, request: EscalateRequest) -> int:
        """The index of the step an escalation jumps to, or the reason it is refused."""
        self._refuse_if_closed()
        self._refuse_under_proceedings()
        if self._state == CaseState.PAUSED:
            raise CommandRefused("le dossier est en pause : reprenez-le avant d'escalader")
        self._refuse_if_with_bailiff()
        if self._dispute_reason is not None:
            raise CommandRefused(
                f"un litige est ouvert ({self._dispute_reason}) : clore le litige avant d'escalader"
            )
        if self._escalate_to is not None:
            raise CommandRefused("une escalade est déjà en cours")
        steps = self._case.policy.steps
        current_rank = self._stage.rank if self._stage is not None else -1
        target = request.to_stage
        if target is None:
            later = [s.stage for s in steps[self._next_index :] if s.stage.rank > current_rank]
            if not later:
                raise CommandRefused("la politique de relance du dossier n'a pas d'étape au-delà")
            target = later[0]
        if target.rank <= current_rank:
            raise CommandRefused(
                f"le dossier est déjà à l'étape {stage_fr(self._stage)} : "
                f"impossible d'escalader vers l'étape {stage_fr(target)}"
            )
        if target.rank > Stage.FORMAL_NOTICE.rank and not self._formal_notice_sent:
            raise CommandRefused(
                f"{stage_fr(target)} : une mise en demeure doit d'abord être envoyée ; "
                "escaladez vers la mise en demeure"
            )
        if target == Stage.JUDICIAL_FILING and not self._case.invoice.names_an_order:
            raise CommandRefused(
                "aucun devis signé ni bon de commande au dossier : le dossier reste amiable, "
                "sans saisine judiciaire"
            )
        for index in range(self._next_index, len(steps)):
            if steps[index].stage == target:
                return index
        raise CommandRefused(f"la politique de relance du dossier n'a plus d'étape {stage_fr(target)}")

    @workflow.update
    async def record_payment(self, request: PaymentRequest) -> CommandResult:
        if self._already_recorded():
            # An account's part sent again under the same key (workflows/debtor_account.py).
            return self._result(f"paiement déjà enregistré ; solde {self._money(self._balance)}")
        paid_in_full = await self._apply_payment(
            request.amount, request.paid_on, request.agent, request.reference
        )
        if paid_in_full:
            return self._result("paiement enregistré ; solde entièrement payé, dossier clos")
        return self._result(f"paiement enregistré ; solde {self._money(self._balance)}")

    @record_payment.validator
    def _validate_payment(self, request: PaymentRequest) -> None:
        self._refuse_unless_a_person(request)
        if self._already_recorded():
            return
        self._refuse_if_closed()
        self._check_payment(request.amount, request.paid_on)

    def _already_recorded(self) -> bool:
        """Whether a payment was recorded under the current update's id already."""
        update = workflow.current_update_info()
        return update is not None and any(payment.key == update.id for payment in self._payments)

    def _check_payment(self, amount: Decimal, paid_on: date) -> None:
        # The request's model bounds the amount (models/bounds.py): more than zero, in cents.
        if amount > self._balance:
            raise CommandRefused(self._beyond_balance(amount))
        today = self._case.policy.local_date(workflow.now())
        if paid_on > today:
            raise CommandRefused(f"la date du paiement ({date_fr(paid_on)}) est dans le futur")
        if paid_on < self._case.invoice.issue_date:
            raise CommandRefused(f"la date du paiement ({date_fr(paid_on)}) précède la date de la facture")

    def _money(self, amount: Decimal) -> str:
        return money_fr(amount, self._case.invoice.currency)

    def _beyond_balance(self, amount: Decimal) -> str:
        return f"{self._money(amount)} dépasse le solde de {self._money(self._balance)}"

    async def _apply_payment(self, amount: Decimal, paid_on: date, agent: str, reference: str) -> bool:
        """Lower the balance, record the payment; close the case once paid in full (True then)."""
        # Lower the balance before any await, so a concurrent payment is validated against it.
        self._balance = (self._balance - amount).quantize(CENT)
        update = workflow.current_update_info()
        key = update.id if update is not None else str(len(self._payments) + 1)
        self._payments.append(
            PaymentLine(amount=amount, paid_on=paid_on, recorded_by=agent, reference=reference, key=key)
        )
        self._revision += 1
        await workflow.execute_activity_method(
            LedgerActivities.record_payment,
            PaymentRecord(
                case_id=self._case.case_id,
                amount=amount,
                paid_on=paid_on,
                recorded_by=agent,
                reference=reference,
                idempotency_key=f"{self._case.case_id}/payment/{key}",
            ),
            **LEDGER_ACTIVITY,
        )
        await self._journal(
            "payment_recorded",
            actor=agent,
            detail=f"{self._money(amount)} payés le {date_fr(paid_on)} ; solde {self._money(self._balance)}",
        )
        if self._balance == 0 and not self._state.is_closed:
            await self._close(CaseState.PAID, "solde entièrement payé")
            return True
        return False

    @workflow.update
    async def promise_to_pay(self, request: PromiseRequest) -> CommandResult:
        paid = sum((payment.amount for payment in self._payments), Decimal("0.00"))
        self._promise = Promise(
            amount=request.amount, by=request.by, recorded_by=request.agent, paid_before=paid
        )
        self._revision += 1
        what = f"{self._money(request.amount)} au plus tard le {date_fr(request.by)}"
        await self._journal("promise_recorded", actor=request.agent, detail=what)
        return self._result(f"promesse enregistrée : la relance attend le paiement de {what}")

    @promise_to_pay.validator
    def _validate_promise(self, request: PromiseRequest) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        self._refuse_under_proceedings()
        self._refuse_if_with_bailiff()
        if self._promise is not None:
            promised = self._promise
            raise CommandRefused(
                f"une promesse est déjà en cours ({self._money(promised.amount)} au plus tard le "
                f"{date_fr(promised.by)}) : attendez qu'elle soit réglée"
            )
        if request.amount > self._balance:
            raise CommandRefused(self._beyond_balance(request.amount))
        if request.by <= self._case.policy.local_date(workflow.now()):
            raise CommandRefused(f"la date promise ({date_fr(request.by)}) doit suivre aujourd'hui")
        today = self._case.policy.local_date(workflow.now())
        self._refuse_beyond_max_hold(f"la date promise ({date_fr(request.by)})", request.by - today)

    @workflow.update
    async def dispute(self, request: DisputeRequest) -> CommandResult:
        reason = request.reason.strip()
        self._dispute_reason = reason if request.open else None
        self._revision += 1
        if request.open:
            await self._journal("dispute_opened", actor=request.agent, detail=reason)
            return self._result(
                "litige ouvert : la relance s'arrête, aucune saisine ne part au tribunal avant sa clôture"
            )
        await self._journal("dispute_closed", actor=request.agent, detail=reason)
        return self._result("litige clos : la relance reprend")

    @dispute.validator
    def _validate_dispute(self, request: DisputeRequest) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        if not request.reason.strip():
            raise CommandRefused("ouvrir ou clore un litige demande un motif")
        if request.open and self._dispute_reason is not None:
            raise CommandRefused(f"un litige est déjà ouvert ({self._dispute_reason})")
        if not request.open and self._dispute_reason is None:
            raise CommandRefused("aucun litige n'est ouvert")

    @workflow.update
    async def report_from_bailiff(self, report: BailiffReport) -> CommandResult:
        today = self._case.policy.local_date(workflow.now())
        if report.costs:
            assert report.costs_borne_by is not None  # BailiffReport requires it with costs
            self._costs.append(
                CostLine(
                    amount=report.costs, borne_by=report.costs_borne_by, reported_on=today, note=report.note
                )
            )
        self._revision += 1
        costs = ""
        if report.costs and report.costs_borne_by is not None:
            costs = f" ; frais de {self._money(report.costs)} {COST_BEARERS[report.costs_borne_by]}"
        note = f" ; {report.note.strip()}" if report.note.strip() else ""
        kind = f"bailiff_{report.kind.value}"
        await self._journal(kind, actor=report.agent, detail=f"{event_fr(kind)}{costs}{note}")
        if report.kind == BailiffReportKind.RECOVERED:
            self._recovered += report.amount
            received_on = report.received_on or today
            if await self._apply_payment(report.amount, received_on, report.agent, "commissaire de justice"):
                return self._result("recouvrement enregistré ; solde entièrement payé, dossier clos")
        elif report.kind == BailiffReportKind.FAILED:
            await self._close(
                CaseState.RECOVERY_FAILED, f"le commissaire de justice n'a rien pu recouvrer{note}"
            )
        elif report.kind == BailiffReportKind.CLOSED:
            state = CaseState.PAID if self._balance == 0 else CaseState.CLOSED_BY_BAILIFF
            await self._close(
                state, f"dossier clos par le commissaire de justice, solde {self._money(self._balance)}"
            )
        balance = self._money(self._balance)
        return self._result(f"compte rendu enregistré ({event_fr(kind)}) ; solde {balance}")

    @report_from_bailiff.validator
    def _validate_bailiff_report(self, report: BailiffReport) -> None:
        self._refuse_unless_a_person(report)
        self._refuse_if_closed()
        if self._state != CaseState.WITH_BAILIFF:
            raise CommandRefused("le dossier n'est pas chez un commissaire de justice")
        if report.kind == BailiffReportKind.RECOVERED:
            self._check_payment(
                report.amount, report.received_on or self._case.policy.local_date(workflow.now())
            )

    @workflow.signal
    def delivery_reported(self) -> None:
        """A provider's webhook or an agent says a registered letter has news: ask for it now."""
        self._revision += 1

    @workflow.update
    async def decide_filing(self, decision: FilingDecision) -> CommandResult:
        self._filing_decision = decision
        if decision.approve:
            await self._journal("filing_approved", actor=decision.agent, detail="saisine approuvée")
            return self._result("saisine approuvée : le dossier part chez le commissaire de justice")
        await self._journal("filing_rejected", actor=decision.agent, detail=decision.reason.strip())
        return self._result("saisine judiciaire rejetée : le dossier reste amiable")

    @decide_filing.validator
    def _validate_filing_decision(self, decision: FilingDecision) -> None:
        self._refuse_unless_a_person(decision)
        self._refuse_if_closed()
        if not self._approval_pending or self._filing_decision is not None:
            raise CommandRefused("aucune saisine judiciaire n'attend de décision")
        if decision.agent_id is None:
            raise CommandRefused(
                "règle des quatre yeux : une décision sur une saisine judiciaire demande "
                "l'identifiant de son agent"
            )
        # The ids of real users; a filing asked before requests carried one is told by its username.
        if self._filing_requested_by_id is not None:
            same_person = decision.agent_id == self._filing_requested_by_id
        else:
            same_person = decision.agent == self._filing_requested_by
        if same_person:
            raise CommandRefused(
                f"règle des quatre yeux : {decision.agent} a demandé cette saisine ; "
                "un autre agent doit en décider"
            )
        if not decision.approve and not decision.reason.strip():
            raise CommandRefused("un rejet demande un motif")

    def _refuse_beyond_max_hold(self, what: str, ahead: timedelta) -> None:
        """A hold further ahead than the policy's ``max_hold``, which would also take the case's
        dates past the calendar's end (9999-12-31)."""
        try:
            within_max_hold(ahead, self._case.policy.max_hold)
        except ValueError as error:
            raise CommandRefused(f"{what} {error}") from None

    def _refuse_unless_a_person(self, command: Command) -> None:
        """A command comes from a person. The system acts only through the workflow's own steps:
        a command in its name is refused, whoever sends it."""
        agent = command.agent.strip()
        if not agent:
            raise CommandRefused("une commande demande le nom de l'utilisateur qui la donne")
        if agent.lower() == SYSTEM_ACTOR:
            raise CommandRefused(
                f"« {agent} » est le nom du dossier lui-même : une commande vient d'une personne"
            )

    def _refuse_if_closed(self) -> None:
        if self._state.is_closed:
            raise CommandRefused(f"le dossier est clos ({state_fr(self._state)})")

    def _refuse_if_with_bailiff(self) -> None:
        if self._state == CaseState.WITH_BAILIFF:
            raise CommandRefused(
                "le dossier est chez le commissaire de justice : enregistrez plutôt ses comptes rendus"
            )
