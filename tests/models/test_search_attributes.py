"""The search attributes a case publishes, and the visibility queries that filter on them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from models.commands import DisputeRequest, FilingDecision, PauseRequest, PaymentRequest, ResumeRequest
from models.enums import CaseState, Stage
from models.search_attributes import (
    BALANCE_CENTS,
    CREDITOR_SIREN,
    DISPUTED,
    DUE_DATE,
    NEEDS_PERSON,
    NEXT_ACTION,
    NEXT_ACTION_AT,
    NO_ACTION,
    PAUSED,
    STAGE,
    STATE,
    case_query,
    search_attribute_changes,
)
from tests.fixtures.cases import CREDITOR_SIREN as CASE_CREDITOR
from tests.fixtures.cases import RelanceUnderTest, make_case
from tests.fixtures.workflows import AGENT_IDS, assert_replays, start, to_court, today, wait_for
from workflows import InvoiceCollectionWorkflow


def test_a_case_publishes_codes_amounts_in_cents_and_dates_only() -> None:
    values = dict(
        state=CaseState.OPEN,
        stage=None,
        balance=Decimal("1234.56"),
        due_date=date(2026, 3, 31),
        creditor_siren="123456782",
        paused=False,
        disputed=False,
    )
    first = search_attribute_changes(TypedSearchAttributes.empty, **values)
    published = TypedSearchAttributes([SearchAttributePair(update.key, update.value) for update in first])
    assert published.get(BALANCE_CENTS) == 123456
    assert published.get(STAGE) == "none" and published.get(STATE) == "open"
    assert published.get(DUE_DATE) == datetime(2026, 3, 31, tzinfo=UTC)
    # Only what changed is published again.
    later = search_attribute_changes(published, **{**values, "paused": True, "stage": Stage.FORMAL_NOTICE})
    assert {(update.key.name, update.value) for update in later} == {
        ("RelancePaused", True),
        ("RelanceStage", "formal_notice"),
    }


def test_a_visibility_query_holds_only_safe_values() -> None:
    assert case_query() == "WorkflowType = 'InvoiceCollectionWorkflow' AND ExecutionStatus = 'Running'"
    query = case_query(
        running_only=False,
        state=CaseState.WITH_BAILIFF,
        stage=Stage.JUDICIAL_FILING,
        paused=False,
        disputed=True,
        creditor_siren="123456782",
        due_before=date(2026, 6, 30),
    )
    assert query == (
        "WorkflowType = 'InvoiceCollectionWorkflow' AND RelanceState = 'with_bailiff' AND "
        "RelanceStage = 'judicial_filing' AND RelancePaused = false AND RelanceDisputed = true AND "
        "RelanceCreditorSiren = '123456782' AND RelanceDueDate < '2026-06-30T00:00:00Z'"
    )
    with pytest.raises(ValueError, match="n'est pas un SIREN"):
        case_query(creditor_siren="1' OR '1'='1")


async def test_a_running_case_keeps_its_search_attributes_up_to_date(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance))
    handle = await start(relance, case)
    await wait_for(handle, lambda s: "case_opened" in [a.kind for a in s.actions])
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(STATE) == "open" and attributes.get(PAUSED) is False
    assert attributes.get(BALANCE_CENTS) == 123456 and attributes.get(CREDITOR_SIREN) == CASE_CREDITOR

    await handle.execute_update(InvoiceCollectionWorkflow.pause, PauseRequest(reason="attente", agent="bob"))
    await handle.execute_update(InvoiceCollectionWorkflow.dispute, DisputeRequest(open=True, reason="litige"))
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(STATE) == "paused" and attributes.get(PAUSED) is True
    assert attributes.get(DISPUTED) is True
    # Nothing that names a person: no name, no email, no address.
    published = " ".join(str(pair.value) for pair in attributes)
    for personal in (case.debtor.name, case.debtor.email, case.debtor.address.street, case.creditor.name):
        assert personal not in published
    await assert_replays(handle, record_as="published_search_attributes")


async def test_a_case_says_through_visibility_when_it_needs_a_person(relance: RelanceUnderTest) -> None:
    case = make_case(
        due_date=await today(relance), invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf
    )
    handle = await start(relance, case)
    await wait_for(handle, lambda s: "case_opened" in [a.kind for a in s.actions])

    async def needs_person() -> bool | None:
        return (await handle.describe()).typed_search_attributes.get(NEEDS_PERSON)

    assert await needs_person() is False
    # An agent's pause is no call for another person; a filing to approve is.
    await handle.execute_update(InvoiceCollectionWorkflow.pause, PauseRequest(reason="attente", agent="bob"))
    assert await needs_person() is False
    await handle.execute_update(InvoiceCollectionWorkflow.resume, ResumeRequest(agent="bob"))
    asking = await to_court(handle, requested_by="carol")
    assert asking.approval_pending and await needs_person() is True

    await handle.execute_update(
        InvoiceCollectionWorkflow.decide_filing,
        FilingDecision(approve=True, agent="dave", agent_id=AGENT_IDS["dave"]),
    )
    await wait_for(handle, lambda s: s.state == CaseState.WITH_BAILIFF)
    assert await needs_person() is False
    await assert_replays(handle, record_as="needs_person_published")


def test_the_work_queue_also_asks_the_cases_that_publish_no_need() -> None:
    query = case_query(needs_person=True, task_queue="relance")
    assert "(RelanceNeedsPerson = true OR RelanceNeedsPerson IS NULL)" in query
    assert "TaskQueue = 'relance'" in query
    with pytest.raises(ValueError, match="plain task queue"):
        case_query(task_queue="x' OR 1=1")


async def test_a_case_publishes_the_step_it_takes_next_and_when(relance: RelanceUnderTest) -> None:
    case = make_case(
        due_date=await today(relance), invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf
    )
    handle = await start(relance, case)
    status = await wait_for(handle, lambda s: s.next_action is not None and s.next_action_at is not None)

    async def published() -> tuple[str | None, datetime | None]:
        attributes = (await handle.describe()).typed_search_attributes
        return attributes.get(NEXT_ACTION), attributes.get(NEXT_ACTION_AT)

    assert await published() == (status.next_action, status.next_action_at)
    # Paid in full: nothing is ahead any more, and the lists say so.
    await handle.execute_update(
        InvoiceCollectionWorkflow.record_payment,
        PaymentRequest(amount=case.invoice.balance, paid_on=await today(relance), agent="bob"),
    )
    await wait_for(handle, lambda s: s.state == CaseState.PAID)
    assert (await published())[0] == NO_ACTION
    await assert_replays(handle, record_as="next_action_published")
