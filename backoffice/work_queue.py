"""An agent's work queue: the running cases that wait for a person, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from temporalio.client import Client

from backoffice.cases import CaseSummary, list_cases
from models.case import CaseStatus
from models.search_attributes import case_query
from workflows.common import SYSTEM_ACTOR


class Need(StrEnum):
    APPROVAL = "approval"
    HELD = "held"
    BROKEN_PROMISE = "broken_promise"
    PRESCRIPTION = "prescription"


@dataclass(frozen=True)
class Attention:
    need: Need
    text: str


def needs_of(status: CaseStatus) -> list[Attention]:
    """What a person must do on the case, most pressing first; empty when it runs by itself."""
    needs = []
    if status.approval_pending:
        needs.append(
            Attention(
                Need.APPROVAL,
                f"judicial filing asked by {status.filing_requested_by}: "
                "another agent approves or rejects it",
            )
        )
    if status.paused and _held_by_the_case(status):
        needs.append(Attention(Need.HELD, status.pause_reason or "held for an agent"))
    broken = _unanswered_broken_promise(status)
    if broken is not None:
        needs.append(Attention(Need.BROKEN_PROMISE, broken))
    if status.prescription_warned and status.prescription_ends_on is not None:
        needs.append(
            Attention(
                Need.PRESCRIPTION,
                f"time-barred after {status.prescription_ends_on.isoformat()}: file in court or obtain an "
                "acknowledgment of the debt",
            )
        )
    return needs


def _held_by_the_case(status: CaseStatus) -> bool:
    """Paused by the case itself (no proof of receipt, a letter refused, a step failed), not by an
    agent who knows why."""
    pauses = [action for action in status.actions if action.detail == status.pause_reason]
    return bool(pauses) and pauses[-1].actor == SYSTEM_ACTOR


def _unanswered_broken_promise(status: CaseStatus) -> str | None:
    """A broken promise no person has acted on since."""
    for action in reversed(status.actions):
        if action.actor != SYSTEM_ACTOR:
            return None
        if action.kind == "promise_broken":
            return action.detail
    return None


@dataclass(frozen=True)
class QueueItem:
    case: CaseSummary
    needs: list[Attention]


async def work_queue(client: Client, task_queue: str | None = None, limit: int = 500) -> list[QueueItem]:
    """The running cases (at most ``limit``) that need a person, approvals first."""
    query = case_query(running_only=True, task_queue=task_queue)
    cases = await list_cases(client, limit=limit, query=query)
    items = [QueueItem(case, needs_of(case.status)) for case in cases if case.status is not None]
    items = [item for item in items if item.needs]
    order = list(Need)
    items.sort(key=lambda item: (order.index(item.needs[0].need), item.case.started_at))
    return items
