"""The debtor's account on real parts (time-skipping Temporal): a payment covering two invoices and
part of a third, split by Code civil 1342-10, each case given its part once. On a dev server that
suggests continuing as new after a few events, the account continues as new and loses nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from backoffice.accounts import SignedIn
from backoffice.commands import CommandRefused
from backoffice.debtor_accounts import AccountRef, account_view, pay_account, preview_payment
from embedded.smtp_outbox import OutboxSMTPServer
from law.imputation import ImputationRule
from models.case_ids import account_id_for
from models.commands import PaymentRequest
from models.debtor_accounts import AccountCase, AccountPayment
from models.enums import CaseState, DebtorKind, Role
from models.invoices import CaseInput
from storage.journal import case_events
from support.french import money_fr
from tests.fixtures.cases import CREDITOR_SIREN, DEBTOR_SIREN, TEST_CASE_ID_KEY, RelanceUnderTest, make_case
from tests.fixtures.web import live_relance, start_dev_server
from tests.fixtures.workflows import AGENT_IDS, assert_replays, start, today, wait_for
from workflows import DebtorAccountWorkflow, InvoiceCollectionWorkflow

ALICE = SignedIn("alice", "Alice", Role.AGENT, "", AGENT_IDS["alice"])
# The account the cases of make_case send through, as an import keys it (the debtor's SIREN).
ACCOUNT_ID = account_id_for(TEST_CASE_ID_KEY, CREDITOR_SIREN, f"siren:{DEBTOR_SIREN}")


def account_of(cases: list[CaseInput], account_id: str = ACCOUNT_ID) -> AccountRef:
    return AccountRef(
        account_id=account_id,
        creditor_name=cases[0].creditor.name,
        debtor_name=cases[0].debtor.name,
        cases=[
            AccountCase(case_id=c.case_id, invoice_number=c.invoice.number, due_date=c.invoice.due_date)
            for c in cases
        ],
        open_balance=sum((c.invoice.balance for c in cases), Decimal("0.00")),
    )


async def three_invoices(relance: RelanceUnderTest) -> list[CaseInput]:
    """Three invoices of one debtor, due 40, 20 and 10 days ago, started in another order."""
    day = await today(relance)
    cases = [
        make_case(number="F-20", due_date=day - timedelta(days=20), amount="500.00"),
        make_case(number="F-40", due_date=day - timedelta(days=40), amount="1000.00"),
        make_case(number="F-10", due_date=day - timedelta(days=10), amount="800.00"),
    ]
    for case in cases:
        await start(relance, case)
    return cases


async def test_a_payment_on_the_account_settles_the_oldest_invoices_first_once(
    relance: RelanceUnderTest,
) -> None:
    cases = await three_invoices(relance)
    account = account_of(cases)
    paid_on = await today(relance)
    preview = await preview_payment(
        relance.client, account, amount=Decimal("1700.00"), paid_on=paid_on, reference="VIR-881"
    )
    assert [(p.invoice_number, p.amount, p.rule) for p in preview.split] == [
        ("F-40", Decimal("1000.00"), ImputationRule.DUE_OLDEST),
        ("F-20", Decimal("500.00"), ImputationRule.DUE_OLDEST),
        ("F-10", Decimal("200.00"), ImputationRule.DUE_OLDEST),
    ]
    task_queue = relance.settings.temporal_task_queue
    result = await pay_account(relance.client, task_queue, ACCOUNT_ID, preview, ALICE)
    assert result.message == f"paiement de {money_fr(Decimal('1700.00'))} enregistré, réparti sur 3 factures"
    # The same command again (a retry, a second click): nothing recorded twice.
    again = await pay_account(relance.client, task_queue, ACCOUNT_ID, preview, ALICE)
    assert again.payment == result.payment

    handles = {
        c.invoice.number: relance.client.get_workflow_handle_for(InvoiceCollectionWorkflow.run, c.case_id)
        for c in cases
    }
    for number in ("F-40", "F-20"):
        status = await wait_for(handles[number], lambda s: s.state.is_closed)
        assert (status.state, status.balance) == (CaseState.PAID, Decimal("0.00"))
    status = await handles["F-10"].query(InvoiceCollectionWorkflow.status)
    assert status.balance == Decimal("600.00")
    assert [(p.amount, p.reference, p.recorded_by) for p in status.payments] == [
        (Decimal("200.00"), "VIR-881", "alice")
    ]
    # Each case journaled its part once, under the account payment's key.
    third = next(c for c in cases if c.invoice.number == "F-10")
    events = [e for e in await case_events(relance.database, third.case_id) if e.kind == "payment_recorded"]
    assert len(events) == 1
    # The part sent once more under its key (a worker killed after the update): ignored by the case.
    key = f"{ACCOUNT_ID}/{preview.payment_id}/{third.case_id}"
    assert status.payments[0].key == key
    repeated = await handles["F-10"].execute_update(
        InvoiceCollectionWorkflow.record_payment,
        PaymentRequest(amount=Decimal("200.00"), paid_on=paid_on, agent="alice"),
        id=key,
    )
    assert repeated.status.balance == Decimal("600.00")

    view = await account_view(relance.client, account)
    assert [(i.invoice_number, i.balance, i.state) for i in view.invoices] == [
        ("F-20", Decimal("0.00"), CaseState.PAID),
        ("F-40", Decimal("0.00"), CaseState.PAID),
        ("F-10", Decimal("600.00"), CaseState.OPEN),
    ]
    assert [p.payment_id for p in view.payments] == [preview.payment_id]
    account_handle = relance.client.get_workflow_handle_for(DebtorAccountWorkflow.run, ACCOUNT_ID)
    await assert_replays(account_handle, record_as="debtor_account_payment")

    # The split shown is no longer the one the balances give: refused, nothing recorded.
    stale = preview.model_copy(update={"payment_id": "other", "amount": Decimal("100.00")})
    with pytest.raises(CommandRefused, match="ont changé depuis la répartition affichée"):
        await pay_account(relance.client, task_queue, ACCOUNT_ID, stale, ALICE)
    with pytest.raises(CommandRefused, match="dépasse le solde du compte"):
        await preview_payment(relance.client, account, amount=Decimal("600.01"), paid_on=paid_on)


async def test_two_creditors_with_one_debtor_are_two_accounts(relance: RelanceUnderTest) -> None:
    other_siren = "552100554"
    assert account_id_for(TEST_CASE_ID_KEY, other_siren, f"siren:{DEBTOR_SIREN}") != ACCOUNT_ID
    # The id says nothing of either party.
    assert CREDITOR_SIREN not in ACCOUNT_ID and DEBTOR_SIREN not in ACCOUNT_ID
    day = await today(relance)
    mine = make_case(number="F-1", due_date=day - timedelta(days=30), amount="100.00")
    await start(relance, mine)
    account = account_of([mine])
    preview = await preview_payment(relance.client, account, amount=Decimal("40.00"), paid_on=day)
    await pay_account(relance.client, relance.settings.temporal_task_queue, ACCOUNT_ID, preview, ALICE)
    other_account = account_id_for(TEST_CASE_ID_KEY, other_siren, f"siren:{DEBTOR_SIREN}")
    view = await account_view(relance.client, account_of([mine], other_account))
    assert view.payments == []


def test_consumers_are_keyed_too() -> None:
    assert make_case(due_date=date(2026, 1, 1), kind=DebtorKind.CONSUMER).debtor.siren is None


# The dev server suggests continuing as new once a run's history has this many events (Temporal's
# dynamic config, 4 096 by default): an account payment on two invoices adds about twenty.
SHORT_RUNS = "limit.historyCount.suggestContinueAsNew=40"


@pytest.fixture(scope="module")
async def short_runs_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server("--dynamic-config-value", SHORT_RUNS)
    yield env
    await env.shutdown()


@pytest.fixture
async def relance_short_runs(
    short_runs_server: WorkflowEnvironment, smtp_outbox: OutboxSMTPServer, tmp_path: Path
) -> AsyncIterator[RelanceUnderTest]:
    async with live_relance(short_runs_server, smtp_outbox, tmp_path) as relance:
        yield relance


async def balances(relance: RelanceUnderTest, account: AccountRef) -> dict[str, tuple[Decimal, CaseState]]:
    view = await account_view(relance.client, account)
    return {i.invoice_number: (i.balance, i.state) for i in view.invoices}


async def assert_each_part_recorded_once(
    relance: RelanceUnderTest, cases: list[CaseInput], payments: list[AccountPayment]
) -> None:
    """Each case holds its part of each payment once, under the key of the payment and the case,
    and journaled it once."""
    for case in cases:
        handle = relance.client.get_workflow_handle_for(InvoiceCollectionWorkflow.run, case.case_id)
        status = await handle.query(InvoiceCollectionWorkflow.status)
        keys = [f"{ACCOUNT_ID}/{p.payment_id}/{case.case_id}" for p in payments if case.case_id in p.sent]
        assert [p.key for p in status.payments] == keys
        events = await case_events(relance.database, case.case_id)
        assert len([e for e in events if e.kind == "payment_recorded"]) == len(keys)


async def test_the_account_continues_as_new_and_keeps_every_payment(
    relance_short_runs: RelanceUnderTest,
) -> None:
    relance = relance_short_runs
    day = await today(relance)
    # Due today or later: no step asks the account to send yet (it would wait for its slot).
    cases = [
        make_case(number="F-A", due_date=day, amount="600.00"),
        make_case(number="F-B", due_date=day, amount="300.00"),
        make_case(number="F-C", due_date=day + timedelta(days=20), amount="900.00"),
    ]
    for case in cases:
        await start(relance, case)
    account = account_of(cases)
    handle = relance.client.get_workflow_handle_for(DebtorAccountWorkflow.run, ACCOUNT_ID)

    async def pay(amount: str, reference: str) -> AccountPayment:
        preview = await preview_payment(
            relance.client, account, amount=Decimal(amount), paid_on=day, reference=reference
        )
        task_queue = relance.settings.temporal_task_queue
        return (await pay_account(relance.client, task_queue, ACCOUNT_ID, preview, ALICE)).payment

    recorded = [await pay("90.00", "VIR-1")]
    first_run = relance.client.get_workflow_handle(ACCOUNT_ID, run_id=(await handle.describe()).run_id)
    recorded += [await pay("90.00", f"VIR-{n}") for n in range(2, 6)]
    # F-A and F-B are due the same day: each payment shared in proportion (Code civil 1342-10, al. 2).
    for payment in recorded:
        assert [(p.invoice_number, p.amount, p.rule) for p in payment.split] == [
            ("F-A", Decimal("60.00"), ImputationRule.DUE_PROPORTIONAL),
            ("F-B", Decimal("30.00"), ImputationRule.DUE_PROPORTIONAL),
        ]
    history = await first_run.fetch_history()
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    assert (await handle.describe()).run_id != first_run.run_id
    assert (await handle.query(DebtorAccountWorkflow.status)).payments == recorded
    # The first payment given again on a later run (its update id was the first run's): nothing twice.
    assert await pay("90.00", "VIR-1") == recorded[0]
    assert await balances(relance, account) == {
        "F-A": (Decimal("300.00"), CaseState.OPEN),
        "F-B": (Decimal("150.00"), CaseState.OPEN),
        "F-C": (Decimal("900.00"), CaseState.OPEN),
    }
    # A new payment: F-A and F-B settled, the rest on F-C, not yet due.
    recorded.append(await pay("550.00", "VIR-6"))
    assert [(p.invoice_number, p.amount, p.rule) for p in recorded[-1].split] == [
        ("F-A", Decimal("300.00"), ImputationRule.DUE_OLDEST),
        ("F-B", Decimal("150.00"), ImputationRule.DUE_OLDEST),
        ("F-C", Decimal("100.00"), ImputationRule.NOT_DUE),
    ]
    status = await handle.query(DebtorAccountWorkflow.status)
    assert status.payments == recorded and all(p.complete for p in status.payments)
    assert await balances(relance, account) == {
        "F-A": (Decimal("0.00"), CaseState.PAID),
        "F-B": (Decimal("0.00"), CaseState.PAID),
        "F-C": (Decimal("800.00"), CaseState.OPEN),
    }
    await assert_each_part_recorded_once(relance, cases, recorded)
    await assert_replays(first_run)
    await assert_replays(handle)
