"""The debtor's account asks its cases: their balances, states and stages, and each one's part of
a payment, sent once.

The cases are other workflows: a workflow cannot query or update another, so these activities do,
through the worker's client, by the names of the case workflow's query and update.
"""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from models.debtor_accounts import AccountCase, AccountInvoice, CaseBalances, CasePayment
from models.status import CaseStatus, CommandResult

# A case refused its part (closed meanwhile, a balance lowered by another payment): the account says it.
PART_REFUSED = "PartRefused"


async def account_invoices(client: Client, cases: list[AccountCase]) -> list[AccountInvoice]:
    """Each case of the account with its balance, state and stage as the case says them now."""
    statuses = await asyncio.gather(*(case_status(client, case.case_id) for case in cases))
    return [
        AccountInvoice(
            **case.model_dump(),
            balance=status.balance,
            currency=status.currency,
            state=status.state,
            stage=status.stage,
        )
        for case, status in zip(cases, statuses, strict=True)
    ]


async def case_status(client: Client, case_id: str) -> CaseStatus:
    return await client.get_workflow_handle(case_id).query("status", result_type=CaseStatus)


class DebtorAccountActivities:
    def __init__(self, client: Client) -> None:
        self._client = client

    @activity.defn
    async def case_balances(self, request: CaseBalances) -> list[AccountInvoice]:
        return await account_invoices(self._client, request.cases)

    @activity.defn
    async def pay_case(self, part: CasePayment) -> str:
        """Send the case its part under ``part.key``, once: a part the case recorded already (an
        attempt retried, a worker killed after the update) is not sent again."""
        handle = self._client.get_workflow_handle(part.case_id)
        status = await case_status(self._client, part.case_id)
        if any(payment.key == part.key for payment in status.payments):
            return "paiement déjà enregistré"
        try:
            result = await handle.execute_update(
                "record_payment", part.payment, id=part.key, result_type=CommandResult
            )
        except WorkflowUpdateFailedError as failure:
            message = failure.cause.message if failure.cause else str(failure)
            raise ApplicationError(message, type=PART_REFUSED, non_retryable=True) from failure
        except RPCError as error:
            if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                # The case ended between the query and the update (paid in full by another door).
                raise ApplicationError(
                    "le dossier est clos", type=PART_REFUSED, non_retryable=True
                ) from error
            raise
        return result.message
