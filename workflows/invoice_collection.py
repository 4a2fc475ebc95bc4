"""One unpaid invoice, one durable case: the escalation ladder, the case's state and its status.

Only deterministic orchestration lives here; every side effect is an activity. The policy travels
in the case input, so a later edit of a policy file never alters a running case's history. The
steps themselves (``ladder_steps``), their penalties (``penalty_steps``), the agents' commands
(``commands``), the formal notice's delivery (``proof_of_receipt``), the judicial step (``court``)
and the case's status (``case_status``) live in their own modules; ``patches`` names every change
that altered the history.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.ledger import LedgerActivities
    from activities.rendering.signatories import SIGNATORY_MISSING
    from law.judicial import Prescription
    from law.penalties import InterestStart
    from models.commands import EscalateRequest, FilingDecision
    from models.court import Exhibit
    from models.documents import DocumentRef
    from models.enums import CaseState, Stage
    from models.grouped_sending import DossierApprovalAsk, SendAnswer, SendRequest
    from models.invoices import CaseInput
    from models.ledger import CaseEventRecord
    from models.policy import PolicyStep
    from models.status import ActionRecord, CaseStatus, CostLine, PaymentLine, Promise
    from models.wording import state_fr, step_fr
    from support.files import file_names_only
    from support.french import date_fr, moment_fr, money_fr

from workflows.account_filing_steps import CourtThroughAccount
from workflows.account_steps import StepNotSent, StepsThroughAccount
from workflows.case_status import CaseStatusReport
from workflows.commands import AgentCommands
from workflows.common import LEDGER_ACTIVITY, SYSTEM_ACTOR, CommandRefused, escalation_fr
from workflows.court import CourtProceedings
from workflows.insolvency import InsolvencyProceedings
from workflows.ladder_steps import LadderSteps
from workflows.patches import (
    BUSINESS_CALENDAR,
    GREEN_LABEL,
    JUDICIAL_ROUTE,
    NEEDS_PERSON,
    NEXT_ACTION,
    SEARCH_ATTRIBUTES,
)
from workflows.penalty_steps import PenaltySteps
from workflows.proof_of_receipt import ProofOfReceipt


@workflow.defn
class InvoiceCollectionWorkflow(
    LadderSteps,
    PenaltySteps,
    AgentCommands,
    ProofOfReceipt,
    CourtProceedings,
    InsolvencyProceedings,
    StepsThroughAccount,
    CourtThroughAccount,
    CaseStatusReport,
):
    @workflow.init
    def __init__(self, case: CaseInput) -> None:
        self._case = case
        self._balance = case.invoice.balance
        self._state = CaseState.OPEN
        # Paused by the case itself for an agent (no proof of receipt, a step that failed…).
        self._held_by_case = False
        # Held because a letter or a request had nobody to sign it: resumed, the step reads the
        # parties again (ladder_steps).
        self._signatory_missing = False
        self._stage: Stage | None = None
        self._pause_reason: str | None = None
        self._pause_until: datetime | None = None
        self._next_index = 0
        self._next_at: datetime | None = None
        self._escalate_to: int | None = None
        self._step_put_back = False
        self._formal_notice_sent = False
        self._last_action_at: datetime | None = None
        self._actions: list[ActionRecord] = []
        self._payments: list[PaymentLine] = []
        self._documents: list[DocumentRef] = []
        # The green-labelled invoice and the charter attestation, joined to the amicable reminders.
        self._invoice_documents: list[DocumentRef] = []
        self._notice_date: date | None = None
        # Four-eyes rule on the judicial filing: who asked for it, and the other agent's decision.
        self._filing_requested_by = SYSTEM_ACTOR
        # The user id of who asked for it (none for the ladder itself and in older histories).
        self._filing_requested_by_id: int | None = None
        self._approval_pending = False
        self._supervisor_asked = False
        self._filing_decision: FilingDecision | None = None
        # The formal notice's delivery: the letter awaited, the day it was received, and what the
        # dossier will produce in court (letters, proofs), in the order they were made.
        self._awaiting_letter: str | None = None
        self._notice_received_on: date | None = None
        self._receipt_at: datetime | None = None
        # Where a consumer's interest runs from: the notice's receipt or first presentation.
        self._interest_start: InterestStart | None = None
        self._exhibits: list[Exhibit] = []
        self._dispute_reason: str | None = None
        self._promise: Promise | None = None
        self._prescription: Prescription | None = None
        self._prescription_warned = False
        self._prescription_watch: asyncio.Task[None] | None = None
        # What the commissaire de justice reported: sums recovered, costs and who bears them.
        self._recovered = Decimal("0.00")
        self._costs: list[CostLine] = []
        self._publishes_search_attributes = False
        self._publishes_needs = False
        self._publishes_next_action = False
        self._started_at = workflow.now()
        self._event_count = 0
        # Bumped by every command so that a sleeping ladder wakes up and looks again.
        self._revision = 0
        # The step under way's planned moment (None: asked now), and its asking of the debtor's account
        # (workflows/account_steps.py): the slot awaited and the answers received.
        self._due_at: datetime | None = None
        self._send_lead = timedelta(0)
        self._askings = 0
        self._awaiting_account: SendRequest | None = None
        self._account_answers: dict[str, SendAnswer] = {}
        # The account's asks to lead a dossier's approval, by request (workflows/account_filing.py).
        self._dossier_asks: dict[str, DossierApprovalAsk] = {}

    # --- the ladder ----------------------------------------------------------------------------

    @workflow.run
    async def run(self, case: CaseInput) -> CaseStatus:
        self._publishes_search_attributes = workflow.patched(SEARCH_ATTRIBUTES)
        # Since then, also whether it waits for a person (the agents' work queue lists those).
        self._publishes_needs = self._publishes_search_attributes and workflow.patched(NEEDS_PERSON)
        self._publishes_next_action = self._publishes_needs and workflow.patched(NEXT_ACTION)
        await self._journal(
            "case_opened",
            actor=case.started_by,
            detail=f"facture n° {case.invoice.number}, solde "
            f"{money_fr(self._balance, case.invoice.currency)}, politique de relance {case.policy.name}",
        )
        if self._balance <= 0:
            await self._close(CaseState.PAID, "facture déjà payée à l'ouverture du dossier")
        elif case.creditor.charter_accepted_on is not None and workflow.patched(GREEN_LABEL):
            await self._label_invoice()
        if not self._state.is_closed and workflow.patched(JUDICIAL_ROUTE):
            self._prescription_watch = asyncio.create_task(self._watch_prescription())
        steps = case.policy.steps
        while not self._state.is_closed and self._next_index < len(steps):
            # A step put back (a filing deferred by a dispute) is due again as soon as nothing holds it.
            put_back = self._step_put_back
            self._next_at = workflow.now() if put_back else self._step_time(self._next_index)
            self._send_lead = self._account_lead(steps[self._next_index])
            if self._publishes_next_action:
                # The step ahead is known only now: the lists read when it goes out.
                self._publish_search_attributes()
            self._step_put_back = False
            await self._wait_for_next_step()
            if self._state.is_closed:
                break
            # An escalated step is due now, not at the moment its timeline planned; so is a step put
            # back, once nothing holds it (the account sends it at once, not at the next slot).
            self._due_at = self._next_at if self._escalate_to is None and not put_back else None
            if self._escalate_to is not None:
                self._next_index, self._escalate_to = self._escalate_to, None
            index = self._next_index
            # The step under way is no longer "next": status and escalations look past it.
            self._next_index = index + 1
            self._next_at = None
            stage_before = self._stage
            try:
                await self._perform(steps[index])
            except ActivityError as error:
                # A step that failed for good (an address refused, a broken template, a day-long
                # outage) must not end the case: it waits for an agent, who fixes the cause and
                # resumes, and the step runs again.
                self._next_index, self._stage = index, stage_before
                await self._hold_for_agent(steps[index], error)
            except StepNotSent as not_sent:
                # The debtor's account did not send it: it failed (an agent looks, as above), or the
                # case no longer sends it (paused, disputed…): the step is due again once nothing holds.
                self._next_index, self._stage = index, stage_before
                await self._step_not_sent(steps[index], not_sent)
        if self._insolvency is not None:
            await self._follow_proceedings()
        if not self._state.is_closed:
            # Every step of the policy is done and no judicial step ended the case.
            await self._close(CaseState.KEPT_AMICABLE, "toutes les étapes de la relance sont faites")
        self._stop_prescription_watch()
        # Let an agent command in progress finish before the case completes.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._status()

    def _step_time(self, index: int) -> datetime:
        policy = self._case.policy
        if policy.anchor == "case_start":
            anchor = self._started_at
        else:
            anchor = policy.send_time(self._case.invoice.due_date)
        planned = anchor + policy.steps[index].after_due
        if self._last_action_at is not None:
            planned = max(planned, self._last_action_at + policy.min_gap)
        if self._receipt_at is not None:
            # The debtor has the formal notice's deadline, counted from its receipt, to pay.
            planned = max(planned, self._receipt_at + policy.receipt_wait)
        if workflow.patched(BUSINESS_CALENDAR):
            # An overdue step goes out now, unless now is a rest day: then on the next business morning.
            # The holiday tables read their translations through gettext, which the sandbox forbids;
            # the answer depends only on the date and the package version, so it stays deterministic.
            with workflow.unsafe.sandbox_unrestricted():
                planned = policy.on_business_day(max(planned, workflow.now()))
        return planned

    async def _wait_for_next_step(self) -> None:
        """Sleep until the next step is due, a pause ends, an escalation or a payment arrives.

        A pause, an open dispute and a promise to pay hold the ladder; a pause may end by itself,
        a promise is settled the morning after its date (or as soon as it is paid).
        """
        while not self._state.is_closed and self._escalate_to is None:
            now = workflow.now()
            paused = self._state == CaseState.PAUSED
            if paused and self._pause_until is not None and now >= self._pause_until:
                await self._resume(SYSTEM_ACTOR, f"fin de la pause, prévue le {moment_fr(self._pause_until)}")
                continue
            promise = self._promise
            if promise is not None and (self._promise_kept(promise) or now >= self._promise_due(promise)):
                await self._settle_promise(promise)
                continue
            wake_at = []
            if paused and self._pause_until is not None:
                wake_at.append(self._pause_until)
            if promise is not None:
                wake_at.append(self._promise_due(promise))
            # Under collective proceedings the ladder holds for good (Code de commerce L622-21).
            holding = self._dispute_reason is not None or promise is not None or self._insolvency is not None
            if not (paused or holding):
                assert self._next_at is not None
                # A step the debtor's account sends is asked of it a little ahead of its slot.
                ask_at = self._next_at - self._send_lead
                if now >= ask_at:
                    return
                wake_at.append(ask_at)
            timeout = min(wake_at) - now if wake_at else None
            revision = self._revision
            try:
                await workflow.wait_condition(lambda r=revision: self._revision != r, timeout=timeout)
            except TimeoutError:
                pass

    def _promise_due(self, promise: Promise) -> datetime:
        """A promise to pay by a day is judged the next morning."""
        return self._case.policy.send_time(promise.by + timedelta(days=1))

    def _promise_kept(self, promise: Promise) -> bool:
        paid = sum((payment.amount for payment in self._payments), Decimal("0.00"))
        return paid - promise.paid_before >= promise.amount

    async def _settle_promise(self, promise: Promise) -> None:
        self._promise = None
        amount = money_fr(promise.amount, self._case.invoice.currency)
        what = f"{amount} promis au plus tard le {date_fr(promise.by)}"
        if self._promise_kept(promise):
            await self._journal(
                "promise_kept", actor=SYSTEM_ACTOR, detail=f"{what} : payé ; la relance reprend"
            )
            return
        try:
            # A broken promise resumes the ladder one stage further, at once.
            self._escalate_to = self._escalation_target(EscalateRequest(agent=SYSTEM_ACTOR))
            step = self._case.policy.steps[self._escalate_to]
            consequence = escalation_fr(step.key, step.stage)
        except CommandRefused as refusal:
            consequence = f"la relance continue ({refusal.message})"
        self._revision += 1
        await self._journal("promise_broken", actor=SYSTEM_ACTOR, detail=f"{what} : non payé ; {consequence}")

    async def _step_not_sent(self, step: PolicyStep, not_sent: StepNotSent) -> None:
        if not_sent.failed:
            await self._hold(
                "step_failed",
                f"{step_fr(step.key)} : {not_sent.reason} ; corrigez la cause, puis reprenez le dossier "
                "pour relancer l'étape",
            )
        elif not self._state.is_closed:
            self._step_put_back = True
            await self._journal(
                "step_withdrawn",
                actor=SYSTEM_ACTOR,
                detail=f"{step_fr(step.key)} : étape non envoyée ({not_sent.reason}) ; elle partira dès que "
                "rien ne la retient",
            )

    async def _hold_for_agent(self, step: PolicyStep, error: ActivityError) -> None:
        # The agent reads what failed, and the files by their names, not where the server keeps them.
        cause = error.cause or error
        if isinstance(cause, ApplicationError) and cause.type == SIGNATORY_MISSING:
            self._signatory_missing = True
        what = cause.message if isinstance(cause, ApplicationError) else str(cause)
        await self._hold(
            "step_failed",
            f"{step_fr(step.key)} : échec ({file_names_only(what)}) ; corrigez la cause, puis reprenez "
            "le dossier pour relancer l'étape",
        )

    async def _hold(self, kind: str, reason: str) -> None:
        """Pause the case for an agent, with the reason they will read; under collective
        proceedings, whose ladder is stopped already, only say it."""
        if self._insolvency is None:
            self._state = CaseState.PAUSED
            self._held_by_case = True
            self._pause_reason = reason
            self._pause_until = None
            self._revision += 1
        await self._journal(kind, actor=SYSTEM_ACTOR, detail=reason)

    async def _close(self, state: CaseState, why: str) -> None:
        self._state = state
        self._next_at = None
        self._revision += 1
        await self._journal("case_closed", actor=SYSTEM_ACTOR, detail=f"{state_fr(state)} : {why}")

    async def _resume(self, actor: str, why: str) -> None:
        self._state = CaseState.OPEN
        self._held_by_case = False
        self._pause_reason = None
        self._pause_until = None
        self._revision += 1
        await self._journal("resumed", actor=actor, detail=why)

    async def _journal(
        self,
        kind: str,
        *,
        actor: str,
        detail: str,
        step_key: str | None = None,
        document_sha256: str | None = None,
        label_code: str | None = None,
    ) -> None:
        """Record an action in the workflow state and in the database journal."""
        now = workflow.now()
        self._event_count += 1
        action = ActionRecord(
            at=now,
            kind=kind,
            actor=actor,
            detail=detail,
            step_key=step_key,
            stage=self._stage if step_key else None,
            document_sha256=document_sha256,
        )
        self._actions.append(action)
        # Every change of the case is journaled: its search attributes follow it here.
        self._publish_search_attributes()
        await workflow.execute_activity_method(
            LedgerActivities.record_event,
            CaseEventRecord(
                case_id=self._case.case_id,
                kind=kind,
                actor=actor,
                occurred_at=now,
                detail=detail,
                step_key=step_key,
                document_sha256=document_sha256,
                label_code=label_code,
                idempotency_key=f"{self._case.case_id}/{workflow.info().run_id}/{self._event_count}",
            ),
            **LEDGER_ACTIVITY,
        )

    # --- status --------------------------------------------------------------------------------

    @workflow.query
    def status(self) -> CaseStatus:
        return self._status()
