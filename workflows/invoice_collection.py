"""One unpaid invoice, one durable case: the escalation ladder, the case's state and its status.

Only deterministic orchestration lives here; every side effect is an activity. The policy travels
in the case input, so a later edit of a policy file never alters a running case's history. The
agents' commands (``commands``), the formal notice's delivery (``proof_of_receipt``) and the
judicial step (``court``) live in their own modules.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from activities.labels import LabelActivities
    from activities.ledger import LedgerActivities
    from activities.legal import LegalActivities
    from activities.mail import MailActivities
    from activities.penalties import PenaltyActivities
    from law.judicial import Prescription
    from law.penalties import (
        PenaltyComputation,
        PenaltyPayment,
        PenaltyRequest,
        PenaltyStatement,
        StatementRequest,
    )
    from models.attention import needs_of
    from models.commands import EscalateRequest, FilingDecision
    from models.court import Exhibit, HandoffRequest
    from models.documents import (
        AttestationRequest,
        DocumentRef,
        InvoiceLabelRequest,
        LabelRequest,
        LetterContext,
        RenderLetterRequest,
    )
    from models.enums import CaseState, Channel, DebtorKind, Stage
    from models.invoices import CaseInput
    from models.ledger import CaseEventRecord
    from models.mail import EmailRequest, RegisteredLetterReceipt, RegisteredLetterRequest
    from models.policy import PolicyStep
    from models.search_attributes import search_attribute_changes
    from models.status import ActionRecord, CaseStatus, CommandResult, CostLine, PaymentLine, Promise


from workflows.commands import AgentCommands
from workflows.common import (
    DOCUMENT_ACTIVITY,
    HANDOFF_ACTIVITY,
    LEDGER_ACTIVITY,
    MAIL_ACTIVITY,
    STEP_EVENT_KIND,
    SYSTEM_ACTOR,
    CommandRefused,
)
from workflows.court import CourtProceedings
from workflows.proof_of_receipt import ProofOfReceipt

# Changes that alter history, kept replayable for cases started before them (workflow.patched).
BUSINESS_CALENDAR = "business-calendar"
# The formal notice states the penalties accrued so far; the claim sends them with their statement.
PENALTY_CLAIMS = "penalty-claims"
# A creditor who accepted the charter: its invoice gets the green label and the attestation.
GREEN_LABEL = "green-invoice-label"
# A judicial filing waits for a second agent's approval.
FOUR_EYES = "four-eyes-filing-approval"
# The formal notice's delivery is followed to its outcome; its deadline runs from the receipt.
PROOF_OF_RECEIPT = "formal-notice-proof-of-receipt"
# The judicial step decides by the rules (config/judicial.toml), files a dossier, hands it to the
# commissaire de justice and follows their reports; the agent is warned before prescription.
JUDICIAL_ROUTE = "judicial-route"
# The case publishes its state, stage, balance… as typed search attributes (models/search_attributes.py).
SEARCH_ATTRIBUTES = "case-search-attributes"
NEEDS_PERSON = "case-needs-person"


@workflow.defn
class InvoiceCollectionWorkflow(AgentCommands, ProofOfReceipt, CourtProceedings):
    @workflow.init
    def __init__(self, case: CaseInput) -> None:
        self._case = case
        self._balance = case.invoice.balance
        self._state = CaseState.OPEN
        # Paused by the case itself for an agent (no proof of receipt, a step that failed…).
        self._held_by_case = False
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
        self._approval_pending = False
        self._supervisor_asked = False
        self._filing_decision: FilingDecision | None = None
        # The formal notice's delivery: the letter awaited, the day it was received, and what the
        # dossier will produce in court (letters, proofs), in the order they were made.
        self._awaiting_letter: str | None = None
        self._notice_received_on: date | None = None
        self._receipt_at: datetime | None = None
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
        self._started_at = workflow.now()
        self._event_count = 0
        # Bumped by every command so that a sleeping ladder wakes up and looks again.
        self._revision = 0

    # --- the ladder ----------------------------------------------------------------------------

    @workflow.run
    async def run(self, case: CaseInput) -> CaseStatus:
        self._publishes_search_attributes = workflow.patched(SEARCH_ATTRIBUTES)
        # Since then, also whether it waits for a person (the agents' work queue lists those).
        self._publishes_needs = self._publishes_search_attributes and workflow.patched(NEEDS_PERSON)
        await self._journal(
            "case_opened",
            actor=case.started_by,
            detail=f"invoice {case.invoice.number}, balance {self._balance} {case.invoice.currency}, "
            f"policy {case.policy.name}",
        )
        if self._balance <= 0:
            await self._close(CaseState.PAID, "invoice already paid when the case opened")
        elif case.creditor.charter_accepted_on is not None and workflow.patched(GREEN_LABEL):
            await self._label_invoice()
        if not self._state.is_closed and workflow.patched(JUDICIAL_ROUTE):
            self._prescription_watch = asyncio.create_task(self._watch_prescription())
        steps = case.policy.steps
        while not self._state.is_closed and self._next_index < len(steps):
            # A step put back (a filing deferred by a dispute) is due again as soon as nothing holds it.
            self._next_at = workflow.now() if self._step_put_back else self._step_time(self._next_index)
            self._step_put_back = False
            await self._wait_for_next_step()
            if self._state.is_closed:
                break
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
        if not self._state.is_closed:
            # Every step of the policy is done and no judicial step ended the case.
            await self._close(CaseState.KEPT_AMICABLE, "the policy's ladder is complete")
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
                await self._resume(SYSTEM_ACTOR, f"pause ended on {self._pause_until.isoformat()}")
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
            if not (paused or self._dispute_reason is not None or promise is not None):
                assert self._next_at is not None
                if now >= self._next_at:
                    return
                wake_at.append(self._next_at)
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
        currency = self._case.invoice.currency
        what = f"{promise.amount} {currency} promised by {promise.by.isoformat()}"
        if self._promise_kept(promise):
            await self._journal(
                "promise_kept", actor=SYSTEM_ACTOR, detail=f"{what}: paid; the ladder goes on"
            )
            return
        try:
            # A broken promise resumes the ladder one stage further, at once.
            self._escalate_to = self._escalation_target(EscalateRequest(agent=SYSTEM_ACTOR))
            step = self._case.policy.steps[self._escalate_to]
            consequence = f"escalated to {step.stage.value}: {step.key} runs now"
        except CommandRefused as refusal:
            consequence = f"the ladder goes on ({refusal.message})"
        self._revision += 1
        await self._journal("promise_broken", actor=SYSTEM_ACTOR, detail=f"{what}: not paid; {consequence}")

    async def _perform(self, step: PolicyStep) -> None:
        case = self._case
        if step.stage == Stage.JUDICIAL_FILING and workflow.patched(JUDICIAL_ROUTE):
            await self._go_to_court(step)
            return
        if step.stage == Stage.JUDICIAL_FILING and not case.invoice.order_reference:
            # Without a signed quote or order the creditor has weak grounds in court (domain notes):
            # such a case stays amicable.
            await self._close(
                CaseState.KEPT_AMICABLE,
                "no signed quote or purchase order on file: judicial filing not attempted",
            )
            return
        if step.stage == Stage.JUDICIAL_FILING and workflow.patched(FOUR_EYES):
            if not await self._filing_approved(step):
                return
        self._stage = step.stage
        penalties = None
        if step.stage in (Stage.FORMAL_NOTICE, Stage.PENALTY_CLAIM) and workflow.patched(PENALTY_CLAIMS):
            penalties = await self._penalties_so_far(step)
        letter = await workflow.execute_activity_method(
            DocumentActivities.render_letter,
            RenderLetterRequest(template=step.template, context=self._letter_context(step, penalties)),
            **DOCUMENT_ACTIVITY,
        )
        labelled = await workflow.execute_activity_method(
            LabelActivities.label_pdf,
            LabelRequest(case_id=case.case_id, step_key=step.key, source=letter.document, colour=step.label),
            **DOCUMENT_ACTIVITY,
        )
        self._documents.append(labelled)
        # What goes with the letter: the invoice and attestation with a reminder, the statement
        # with a penalty claim.
        enclosures: list[DocumentRef] = []
        if step.stage == Stage.AMICABLE_REMINDER:
            enclosures = list(self._invoice_documents)
        elif step.stage == Stage.PENALTY_CLAIM and penalties is not None:
            enclosures = [await self._penalty_statement(step, penalties)]
            self._documents.extend(enclosures)
        receipt: RegisteredLetterReceipt | None = None
        if step.channel == Channel.REGISTERED_LETTER:
            receipt = await workflow.execute_activity_method(
                MailActivities.send_registered_letter,
                RegisteredLetterRequest(
                    case_id=case.case_id,
                    step_key=step.key,
                    recipient_name=case.debtor.name,
                    recipient_address=case.debtor.address,
                    sender_name=(case.agency or case.creditor).name,
                    sender_address=(case.agency or case.creditor).address,
                    document=labelled,
                    attachments=enclosures,
                ),
                **MAIL_ACTIVITY,
            )
            detail = f"registered letter {receipt.tracking_id} ({receipt.provider}) and copy by email"
        elif step.channel == Channel.BAILIFF:
            dossier = await workflow.execute_activity_method(
                LegalActivities.handoff_to_bailiff,
                HandoffRequest(
                    case_id=case.case_id,
                    creditor=case.creditor,
                    debtor=case.debtor,
                    invoice=case.invoice,
                    balance=self._balance,
                    documents=list(self._documents),
                    actions=self._actions,
                    handed_off_at=workflow.now(),
                ),
                **HANDOFF_ACTIVITY,
            )
            detail = f"dossier {dossier.path} (manifest sha256 {dossier.manifest_sha256})"
        else:
            detail = "by email"
        if step.channel in (Channel.EMAIL, Channel.REGISTERED_LETTER):
            await workflow.execute_activity_method(
                MailActivities.send_email,
                EmailRequest(
                    case_id=case.case_id,
                    step_key=step.key,
                    to=case.debtor.email,
                    subject=letter.email_subject,
                    body=letter.email_body,
                    attachments=[labelled, *enclosures],
                ),
                **MAIL_ACTIVITY,
            )
        letter_date = self._case.policy.local_date(workflow.now())
        if step.stage == Stage.FORMAL_NOTICE:
            self._formal_notice_sent = True
            self._notice_date = letter_date
        # What a court dossier would produce: the letters the debtor was sent.
        if step.stage == Stage.AMICABLE_REMINDER:
            self._exhibits.append(Exhibit(kind="reminder", document=labelled, dated=letter_date))
        elif step.stage == Stage.FORMAL_NOTICE:
            self._exhibits.append(Exhibit(kind="formal_notice", document=labelled, dated=letter_date))
        if penalties is not None:
            detail += (
                f"; penalties {penalties.total} {case.invoice.currency} as at {penalties.until.isoformat()}"
            )
        self._last_action_at = workflow.now()
        await self._journal(
            STEP_EVENT_KIND[step.stage],
            actor=SYSTEM_ACTOR,
            detail=f"{step.key}: {detail}",
            step_key=step.key,
            document_sha256=labelled.sha256,
            label_code=labelled.label_code,
        )
        if step.stage == Stage.JUDICIAL_FILING:
            await self._close(CaseState.READY_FOR_FILING, "dossier handed to the commissaire de justice")
        elif step.stage == Stage.FORMAL_NOTICE and receipt is not None and workflow.patched(PROOF_OF_RECEIPT):
            await self._await_proof_of_receipt(step, receipt)

    async def _label_invoice(self) -> None:
        """The creditor's invoice with the green label, and the charter attestation joined to it."""
        case = self._case
        today = case.policy.local_date(workflow.now())
        documents: list[tuple[str, str, DocumentRef]] = []
        try:
            if case.invoice.pdf_path:
                invoice = await workflow.execute_activity_method(
                    LabelActivities.label_invoice,
                    InvoiceLabelRequest(case_id=case.case_id, creditor=case.creditor, invoice=case.invoice),
                    **DOCUMENT_ACTIVITY,
                )
                documents.append(("invoice_labelled", "green label stamped on the invoice", invoice))
            attestation = await workflow.execute_activity_method(
                LabelActivities.render_attestation,
                AttestationRequest(creditor=case.creditor, issued_on=today, invoice=case.invoice),
                **DOCUMENT_ACTIVITY,
            )
            documents.append(("attestation_issued", "good-practice charter attestation", attestation))
        except ActivityError as error:
            # The label is a courtesy of the charter, not a condition of collecting: say why and go on.
            await self._journal(
                "invoice_not_labelled",
                actor=SYSTEM_ACTOR,
                detail=f"label not applied: {error.cause or error}",
            )
        for kind, what, document in documents:
            self._invoice_documents.append(document)
            self._documents.append(document)
            await self._journal(
                kind,
                actor=SYSTEM_ACTOR,
                detail=f"{what}: {document.path}",
                document_sha256=document.sha256,
                label_code=document.label_code,
            )

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
                invoice_number=case.invoice.number,
                issue_date=case.invoice.issue_date,
                due_date=case.invoice.due_date,
                principal=case.invoice.balance,
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

    def _letter_context(self, step: PolicyStep, penalties: PenaltyStatement | None = None) -> LetterContext:
        policy = self._case.policy
        letter_date = policy.local_date(workflow.now())
        pay_by = letter_date + policy.notice_deadline if step.stage != Stage.AMICABLE_REMINDER else None
        return LetterContext(
            case_id=self._case.case_id,
            step_key=step.key,
            stage=step.stage,
            letter_date=letter_date,
            creditor=self._case.creditor,
            debtor=self._case.debtor,
            invoice=self._case.invoice,
            balance=self._balance,
            pay_by=pay_by,
            pay_within=policy.notice_deadline if step.stage == Stage.FORMAL_NOTICE else None,
            previous_letters=[a for a in self._actions if a.step_key is not None],
            penalties=penalties,
            agency=self._case.agency,
        )

    async def _hold_for_agent(self, step: PolicyStep, error: ActivityError) -> None:
        cause = error.cause or error
        await self._hold(
            "step_failed", f"{step.key} failed: {cause}; fix the cause, then resume to run it again"
        )

    async def _hold(self, kind: str, reason: str) -> None:
        """Pause the case for an agent, with the reason they will read."""
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
        await self._journal("case_closed", actor=SYSTEM_ACTOR, detail=f"{state.value}: {why}")

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

    def _publish_search_attributes(self) -> None:
        if not self._publishes_search_attributes:
            return
        changes = search_attribute_changes(
            workflow.info().typed_search_attributes,
            state=self._state,
            stage=self._stage,
            balance=self._balance,
            due_date=self._case.invoice.due_date,
            creditor_siren=self._case.creditor.siren,
            paused=self._state == CaseState.PAUSED,
            disputed=self._dispute_reason is not None,
            needs_person=bool(needs_of(self._status())) if self._publishes_needs else None,
        )
        if changes:
            workflow.upsert_search_attributes(changes)

    # --- status --------------------------------------------------------------------------------

    @workflow.query
    def status(self) -> CaseStatus:
        return self._status()

    def _result(self, message: str) -> CommandResult:
        return CommandResult(message=message, status=self._status())

    def _status(self) -> CaseStatus:
        steps = self._case.policy.steps
        upcoming = None
        if not self._state.is_closed and self._next_index < len(steps):
            upcoming = steps[self._escalate_to if self._escalate_to is not None else self._next_index]
        return CaseStatus(
            case_id=self._case.case_id,
            invoice_number=self._case.invoice.number,
            creditor_name=self._case.creditor.name,
            debtor_name=self._case.debtor.name,
            state=self._state,
            stage=self._stage,
            balance=self._balance,
            currency=self._case.invoice.currency,
            paused=self._state == CaseState.PAUSED,
            pause_reason=self._pause_reason,
            pause_until=self._pause_until,
            next_action=upcoming.key if upcoming else None,
            next_action_at=self._next_at if upcoming else None,
            actions=list(self._actions),
            payments=list(self._payments),
            waiting_for=self._waiting_for(),
            dispute_reason=self._dispute_reason,
            promise=self._promise,
            recovered=self._recovered,
            costs=list(self._costs),
            prescription_ends_on=self._prescription.ends_on if self._prescription else None,
            held_by_case=self._held_by_case and self._state == CaseState.PAUSED,
            approval_pending=self._approval_pending,
            filing_requested_by=self._filing_requested_by if self._approval_pending else None,
            prescription_warned=self._prescription_warned and not self._state.is_closed,
        )

    def _waiting_for(self) -> str | None:
        """What the case waits for from a person or from outside, most pressing first."""
        waits = []
        if self._approval_pending:
            who = "a supervisor" if self._supervisor_asked else "an agent"
            waits.append(f"approval of the judicial filing by {who} other than {self._filing_requested_by}")
        if self._dispute_reason is not None:
            waits.append(f"settlement of the dispute ({self._dispute_reason})")
        if self._promise is not None:
            promise = self._promise
            currency = self._case.invoice.currency
            waits.append(f"the promised payment of {promise.amount} {currency} by {promise.by.isoformat()}")
        if self._awaiting_letter is not None:
            waits.append(f"the outcome of the formal notice's registered letter {self._awaiting_letter}")
        if self._state == CaseState.WITH_BAILIFF:
            waits.append("the reports of the commissaire de justice")
        if self._prescription_warned and self._prescription is not None and not self._state.is_closed:
            ends_on = self._prescription.ends_on.isoformat()
            waits.append(f"a court filing or an acknowledgment before prescription on {ends_on}")
        return "; ".join(waits) or None
