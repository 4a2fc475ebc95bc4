"""An agent's work queue: the running cases that wait for a person, and why."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client

from backoffice.cases import CaseSummary, list_cases, statuses_of
from models.attention import Attention, Need, needs_of
from models.search_attributes import case_query


@dataclass(frozen=True)
class QueueItem:
    case: CaseSummary
    needs: list[Attention]


async def work_queue(client: Client, task_queue: str | None = None, limit: int = 500) -> list[QueueItem]:
    """The running cases (at most ``limit``) that need a person, approvals first: those that say so
    through visibility, each asked what it needs."""
    query = case_query(running_only=True, task_queue=task_queue, needs_person=True)
    cases = await list_cases(client, limit=limit, query=query)
    # What each needs, in words, only the case itself knows: only the cases that need a person
    # (and those started before they said so) are asked.
    statuses = await statuses_of(client, cases)
    items = [QueueItem(case, needs_of(statuses[case.case_id])) for case in cases if case.case_id in statuses]
    items = [item for item in items if item.needs]
    order = list(Need)
    items.sort(key=lambda item: (order.index(item.needs[0].need), item.case.started_at))
    return items
