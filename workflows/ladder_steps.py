"""One step of the ladder (part of ``InvoiceCollectionWorkflow``): its letter rendered and labelled,
what goes with it, its sending by the policy's channel, and the record of what was sent; and the
green label of a creditor who accepted the charter."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from activities.labels import LabelActivities
    from activities.legal import LegalActivities
    from activities.mail import MailActivities
    from law.penalties import PenaltyStatement
    from models.court import Exhibit, HandoffRequest
    from models.documents import (
        AttestationRequest,
        DocumentRef,
        InvoiceLabelRequest,
        LabelRequest,
        LetterContext,
        RenderedLetter,
        RenderLetterRequest,
    )
    from models.enums import CaseState, Channel, Stage
    from models.mail import EmailRequest, RegisteredLetterReceipt, RegisteredLetterRequest
    from models.policy import PolicyStep

from workflows.common import DOCUMENT_ACTIVITY, HANDOFF_ACTIVITY, MAIL_ACTIVITY, STEP_EVENT_KIND, SYSTEM_ACTOR
from workflows.patches import FOUR_EYES, JUDICIAL_ROUTE, PENALTY_CLAIMS, PROOF_OF_RECEIPT


class LadderSteps:
    """Mixed into the case workflow: uses its state, its journal (``_journal``), ``_close``, the
    penalties (``_penalties_so_far``, ``_penalty_statement``), the judicial step (``_go_to_court``,
    ``_filing_approved``) and the formal notice's delivery (``_await_proof_of_receipt``)."""

    async def _perform(self, step: PolicyStep) -> None:
        if step.stage == Stage.JUDICIAL_FILING and not await self._judicial_step_goes_on(step):
            return
        self._stage = step.stage
        penalties = None
        if step.stage in (Stage.FORMAL_NOTICE, Stage.PENALTY_CLAIM) and workflow.patched(PENALTY_CLAIMS):
            penalties = await self._penalties_so_far(step)
        letter, labelled = await self._step_letter(step, penalties)
        # What goes with the letter: the invoice and attestation with a reminder, the statement
        # with a penalty claim.
        enclosures: list[DocumentRef] = []
        if step.stage == Stage.AMICABLE_REMINDER:
            enclosures = list(self._invoice_documents)
        elif step.stage == Stage.PENALTY_CLAIM and penalties is not None:
            enclosures = [await self._penalty_statement(step, penalties)]
            self._documents.extend(enclosures)
        receipt, detail = await self._send_step(step, letter, labelled, enclosures)
        self._remember_letter(step, labelled)
        if penalties is not None:
            currency = self._case.invoice.currency
            detail += f"; penalties {penalties.total} {currency} as at {penalties.until.isoformat()}"
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

    async def _judicial_step_goes_on(self, step: PolicyStep) -> bool:
        """Whether a judicial step still hands a dossier over here, as cases before the judicial
        route did; since that route, the court step (``_go_to_court``) takes it whole."""
        if workflow.patched(JUDICIAL_ROUTE):
            await self._go_to_court(step)
            return False
        if not self._case.invoice.order_reference:
            # Without a signed quote or order the creditor has weak grounds in court (domain notes):
            # such a case stays amicable.
            await self._close(
                CaseState.KEPT_AMICABLE,
                "no signed quote or purchase order on file: judicial filing not attempted",
            )
            return False
        if workflow.patched(FOUR_EYES):
            return await self._filing_approved(step)
        return True

    async def _step_letter(
        self, step: PolicyStep, penalties: PenaltyStatement | None
    ) -> tuple[RenderedLetter, DocumentRef]:
        """The step's letter, rendered, and its PDF with the step's label."""
        letter = await workflow.execute_activity_method(
            DocumentActivities.render_letter,
            RenderLetterRequest(template=step.template, context=self._letter_context(step, penalties)),
            **DOCUMENT_ACTIVITY,
        )
        labelled = await workflow.execute_activity_method(
            LabelActivities.label_pdf,
            LabelRequest(
                case_id=self._case.case_id, step_key=step.key, source=letter.document, colour=step.label
            ),
            **DOCUMENT_ACTIVITY,
        )
        self._documents.append(labelled)
        return letter, labelled

    async def _send_step(
        self, step: PolicyStep, letter: RenderedLetter, labelled: DocumentRef, enclosures: list[DocumentRef]
    ) -> tuple[RegisteredLetterReceipt | None, str]:
        """Send the step by its channel (a registered letter and its copy by email, a dossier to the
        commissaire de justice, an email); the receipt of a registered letter, and what was done."""
        case = self._case
        receipt: RegisteredLetterReceipt | None = None
        if step.channel == Channel.REGISTERED_LETTER:
            sender = case.agency or case.creditor
            receipt = await workflow.execute_activity_method(
                MailActivities.send_registered_letter,
                RegisteredLetterRequest(
                    case_id=case.case_id,
                    step_key=step.key,
                    recipient_name=case.debtor.name,
                    recipient_address=case.debtor.address,
                    sender_name=sender.name,
                    sender_address=sender.address,
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
        return receipt, detail

    def _remember_letter(self, step: PolicyStep, labelled: DocumentRef) -> None:
        """What the case keeps of a letter sent: the notice's date, and the letters a court dossier
        would produce."""
        letter_date = self._case.policy.local_date(workflow.now())
        if step.stage == Stage.FORMAL_NOTICE:
            self._formal_notice_sent = True
            self._notice_date = letter_date
            self._exhibits.append(Exhibit(kind="formal_notice", document=labelled, dated=letter_date))
        elif step.stage == Stage.AMICABLE_REMINDER:
            self._exhibits.append(Exhibit(kind="reminder", document=labelled, dated=letter_date))

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
                AttestationRequest(
                    creditor=case.creditor, issued_on=today, invoice=case.invoice, case_id=case.case_id
                ),
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
