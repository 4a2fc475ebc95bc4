"""The debtor's account on real parts (time-skipping Temporal): a payment covering two invoices and
part of a third, split by Code civil 1342-10, each case given its part once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from backoffice.accounts import SignedIn
from backoffice.commands import CommandRefused
from backoffice.debtor_accounts import AccountRef, account_view, pay_account, preview_payment
from law.imputation import ImputationRule
from models.case_ids import account_id_for
from models.commands import PaymentRequest
from models.debtor_accounts import AccountCase
from models.enums import CaseState, DebtorKind, Role
from models.invoices import CaseInput
from storage.journal import case_events
from support.french import money_fr
from tests.fixtures.cases import CREDITOR_SIREN, DEBTOR_SIREN, TEST_CASE_ID_KEY, RelanceUnderTest, make_case
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
