"""One step of the ladder (part of ``InvoiceCollectionWorkflow``): its letter rendered and labelled,
what goes with it, its sending by the policy's channel, and the record of what was sent; and the
green label of a creditor who accepted the charter."""

from __future__ import annotations

from pathlib import PurePath

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from activities.labels import LabelActivities
    from activities.legal import LegalActivities
    from activities.parties import PartyActivities
    from law.letters import AGENCY_FIRST_LETTER, letter_template
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
    from models.grouped_sending import AnswerKind
    from models.mail import RegisteredLetterReceipt
    from models.parties import CaseParties
    from models.policy import PolicyStep
    from models.wording import step_fr
    from support.files import file_names_only
    from support.french import date_fr, money_fr

from workflows.common import DOCUMENT_ACTIVITY, HANDOFF_ACTIVITY, STEP_EVENT_KIND, SYSTEM_ACTOR
from workflows.letter_post import post_letter
from workflows.patches import (
    AGENCY_FIRST_LETTER_PENALTIES,
    FOUR_EYES,
    JUDICIAL_ROUTE,
    PENALTY_CLAIMS,
    PROOF_OF_RECEIPT,
    SIGNATORY_READ_AGAIN,
)


class LadderSteps:
    """Mixed into the case workflow: uses its state, its journal (``_journal``), ``_close``, the
    penalties (``_penalties_so_far``, ``_penalty_statement``), the judicial step (``_go_to_court``,
    ``_filing_approved``), the formal notice's delivery (``_await_proof_of_receipt``) and the
    debtor's account (``_sends_with_account``, ``_ask_account``, ``_sent_with_account``)."""

    async def _perform(self, step: PolicyStep) -> None:
        if self._signatory_missing and workflow.patched(SIGNATORY_READ_AGAIN):
            await self._read_parties_again()
        if step.stage == Stage.JUDICIAL_FILING and not await self._judicial_step_goes_on(step):
            return
        self._stage = step.stage
        penalties = None
        if step.stage in (Stage.FORMAL_NOTICE, Stage.PENALTY_CLAIM) and workflow.patched(PENALTY_CLAIMS):
            penalties = await self._penalties_so_far(step)
        elif self._agency_first_letter(step) and workflow.patched(AGENCY_FIRST_LETTER_PENALTIES):
            # CPCE R124-4 3°: principal, interest and accessories apart, as at the letter's date.
            penalties = await self._penalties_so_far(step)
        if self._sends_with_account(step):
            # Enclosures first: the account joins them to a grouped letter.
            enclosures = await self._step_enclosures(step, penalties)
            answer = await self._ask_account(step, penalties, enclosures)
            if answer.kind == AnswerKind.SENT:
                await self._sent_with_account(step, answer, penalties)
                return
            # Alone in its slot: the case sends its own letter.
            letter, labelled = await self._step_letter(step, penalties)
        else:
            letter, labelled = await self._step_letter(step, penalties)
            enclosures = await self._step_enclosures(step, penalties)
        receipt, detail = await self._send_step(step, letter, labelled, enclosures)
        self._remember_letter(step, labelled)
        if penalties is not None:
            detail += self._penalties_detail(penalties)
        self._last_action_at = workflow.now()
        await self._journal(
            STEP_EVENT_KIND[step.stage],
            actor=SYSTEM_ACTOR,
            detail=f"{step_fr(step.key)} : {detail}",
            step_key=step.key,
            document_sha256=labelled.sha256,
            label_code=labelled.label_code,
        )
        if step.stage == Stage.JUDICIAL_FILING:
            await self._close(CaseState.READY_FOR_FILING, "dossier remis au commissaire de justice")
        elif step.stage == Stage.FORMAL_NOTICE and receipt is not None and workflow.patched(PROOF_OF_RECEIPT):
            await self._await_proof_of_receipt(step, receipt)

    def _penalties_detail(self, penalties: PenaltyStatement) -> str:
        total = money_fr(penalties.total, self._case.invoice.currency)
        return f" ; pénalités de {total} au {date_fr(penalties.until)}"

    async def _step_enclosures(
        self, step: PolicyStep, penalties: PenaltyStatement | None
    ) -> list[DocumentRef]:
        """What goes with the step's letter: the invoice and attestation with a reminder, the
        statement with a penalty claim."""
        if step.stage == Stage.AMICABLE_REMINDER:
            return list(self._invoice_documents)
        if step.stage == Stage.PENALTY_CLAIM and penalties is not None:
            enclosures = [await self._penalty_statement(step, penalties)]
            self._documents.extend(enclosures)
            return enclosures
        return []

    def _agency_first_letter(self, step: PolicyStep) -> bool:
        """Whether the step's letter is an agency's first to the debtor, as render_letter picks it."""
        first = not any(action.step_key is not None for action in self._actions)
        by_agency = self._case.agency is not None
        chosen = letter_template(step.template, stage=step.stage, by_agency=by_agency, first_letter=first)
        return chosen == AGENCY_FIRST_LETTER

    async def _read_parties_again(self) -> None:
        """The creditor and the agency as an agent has completed them since a step was refused for
        want of a signatory (an import naming the creditor's, the agency file): the case's input,
        frozen when it started, had none. Read again on every resume until it is read once."""
        case = self._case
        parties = await workflow.execute_activity_method(
            PartyActivities.current_parties,
            CaseParties(creditor=case.creditor, agency=case.agency),
            **DOCUMENT_ACTIVITY,
        )
        self._case = case.model_copy(update={"creditor": parties.creditor, "agency": parties.agency})
        self._signatory_missing = False

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
                "aucun devis signé ni bon de commande au dossier : pas de saisine judiciaire",
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
        if step.channel == Channel.BAILIFF:
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
            name = PurePath(dossier.path).name
            return None, f"dossier {name} (SHA-256 du manifeste {dossier.manifest_sha256})"
        receipt = await post_letter(
            key=(case.case_id, step.key),
            channel=step.channel,
            debtor=case.debtor,
            sender=case.agency or case.creditor,
            letter=letter,
            labelled=labelled,
            enclosures=enclosures,
        )
        if receipt is None:
            return None, "par courriel"
        detail = f"lettre recommandée {receipt.tracking_id} ({receipt.provider}) et copie par courriel"
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
                documents.append(("invoice_labelled", "label vert apposé sur la facture", invoice))
            attestation = await workflow.execute_activity_method(
                LabelActivities.render_attestation,
                AttestationRequest(
                    creditor=case.creditor, issued_on=today, invoice=case.invoice, case_id=case.case_id
                ),
                **DOCUMENT_ACTIVITY,
            )
            charter = "attestation de la charte des bonnes pratiques"
            documents.append(("attestation_issued", charter, attestation))
        except ActivityError as error:
            # The label is a courtesy of the charter, not a condition of collecting: say why and go on.
            await self._journal(
                "invoice_not_labelled",
                actor=SYSTEM_ACTOR,
                detail=f"label non apposé : {file_names_only(str(error.cause or error))}",
            )
        for kind, what, document in documents:
            self._invoice_documents.append(document)
            self._documents.append(document)
            await self._journal(
                kind,
                actor=SYSTEM_ACTOR,
                detail=f"{what} : {PurePath(document.path).name}",
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
