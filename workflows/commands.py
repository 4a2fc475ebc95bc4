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
    from support.units import CENT

from workflows.common import LEDGER_ACTIVITY, SYSTEM_ACTOR, CommandRefused


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
        until = f" until {request.until.isoformat()}" if request.until else ""
        await self._journal("paused", actor=request.agent, detail=f"{self._pause_reason}{until}")
        return self._result(f"case paused{until}")

    @pause.validator
    def _validate_pause(self, request: PauseRequest) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        self._refuse_if_with_bailiff()
        if self._state == CaseState.PAUSED:
            raise CommandRefused(f"case is already paused ({self._pause_reason})")
        if not request.reason.strip():
            raise CommandRefused("a pause needs a reason")
        if request.until is not None:
            if request.until.tzinfo is None:
                raise CommandRefused("the end of a pause needs a time zone")
            if request.until <= workflow.now():
                raise CommandRefused(f"the end of the pause ({request.until.isoformat()}) is already past")
            self._refuse_beyond_max_hold("the end of the pause", request.until - workflow.now())

    @workflow.update
    async def resume(self, request: ResumeRequest) -> CommandResult:
        await self._resume(request.agent, "resumed by an agent")
        return self._result("case resumed")

    @resume.validator
    def _validate_resume(self, request: ResumeRequest) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        if self._state != CaseState.PAUSED:
            raise CommandRefused("case is not paused")

    @workflow.update
    async def escalate(self, request: EscalateRequest) -> CommandResult:
        index = self._escalation_target(request)
        self._escalate_to = index
        self._revision += 1
        step = self._case.policy.steps[index]
        if step.stage == Stage.JUDICIAL_FILING:
            self._filing_requested_by = request.agent
            self._filing_requested_by_id = request.agent_id
        await self._journal(
            "escalated", actor=request.agent, detail=f"to {step.stage.value}: {step.key} runs now"
        )
        return self._result(f"escalated to {step.stage.value}: {step.key} runs now")

    @escalate.validator
    def _validate_escalate(self, request: EscalateRequest) -> None:
        self._refuse_unless_a_person(request)
        self._escalation_target(request)

    def _escalation_target(self, request: EscalateRequest) -> int:
        """The index of the step an escalation jumps to, or the reason it is refused."""
        self._refuse_if_closed()
        if self._state == CaseState.PAUSED:
            raise CommandRefused("case is paused: resume it before escalating")
        self._refuse_if_with_bailiff()
        if self._dispute_reason is not None:
            raise CommandRefused(f"a dispute is open ({self._dispute_reason}): close it before escalating")
        if self._escalate_to is not None:
            raise CommandRefused("an escalation is already under way")
        steps = self._case.policy.steps
        current_rank = self._stage.rank if self._stage is not None else -1
        target = request.to_stage
        if target is None:
            later = [s.stage for s in steps[self._next_index :] if s.stage.rank > current_rank]
            if not later:
                raise CommandRefused("no further stage in this case's policy")
            target = later[0]
        if target.rank <= current_rank:
            raise CommandRefused(f"case is already at {self._stage}: cannot escalate to {target}")
        if target.rank > Stage.FORMAL_NOTICE.rank and not self._formal_notice_sent:
            raise CommandRefused(
                f"{target} needs a formal notice (mise en demeure) sent first; escalate to formal_notice"
            )
        if target == Stage.JUDICIAL_FILING and not self._case.invoice.order_reference:
            raise CommandRefused(
                "no signed quote or purchase order on file: the case stays amicable, no judicial filing"
            )
        for index in range(self._next_index, len(steps)):
            if steps[index].stage == target:
                return index
        raise CommandRefused(f"this case's policy has no {target} step left")

    @workflow.update
    async def record_payment(self, request: PaymentRequest) -> CommandResult:
        paid_in_full = await self._apply_payment(
            request.amount, request.paid_on, request.agent, request.reference
        )
        if paid_in_full:
            return self._result("payment recorded; balance paid in full, case closed")
        return self._result(f"payment recorded; balance {self._balance} {self._case.invoice.currency}")

    @record_payment.validator
    def _validate_payment(self, request: PaymentRequest) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        self._check_payment(request.amount, request.paid_on)

    def _check_payment(self, amount: Decimal, paid_on: date) -> None:
        # The request's model bounds the amount (models/bounds.py): more than zero, in cents.
        if amount > self._balance:
            raise CommandRefused(
                f"{amount} exceeds the balance of {self._balance} {self._case.invoice.currency}"
            )
        today = self._case.policy.local_date(workflow.now())
        if paid_on > today:
            raise CommandRefused(f"payment date {paid_on.isoformat()} is in the future")
        if paid_on < self._case.invoice.issue_date:
            raise CommandRefused(f"payment date {paid_on.isoformat()} is before the invoice date")

    async def _apply_payment(self, amount: Decimal, paid_on: date, agent: str, reference: str) -> bool:
        """Lower the balance, record the payment; close the case once paid in full (True then)."""
        # Lower the balance before any await, so a concurrent payment is validated against it.
        self._balance = (self._balance - amount).quantize(CENT)
        self._payments.append(
            PaymentLine(amount=amount, paid_on=paid_on, recorded_by=agent, reference=reference)
        )
        self._revision += 1
        update = workflow.current_update_info()
        key = update.id if update is not None else str(len(self._payments))
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
        currency = self._case.invoice.currency
        await self._journal(
            "payment_recorded",
            actor=agent,
            detail=f"{amount} {currency} paid on {paid_on.isoformat()}; balance {self._balance} {currency}",
        )
        if self._balance == 0 and not self._state.is_closed:
            await self._close(CaseState.PAID, "balance paid in full")
            return True
        return False

    @workflow.update
    async def promise_to_pay(self, request: PromiseRequest) -> CommandResult:
        paid = sum((payment.amount for payment in self._payments), Decimal("0.00"))
        self._promise = Promise(
            amount=request.amount, by=request.by, recorded_by=request.agent, paid_before=paid
        )
        self._revision += 1
        what = f"{request.amount} {self._case.invoice.currency} by {request.by.isoformat()}"
        await self._journal("promise_recorded", actor=request.agent, detail=what)
        return self._result(f"promise recorded: the ladder waits for {what}")

    @promise_to_pay.validator
    def _validate_promise(self, request: PromiseRequest) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        self._refuse_if_with_bailiff()
        if self._promise is not None:
            promised = self._promise
            raise CommandRefused(
                f"a promise is already open ({promised.amount} by {promised.by.isoformat()}): "
                "wait for it to be settled"
            )
        if request.amount > self._balance:
            raise CommandRefused(f"{request.amount} exceeds the balance of {self._balance}")
        if request.by <= self._case.policy.local_date(workflow.now()):
            raise CommandRefused(f"the promised date {request.by.isoformat()} must be after today")
        today = self._case.policy.local_date(workflow.now())
        self._refuse_beyond_max_hold(f"the promised date {request.by.isoformat()}", request.by - today)

    @workflow.update
    async def dispute(self, request: DisputeRequest) -> CommandResult:
        reason = request.reason.strip()
        self._dispute_reason = reason if request.open else None
        self._revision += 1
        if request.open:
            await self._journal("dispute_opened", actor=request.agent, detail=reason)
            return self._result(
                "dispute opened: the ladder holds, no filing goes to court until it is closed"
            )
        await self._journal("dispute_closed", actor=request.agent, detail=reason)
        return self._result("dispute closed: the ladder goes on")

    @dispute.validator
    def _validate_dispute(self, request: DisputeRequest) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        if not request.reason.strip():
            raise CommandRefused("opening or closing a dispute needs a reason")
        if request.open and self._dispute_reason is not None:
            raise CommandRefused(f"a dispute is already open ({self._dispute_reason})")
        if not request.open and self._dispute_reason is None:
            raise CommandRefused("no dispute is open")

    @workflow.update
    async def report_from_bailiff(self, report: BailiffReport) -> CommandResult:
        currency = self._case.invoice.currency
        today = self._case.policy.local_date(workflow.now())
        if report.costs:
            assert report.costs_borne_by is not None  # BailiffReport requires it with costs
            self._costs.append(
                CostLine(
                    amount=report.costs, borne_by=report.costs_borne_by, reported_on=today, note=report.note
                )
            )
        self._revision += 1
        costs = (
            f"; costs {report.costs} {currency} borne by the {report.costs_borne_by}" if report.costs else ""
        )
        note = f"; {report.note.strip()}" if report.note.strip() else ""
        await self._journal(
            f"bailiff_{report.kind.value}", actor=report.agent, detail=f"{report.kind.value}{costs}{note}"
        )
        if report.kind == BailiffReportKind.RECOVERED:
            self._recovered += report.amount
            received_on = report.received_on or today
            if await self._apply_payment(report.amount, received_on, report.agent, "commissaire de justice"):
                return self._result("recovery recorded; balance paid in full, case closed")
        elif report.kind == BailiffReportKind.FAILED:
            await self._close(
                CaseState.RECOVERY_FAILED, f"the commissaire de justice could not recover{note}"
            )
        elif report.kind == BailiffReportKind.CLOSED:
            state = CaseState.PAID if self._balance == 0 else CaseState.CLOSED_BY_BAILIFF
            await self._close(
                state, f"file closed by the commissaire de justice, balance {self._balance} {currency}"
            )
        return self._result(f"report recorded ({report.kind.value}); balance {self._balance} {currency}")

    @report_from_bailiff.validator
    def _validate_bailiff_report(self, report: BailiffReport) -> None:
        self._refuse_unless_a_person(report)
        self._refuse_if_closed()
        if self._state != CaseState.WITH_BAILIFF:
            raise CommandRefused("no dossier of this case is with a commissaire de justice")
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
            await self._journal("filing_approved", actor=decision.agent, detail="judicial filing approved")
            return self._result("judicial filing approved: the dossier goes to the commissaire de justice")
        await self._journal("filing_rejected", actor=decision.agent, detail=decision.reason.strip())
        return self._result("judicial filing rejected: the case stays amicable")

    @decide_filing.validator
    def _validate_filing_decision(self, decision: FilingDecision) -> None:
        self._refuse_unless_a_person(decision)
        self._refuse_if_closed()
        if not self._approval_pending or self._filing_decision is not None:
            raise CommandRefused("no judicial filing is waiting for a decision")
        if decision.agent_id is None:
            raise CommandRefused("four-eyes rule: a decision on a judicial filing needs its agent's user id")
        # The ids of real users; a filing asked before requests carried one is told by its username.
        if self._filing_requested_by_id is not None:
            same_person = decision.agent_id == self._filing_requested_by_id
        else:
            same_person = decision.agent == self._filing_requested_by
        if same_person:
            raise CommandRefused(
                f"four-eyes rule: {decision.agent} asked for this filing; another agent must decide on it"
            )
        if not decision.approve and not decision.reason.strip():
            raise CommandRefused("a rejection needs a reason")

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
            raise CommandRefused("a command needs the name of the user who gives it")
        if agent.lower() == SYSTEM_ACTOR:
            raise CommandRefused(f"{agent!r} is the case's own name: a command comes from a person")

    def _refuse_if_closed(self) -> None:
        if self._state.is_closed:
            raise CommandRefused(f"case is closed ({self._state.value})")

    def _refuse_if_with_bailiff(self) -> None:
        if self._state == CaseState.WITH_BAILIFF:
            raise CommandRefused(
                "the dossier is with the commissaire de justice: record their reports instead"
            )
