"""A step sent through the debtor's account (part of ``InvoiceCollectionWorkflow``): the case asks
its account to send its step with the debtor's other steps of the slot, then journals what the
account answered — the shared letter, with its SHA-256 and label code, and when it went out.

The case keeps its own timeline: it decides when its step falls due, computes its penalties and
renders its enclosures; the shared letter's sending time is its last action, and a grouped formal
notice's receipt starts its own deadline.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.account_sending import AccountSendingActivities
    from law.penalties import PenaltyStatement
    from models.court import FilingRequest
    from models.documents import DocumentRef
    from models.enums import Channel, Stage
    from models.grouped_sending import AnswerKind, SendAnswer, SendRequest
    from models.policy import PolicyStep
    from models.wording import stage_fr, step_fr

from workflows.common import LEDGER_ACTIVITY, STEP_EVENT_KIND, SYSTEM_ACTOR
from workflows.patches import GROUPED_SENDING, PROOF_OF_RECEIPT

GROUPED_CHANNELS = (Channel.EMAIL, Channel.REGISTERED_LETTER)


class StepNotSent(Exception):
    """The account did not send the step: withdrawn (the case no longer sends it) or failed (the
    case waits for an agent, as for a step whose activity failed)."""

    def __init__(self, reason: str, *, failed: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.failed = failed


class StepsThroughAccount:
    """Mixed into the case workflow: uses its state, ``_letter_context``, ``_remember_letter``,
    ``_journal`` and ``_await_proof_of_receipt``."""

    @workflow.signal
    def account_answer(self, answer: SendAnswer) -> None:
        self._account_answers[answer.request_id] = answer

    def _sends_with_account(self, step: PolicyStep) -> bool:
        """Whether the step goes out through the debtor's account: a letter or an email of a case
        started with its account, unless the policy sends per invoice. An agency's first letter,
        with its own mentions (CPCE R124-4), goes out alone."""
        case = self._case
        return (
            case.account_id is not None
            and case.policy.group_by_debtor
            and step.channel in GROUPED_CHANNELS
            and not self._agency_first_letter(step)
            and workflow.patched(GROUPED_SENDING)
        )

    def _account_lead(self, step: PolicyStep) -> timedelta:
        """How long before its moment the step is asked of the account: the account sends at the
        slot itself what reached it by then."""
        through_account = self._sends_with_account(step) or self._files_with_account(step)
        return self._case.policy.grouping_margin if through_account else timedelta(0)

    async def _ask_account(
        self,
        step: PolicyStep,
        penalties: PenaltyStatement | None,
        enclosures: list[DocumentRef],
        claim: FilingRequest | None = None,
    ) -> SendAnswer:
        """Ask the account to send the step in its slot (or to file the judicial step's ``claim``),
        and wait for its answer; ``StepNotSent`` when the case closed meanwhile."""
        case = self._case
        assert case.account_id is not None
        self._askings += 1
        request = SendRequest(
            account_id=case.account_id,
            request_id=f"{case.case_id}/{workflow.info().run_id}/{self._askings}",
            case_id=case.case_id,
            invoice_number=case.invoice.number,
            due_date=case.invoice.due_date,
            step=step,
            planned_at=self._due_at or workflow.now(),
            at_once=self._due_at is None,
            context=self._letter_context(step, penalties),
            enclosures=enclosures,
            policy=case.policy,
            claim=claim,
        )
        await workflow.execute_activity_method(
            AccountSendingActivities.ask_account, request, **LEDGER_ACTIVITY
        )
        self._awaiting_account = request
        try:
            await self._await_answer(step, request)
        finally:
            self._awaiting_account = None
        answer = self._account_answers.pop(request.request_id, None)
        if answer is None and self._insolvency is not None:
            raise StepNotSent(
                "procédure collective ouverte : pas de saisine (article L622-21 du Code de commerce)",
                failed=False,
            )
        if answer is None:
            raise StepNotSent("dossier clos avant l'envoi groupé", failed=False)
        if answer.kind == AnswerKind.WITHDRAWN:
            raise StepNotSent(answer.reason, failed=False)
        if answer.kind == AnswerKind.FAILED:
            raise StepNotSent(answer.reason, failed=True)
        return answer

    async def _await_answer(self, step: PolicyStep, request: SendRequest) -> None:
        """Wait for the account's answer; as a dossier's lead, obtain its approval meanwhile. An
        escalation (or, for a claim, collective proceedings) withdraws the step: the account
        answers at once, unless the step is being sent already (then it says so)."""
        withdrawn = False
        asks = self._dossier_asks
        while not self._state.is_closed and request.request_id not in self._account_answers:
            if request.request_id in asks:
                ask = asks.pop(request.request_id)
                if await self._decide_dossier(step, request.account_id, ask) is None:
                    return  # left before anyone decided: the account forms the dossier without it
                continue
            if self._leaves_account(request) and not withdrawn:
                withdrawn = True
                await workflow.get_external_workflow_handle(request.account_id).signal(
                    "withdraw_step", request.request_id
                )
            await workflow.wait_condition(
                lambda asked=withdrawn: (
                    self._state.is_closed
                    or request.request_id in self._account_answers
                    or request.request_id in asks
                    or (self._leaves_account(request) and not asked)
                )
            )

    def _leaves_account(self, request: SendRequest) -> bool:
        """Whether the case takes its step back from the account: an agent escalated it, or
        collective proceedings stop its claim (Code de commerce L622-21)."""
        return self._escalate_to is not None or (request.claim is not None and self._insolvency is not None)

    async def _sent_with_account(
        self, step: PolicyStep, answer: SendAnswer, penalties: PenaltyStatement | None
    ) -> None:
        """Journal the shared letter as this case's step, and follow a formal notice's receipt."""
        sending = answer.sending
        assert sending is not None
        if answer.as_stage is not None:
            # An amicable step covered by the grouped formal notice: the case's own notice is sent.
            step = self._covering_step(step, answer.as_stage)
        self._stage = step.stage
        letter = sending.document
        self._documents.append(letter)
        self._remember_letter(step, letter)
        self._last_action_at = sending.sent_at
        others = len(sending.invoice_numbers) - 1
        how = "lettre recommandée groupée" if sending.receipt else "courriel groupé"
        detail = f"{how} (avec {others} autre{'s' if others > 1 else ''} facture{'s' if others > 1 else ''})"
        if sending.receipt:
            detail += f" {sending.receipt.tracking_id} ({sending.receipt.provider}) et copie par courriel"
        if answer.as_stage is not None:
            detail += f", qui couvre cette facture au titre de la {stage_fr(answer.as_stage)}"
        if penalties is not None:
            detail += self._penalties_detail(penalties)
        await self._journal(
            STEP_EVENT_KIND[step.stage],
            actor=SYSTEM_ACTOR,
            detail=f"{step_fr(step.key)} : {detail}",
            step_key=step.key,
            document_sha256=letter.sha256,
            label_code=letter.label_code,
        )
        receipt = sending.receipt
        if step.stage == Stage.FORMAL_NOTICE and receipt is not None and workflow.patched(PROOF_OF_RECEIPT):
            letter_key = (self._case.account_id, sending.communication_key)
            await self._await_proof_of_receipt(step, receipt, letter_key=letter_key)

    def _covering_step(self, step: PolicyStep, stage: Stage) -> PolicyStep:
        """The case's own step of ``stage`` (the ladder goes on after it), or ``step`` when its
        policy has none."""
        steps = self._case.policy.steps
        index = next((i for i, candidate in enumerate(steps) if candidate.stage == stage), None)
        if index is None:
            return step
        self._next_index = max(self._next_index, index + 1)
        return steps[index]
