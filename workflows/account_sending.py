"""Grouped sending (part of ``DebtorAccountWorkflow``): the steps of the debtor's invoices that fall
due in one send slot go out as one communication per channel.

A case whose step falls due asks its account (signal ``send_step``) and waits for its answer (signal
``account_answer``). The account waits for the slot (the policy's send hour on a business day, plus
a margin for the slot's other steps to reach it), asks each case whether it still sends (a case paid,
paused or disputed meanwhile withdraws), then: a step alone of its kind in the slot is sent by its
case as it always was; the steps of one kind together make one letter, labelled once, with the
statement of account, sent by the channel of their steps; each case journals the same document and
counts its own deadlines from it.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.account_statements import AccountStatementActivities
    from activities.debtor_accounts import DebtorAccountActivities
    from activities.documents import DocumentActivities
    from activities.labels import LabelActivities
    from models.debtor_accounts import AccountCase, AccountInvoice, CaseBalances
    from models.documents import DocumentRef, LabelRequest
    from models.enums import LabelColour, Stage
    from models.grouped_sending import (
        AccountStatementRequest,
        AnswerKind,
        CombineRequest,
        GroupedLetterContext,
        GroupedLetterRequest,
        GroupedSending,
        OverdueInvoice,
        SendAnswer,
        SendRequest,
    )
    from support.files import file_names_only
    from workflows.common import DOCUMENT_ACTIVITY, LEDGER_ACTIVITY
    from workflows.letter_post import post_letter

# The grouped letter of each stage (letter_templates/grouped_*.html.j2).
GROUPED_TEMPLATES = {
    Stage.AMICABLE_REMINDER: "grouped_reminder",
    Stage.FORMAL_NOTICE: "grouped_formal_notice",
    Stage.PENALTY_CLAIM: "grouped_penalty_claim",
}
_SEVERITY = [LabelColour.GREEN, LabelColour.ORANGE, LabelColour.RED]
WITHDRAWN = "le dossier ne l'envoie plus (clos, en pause, contesté ou promis depuis)"
ESCALATED = "remplacée par l'escalade demandée"


class AccountSending:
    """Mixed into ``DebtorAccountWorkflow``: uses ``self._account_id``, ``self._pending``,
    ``self._arrivals``, ``self._answered``, ``self._cases`` and ``self._communications``."""

    @workflow.signal
    def send_step(self, request: SendRequest) -> None:
        if request.request_id in self._answered or request.request_id in self._pending:
            return
        self._pending[request.request_id] = request
        self._arrivals += 1
        self._cases[request.case_id] = AccountCase(
            case_id=request.case_id, invoice_number=request.invoice_number, due_date=request.due_date
        )
        if request.case_id not in self._case_ids:
            self._case_ids.append(request.case_id)

    @workflow.signal
    async def withdraw_step(self, request_id: str) -> None:
        """The case no longer sends the step (an agent escalated it): withdrawn, unless the step
        is being sent already — its answer then says what was sent."""
        request = self._pending.pop(request_id, None) or self._withdraw_claim(request_id)
        if request is not None:
            await self._answer(
                request, SendAnswer(request_id=request_id, kind=AnswerKind.WITHDRAWN, reason=ESCALATED)
            )

    async def _send_next_slot(self) -> None:
        """Wait for the earliest slot waited for, then send every step of that slot."""
        while True:
            if not self._pending or self._decided_dossier() is not None:
                # A dossier its lead decided on is filed first (workflows/account_filing.py).
                return
            first = min(self._pending.values(), key=lambda request: request.slot)
            # A claim is asked once its exhibits and history are drawn, which takes a while: the
            # slot's other claims have a margin more to reach the account (none for an escalation).
            gathers = first.claim is not None and not first.at_once
            late = first.policy.grouping_margin if gathers else timedelta(0)
            send_at = max(first.slot + late, workflow.now())
            if send_at <= workflow.now():
                break
            # A step asked meanwhile may be due sooner (an escalation): look again when one comes.
            arrivals = self._arrivals
            try:
                await workflow.wait_condition(
                    lambda seen=arrivals: self._arrivals != seen, timeout=send_at - workflow.now()
                )
            except TimeoutError:
                pass
        # The cases ask their steps a margin ahead of the slot; within it, steps are of one slot
        # (a demo's cases, started a few milliseconds apart, count their seconds from their start).
        joins_until = send_at + first.policy.grouping_margin
        batch = sorted(
            (request for request in self._pending.values() if request.slot <= joins_until),
            key=lambda request: (request.due_date, request.invoice_number),
        )
        for request in batch:
            del self._pending[request.request_id]
        invoices = await workflow.execute_activity_method(
            DebtorAccountActivities.case_balances,
            CaseBalances(cases=list(self._cases.values())),
            **LEDGER_ACTIVITY,
        )
        by_case = {invoice.case_id: invoice for invoice in invoices}
        going = []
        for request in batch:
            invoice = by_case.get(request.case_id)
            if invoice is not None and invoice.takes_payments and not invoice.holds:
                going.append(request)
            else:
                await self._answer(
                    request,
                    SendAnswer(request_id=request.request_id, kind=AnswerKind.WITHDRAWN, reason=WITHDRAWN),
                )
        for (stage, _), group in self._groups(going).items():
            key = f"{send_at.strftime('%Y%m%dT%H%M%S')}-{stage.value}"
            if len(group) == 1:
                alone = SendAnswer(request_id=group[0].request_id, kind=AnswerKind.ALONE)
                await self._answer(group[0], alone)
            elif stage == Stage.JUDICIAL_FILING:
                await self._open_dossier(key, group)
            else:
                await self._send_group(key, stage, group, invoices)

    def _groups(self, going: list[SendRequest]) -> dict[tuple[Stage, str], list[SendRequest]]:
        """The slot's steps by stage and currency (one letter is in one currency), in ``going``'s
        order; with ``formal_notice_covers = "all_overdue"``, the amicable steps join the formal
        notice sent in the same slot."""
        covering = {
            request.context.invoice.currency
            for request in going
            if request.step.stage == Stage.FORMAL_NOTICE
            and request.policy.formal_notice_covers == "all_overdue"
        }
        groups: dict[tuple[Stage, str], list[SendRequest]] = {}
        for request in going:
            stage, currency = request.step.stage, request.context.invoice.currency
            if stage == Stage.AMICABLE_REMINDER and currency in covering:
                stage = Stage.FORMAL_NOTICE
            groups.setdefault((stage, currency), []).append(request)
        return groups

    async def _send_group(
        self, key: str, stage: Stage, group: list[SendRequest], invoices: list[AccountInvoice]
    ) -> None:
        """One letter for the group's steps, sent by their channel; each case told what was sent."""
        try:
            sending = await self._grouped_sending(key, stage, group, invoices)
        except ActivityError as error:
            await self._failed(group, "envoi groupé en échec", error)
            return
        self._communications.append(sending)
        for request in group:
            as_stage = stage if request.step.stage != stage else None
            sent = SendAnswer(
                request_id=request.request_id, kind=AnswerKind.SENT, sending=sending, as_stage=as_stage
            )
            await self._answer(request, sent)

    async def _grouped_sending(
        self, key: str, stage: Stage, group: list[SendRequest], invoices: list[AccountInvoice]
    ) -> GroupedSending:
        first = group[0].context
        notice = next((r.context for r in group if r.step.stage == stage), first)
        letters = [
            request.context
            if request.step.stage == stage
            else request.context.model_copy(
                update={"stage": stage, "pay_by": notice.pay_by, "pay_within": notice.pay_within}
            )
            for request in group
        ]
        in_letter = {request.case_id for request in group}
        others = [
            OverdueInvoice(
                invoice_number=invoice.invoice_number,
                due_date=invoice.due_date,
                days_late=(first.letter_date - invoice.due_date).days,
                balance=invoice.balance,
                currency=invoice.currency,
            )
            for invoice in invoices
            if invoice.case_id not in in_letter
            and invoice.takes_payments
            and invoice.due_date < first.letter_date
        ]
        context = GroupedLetterContext(
            account_id=self._account_id,
            communication_key=key,
            stage=stage,
            letter_date=first.letter_date,
            letters=letters,
            others=others,
        )
        letter = await workflow.execute_activity_method(
            DocumentActivities.render_grouped_letter,
            GroupedLetterRequest(template=GROUPED_TEMPLATES[stage], context=context),
            **DOCUMENT_ACTIVITY,
        )
        colour = max((request.step.label for request in group), key=_SEVERITY.index)
        labelled = await workflow.execute_activity_method(
            LabelActivities.label_pdf,
            LabelRequest(case_id=self._account_id, step_key=key, source=letter.document, colour=colour),
            **DOCUMENT_ACTIVITY,
        )
        enclosures = await self._enclosures(key, stage, group)
        channel = group[0].step.channel
        receipt = await post_letter(
            key=(self._account_id, key),
            channel=channel,
            debtor=first.debtor,
            sender=first.agency or first.creditor,
            letter=letter,
            labelled=labelled,
            enclosures=enclosures,
        )
        return GroupedSending(
            communication_key=key,
            stage=stage,
            channel=channel,
            label=colour,
            document=labelled,
            enclosures=enclosures,
            receipt=receipt,
            sent_at=workflow.now(),
            invoice_numbers=[request.invoice_number for request in group],
            case_ids=[request.case_id for request in group],
        )

    async def _enclosures(self, key: str, stage: Stage, group: list[SendRequest]) -> list[DocumentRef]:
        """The statement of account with every grouped letter; each invoice's penalty statement made
        one with a penalty claim; the labelled invoices and attestation with a reminder."""
        statement = await workflow.execute_activity_method(
            AccountStatementActivities.draw_statement,
            AccountStatementRequest(
                account_id=self._account_id,
                case_ids=list(self._cases),
                drawn_on=group[0].context.letter_date,
                communication_key=key,
            ),
            **DOCUMENT_ACTIVITY,
        )
        statements = [document for request in group for document in request.enclosures]
        if stage == Stage.PENALTY_CLAIM and statements:
            combined = await workflow.execute_activity_method(
                DocumentActivities.combine_documents,
                CombineRequest(account_id=self._account_id, name=f"{key}-decomptes", documents=statements),
                **DOCUMENT_ACTIVITY,
            )
            return [statement, combined]
        attached: list[DocumentRef] = []
        for request in group:
            attached.extend(document for document in request.enclosures if document not in attached)
        return [statement, *attached]

    async def _failed(self, requests: list[SendRequest], what: str, error: ActivityError) -> None:
        """Tell each case that what the account did for them failed for good, and why: it waits
        for an agent, as after a step of its own that failed."""
        cause = error.cause or error
        message = cause.message if isinstance(cause, ApplicationError) else str(cause)
        reason = f"{what} ({file_names_only(message)})"
        for request in requests:
            await self._answer(
                request, SendAnswer(request_id=request.request_id, kind=AnswerKind.FAILED, reason=reason)
            )

    async def _answer(self, request: SendRequest, answer: SendAnswer) -> None:
        self._answered.add(request.request_id)
        try:
            await workflow.get_external_workflow_handle(request.case_id).signal("account_answer", answer)
        except FailureError:
            # The case ended meanwhile (paid in full by another door): nothing waits for the answer.
            pass
