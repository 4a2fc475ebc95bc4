"""Cases as the back office reads them: one case's handle, whether it has ended, lists of cases as
visibility says they stand. Importing invoices is ``backoffice.intake``; commands, ``backoffice.commands``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus, WorkflowHandle

from models.enums import CaseState, Stage
from models.search_attributes import (
    BALANCE_CENTS,
    DISPUTED,
    NEXT_ACTION,
    NEXT_ACTION_AT,
    NO_ACTION,
    NO_STAGE,
    PAUSED,
    STAGE,
    STATE,
)
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
    """A case as visibility lists it: its search attributes and memo, no question to the case
    itself. A case started before it published an attribute lists it as None."""

    case_id: str
    execution_status: str
    started_at: str
    memo: dict[str, str]
    state: CaseState | None = None
    stage: Stage | None = None
    balance: Decimal | None = None
    paused: bool | None = None
    disputed: bool | None = None
    next_action: str | None = None
    next_action_at: datetime | None = None


QUERY_TIMEOUT = timedelta(seconds=10)
# Status queries in flight at once where a page needs each case's own answer (the work queue).
QUERY_CONCURRENCY = 16
CASES_QUERY = "WorkflowType = 'InvoiceCollectionWorkflow'"


async def list_cases(client: Client, limit: int, query: str) -> list[CaseSummary]:
    """The cases a visibility query finds (``models.search_attributes.case_query``), as visibility
    says they stand."""
    executions = [execution async for execution in client.list_workflows(query, limit=limit)]
    return [await summary_of(execution) for execution in executions]


async def list_case_page(
    client: Client, query: str, page_size: int, page_token: bytes | None = None
) -> tuple[list[CaseSummary], bytes | None]:
    """One page of the cases a visibility query finds, newest first, and the token of the next
    page (None after the last)."""
    executions = client.list_workflows(query, page_size=page_size, next_page_token=page_token)
    await executions.fetch_next_page()
    summaries = [await summary_of(execution) for execution in executions.current_page]
    return summaries, executions.next_page_token or None


async def summary_of(execution: WorkflowExecution) -> CaseSummary:
    attributes = execution.typed_search_attributes
    try:
        memo = await execution.memo()
    except PayloadDecryptionError:
        # Sealed with a key this process lacks: the case is listed without it.
        memo = {}
    state, stage, cents = attributes.get(STATE), attributes.get(STAGE), attributes.get(BALANCE_CENTS)
    next_action = attributes.get(NEXT_ACTION)
    # NO_ACTION: nothing ahead, and the moment left beside it means nothing.
    ahead = next_action if next_action and next_action != NO_ACTION else None
    return CaseSummary(
        case_id=execution.id,
        execution_status=execution.status.name if execution.status else "UNKNOWN",
        started_at=execution.start_time.isoformat(),
        memo={key: str(value) for key, value in memo.items()},
        state=CaseState(state) if state else None,
        stage=Stage(stage) if stage and stage != NO_STAGE else None,
        balance=Decimal(cents).scaleb(-2) if cents is not None else None,
        paused=attributes.get(PAUSED),
        disputed=attributes.get(DISPUTED),
        next_action=ahead,
        next_action_at=attributes.get(NEXT_ACTION_AT) if ahead else None,
    )


async def statuses_of(client: Client, cases: list[CaseSummary]) -> dict[str, CaseStatus]:
    """The status each case answers, asked a few at a time (the server refuses a flood); a case
    that cannot answer (terminated, or no worker running) is left out."""
    limit = asyncio.Semaphore(QUERY_CONCURRENCY)

    async def status(case: CaseSummary) -> tuple[str, CaseStatus | None]:
        async with limit:
            try:
                return case.case_id, await case_handle(client, case.case_id).query(
                    InvoiceCollectionWorkflow.status, rpc_timeout=QUERY_TIMEOUT
                )
            except Exception:
                return case.case_id, None

    answers = await asyncio.gather(*(status(case) for case in cases))
    return {case_id: answer for case_id, answer in answers if answer is not None}
