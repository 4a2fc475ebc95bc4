"""What a client sends straight to a running case, past the back office's doors: an input the case
cannot hold is refused by the update (the model's bounds when the worker reads it, the validator
after), never recorded, and never fails a workflow task: the case answers and goes on."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError

from models.commands import PromiseRequest
from tests.fixtures.cases import RelanceUnderTest, make_case
from tests.fixtures.workflows import Handle, advance, assert_replays, sent_steps, start, today, wait_for
from workflows import InvoiceCollectionWorkflow


async def refusal(handle: Handle, update: str, request: dict[str, Any]) -> str:
    """The reason the update is refused, with its causes: ``request`` is sent as given, as JSON."""
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(update, request)
    reasons, cause = [], failure.value.cause
    while cause is not None:
        reasons.append(cause.message)
        cause = cause.cause
    return ": ".join(reasons)


async def test_inputs_a_case_cannot_hold_are_refused_and_the_case_goes_on(relance: RelanceUnderTest) -> None:
    due = await today(relance)
    handle = await start(relance, make_case(due_date=due, amount="1000.00"))

    # A promise dated 9999-12-31 took the promise's morning-after past the calendar (OverflowError
    # in the workflow, on every retry).
    promise = {"amount": "500.00", "by": "9999-12-31", "agent": "bob"}
    refused = await refusal(handle, "promise_to_pay", promise)
    assert refused.startswith("la date promise (31 décembre 9999) est dans ")
    assert refused.endswith(" jours\u00a0: au plus 365 (max_hold de la politique de relance)")
    pause = {"reason": "attente", "until": "9999-12-31T00:00:00+00:00", "agent": "bob"}
    assert "la fin de la pause est dans" in await refusal(handle, "pause", pause)
    # A 900 KB reason took the workflow task past Temporal's payload limit.
    dispute = {"open": True, "reason": "x" * 900_000, "agent": "bob"}
    assert "au plus 2\u202f000" in await refusal(handle, "dispute", dispute)
    # An amount whose cents overflow the balance's Int search attribute, and one that is not a number.
    for amount in ("99999999999999999999.99", "1e309", "NaN"):
        payment = {"amount": amount, "paid_on": due.isoformat(), "agent": "bob"}
        assert await refusal(handle, "record_payment", payment)
    nul = {"open": True, "reason": "lot\x003", "agent": "bob"}
    assert "caractère de contrôle (U+0000)" in await refusal(handle, "dispute", nul)

    # The case answers, takes the next command and runs its ladder.
    status = await handle.query(InvoiceCollectionWorkflow.status)
    assert status.promise is None and not status.paused and status.dispute_reason is None
    assert status.balance == Decimal("1000.00")
    day = await today(relance)
    await handle.execute_update(
        InvoiceCollectionWorkflow.promise_to_pay,
        PromiseRequest(amount=Decimal("500.00"), by=day + timedelta(days=365), agent="bob"),
    )
    await advance(relance, 2)
    assert (await handle.query(InvoiceCollectionWorkflow.status)).promise is not None

    history = await handle.fetch_history()
    failed = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
    assert failed == []
    updates = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    assert updates == ["promise_to_pay"]
    await assert_replays(handle)


async def test_a_hold_up_to_the_policy_maximum_is_kept(relance: RelanceUnderTest) -> None:
    due = await today(relance)
    handle = await start(relance, make_case(due_date=due))
    await advance(relance, 2)
    await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))
    until = (await relance.env.get_current_time()) + timedelta(days=365)

    paused = await handle.execute_update(
        "pause", {"reason": "échéancier", "until": until.isoformat(), "agent": "bob"}, result_type=None
    )

    assert paused["status"]["paused"]
    await advance(relance, 3)
    assert sent_steps(await handle.query(InvoiceCollectionWorkflow.status)) == ["first_reminder"]
    await assert_replays(handle)
