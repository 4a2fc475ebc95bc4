"""Grouped sending on real parts (time-skipping Temporal, SQLite, aiosmtpd, real PDFs): the steps of
one debtor's invoices falling due in one send slot go out as one email, one registered letter; each
case journals the shared letter and keeps its own timeline."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from config.policy import load_policy
from law.business_calendar import next_business_day
from models.case_ids import account_id_for
from models.commands import DisputeRequest, EscalateRequest
from models.debtor_accounts import AccountStatus
from models.enums import Stage
from models.invoices import CaseInput
from storage.journal import case_events
from tests.fixtures.cases import TEST_CASE_ID_KEY, RelanceUnderTest, account_of, make_case
from tests.fixtures.database import store_account
from tests.fixtures.smtp import read_messages
from tests.fixtures.workflows import advance, assert_replays, kinds, sent_steps, start, today, wait_for
from workflows import DebtorAccountWorkflow, InvoiceCollectionWorkflow

POLICY = load_policy("default")


async def quiet_week(relance: RelanceUnderTest) -> date:
    """A Monday from which five days in a row are business days: the sends fall where planned."""
    day = await today(relance) + timedelta(days=1)
    while day.weekday() != 0 or any(
        next_business_day(day + timedelta(days=n), POLICY.holiday_calendar) != day + timedelta(days=n)
        for n in range(5)
    ):
        day += timedelta(days=1)
    return day


def planned(due: date, after: int) -> datetime:
    return POLICY.on_business_day(POLICY.send_time(due + timedelta(days=after)))


def with_pdf_naming(messages: list[EmailMessage], number: str) -> list[EmailMessage]:
    return [m for m in messages if number in m.get_body(("plain",)).get_content()]


async def account_status(relance: RelanceUnderTest, account_id: str) -> AccountStatus:
    handle = relance.client.get_workflow_handle_for(DebtorAccountWorkflow.run, account_id)
    return await handle.query(DebtorAccountWorkflow.status)


async def test_two_steps_in_one_slot_are_one_email_a_third_on_another_day_its_own(
    relance: RelanceUnderTest,
) -> None:
    monday = await quiet_week(relance)
    cases = [
        make_case(number="F-A", due_date=monday, amount="500.00"),
        make_case(number="F-B", due_date=monday, amount="700.00"),
        make_case(number="F-C", due_date=monday + timedelta(days=2), amount="300.00"),
    ]
    await store_account(relance.database, cases)
    handles = [await start(relance, case) for case in cases]
    await advance(relance, (monday - await today(relance)).days + 4)
    statuses = [await wait_for(h, lambda s: "first_reminder" in sent_steps(s)) for h in handles]

    messages = read_messages(relance.outbox)
    assert len(messages) == 2
    [grouped] = with_pdf_naming(messages, "F-A")
    assert with_pdf_naming(messages, "F-B") == [grouped]
    assert "F-C" not in grouped.get_body(("plain",)).get_content()
    assert "2 factures" in grouped["Subject"]
    # The shared letter: one document, one label code, journaled by each of its cases.
    reminders = [next(a for a in s.actions if a.step_key == "first_reminder") for s in statuses]
    assert reminders[0].document_sha256 == reminders[1].document_sha256 != reminders[2].document_sha256
    assert "courriel groupé (avec 1 autre facture)" in reminders[0].detail
    codes = set()
    for case in cases[:2]:
        [event] = [e for e in await case_events(relance.database, case.case_id) if e.kind == "reminder_sent"]
        codes.add(event.label_code)
    assert len(codes) == 1 and None not in codes
    # Each case's next step is dated from its own timeline.
    assert [s.next_action for s in statuses] == ["second_reminder"] * 3
    assert [s.next_action_at for s in statuses] == [
        planned(monday, 15),
        planned(monday, 15),
        planned(monday + timedelta(days=2), 15),
    ]
    status = await account_status(relance, account_of(cases[0].debtor))
    [communication] = status.communications
    assert communication.invoice_numbers == ["F-A", "F-B"]
    assert communication.stage == Stage.AMICABLE_REMINDER
    # The letter, its statement of account, and each invoice's attestation went with the email.
    names = [part.get_filename() for part in grouped.iter_attachments()]
    # Named after its letter: a later letter's statement never overwrites the one this one carried.
    statement = f"{communication.communication_key}-releve-de-compte-{monday + timedelta(days=1)}.pdf"
    assert statement in names, names
    assert any(Path(e.path).name == statement for e in communication.enclosures)
    for handle in handles:
        await assert_replays(handle)
    account = relance.client.get_workflow_handle_for(DebtorAccountWorkflow.run, account_of(cases[0].debtor))
    await assert_replays(account)


async def test_one_registered_letter_gives_notice_of_two_invoices_each_deadline_from_its_receipt(
    relance: RelanceUnderTest,
) -> None:
    monday = await quiet_week(relance)
    cases = [
        make_case(number="F-1", due_date=monday, amount="900.00"),
        make_case(number="F-2", due_date=monday, amount="400.00"),
    ]
    await store_account(relance.database, cases)
    handles = [await start(relance, case) for case in cases]
    await advance(relance, (monday - await today(relance)).days + 32)
    statuses = [await wait_for(h, lambda s: "formal_notice_received" in kinds(s)) for h in handles]

    account_id = account_of(cases[0].debtor)
    receipts = sorted(relance.data_dir.glob("registered/*/*/receipt.json"))
    assert [r.parent.parent.name for r in receipts] == [account_id]
    tracking = json.loads(receipts[0].read_text())["tracking_id"]
    for status, case in zip(statuses, cases, strict=True):
        [notice] = [a for a in status.actions if a.step_key == "formal_notice"]
        assert tracking in notice.detail
        [received] = [a for a in status.actions if a.kind == "formal_notice_received"]
        # The claim waits for the notice's deadline, counted from this case's receipt.
        receipt_day = received.at
        assert status.next_action == "penalty_claim"
        assert status.next_action_at is not None
        assert status.next_action_at >= receipt_day + POLICY.receipt_wait
        events = await case_events(relance.database, case.case_id)
        assert "delivery_received" in [e.kind for e in events]
    notices = [next(a for a in s.actions if a.step_key == "formal_notice") for s in statuses]
    assert notices[0].document_sha256 == notices[1].document_sha256
    status = await account_status(relance, account_id)
    # Two reminders and the notice: three grouped communications, the notice by registered letter.
    assert [c.stage for c in status.communications] == [
        Stage.AMICABLE_REMINDER,
        Stage.AMICABLE_REMINDER,
        Stage.FORMAL_NOTICE,
    ]
    assert status.communications[-1].receipt is not None
    await assert_replays(handles[0], record_as="grouped_formal_notice_case")
    account = relance.client.get_workflow_handle_for(DebtorAccountWorkflow.run, account_id)
    await assert_replays(account, record_as="debtor_account_grouped_sending")


async def test_a_dispute_holds_only_its_invoice(relance: RelanceUnderTest) -> None:
    monday = await quiet_week(relance)
    kept, disputed = make_case(number="F-K", due_date=monday), make_case(number="F-D", due_date=monday)
    handles = [await start(relance, kept), await start(relance, disputed)]
    dispute = DisputeRequest(open=True, reason="livraison incomplète", agent="bob")
    await handles[1].execute_update(InvoiceCollectionWorkflow.dispute, dispute)
    await advance(relance, (monday - await today(relance)).days + 2)
    status = await wait_for(handles[0], lambda s: "first_reminder" in sent_steps(s))
    held = await handles[1].query(InvoiceCollectionWorkflow.status)

    assert sent_steps(held) == []
    [message] = read_messages(relance.outbox)
    assert "F-K" in message.get_body(("plain",)).get_content()
    # Alone in its slot, the reminder is the invoice's own letter.
    [reminder] = [a for a in status.actions if a.step_key == "first_reminder"]
    assert "groupé" not in reminder.detail


def other_creditor(case: CaseInput, siren: str) -> CaseInput:
    creditor = case.creditor.model_copy(update={"siren": siren, "name": "Plomberie Leroy SARL"})
    return case.model_copy(
        update={
            "creditor": creditor,
            "case_id": f"{case.case_id}-x",
            "account_id": account_id_for(TEST_CASE_ID_KEY, siren, case.debtor.natural_key),
        }
    )


async def test_two_creditors_of_one_debtor_are_never_grouped(relance: RelanceUnderTest) -> None:
    monday = await quiet_week(relance)
    mine = make_case(number="F-M", due_date=monday)
    theirs = other_creditor(make_case(number="F-T", due_date=monday), "552100554")
    handles = [await start(relance, mine), await start(relance, theirs)]
    await advance(relance, (monday - await today(relance)).days + 2)
    for handle in handles:
        await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))

    messages = read_messages(relance.outbox)
    assert len(messages) == 2
    assert all("groupé" not in m["Subject"] and "2 factures" not in m["Subject"] for m in messages)


async def test_cases_started_before_accounts_send_alone(relance: RelanceUnderTest) -> None:
    monday = await quiet_week(relance)
    cases = [make_case(due_date=monday, through_account=False) for _ in range(2)]
    handles = [await start(relance, case) for case in cases]
    await advance(relance, (monday - await today(relance)).days + 2)
    for handle in handles:
        await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))
    assert len(read_messages(relance.outbox)) == 2


def business_days(start: date, *offsets: int) -> bool:
    days = [start + timedelta(days=offset) for offset in offsets]
    return all(next_business_day(day, POLICY.holiday_calendar) == day for day in days)


async def test_a_formal_notice_covering_all_overdue_takes_in_the_reminder_of_its_slot(
    relance: RelanceUnderTest,
) -> None:
    policy = POLICY.model_copy(update={"formal_notice_covers": "all_overdue"})
    start_day = await today(relance) + timedelta(days=1)
    # The older invoice's reminders and notice, and the newer one's first reminder, on business days.
    while not business_days(start_day, 1, 15, 30):
        start_day += timedelta(days=1)
    older = make_case(number="F-OLD", due_date=start_day, policy=policy)
    newer = make_case(number="F-NEW", due_date=start_day + timedelta(days=29), policy=policy)
    await store_account(relance.database, [older, newer])
    handles = [await start(relance, older), await start(relance, newer)]
    await advance(relance, (start_day - await today(relance)).days + 31)
    statuses = [await wait_for(h, lambda s: "formal_notice_sent" in kinds(s)) for h in handles]

    notices = [next(a for a in s.actions if a.step_key == "formal_notice") for s in statuses]
    assert notices[0].document_sha256 == notices[1].document_sha256
    assert "au titre de la mise en demeure" in notices[1].detail
    # The newer invoice's reminder is covered by the notice: it is not sent on its own.
    assert "reminder_sent" not in kinds(statuses[1])
    status = await account_status(relance, account_of(older.debtor))
    last = status.communications[-1]
    assert (last.stage, last.invoice_numbers) == (Stage.FORMAL_NOTICE, ["F-OLD", "F-NEW"])
    assert len(list(relance.data_dir.glob("registered/*/*/receipt.json"))) == 1


async def test_an_escalation_withdraws_the_step_waiting_for_its_slot(relance: RelanceUnderTest) -> None:
    # Started late: its first reminder waits for tomorrow morning's slot.
    case = make_case(due_date=await today(relance) - timedelta(days=20))
    await store_account(relance.database, [case])
    handle = await start(relance, case)
    await wait_for(handle, lambda s: s.waiting_for is not None and "envoi groupé" in s.waiting_for)
    await handle.execute_update(
        InvoiceCollectionWorkflow.escalate, EscalateRequest(to_stage=Stage.FORMAL_NOTICE, agent="carol")
    )
    status = await wait_for(handle, lambda s: "formal_notice" in sent_steps(s))

    assert sent_steps(status) == ["formal_notice"]
    assert "step_withdrawn" in kinds(status)
    account = await account_status(relance, account_of(case.debtor))
    assert account.waiting == []
