"""Commands given on the debtor's account for all its cases at once, on real parts (time-skipping
Temporal): a pause holds every case and a resume releases them, each case taking the command once;
a dispute stays per invoice; a promise on the account is split on its invoices as its payment will
be (Code civil 1342-10)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from backoffice.commands import CommandRefused, send_command
from backoffice.debtor_accounts import command_account, new_command_id, pay_account, preview_payment
from backoffice.inputs import today as real_today
from models.account_commands import (
    AccountPauseRequest,
    AccountPromiseRequest,
    AccountResumeRequest,
    Outcome,
)
from models.commands import DisputeRequest
from models.enums import CaseState
from models.invoices import CaseInput
from storage.journal import case_events
from support.french import date_fr, money_fr
from tests.fixtures.cases import RelanceUnderTest
from tests.fixtures.database import store_account
from tests.fixtures.workflows import Handle, advance, assert_replays, sent_steps, today, wait_for
from tests.workflows.test_debtor_account import ACCOUNT_ID, ALICE, account_of, three_invoices
from workflows import DebtorAccountWorkflow, InvoiceCollectionWorkflow


async def stored_invoices(relance: RelanceUnderTest) -> list[CaseInput]:
    """The three invoices of one debtor, stored as an import stores them: the account's grouped
    letters are drawn from the invoices table."""
    cases = await three_invoices(relance)
    await store_account(relance.database, cases)
    return cases


def handles_of(relance: RelanceUnderTest, cases: list[CaseInput]) -> dict[str, Handle]:
    return {
        c.invoice.number: relance.client.get_workflow_handle_for(InvoiceCollectionWorkflow.run, c.case_id)
        for c in cases
    }


async def steps_sent(handles: dict[str, Handle]) -> dict[str, list[str]]:
    return {n: sent_steps(await h.query(InvoiceCollectionWorkflow.status)) for n, h in handles.items()}


async def journaled(relance: RelanceUnderTest, cases: list[CaseInput], kind: str) -> dict[str, int]:
    """How many events of ``kind`` each case journaled, by invoice number."""
    counts = {}
    for case in cases:
        events = await case_events(relance.database, case.case_id)
        counts[case.invoice.number] = sum(1 for event in events if event.kind == kind)
    return counts


async def test_a_pause_on_the_account_holds_every_case_once_and_a_resume_releases_them(
    relance: RelanceUnderTest,
) -> None:
    cases = await stored_invoices(relance)
    account, handles = account_of(cases), handles_of(relance, cases)
    task_queue = relance.settings.temporal_task_queue
    pause = AccountPauseRequest(command_id=new_command_id(), reason="échéancier en négociation")

    paused = await command_account(
        relance.client, task_queue, account, DebtorAccountWorkflow.pause_cases, pause, ALICE
    )
    assert paused.message == "pause appliquée à 3 factures (F-20, F-40, F-10)"
    assert {part.outcome for part in paused.parts} == {Outcome.DONE}
    for handle in handles.values():
        status = await handle.query(InvoiceCollectionWorkflow.status)
        assert (status.state, status.pause_reason) == (CaseState.PAUSED, "échéancier en négociation")

    # The same command again (a second click): the account answers as the first time.
    again = await command_account(
        relance.client, task_queue, account, DebtorAccountWorkflow.pause_cases, pause, ALICE
    )
    assert again == paused
    # Asked again under another update of the account (an account continued as new): each case has
    # it under its key already and answers so; none is paused twice.
    account_handle = relance.client.get_workflow_handle_for(DebtorAccountWorkflow.run, ACCOUNT_ID)
    listed = pause.model_copy(update={"cases": account.cases, "agent": "alice"})
    repeated = await account_handle.execute_update(DebtorAccountWorkflow.pause_cases, listed, id="again")
    assert repeated.message == "pause déjà appliquée à 3 factures (F-20, F-40, F-10)"
    assert await journaled(relance, cases, "paused") == {"F-20": 1, "F-40": 1, "F-10": 1}
    # Each case journaled the pause under the agent's name.
    for case in cases:
        events = [e for e in await case_events(relance.database, case.case_id) if e.kind == "paused"]
        assert events[0].actor == "alice"

    # Paused, the cases send nothing while days pass.
    before = await steps_sent(handles)
    await advance(relance, 10)
    assert await steps_sent(handles) == before

    resume = AccountResumeRequest(command_id=new_command_id())
    resumed = await command_account(
        relance.client, task_queue, account, DebtorAccountWorkflow.resume_cases, resume, ALICE
    )
    assert resumed.message == "reprise appliquée à 3 factures (F-20, F-40, F-10)"
    await advance(relance, 2)
    for number, handle in handles.items():
        status = await wait_for(handle, lambda s, n=number: len(sent_steps(s)) > len(before[n]))
        assert status.state == CaseState.OPEN and not status.paused

    # Nothing paused any more: a resume is refused by each case, with its reason.
    refused = await command_account(
        relance.client,
        task_queue,
        account,
        DebtorAccountWorkflow.resume_cases,
        AccountResumeRequest(command_id=new_command_id()),
        ALICE,
    )
    assert refused.message.startswith(
        "reprise refusée pour la facture F-20 : le dossier n'est pas en pause ;"
    )
    assert {part.outcome for part in refused.parts} == {Outcome.REFUSED}
    await assert_replays(account_handle)


async def test_a_dispute_holds_its_invoice_only_and_a_closed_invoice_takes_no_account_command(
    relance: RelanceUnderTest,
) -> None:
    cases = await stored_invoices(relance)
    account, handles = account_of(cases), handles_of(relance, cases)
    task_queue = relance.settings.temporal_task_queue
    disputed = next(c for c in cases if c.invoice.number == "F-20")
    await send_command(
        relance.client,
        disputed.case_id,
        InvoiceCollectionWorkflow.dispute,
        DisputeRequest(open=True, reason="livraison incomplète"),
        ALICE,
    )
    before = await steps_sent(handles)
    await advance(relance, 2)
    for number in ("F-40", "F-10"):
        await wait_for(handles[number], lambda s, n=number: len(sent_steps(s)) > len(before[n]))
    held = await handles["F-20"].query(InvoiceCollectionWorkflow.status)
    assert held.dispute_reason == "livraison incomplète" and sent_steps(held) == before["F-20"]
    for number in ("F-40", "F-10"):
        assert (await handles[number].query(InvoiceCollectionWorkflow.status)).dispute_reason is None

    # F-40 paid in full: the account's next command goes to the two cases still open only. (Paid
    # today as the back office counts it: the server's clock has moved ahead.)
    payment = await preview_payment(
        relance.client, account, amount=Decimal("1000.00"), paid_on=real_today(), named=["F-40"]
    )
    await pay_account(relance.client, task_queue, ACCOUNT_ID, payment, ALICE)
    await wait_for(handles["F-40"], lambda s: s.state.is_closed)
    pause = AccountPauseRequest(command_id=new_command_id(), reason="attente du service juridique")
    paused = await command_account(
        relance.client, task_queue, account, DebtorAccountWorkflow.pause_cases, pause, ALICE
    )
    assert paused.message == "pause appliquée à 2 factures (F-20, F-10)"
    # The dispute stays open under the pause: only the invoice's own command closes it.
    assert (await handles["F-20"].query(InvoiceCollectionWorkflow.status)).dispute_reason is not None


async def test_a_promise_on_the_account_is_split_as_its_payment_will_be(relance: RelanceUnderTest) -> None:
    cases = await stored_invoices(relance)
    account, handles = account_of(cases), handles_of(relance, cases)
    task_queue = relance.settings.temporal_task_queue
    by = await today(relance) + timedelta(days=15)

    # 1 200 € promised: the oldest invoice first (Code civil 1342-10), F-10 promised nothing.
    partial = AccountPromiseRequest(command_id=new_command_id(), by=by, amount=Decimal("1200.00"))
    promised = await command_account(
        relance.client, task_queue, account, DebtorAccountWorkflow.promise_for_cases, partial, ALICE
    )
    euros = {amount: money_fr(Decimal(amount)) for amount in ("1000.00", "200.00", "800.00")}
    assert promised.message == (
        f"promesse de paiement au plus tard le {date_fr(by)} enregistrée pour 2 factures "
        f"(F-40 : {euros['1000.00']}, F-20 : {euros['200.00']})"
    )
    statuses = {n: await h.query(InvoiceCollectionWorkflow.status) for n, h in handles.items()}
    assert statuses["F-40"].promise is not None and statuses["F-40"].promise.amount == Decimal("1000.00")
    assert statuses["F-20"].promise is not None and statuses["F-20"].promise.amount == Decimal("200.00")
    assert statuses["F-40"].promise.by == by and statuses["F-10"].promise is None

    # The whole open balance by the same day: the invoice promised nothing yet is promised its
    # balance; the two already promised refuse, each saying why.
    whole = AccountPromiseRequest(command_id=new_command_id(), by=by)
    second = await command_account(
        relance.client, task_queue, account, DebtorAccountWorkflow.promise_for_cases, whole, ALICE
    )
    assert second.message.startswith(
        f"promesse de paiement au plus tard le {date_fr(by)} enregistrée pour la facture F-10 "
        f"({euros['800.00']}) ; refusée pour la facture F-40 : une promesse est déjà en cours"
    )
    refused = [part.invoice_number for part in second.parts if part.outcome is Outcome.REFUSED]
    assert refused == ["F-40", "F-20"]
    assert (await handles["F-10"].query(InvoiceCollectionWorkflow.status)).promise is not None

    # Each case judges its own promise: 1 200 € paid on the account keeps F-40's and F-20's.
    day = await today(relance)
    payment = await preview_payment(relance.client, account, amount=Decimal("1200.00"), paid_on=day)
    await pay_account(relance.client, task_queue, ACCOUNT_ID, payment, ALICE)
    await wait_for(handles["F-20"], lambda s: any(a.kind == "promise_kept" for a in s.actions))
    assert (await handles["F-10"].query(InvoiceCollectionWorkflow.status)).promise is not None

    with pytest.raises(CommandRefused, match="dépasse le solde du compte"):
        await command_account(
            relance.client,
            task_queue,
            account,
            DebtorAccountWorkflow.promise_for_cases,
            AccountPromiseRequest(command_id=new_command_id(), by=by, amount=Decimal("5000.00")),
            ALICE,
        )
    with pytest.raises(CommandRefused, match="doit suivre aujourd'hui"):
        await command_account(
            relance.client,
            task_queue,
            account,
            DebtorAccountWorkflow.promise_for_cases,
            AccountPromiseRequest(command_id=new_command_id(), by=day - timedelta(days=1)),
            ALICE,
        )
    account_handle = relance.client.get_workflow_handle_for(DebtorAccountWorkflow.run, ACCOUNT_ID)
    await assert_replays(account_handle)
