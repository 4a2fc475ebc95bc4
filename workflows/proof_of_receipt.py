"""The formal notice's delivery, followed to its outcome (part of ``InvoiceCollectionWorkflow``).

The registered-mail provider is asked what became of the letter until it is received, refused or
not claimed. A receipt starts the notice's deadline (commonly 8 days from receipt, domain notes);
a refusal or a letter left at the post office is proof of sending, not of receipt: an agent decides
what follows. No outcome in time: an agent is asked to look.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.mail import MailActivities
    from law.penalties import InterestStart
    from models.court import Exhibit
    from models.enums import CaseState
    from models.mail import (
        DeliveryEvent,
        DeliveryEventKind,
        DeliveryStatus,
        RegisteredLetterReceipt,
        RegisteredStatusRequest,
    )
    from models.policy import PolicyStep
    from models.wording import step_fr
    from support.french import date_fr, words_fr

from workflows.common import DELIVERY_STATUS_ACTIVITY, SYSTEM_ACTOR


class ProofOfReceipt:
    """Mixed into the case workflow: uses its state, its journal (``_journal``) and its hold for
    an agent (``_hold``)."""

    async def _await_proof_of_receipt(
        self, step: PolicyStep, receipt: RegisteredLetterReceipt, letter_key: tuple[str, str] | None = None
    ) -> None:
        """Ask the provider what became of the formal notice until its outcome is known.

        Without an outcome after the policy's wait, an agent is asked to look (the case holds);
        resuming waits as long again. An agent who escalates goes on without the proof.
        ``letter_key`` names a letter the debtor's account sent for several invoices (its account
        and communication); the events go to this case's journal all the same.
        """
        policy = self._case.policy
        case_id, step_key = self._case.case_id, step.key
        request = RegisteredStatusRequest(
            case_id=letter_key[0] if letter_key else case_id,
            step_key=letter_key[1] if letter_key else step_key,
            provider=receipt.provider,
            tracking_id=receipt.tracking_id,
            journal_case_id=case_id if letter_key else None,
            journal_step_key=step_key if letter_key else None,
        )
        self._awaiting_letter = receipt.tracking_id
        give_up_at = workflow.now() + policy.proof_of_receipt_wait
        held = False
        problem = ""
        try:
            while not self._state.is_closed:
                status, problem = await self._delivery_status(request, problem)
                outcome = (
                    next((event for event in status.events if event.kind.final), None) if status else None
                )
                if status is not None and outcome is not None:
                    await self._delivery_outcome(step, status, outcome)
                    return
                if self._escalate_to is not None:
                    await self._journal(
                        "notice_receipt_unproven",
                        actor=SYSTEM_ACTOR,
                        detail=f"{step_fr(step.key)} : escalade avant que la réception de la lettre "
                        f"recommandée {receipt.tracking_id} soit connue ; aucune saisine ne peut s'appuyer "
                        "sur elle",
                    )
                    return
                now = workflow.now()
                if held and self._state == CaseState.OPEN:
                    # The agent resumed: wait as long again.
                    held, give_up_at = False, now + policy.proof_of_receipt_wait
                elif not held and now >= give_up_at and self._state == CaseState.OPEN:
                    held = True
                    news = f" (dernière réponse : {problem})" if problem else ""
                    days = words_fr(policy.proof_of_receipt_wait.days)
                    await self._hold(
                        "proof_of_receipt_missing",
                        f"{step_fr(step.key)} : pas de preuve de réception de la lettre recommandée "
                        f"{receipt.tracking_id} ({receipt.provider}) après {days} jours{news} ; "
                        "interrogez le prestataire ou enregistrez les événements de La Poste, puis "
                        "reprenez le dossier pour attendre de nouveau",
                    )
                check_in = policy.delivery_check_every
                if not held and give_up_at > now:
                    check_in = min(check_in, give_up_at - now)
                revision = self._revision
                try:
                    await workflow.wait_condition(lambda r=revision: self._revision != r, timeout=check_in)
                except TimeoutError:
                    pass
        finally:
            self._awaiting_letter = None

    async def _delivery_status(
        self, request: RegisteredStatusRequest, problem: str
    ) -> tuple[DeliveryStatus | None, str]:
        """The letter's status, or None and why when the provider cannot say now."""
        try:
            status = await workflow.execute_activity_method(
                MailActivities.registered_letter_status, request, **DELIVERY_STATUS_ACTIVITY
            )
        except ActivityError as error:
            return None, str(error.cause or error)
        return status, problem if status is None else ""

    async def _delivery_outcome(
        self, step: PolicyStep, status: DeliveryStatus, outcome: DeliveryEvent
    ) -> None:
        policy = self._case.policy
        day = policy.local_date(outcome.at)
        proof = outcome.proof
        # The provider's own number: for a postal letter, the post's tracking number, not PENDING-….
        letter = f"lettre recommandée {status.tracking_id} ({status.provider})"
        if outcome.kind == DeliveryEventKind.RECEIVED:
            self._notice_received_on = day
            self._receipt_at = outcome.at
            self._interest_start = InterestStart(on=day, outcome="received")
            if proof is not None:
                self._exhibits.append(Exhibit(kind="notice_receipt", document=proof, dated=day))
            deadline = day + policy.notice_deadline
            await self._journal(
                "formal_notice_received",
                actor=SYSTEM_ACTOR,
                detail=f"{step_fr(step.key)} : {letter} reçue le {date_fr(day)} ; le délai de paiement "
                f"court {words_fr(policy.notice_deadline.days)} jours à compter de la réception, jusqu'au "
                f"{date_fr(deadline)}",
                document_sha256=proof.sha256 if proof else None,
            )
            return
        # Refused or left at the post office: the notice is proven sent, not received.
        self._receipt_at = outcome.at
        # It still has effect from its first presentation, as courts count a consumer's interest.
        presented = min(
            [event.at for event in status.events if event.kind == DeliveryEventKind.FIRST_PRESENTATION]
            + [outcome.at]
        )
        self._interest_start = InterestStart(on=policy.local_date(presented), outcome=outcome.kind.value)
        what = "refusée par le débiteur" if outcome.kind == DeliveryEventKind.REFUSED else "non réclamée"
        await self._journal(
            f"formal_notice_{outcome.kind.value}",
            actor=SYSTEM_ACTOR,
            detail=f"{step_fr(step.key)} : {letter} {what} le {date_fr(day)}",
            document_sha256=proof.sha256 if proof else None,
        )
        await self._hold(
            "agent_task",
            f"{step_fr(step.key)} : mise en demeure {what} le {date_fr(day)} ; le débiteur ne l'a pas "
            "reçue, aucune saisine ne peut donc s'appuyer sur elle : faites-la signifier par un "
            "commissaire de justice, ou reprenez le dossier pour continuer à l'amiable",
        )
