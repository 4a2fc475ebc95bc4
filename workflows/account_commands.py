"""The commands given on the debtor's account for all its cases at once (part of
``DebtorAccountWorkflow``): pause, resume, promise to pay.

The account asks its cases where they stand, then sends each open one its own update under the
key ``<account>/<update>-<command>/<case>`` (``DebtorAccountActivities.command_case``): the same
command given again, or an attempt retried, is taken once by each case, whatever the account has
carried over. Each case judges the command as if the agent had given it there, and the agent reads
which invoices took it and which refused it, and why. A dispute is no account command: it holds its
own invoice only.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.debtor_accounts import DebtorAccountActivities
    from law.imputation import Overpayment
    from models.account_commands import (
        AccountCommand,
        AccountCommandPart,
        AccountCommandResult,
        AccountPauseRequest,
        AccountPromiseRequest,
        AccountResumeRequest,
        CaseCommand,
        CaseOutcome,
        CaseUpdate,
        Outcome,
    )
    from models.commands import Command, PauseRequest, PromiseRequest, ResumeRequest
    from models.debtor_accounts import AccountInvoice, CaseBalances, split_payment
    from support.french import date_fr, money_fr
    from workflows.common import LEDGER_ACTIVITY, CommandRefused

# A case that did not answer within the activity's retries (a day): the part is counted as refused.
NO_ANSWER = "le dossier n'a pas répondu"


class AccountCommands:
    """Mixed into ``DebtorAccountWorkflow``: uses ``self._account_id`` and ``self._case_ids``."""

    _account_id: str
    _case_ids: list[str]

    @workflow.update
    async def pause_cases(self, request: AccountPauseRequest) -> AccountCommandResult:
        pause = PauseRequest(
            reason=request.reason, until=request.until, agent=request.agent, agent_id=request.agent_id
        )
        invoices = await self._open_invoices(request)
        parts = await self._send_each(request, CaseUpdate.PAUSE, [(i, pause, None) for i in invoices])
        return _result("pause", "appliquée à", parts)

    @pause_cases.validator
    def _validate_pause_cases(self, request: AccountPauseRequest) -> None:
        _refuse_without_cases(request)
        if not request.reason.strip():
            raise CommandRefused("une pause demande un motif")

    @workflow.update
    async def resume_cases(self, request: AccountResumeRequest) -> AccountCommandResult:
        resume = ResumeRequest(agent=request.agent, agent_id=request.agent_id)
        invoices = await self._open_invoices(request)
        parts = await self._send_each(request, CaseUpdate.RESUME, [(i, resume, None) for i in invoices])
        return _result("reprise", "appliquée à", parts)

    @resume_cases.validator
    def _validate_resume_cases(self, request: AccountResumeRequest) -> None:
        _refuse_without_cases(request)

    @workflow.update
    async def promise_for_cases(self, request: AccountPromiseRequest) -> AccountCommandResult:
        """Each open invoice promised its part of the sum by the day promised, split as the payment
        will be (``AccountPromiseRequest``)."""
        invoices = await self._open_invoices(request)
        balance = sum((i.balance for i in invoices if i.takes_payments), Decimal("0.00"))
        if balance == 0:
            raise CommandRefused("aucune facture du compte n'a de solde à promettre")
        amount = request.amount or balance
        try:
            # Code civil 1342-10: the part of each debt as the payment promised will be imputed.
            split = split_payment(amount, request.by, invoices, [])
        except Overpayment:
            raise CommandRefused(
                f"{money_fr(amount)} dépasse le solde du compte ({money_fr(balance)})"
            ) from None
        by_case = {invoice.case_id: invoice for invoice in invoices}
        targets = [
            (
                by_case[part.case_id],
                PromiseRequest(
                    amount=part.amount, by=request.by, agent=request.agent, agent_id=request.agent_id
                ),
                part.amount,
            )
            for part in split
        ]
        parts = await self._send_each(request, CaseUpdate.PROMISE, targets)
        return _result(
            f"promesse de paiement au plus tard le {date_fr(request.by)}", "enregistrée pour", parts
        )

    @promise_for_cases.validator
    def _validate_promise_for_cases(self, request: AccountPromiseRequest) -> None:
        _refuse_without_cases(request)

    async def _open_invoices(self, request: AccountCommand) -> list[AccountInvoice]:
        """The account's invoices whose cases are not closed, as the cases say it now."""
        for case in request.cases:
            if case.case_id not in self._case_ids:
                self._case_ids.append(case.case_id)
        invoices = await workflow.execute_activity_method(
            DebtorAccountActivities.case_balances, CaseBalances(cases=request.cases), **LEDGER_ACTIVITY
        )
        open_invoices = [invoice for invoice in invoices if not invoice.state.is_closed]
        if not open_invoices:
            raise CommandRefused("toutes les factures du compte sont closes")
        return open_invoices

    async def _send_each(
        self,
        request: AccountCommand,
        update: CaseUpdate,
        targets: list[tuple[AccountInvoice, Command, Decimal | None]],
    ) -> list[AccountCommandPart]:
        """Each case its own command, all at once; the parts in the order of the invoices."""
        return list(
            await asyncio.gather(
                *(
                    self._send_one(request.command_id, invoice, update, case_request, amount)
                    for invoice, case_request, amount in targets
                )
            )
        )

    async def _send_one(
        self,
        command_id: str,
        invoice: AccountInvoice,
        update: CaseUpdate,
        case_request: Command,
        amount: Decimal | None,
    ) -> AccountCommandPart:
        command = CaseCommand(
            case_id=invoice.case_id,
            # The update's name in the key: a pause and a resume under one command id are two commands.
            key=f"{self._account_id}/{update.value}-{command_id}/{invoice.case_id}",
            update=update,
            request=case_request.model_dump(mode="json"),
        )
        try:
            answer = await workflow.execute_activity_method(
                DebtorAccountActivities.command_case, command, **LEDGER_ACTIVITY
            )
        except ActivityError as error:
            cause = error.cause
            why = cause.message if isinstance(cause, ApplicationError) else NO_ANSWER
            answer = CaseOutcome(outcome=Outcome.REFUSED, message=why)
        return AccountCommandPart(
            case_id=invoice.case_id,
            invoice_number=invoice.invoice_number,
            outcome=answer.outcome,
            message=answer.message,
            amount=amount,
        )


def _refuse_without_cases(request: AccountCommand) -> None:
    if not request.cases:
        raise CommandRefused("le compte n'a aucune facture")


def _result(what: str, took: str, parts: list[AccountCommandPart]) -> AccountCommandResult:
    """``pause appliquée à 2 factures (F-40, F-20) ; refusée pour la facture F-10 : le dossier est
    déjà en pause (litige)``: what each invoice answered, in one sentence."""
    done = [part for part in parts if part.outcome is Outcome.DONE]
    already = [part for part in parts if part.outcome is Outcome.ALREADY]
    refused = [part for part in parts if part.outcome is Outcome.REFUSED]
    pieces = []
    if done:
        pieces.append(f"{took} {_invoices_fr(done)}")
    if already:
        pieces.append(f"déjà {took} {_invoices_fr(already)}")
    if refused:
        why = " ; ".join(f"pour la facture {part.invoice_number} : {part.message}" for part in refused)
        pieces.append(f"refusée {why}")
    return AccountCommandResult(message=f"{what} {' ; '.join(pieces)}", parts=parts)


def _invoices_fr(parts: list[AccountCommandPart]) -> str:
    """``la facture F-40`` or ``3 factures (F-40, F-20, F-10)``, each with its amount if it has one:
    ``la facture F-40 (1 000,00 €)``, ``2 factures (F-40 : 1 000,00 €, F-20 : 500,00 €)``."""
    if len(parts) == 1:
        part = parts[0]
        amount = f" ({money_fr(part.amount)})" if part.amount is not None else ""
        return f"la facture {part.invoice_number}{amount}"
    names = [
        f"{part.invoice_number} : {money_fr(part.amount)}" if part.amount is not None else part.invoice_number
        for part in parts
    ]
    return f"{len(names)} factures ({', '.join(names)})"
