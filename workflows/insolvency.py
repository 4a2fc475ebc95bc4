"""Collective proceedings against the debtor (part of ``InvoiceCollectionWorkflow``).

An agent records the opening judgment: the ladder stops at once, no letter, no court, no
commissaire de justice any more (Code de commerce L622-21, L641-3); the case draws the declaration
of its claim to the mandataire judiciaire with the amounts due at the judgment, interest stopped by
it (L622-24, L622-25, L622-28), and reminds the agents before the two months from the BODACC
publication end (R622-24); an agent records that it was sent. The case stays open for what the
proceedings pay, closed once paid. The rules are ``law.insolvency``'s.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import PurePath

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.legal import LegalActivities
    from activities.penalties import PenaltyActivities
    from law.insolvency import (
        PROCEEDINGS_FR,
        check_opening,
        check_subject_to_proceedings,
        claim_at_judgment,
        declaration_deadline,
        in_metropolitan_france,
        receiver_title,
        reminder_day,
    )
    from law.penalties import PenaltyStatement
    from models.commands import ClaimDeclarationSent, InsolvencyDeclared
    from models.court import Exhibit
    from models.enums import CaseState
    from models.insolvency import ClaimDeclarationRequest
    from models.penalties import PenaltyComputation
    from models.status import CommandResult, InsolvencyStatus
    from support.french import date_fr, money_fr

from workflows.common import DOCUMENT_ACTIVITY, SYSTEM_ACTOR, CommandRefused
from workflows.patches import INSOLVENCY


class InsolvencyProceedings:
    """Mixed into the case workflow: uses its state, its journal (``_journal``), the penalties'
    request (``_penalty_request``), the exhibits it keeps (``_exhibits``, ``_kept_exhibit``), the
    parties read again (``_read_parties_again``) and the refusals of the agents' commands."""

    # Until an agent records the proceedings, none; then the reminder of the declaration's deadline.
    # (Defaults of the class: each case sets its own when it changes them.)
    _insolvency: InsolvencyStatus | None = None
    _declaration_watch: asyncio.Task[None] | None = None

    @workflow.update
    async def declare_insolvency(self, request: InsolvencyDeclared) -> CommandResult:
        # Only the histories of the cases that received an opening judgment carry what follows.
        workflow.patched(INSOLVENCY)
        known = self._insolvency
        self._insolvency = self._proceedings(request)
        facts = self._proceedings_fr()
        if known is None:
            with_bailiff = self._state == CaseState.WITH_BAILIFF
            self._stop_the_ladder()
            facts += " : la relance est arrêtée (article L622-21 du Code de commerce)"
            if with_bailiff:
                facts += " ; dossier chez le commissaire de justice : demandez-lui d'arrêter ses actes"
        self._revision += 1
        kind = "insolvency_opened" if known is None else "insolvency_updated"
        await self._journal(kind, actor=request.agent, detail=facts)
        drawn = await self._draw_claim_declaration()
        self._watch_declaration_deadline()
        return self._result(f"{facts} ; {drawn} ; {self._deadline_fr()}")

    @declare_insolvency.validator
    def _validate_insolvency(self, request: InsolvencyDeclared) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        case = self._case
        today = case.policy.local_date(workflow.now())
        try:
            check_subject_to_proceedings(case.debtor.kind)
            check_opening(request.opened_on, case.invoice.issue_date, today)
        except ValueError as error:
            raise CommandRefused(str(error)) from None
        published = request.bodacc_published_on
        if published is not None and published > today:
            raise CommandRefused(f"la publication au BODACC du {date_fr(published)} est dans le futur")
        known = self._insolvency
        if known is None:
            return
        if known.declaration_sent_on is not None:
            raise CommandRefused(
                f"la déclaration de créance est envoyée depuis le {date_fr(known.declaration_sent_on)} : "
                "la procédure enregistrée ne change plus"
            )
        fields = ("kind", "opened_on", "court", "bodacc_published_on", "mandataire")
        proceedings = self._proceedings(request)
        if all(getattr(proceedings, name) == getattr(known, name) for name in fields):
            raise CommandRefused("cette procédure collective est déjà enregistrée telle quelle")

    @workflow.update
    async def declaration_sent(self, request: ClaimDeclarationSent) -> CommandResult:
        insolvency = self._insolvency
        assert insolvency is not None  # the validator required it
        reference = request.reference.strip()
        self._insolvency = insolvency.model_copy(
            update={"declaration_sent_on": request.sent_on, "declaration_reference": reference}
        )
        self._stop_declaration_watch()
        self._revision += 1
        detail = f"déclaration de créance envoyée le {date_fr(request.sent_on)} au {self._receiver()}"
        if reference:
            detail += f" (référence {reference})"
        if insolvency.deadline is not None and request.sent_on > insolvency.deadline:
            detail += (
                f", après le délai du {date_fr(insolvency.deadline)} : demandez au juge-commissaire d'en "
                "être relevé (forclusion, article L622-26 du Code de commerce)"
            )
        await self._journal("claim_declaration_sent", actor=request.agent, detail=detail)
        return self._result(detail)

    @declaration_sent.validator
    def _validate_declaration_sent(self, request: ClaimDeclarationSent) -> None:
        self._refuse_unless_a_person(request)
        self._refuse_if_closed()
        insolvency = self._insolvency
        if insolvency is None:
            raise CommandRefused("aucune procédure collective n'est enregistrée sur ce dossier")
        if insolvency.declaration_sent_on is not None:
            sent_on = date_fr(insolvency.declaration_sent_on)
            raise CommandRefused(f"la déclaration de créance est déjà enregistrée comme envoyée le {sent_on}")
        if request.sent_on > self._case.policy.local_date(workflow.now()):
            raise CommandRefused(f"la date d'envoi ({date_fr(request.sent_on)}) est dans le futur")
        if request.sent_on < insolvency.opened_on:
            raise CommandRefused(
                f"la date d'envoi ({date_fr(request.sent_on)}) précède le jugement d'ouverture "
                f"du {date_fr(insolvency.opened_on)}"
            )

    def _refuse_under_proceedings(self) -> None:
        """What the opening judgment forbids: any step of the ladder, a hold of it (L622-21)."""
        insolvency = self._insolvency
        if insolvency is not None:
            raise CommandRefused(
                f"le débiteur est en {PROCEEDINGS_FR[insolvency.kind]} depuis le "
                f"{date_fr(insolvency.opened_on)} : la relance est arrêtée (article L622-21 du Code "
                "de commerce)"
            )

    def _proceedings(self, request: InsolvencyDeclared) -> InsolvencyStatus:
        """The proceedings as ``request`` records them; what it leaves out (the BODACC publication,
        the mandataire) as it was known."""
        known = self._insolvency
        published = request.bodacc_published_on or (known.bodacc_published_on if known else None)
        deadline = None
        if published is not None:
            creditor = self._case.creditor.address
            in_france = in_metropolitan_france(creditor.country, creditor.postcode)
            # The holiday tables read their translations through gettext, which the sandbox forbids;
            # the day depends only on the dates and the package's version (as the ladder's steps).
            with workflow.unsafe.sandbox_unrestricted():
                deadline = declaration_deadline(published, in_france)
        return InsolvencyStatus(
            kind=request.kind,
            opened_on=request.opened_on,
            court=request.court.strip(),
            recorded_by=request.agent,
            bodacc_published_on=published,
            mandataire=request.mandataire.strip() or (known.mandataire if known else ""),
            deadline=deadline,
            declaration_path=known.declaration_path if known else None,
            declaration_sha256=known.declaration_sha256 if known else None,
            # A reminder given stays given while the deadline it was given for stands.
            reminded=known is not None and known.reminded and known.deadline == deadline,
        )

    def _stop_the_ladder(self) -> None:
        """From the opening judgment no action for payment (L622-21): nothing holds a ladder that
        will not go on, and the prescription's warning is moot (the declaration interrupts it,
        L622-25-1)."""
        self._state = CaseState.INSOLVENCY
        self._held_by_case = False
        self._pause_reason = self._pause_until = None
        self._promise = None
        self._next_at = None
        self._prescription, self._prescription_warned = None, False
        self._stop_prescription_watch()

    async def _draw_claim_declaration(self) -> str:
        """Draw the declaration with the amounts due at the judgment; what was done, in words."""
        insolvency = self._insolvency
        assert insolvency is not None
        case = self._case
        drawn = 1 + sum(action.kind == "claim_declaration_drawn" for action in self._actions)
        try:
            if case.creditor.signatory is None:
                # A case started before signatories were kept: the creditor as completed since.
                await self._read_parties_again()
                case = self._case
            penalties = await self._interest_to_judgment(insolvency.opened_on)
            payments = [(payment.paid_on, payment.amount) for payment in self._payments]
            claim = claim_at_judgment(
                insolvency.opened_on, case.invoice.due_date, case.invoice.balance, payments, penalties
            )
            document = await workflow.execute_activity_method(
                LegalActivities.draw_claim_declaration,
                ClaimDeclarationRequest(
                    case_id=case.case_id,
                    number=drawn,
                    creditor=case.creditor,
                    debtor=case.debtor,
                    invoice=case.invoice,
                    insolvency=insolvency,
                    claim=claim,
                    penalties=penalties,
                    exhibits=await self._claim_exhibits(),
                    drawn_on=case.policy.local_date(workflow.now()),
                ),
                **DOCUMENT_ACTIVITY,
            )
        except ActivityError as error:
            reason = (
                f"déclaration de créance non établie ({error.cause or error}) : corrigez la cause, puis "
                "enregistrez à nouveau la procédure"
            )
            await self._journal("claim_declaration_not_drawn", actor=SYSTEM_ACTOR, detail=reason)
            return reason
        self._documents.append(document)
        if self._insolvency is not None:
            update = {"declaration_path": document.path, "declaration_sha256": document.sha256}
            self._insolvency = self._insolvency.model_copy(update=update)
        total = money_fr(claim.total, case.invoice.currency)
        name = PurePath(document.path).name
        detail = f"déclaration de créance de {total} au {self._receiver()} établie : {name}"
        await self._journal(
            "claim_declaration_drawn", actor=SYSTEM_ACTOR, detail=detail, document_sha256=document.sha256
        )
        return detail

    async def _interest_to_judgment(self, opened_on: date) -> PenaltyStatement | None:
        """The interest accrued up to the opening judgment, which stops it (L622-28); None when the
        invoice was not late by then."""
        request = self._penalty_request(opened_on)
        if request is None:
            return None
        return await workflow.execute_activity_method(
            PenaltyActivities.compute_penalties,
            PenaltyComputation(case_id=self._case.case_id, request=request, stop_at_known_rates=True),
            **DOCUMENT_ACTIVITY,
        )

    async def _claim_exhibits(self) -> list[Exhibit]:
        """What proves the claim (R622-23): the invoice and its order as kept, the letters sent."""
        invoice = self._case.invoice
        exhibits = list(self._exhibits)
        if invoice.pdf_path:
            exhibits.append(await self._kept_exhibit("invoice", invoice.pdf_path, invoice.issue_date))
        if invoice.order_pdf_path:
            exhibits.append(await self._kept_exhibit("order", invoice.order_pdf_path, None))
        return exhibits

    # --- the deadline ---------------------------------------------------------------------------

    def _watch_declaration_deadline(self) -> None:
        """Remind the agents before the deadline, once it is known, of a declaration not sent yet."""
        self._stop_declaration_watch()
        insolvency = self._insolvency
        if insolvency is None or insolvency.deadline is None or insolvency.reminded:
            return
        if insolvency.declaration_sent_on is None:
            self._declaration_watch = asyncio.create_task(self._remind_before(insolvency.deadline))

    async def _remind_before(self, deadline: date) -> None:
        policy = self._case.policy
        remind_at = policy.send_time(reminder_day(deadline, policy.declaration_reminder))
        if remind_at > workflow.now():
            await workflow.sleep(remind_at - workflow.now())
        insolvency = self._insolvency
        if self._state.is_closed or insolvency is None or insolvency.declaration_sent_on is not None:
            return
        self._insolvency = insolvency.model_copy(update={"reminded": True})
        self._revision += 1
        detail = (
            f"la déclaration de créance doit parvenir au {self._receiver()} au plus tard le "
            f"{date_fr(deadline)} (article R622-24 du Code de commerce) : envoyez-la, puis enregistrez "
            "son envoi"
        )
        if policy.local_date(workflow.now()) > deadline:
            detail = (
                f"le délai de déclaration de la créance a expiré le {date_fr(deadline)} : demandez au "
                "juge-commissaire d'en être relevé dans les six mois de la publication au BODACC "
                "(forclusion, article L622-26 du Code de commerce)"
            )
        await self._journal("claim_declaration_reminder", actor=SYSTEM_ACTOR, detail=detail)

    def _stop_declaration_watch(self) -> None:
        if self._declaration_watch is not None and not self._declaration_watch.done():
            self._declaration_watch.cancel()

    async def _follow_proceedings(self) -> None:
        """The ladder over under proceedings: the case waits for what they pay, closed once paid."""
        await workflow.wait_condition(lambda: self._state.is_closed)
        self._stop_declaration_watch()

    # --- in words -------------------------------------------------------------------------------

    def _receiver(self) -> str:
        assert self._insolvency is not None
        return receiver_title(self._insolvency.kind)

    def _proceedings_fr(self) -> str:
        insolvency = self._insolvency
        assert insolvency is not None
        text = (
            f"{PROCEEDINGS_FR[insolvency.kind]}, jugement d'ouverture du {date_fr(insolvency.opened_on)} "
            f"({insolvency.court})"
        )
        if insolvency.bodacc_published_on is not None:
            text += f", publié au BODACC le {date_fr(insolvency.bodacc_published_on)}"
        return text

    def _deadline_fr(self) -> str:
        insolvency = self._insolvency
        assert insolvency is not None
        if insolvency.deadline is None:
            return (
                "renseignez la date de publication au BODACC : le délai de déclaration de deux mois en "
                "part (article R622-24 du Code de commerce)"
            )
        return (
            f"à déclarer au plus tard le {date_fr(insolvency.deadline)} (article R622-24 du Code de commerce)"
        )

    def _proceedings_wait(self) -> str | None:
        """What the case waits for under proceedings (its status's ``waiting_for``)."""
        insolvency = self._insolvency
        if insolvency is None or self._state.is_closed:
            return None
        if insolvency.declaration_sent_on is None:
            if insolvency.deadline is None:
                return "la date de publication au BODACC du jugement d'ouverture"
            return (
                f"l'envoi de la déclaration de créance au {self._receiver()} au plus tard le "
                f"{date_fr(insolvency.deadline)}"
            )
        return "la suite de la procédure collective : admission de la créance, répartitions"
