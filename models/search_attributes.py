"""The typed search attributes a case publishes, so that cases are listed and filtered through
Temporal visibility (``relance list --stage … --paused``) without asking each case.

Only codes, amounts and dates: never a name, an email or an address (search attributes are stored
and indexed in clear by the Temporal server, whatever the payload codec). The balance is in cents,
an integer: money is never a float.

Registered by ``relance up`` on the embedded dev server and checked by the worker at start; on a
cluster an operator creates them once (README, *Search attributes*).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import NamedTuple

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate, TypedSearchAttributes

from models.enums import CaseState, Stage
from support.parsing import quoted

STATE = SearchAttributeKey.for_keyword("RelanceState")
STAGE = SearchAttributeKey.for_keyword("RelanceStage")
BALANCE_CENTS = SearchAttributeKey.for_int("RelanceBalanceCents")
DUE_DATE = SearchAttributeKey.for_datetime("RelanceDueDate")
CREDITOR_SIREN = SearchAttributeKey.for_keyword("RelanceCreditorSiren")
PAUSED = SearchAttributeKey.for_bool("RelancePaused")
DISPUTED = SearchAttributeKey.for_bool("RelanceDisputed")
# The case waits for a person (models/attention.py): the agents' work queue.
NEEDS_PERSON = SearchAttributeKey.for_bool("RelanceNeedsPerson")
# The step the ladder takes next (its key in the policy) and when: lists show them without asking
# each case.
NEXT_ACTION = SearchAttributeKey.for_keyword("RelanceNextAction")
NEXT_ACTION_AT = SearchAttributeKey.for_datetime("RelanceNextActionAt")

CASE_SEARCH_ATTRIBUTES = (
    STATE,
    STAGE,
    BALANCE_CENTS,
    DUE_DATE,
    CREDITOR_SIREN,
    PAUSED,
    DISPUTED,
    NEEDS_PERSON,
    NEXT_ACTION,
    NEXT_ACTION_AT,
)
# A stage not reached yet is published as this keyword, so that "not started" can be filtered on.
NO_STAGE = "none"
# Likewise a case with no step ahead (closed, or its ladder done).
NO_ACTION = "none"


class NextAction(NamedTuple):
    """The step the ladder takes next and when, ``None`` for either when there is none."""

    key: str | None
    at: datetime | None


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def search_attribute_changes(
    current: TypedSearchAttributes,
    *,
    state: CaseState,
    stage: Stage | None,
    balance: Decimal,
    due_date: date,
    creditor_siren: str,
    paused: bool,
    disputed: bool,
    needs_person: bool | None = None,
    next_action: NextAction | None = None,
) -> list[SearchAttributeUpdate]:
    """What a case must publish so that its search attributes say how it stands now
    (``needs_person`` or ``next_action`` None: a case started before they were published publishes
    them not)."""
    updates = [
        STATE.value_set(state.value),
        STAGE.value_set(stage.value if stage else NO_STAGE),
        BALANCE_CENTS.value_set(cents(balance)),
        DUE_DATE.value_set(datetime.combine(due_date, time(), tzinfo=UTC)),
        CREDITOR_SIREN.value_set(creditor_siren),
        PAUSED.value_set(paused),
        DISPUTED.value_set(disputed),
    ]
    if needs_person is not None:
        updates.append(NEEDS_PERSON.value_set(needs_person))
    if next_action is not None:
        updates.append(NEXT_ACTION.value_set(next_action.key or NO_ACTION))
        # With no step ahead the last moment stays: it means nothing beside NO_ACTION, and an unset
        # datetime is what some servers cannot describe back.
        if next_action.at is not None:
            updates.append(NEXT_ACTION_AT.value_set(next_action.at))
    return [update for update in updates if current.get(update.key) != update.value]


def dev_server_flags() -> list[str]:
    """``temporal server start-dev`` arguments that register the case search attributes."""
    flags = []
    for key in CASE_SEARCH_ATTRIBUTES:
        kind = {"KEYWORD": "Keyword", "INT": "Int", "DATETIME": "Datetime", "BOOL": "Bool"}[
            key.indexed_value_type.name
        ]
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags


def case_query(
    *,
    running_only: bool = True,
    state: CaseState | None = None,
    stage: Stage | None = None,
    paused: bool | None = None,
    disputed: bool | None = None,
    creditor_siren: str | None = None,
    due_before: date | None = None,
    task_queue: str | None = None,
    needs_person: bool | None = None,
) -> str:
    """A visibility query for the cases matching every filter given.

    Only enum values, booleans, digits and dates reach the query, so nothing needs escaping; a
    creditor SIREN that is not nine digits is refused. ``task_queue`` keeps to the cases of one
    deployment when several share a namespace (a name of the settings: letters, digits, '-', '_').
    """
    clauses = ["WorkflowType = 'InvoiceCollectionWorkflow'"]
    if task_queue is not None:
        if not re.fullmatch(r"[A-Za-z0-9._-]+", task_queue):
            raise ValueError(f"{task_queue!r} is not a plain task queue name")
        clauses.append(f"TaskQueue = '{task_queue}'")
    if running_only:
        clauses.append("ExecutionStatus = 'Running'")
    if state is not None:
        clauses.append(f"{STATE.name} = '{state.value}'")
    if stage is not None:
        clauses.append(f"{STAGE.name} = '{stage.value}'")
    if paused is not None:
        clauses.append(f"{PAUSED.name} = {str(paused).lower()}")
    if disputed is not None:
        clauses.append(f"{DISPUTED.name} = {str(disputed).lower()}")
    if needs_person:
        # Cases started before they published it are asked one by one (backoffice/work_queue.py).
        clauses.append(f"({NEEDS_PERSON.name} = true OR {NEEDS_PERSON.name} IS NULL)")
    if creditor_siren is not None:
        if not (len(creditor_siren) == 9 and creditor_siren.isdigit()):
            raise ValueError(f"{quoted(creditor_siren)} n'est pas un SIREN (neuf chiffres)")
        clauses.append(f"{CREDITOR_SIREN.name} = '{creditor_siren}'")
    if due_before is not None:
        moment = datetime.combine(due_before, time(), tzinfo=UTC).isoformat().replace("+00:00", "Z")
        clauses.append(f"{DUE_DATE.name} < '{moment}'")
    return " AND ".join(clauses)
