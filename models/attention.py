"""What a case needs from a person, if anything: the agents' work queue lists these cases, and the
case publishes whether it has any need (search attribute ``RelanceNeedsPerson``).

Pure: the workflow computes it from its own state, so it must stay deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.status import CaseStatus

# Who acts for the system in journals and histories (the case itself, not a person).
SYSTEM_ACTOR = "relance"


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
    if status.held_by_case:
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


def _unanswered_broken_promise(status: CaseStatus) -> str | None:
    """A broken promise no person has acted on since."""
    for action in reversed(status.actions):
        if action.actor != SYSTEM_ACTOR:
            return None
        if action.kind == "promise_broken":
            return action.detail
    return None
