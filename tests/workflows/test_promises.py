"""A debtor's promise to pay: the ladder waits for it, goes on when it is kept, and moves one stage
further at once when it is broken."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowUpdateFailedError

from models.commands import PaymentRequest, PromiseRequest
from models.enums import Stage
from models.status import CaseStatus
from support.french import date_fr
from tests.fixtures.cases import RelanceUnderTest, make_case
from tests.fixtures.workflows import advance, assert_replays, sent_steps, start, today, wait_for
from workflows import InvoiceCollectionWorkflow


def kinds(status: CaseStatus) -> list[str]:
    return [action.kind for action in status.actions]


async def test_a_broken_promise_escalates_at_once(relance: RelanceUnderTest) -> None:
    due = await today(relance)
    handle = await start(relance, make_case(due_date=due))
    await advance(relance, 2)
    reminded = await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))
    assert reminded.next_action == "second_reminder"

    by = due + timedelta(days=25)
    promise = PromiseRequest(amount=Decimal("500.00"), by=by, agent="bob")
    result = await handle.execute_update(InvoiceCollectionWorkflow.promise_to_pay, promise)
    assert result.status.promise is not None and result.status.promise.amount == Decimal("500.00")
    assert result.status.waiting_for == f"le paiement promis de 500,00\xa0€ au plus tard le {date_fr(by)}"

    async def refused(request: PromiseRequest) -> str:
        with pytest.raises(WorkflowUpdateFailedError) as refusal:
            await handle.execute_update(InvoiceCollectionWorkflow.promise_to_pay, request)
        return str(refusal.value.cause)

    assert "une promesse est déjà en cours" in await refused(promise)

    # The second reminder's date (15 days after the due date) passes: the ladder waits.
    await advance(relance, 20)
    waiting = await handle.query(InvoiceCollectionWorkflow.status)
    assert sent_steps(waiting) == ["first_reminder"]

    # A part paid is not the promise kept; the morning after the date, the formal notice goes out.
    await handle.execute_update(
        InvoiceCollectionWorkflow.record_payment, PaymentRequest(amount=Decimal("200.00"), paid_on=due)
    )
    await advance(relance, 7)
    broken = await wait_for(handle, lambda s: "formal_notice" in sent_steps(s))
    assert "promise_broken" in kinds(broken)
    detail = broken.actions[kinds(broken).index("promise_broken")].detail
    assert "non payé ; escalade : l'étape « mise en demeure » est lancée maintenant" in detail
    notice = next(a for a in broken.actions if a.step_key == "formal_notice")
    assert notice.at.date() >= by
    assert broken.promise is None and broken.stage == Stage.FORMAL_NOTICE
    await assert_replays(handle, record_as="promise_broken")


async def test_a_kept_promise_lets_the_ladder_go_on(relance: RelanceUnderTest) -> None:
    due = await today(relance)
    handle = await start(relance, make_case(due_date=due))
    day = await today(relance)
    with pytest.raises(WorkflowUpdateFailedError) as past:
        await handle.execute_update(
            InvoiceCollectionWorkflow.promise_to_pay, PromiseRequest(amount=Decimal("10.00"), by=day)
        )
    assert "doit suivre aujourd'hui" in str(past.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as too_much:
        await handle.execute_update(
            InvoiceCollectionWorkflow.promise_to_pay,
            PromiseRequest(amount=Decimal("5000.00"), by=day + timedelta(days=3)),
        )
    assert "dépasse le solde" in str(too_much.value.cause)

    await handle.execute_update(
        InvoiceCollectionWorkflow.promise_to_pay,
        PromiseRequest(amount=Decimal("300.00"), by=day + timedelta(days=10)),
    )
    await handle.execute_update(
        InvoiceCollectionWorkflow.record_payment, PaymentRequest(amount=Decimal("300.00"), paid_on=day)
    )
    kept = await wait_for(handle, lambda s: "promise_kept" in kinds(s))
    assert kept.promise is None and kept.waiting_for is None
    # The ladder is back on its schedule: the first reminder goes out on its own date.
    await advance(relance, 3)
    status = await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))
    assert "promise_broken" not in kinds(status)
    await assert_replays(handle)
