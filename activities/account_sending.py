"""A case asks its debtor's account to send its step with the debtor's other steps of the slot.

A workflow can signal a running workflow, not start one: the account is started here by the first
step that needs it (signal-with-start), through the worker's client, by the account workflow's name.
An attempt retried after the signal went through sends it again; the account ignores a request id
it already holds or answered.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client

from models.debtor_accounts import AccountInput
from models.grouped_sending import SendRequest

ACCOUNT_WORKFLOW = "DebtorAccountWorkflow"


class AccountSendingActivities:
    def __init__(self, client: Client) -> None:
        self._client = client

    @activity.defn
    async def ask_account(self, request: SendRequest) -> None:
        await self._client.start_workflow(
            ACCOUNT_WORKFLOW,
            AccountInput(account_id=request.account_id),
            id=request.account_id,
            task_queue=activity.info().task_queue,
            start_signal="send_step",
            start_signal_args=[request],
        )
