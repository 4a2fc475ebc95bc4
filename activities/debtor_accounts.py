"""The debtor's account asks its cases: their balances, states and stages, and each one's part of
a payment or its command given on the account, sent once; and what the account says of itself
(its payments, its communications).

The cases are other workflows: a workflow cannot query or update another, so these activities do,
through the worker's client, by the names of the case workflow's query and update.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from models.account_commands import CaseCommand, CaseOutcome, CaseUpdate, Outcome
from models.debtor_accounts import AccountCase, AccountInvoice, AccountStatus, CaseBalances, CasePayment
from models.status import CaseStatus, CommandResult

# A case refused its part (closed meanwhile, a balance lowered by another payment): the account says it.
PART_REFUSED = "PartRefused"
QUERY_TIMEOUT = timedelta(seconds=10)


async def account_invoices(client: Client, cases: list[AccountCase]) -> list[AccountInvoice]:
    """Each case of the account with its balance, state and stage as the case says them now; a
    case Temporal no longer keeps (closed beyond the namespace's retention) is left out."""
    statuses = await asyncio.gather(*(case_status_if_kept(client, case.case_id) for case in cases))
    return [
        AccountInvoice(
            **case.model_dump(),
            balance=status.balance,
            currency=status.currency,
            state=status.state,
            stage=status.stage,
            holds=bool(status.paused or status.dispute_reason or status.promise or status.insolvency),
        )
        for case, status in zip(cases, statuses, strict=True)
        if status is not None
    ]


async def case_status_if_kept(client: Client, case_id: str) -> CaseStatus | None:
    """The case's status; None when Temporal has no such case (never started, or closed beyond
    the namespace's retention)."""
    try:
        return await case_status(client, case_id)
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        return None


async def case_status(client: Client, case_id: str) -> CaseStatus:
    return await client.get_workflow_handle(case_id).query("status", result_type=CaseStatus)


async def account_status(client: Client, account_id: str) -> AccountStatus:
    """The account's payments and communications; none while no command or case has needed the
    account (it is not started)."""
    handle = client.get_workflow_handle(account_id)
    try:
        return await handle.query("status", result_type=AccountStatus, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        return AccountStatus(account_id=account_id, case_ids=[], payments=[])


class DebtorAccountActivities:
    def __init__(self, client: Client) -> None:
        self._client = client

    @activity.defn
    async def case_balances(self, request: CaseBalances) -> list[AccountInvoice]:
        return await account_invoices(self._client, request.cases)

    @activity.defn
    async def pay_case(self, part: CasePayment) -> str:
        """Send the case its part under ``part.key``, once (``send_once``); a part refused fails
        the activity, non-retryable, with the case's reason."""
        request = part.payment.model_dump(mode="json")
        command = CaseCommand(case_id=part.case_id, key=part.key, update=CaseUpdate.PAYMENT, request=request)
        answer = await send_once(self._client, command)
        if answer.outcome is Outcome.REFUSED:
            raise ApplicationError(answer.message, type=PART_REFUSED, non_retryable=True)
        return "paiement déjà enregistré" if answer.outcome is Outcome.ALREADY else answer.message

    @activity.defn
    async def command_case(self, command: CaseCommand) -> CaseOutcome:
        """Send the case a command given on its account, once (``send_once``)."""
        return await send_once(self._client, command)


async def send_once(client: Client, command: CaseCommand) -> CaseOutcome:
    """Send the case its update under ``command.key``, once: an update the case took under that key
    before (an attempt retried, a worker killed after the update, the command given again) is not
    sent again, its answer is read back. A refusal is an answer too, with the case's reason."""
    handle = client.get_workflow_handle(command.case_id)
    try:
        # The case workflow never continues as new: every update it took stays in its history.
        earlier = await handle.get_update_handle(command.key, result_type=CommandResult).result()
        return CaseOutcome(outcome=Outcome.ALREADY, message=earlier.message)
    except WorkflowUpdateFailedError as failure:
        return _refused(failure)
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
    try:
        result = await handle.execute_update(
            command.update.value, command.request, id=command.key, result_type=CommandResult
        )
    except WorkflowUpdateFailedError as failure:
        return _refused(failure)
    except RPCError as error:
        if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            # The case ended before the update (paid in full by another door).
            return CaseOutcome(outcome=Outcome.REFUSED, message="le dossier est clos")
        raise
    return CaseOutcome(outcome=Outcome.DONE, message=result.message)


def _refused(failure: WorkflowUpdateFailedError) -> CaseOutcome:
    why = failure.cause.message if failure.cause else str(failure)
    return CaseOutcome(outcome=Outcome.REFUSED, message=why)
