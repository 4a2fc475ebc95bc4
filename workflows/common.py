"""What the parts of the case workflow share: who acts for the system, the activities' timeouts
and retries (set on purpose, each with its reason), the journal kind of each step, the refusal of
an agent command."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

from models.attention import SYSTEM_ACTOR
from models.enums import Stage
from models.wording import stage_fr, step_fr

__all__ = ["SYSTEM_ACTOR"]

# Every activity heartbeats while it runs (the worker's HeartbeatInterceptor, activities/heartbeats.py):
# an attempt whose worker died is retried after this long, not at the end of its start-to-close
# timeout. Timeouts are not part of the replayed commands: stored histories
# replay whatever these options say.
HEARTBEAT_TIMEOUT = timedelta(seconds=10)

# Rendering and stamping are local and quick; a failure is a bug or a bad template, so a few
# attempts are enough before the case surfaces the error.
DOCUMENT_ACTIVITY = {
    "start_to_close_timeout": timedelta(minutes=2),
    "heartbeat_timeout": HEARTBEAT_TIMEOUT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1), maximum_attempts=5
    ),
}
# A mail server or a registered-mail provider can be down for hours: keep trying for a day, slowly.
MAIL_ACTIVITY = {
    "start_to_close_timeout": timedelta(minutes=2),
    "heartbeat_timeout": HEARTBEAT_TIMEOUT,
    "schedule_to_close_timeout": timedelta(days=1),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=10),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=30),
    ),
}
# The journal is the proof of what was done: it must eventually be written, whatever the outage.
LEDGER_ACTIVITY = {
    "start_to_close_timeout": timedelta(seconds=30),
    "heartbeat_timeout": HEARTBEAT_TIMEOUT,
    "schedule_to_close_timeout": timedelta(days=1),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)),
}
# Asking a provider what became of a letter: a failure only means no news this time.
DELIVERY_STATUS_ACTIVITY = {
    "start_to_close_timeout": timedelta(minutes=2),
    "heartbeat_timeout": HEARTBEAT_TIMEOUT,
    "schedule_to_close_timeout": timedelta(hours=1),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=10)
    ),
}
HANDOFF_ACTIVITY = {
    "start_to_close_timeout": timedelta(minutes=5),
    "heartbeat_timeout": HEARTBEAT_TIMEOUT,
    "schedule_to_close_timeout": timedelta(days=1),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=30)
    ),
}

STEP_EVENT_KIND = {
    Stage.AMICABLE_REMINDER: "reminder_sent",
    Stage.FORMAL_NOTICE: "formal_notice_sent",
    Stage.PENALTY_CLAIM: "penalty_claim_sent",
    Stage.JUDICIAL_FILING: "handed_off_to_bailiff",
}


def escalation_fr(key: str, stage: Stage) -> str:
    """What an escalation to a step does, as the journal and the agent read it: ``escalade :
    l'étape « mise en demeure » est lancée maintenant``, its stage named when it says more."""
    name, stage_name = step_fr(key), stage_fr(stage)
    of_stage = f" ({stage_name})" if stage_name != name else ""
    return f"escalade : l'étape « {name} »{of_stage} est lancée maintenant"


class CommandRefused(ApplicationError):
    """An agent command that cannot be carried out; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, type="CommandRefused", non_retryable=True)
