"""Cases as the back office reads them: one case's handle, whether it has ended, lists of cases with
the status each answers. Importing invoices is ``backoffice.intake``; commands, ``backoffice.commands``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus, WorkflowHandle

from models.status import CaseStatus
from security.payload_codec import PayloadDecryptionError
from workflows import InvoiceCollectionWorkflow


def case_handle(client: Client, case_id: str) -> WorkflowHandle[InvoiceCollectionWorkflow, CaseStatus]:
    return client.get_workflow_handle_for(InvoiceCollectionWorkflow.run, case_id)


async def how_it_ended(client: Client, case_id: str) -> str | None:
    """How the case's workflow ended (``completed``, ``terminated``…; ``ended`` when the server does
    not say), or None while it runs. ``RPCError`` when the server cannot tell (no such case)."""
    description = await client.get_workflow_handle(case_id).describe()
    if description.status == WorkflowExecutionStatus.RUNNING:
        return None
    return description.status.name.lower() if description.status else "ended"


@dataclass
class CaseSummary:
    case_id: str
    execution_status: str
    started_at: str
    memo: dict[str, str]
    status: CaseStatus | None


QUERY_TIMEOUT = timedelta(seconds=10)
CASES_QUERY = "WorkflowType = 'InvoiceCollectionWorkflow'"


async def list_cases(client: Client, limit: int, query: str) -> list[CaseSummary]:
    """The cases a visibility query finds (``models.search_attributes.case_query``), each with the
    status it answers."""
    executions = [execution async for execution in client.list_workflows(query, limit=limit)]
    return await summarize(client, executions)


async def list_case_page(
    client: Client, query: str, page_size: int, page_token: bytes | None = None
) -> tuple[list[CaseSummary], bytes | None]:
    """One page of the cases a visibility query finds, newest first, and the token of the next
    page (None after the last)."""
    executions = client.list_workflows(query, page_size=page_size, next_page_token=page_token)
    await executions.fetch_next_page()
    return await summarize(client, list(executions.current_page)), executions.next_page_token or None


async def summarize(client: Client, executions: list[WorkflowExecution]) -> list[CaseSummary]:
    """Each case with the status it answers (asked all at once)."""

    async def summary(execution: WorkflowExecution) -> CaseSummary:
        status: CaseStatus | None
        try:
            status = await case_handle(client, execution.id).query(
                InvoiceCollectionWorkflow.status, rpc_timeout=QUERY_TIMEOUT
            )
        except Exception:
            # A case that cannot answer (terminated, or no worker running) is listed without details.
            status = None
        try:
            memo = await execution.memo()
        except PayloadDecryptionError:
            # Sealed with a key this process lacks: the case is listed without it.
            memo = {}
        return CaseSummary(
            case_id=execution.id,
            execution_status=execution.status.name if execution.status else "UNKNOWN",
            started_at=execution.start_time.isoformat(),
            memo={key: str(value) for key, value in memo.items()},
            status=status,
        )

    return list(await asyncio.gather(*(summary(execution) for execution in executions)))
