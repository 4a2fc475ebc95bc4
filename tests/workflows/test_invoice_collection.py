"""The collection workflow on real parts: the time-skipping Temporal server, a worker with every
real activity (SQLite journal, aiosmtpd, WeasyPrint and pypdf), and the agent commands."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path

import facturx
import pytest
from pypdf import PdfReader
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from backoffice.audit import actions_from_history
from backoffice.intake.batch import case_input, start_case
from backoffice.intake.invoice_file import read_invoices
from backoffice.intake.store import store_invoices
from config.agency import load_agency
from config.policy import load_policy
from config.rates import load_rate_tables
from config.settings import PROJECT_ROOT
from law.business_calendar import is_business_day, next_business_day
from law.penalties import PenaltyRequest, compute_penalties
from models.commands import (
    BailiffReport,
    BailiffReportKind,
    EscalateRequest,
    FilingDecision,
    PauseRequest,
    PaymentRequest,
    ResumeRequest,
)
from models.enums import CaseState, DebtorKind, Stage
from models.parties import Signatory
from models.status import CaseStatus
from storage.journal import case_events
from support.french import date_fr, money_fr
from tests.fixtures.cases import TEST_CASE_ID_KEY, RelanceUnderTest, make_case
from tests.fixtures.facturx import DUE_DATE, basic_xml, facturx_pdf
from tests.fixtures.smtp import read_messages
from tests.fixtures.temporal import converter_for_tests
from tests.fixtures.workflows import (
    AGENT_IDS,
    PARIS,
    Handle,
    advance,
    advance_until,
    assert_replays,
    sent_steps,
    start,
    today,
    wait_for,
)
from workflows import InvoiceCollectionWorkflow


def pdf_text(path: Path) -> str:
    return plain(" ".join(page.extract_text() for page in PdfReader(path).pages))


def attached(message: EmailMessage) -> list[str | None]:
    return [part.get_filename() for part in message.iter_attachments()]


def body_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def plain(text: str) -> str:
    """Text with its no-break spaces and line breaks as plain spaces, for comparing amounts."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())












def outbox_messages(relance: RelanceUnderTest) -> list[EmailMessage]:
    return read_messages(relance.outbox)






def asks_approval(status: CaseStatus) -> bool:
    return status.waiting_for is not None and "de la saisine judiciaire demandée par" in status.waiting_for


async def filed_once_approved(
    relance: RelanceUnderTest, handle: Handle, step: timedelta = timedelta(days=1), agent: str = "alice"
) -> CaseStatus:
    """Let the case run, approve its judicial filing as ``agent`` when it asks for it, and return
    the case once its dossier is with the commissaire de justice."""
    await advance_until(relance, handle, asks_approval, step)
    approval = FilingDecision(approve=True, agent=agent, agent_id=AGENT_IDS[agent])
    await handle.execute_update(InvoiceCollectionWorkflow.decide_filing, approval)
    return await wait_for(handle, lambda s: s.state == CaseState.WITH_BAILIFF)


async def closed_by_bailiff(handle: Handle) -> CaseStatus:
    """The commissaire de justice closes the file: the case completes."""
    closing = BailiffReport(kind=BailiffReportKind.CLOSED, agent="erin")
    await handle.execute_update(InvoiceCollectionWorkflow.report_from_bailiff, closing)
    return await handle.result()


async def test_full_ladder_follows_the_policy(relance: RelanceUnderTest) -> None:
    due = await today(relance)
    case = make_case(due_date=due, invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf)
    handle = await start(relance, case)

    filed = await filed_once_approved(relance, handle)
    final = await closed_by_bailiff(handle)

    assert filed.state == CaseState.WITH_BAILIFF
    assert final.state == CaseState.CLOSED_BY_BAILIFF
    assert final.stage == Stage.JUDICIAL_FILING
    policy = case.policy
    assert sent_steps(final) == [step.key for step in policy.steps]
    # Each step goes out on its planned date: due date at the send hour plus the step's delay,
    # moved to the next business morning when that falls on a weekend or a public holiday.
    for step in policy.steps:
        planned = datetime.combine(due, time(policy.send_hour), tzinfo=PARIS) + step.after_due
        while not is_business_day(planned.date()):
            planned = datetime.combine(planned.date() + timedelta(days=1), time(policy.send_hour), PARIS)
        # The judicial filing is asked for on its date, and goes out once a second agent approves.
        [action] = [
            a
            for a in final.actions
            if (
                a.kind == "filing_approval_requested"
                if step.stage == Stage.JUDICIAL_FILING
                else a.step_key == step.key
            )
        ]
        assert planned <= action.at < planned + timedelta(minutes=10), (step.key, action.at, planned)

    # Mails: two reminders and the email copies of the formal notice and the penalty claim.
    messages = outbox_messages(relance)
    assert len(messages) == 4
    assert {m["To"] for m in messages} == {case.debtor.email}
    # The debtor's answers go to the creditor, whose letters they are.
    assert {m["Reply-To"] for m in messages} == {case.creditor.email}
    # Registered letters for the formal notice and the penalty claim.
    receipts = sorted(relance.data_dir.glob(f"registered/{case.case_id}/*/receipt.json"))
    assert [p.parent.name for p in receipts] == ["formal_notice", "penalty_claim"]
    # The formal notice states the penalties accrued so far; the claim encloses its statement,
    # by email and in the registered envelope, with the amounts the engine gives for that day.
    for step_key in ("formal_notice", "penalty_claim"):
        sent_on = next(a for a in final.actions if a.step_key == step_key).at.astimezone(PARIS).date()
        expected = compute_penalties(
            PenaltyRequest(
                principal=case.invoice.amount_due,
                due_date=due,
                until=sent_on,
                debtor_kind=DebtorKind.BUSINESS,
            ),
            load_rate_tables(relance.settings.rates_dir),
        )
        letter = pdf_text(relance.data_dir / "documents" / case.case_id / f"{step_key}.red.pdf")
        assert plain(money_fr(expected.interest)) in letter, step_key
        assert plain(money_fr(case.invoice.amount_due + expected.total)) in letter, step_key
        # The email that carries the letter claims the same total.
        [copy] = [m for m in messages if f"{step_key}.red.pdf" in attached(m)]
        total = plain(money_fr(case.invoice.amount_due + expected.total))
        assert f"Total dû au {date_fr(sent_on)} : {total}" in plain(body_of(copy)), step_key
    statement = pdf_text(relance.data_dir / "documents" / case.case_id / "penalty_claim.statement.pdf")
    assert plain(money_fr(expected.total)) in statement
    assert "TVA" in statement
    claim = json.loads(
        (relance.data_dir / "registered" / case.case_id / "penalty_claim" / "receipt.json").read_text()
    )
    assert [a["file"] for a in claim["attachments"]] == ["penalty_claim.statement.pdf"]
    attachments = [attached(m) for m in messages]
    # The charter's attestation goes with the reminders; the statement with the claim.
    assert attachments[0] == ["first_reminder.orange.pdf", "invoice.green.pdf", "attestation.pdf"]
    assert attachments[3] == ["penalty_claim.red.pdf", "penalty_claim.statement.pdf"]
    # Every letter carries its label; the dossier lists every document with its hash.
    notice = next(a for a in final.actions if a.step_key == "formal_notice")
    notice_pdf = next(relance.data_dir.glob(f"documents/{case.case_id}/formal_notice.red.pdf"))
    text = " ".join(page.extract_text() for page in PdfReader(notice_pdf).pages)
    assert "MISE EN DEMEURE" in text
    assert "Procédure de recouvrement" in text
    manifest = json.loads((relance.data_dir / "dossiers" / case.case_id / "manifest.json").read_text())
    assert notice.document_sha256 in {d["sha256"] for d in manifest["files"]}
    # The journal in the database holds the workflow's actions and the channels' receipts.
    events = await case_events(relance.database, case.case_id)
    receipts = {"email_sent", "registered_letter_posted"}
    workflow_kinds = [e.kind for e in events if e.kind not in receipts and not e.kind.startswith("delivery_")]
    assert workflow_kinds == [a.kind for a in final.actions]
    assert sorted(e.step_key for e in events if e.kind == "registered_letter_posted") == [
        "formal_notice",
        "penalty_claim",
    ]
    assert len([e for e in events if e.kind == "email_sent"]) == 4
    await assert_replays(handle, record_as="full_ladder_to_bailiff")


async def test_payment_in_full_midway_closes_the_case(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance))
    handle = await start(relance, case)
    await advance(relance, 2)
    await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))

    paid_on = await today(relance)
    result = await handle.execute_update(
        InvoiceCollectionWorkflow.record_payment,
        PaymentRequest(amount=Decimal("1234.56"), paid_on=paid_on, agent="alice", reference="VIR-1"),
    )
    final = await handle.result()

    assert "dossier clos" in result.message
    assert final.state == CaseState.PAID
    assert final.balance == Decimal("0.00")
    assert sent_steps(final) == ["first_reminder"]
    assert len(outbox_messages(relance)) == 1
    assert final.actions[-1].kind == "case_closed"
    await assert_replays(handle)


async def test_partial_payments_lower_the_balance(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance))
    handle = await start(relance, case)
    paid_on = await today(relance)

    first = await handle.execute_update(
        InvoiceCollectionWorkflow.record_payment, PaymentRequest(amount=Decimal("234.56"), paid_on=paid_on)
    )
    assert first.status.balance == Decimal("1000.00")
    assert first.status.state == CaseState.OPEN

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            InvoiceCollectionWorkflow.record_payment,
            PaymentRequest(amount=Decimal("1000.01"), paid_on=paid_on),
        )
    assert "dépasse le solde" in str(refused.value.cause)

    await handle.execute_update(
        InvoiceCollectionWorkflow.record_payment, PaymentRequest(amount=Decimal("1000.00"), paid_on=paid_on)
    )
    final = await handle.result()
    assert final.state == CaseState.PAID
    assert [p.amount for p in final.payments] == [Decimal("234.56"), Decimal("1000.00")]
    await assert_replays(handle, record_as="partial_payments")


async def test_pause_holds_letters_until_resumed(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance))
    handle = await start(relance, case)
    await handle.execute_update(
        InvoiceCollectionWorkflow.pause, PauseRequest(reason="litige en cours", agent="bob")
    )

    await advance(relance, 20)
    paused = await handle.query(InvoiceCollectionWorkflow.status)
    assert paused.paused and paused.pause_reason == "litige en cours"
    assert sent_steps(paused) == []

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(InvoiceCollectionWorkflow.escalate, EscalateRequest())
    assert "le dossier est en pause" in str(refused.value.cause)

    await handle.execute_update(InvoiceCollectionWorkflow.resume, ResumeRequest(agent="bob"))
    # The overdue reminder goes out at once, without waiting for more time to pass.
    # (the next step's date is set once the first step's journal entry is written)
    resumed = await wait_for(
        handle, lambda s: "first_reminder" in sent_steps(s) and s.next_action_at is not None
    )
    assert not resumed.paused
    assert resumed.next_action == "second_reminder"
    # The next step keeps the minimum gap after the late one.
    first = next(a for a in resumed.actions if a.step_key == "first_reminder")
    assert resumed.next_action_at is not None
    assert resumed.next_action_at >= first.at + case.policy.min_gap
    await assert_replays(handle)


async def test_pause_until_resumes_by_itself(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance))
    handle = await start(relance, case)
    until = await relance.env.get_current_time() + timedelta(days=10)
    await handle.execute_update(
        InvoiceCollectionWorkflow.pause, PauseRequest(reason="promesse de paiement", until=until)
    )

    await advance(relance, 11)
    status = await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))

    assert not status.paused
    resumed = next(a for a in status.actions if a.kind == "resumed")
    assert resumed.actor == "relance"
    assert until <= resumed.at < until + timedelta(minutes=10)
    await assert_replays(handle, record_as="pause_until")


async def test_escalate_sends_the_formal_notice_now(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance))
    handle = await start(relance, case)

    result = await handle.execute_update(
        InvoiceCollectionWorkflow.escalate, EscalateRequest(to_stage=Stage.FORMAL_NOTICE, agent="carol")
    )
    assert "l'étape « mise en demeure » est lancée maintenant" in result.message
    status = await wait_for(handle, lambda s: "formal_notice" in sent_steps(s))

    assert sent_steps(status) == ["formal_notice"]
    assert status.stage == Stage.FORMAL_NOTICE
    assert status.next_action == "penalty_claim"
    assert (relance.data_dir / "registered" / case.case_id / "formal_notice" / "receipt.json").is_file()
    # Now the next stage may be reached by a plain escalate.
    await handle.execute_update(InvoiceCollectionWorkflow.escalate, EscalateRequest())
    status = await wait_for(handle, lambda s: "penalty_claim" in sent_steps(s))
    assert status.stage == Stage.PENALTY_CLAIM
    await assert_replays(handle, record_as="escalations")


async def test_illegal_escalations_are_refused(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance))
    handle = await start(relance, case)

    for target in (Stage.JUDICIAL_FILING, Stage.PENALTY_CLAIM):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(InvoiceCollectionWorkflow.escalate, EscalateRequest(to_stage=target))
        assert "une mise en demeure doit d'abord être envoyée" in str(refused.value.cause)

    await handle.execute_update(
        InvoiceCollectionWorkflow.record_payment,
        PaymentRequest(amount=Decimal("1234.56"), paid_on=await today(relance)),
    )
    final = await handle.result()
    assert final.state == CaseState.PAID
    # A completed case takes no command: the server itself refuses the update.
    with pytest.raises(RPCError):
        await handle.execute_update(InvoiceCollectionWorkflow.escalate, EscalateRequest())
    # The refusals left no trace: no letter went out.
    assert outbox_messages(relance) == []


async def test_no_judicial_filing_without_a_signed_order(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance), order_reference=None, kind=DebtorKind.CONSUMER)
    handle = await start(relance, case)
    await handle.execute_update(
        InvoiceCollectionWorkflow.escalate, EscalateRequest(to_stage=Stage.FORMAL_NOTICE)
    )
    await wait_for(handle, lambda s: "formal_notice" in sent_steps(s))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            InvoiceCollectionWorkflow.escalate, EscalateRequest(to_stage=Stage.JUDICIAL_FILING)
        )
    assert "bon de commande" in str(refused.value.cause)

    final = await handle.result()
    assert final.state == CaseState.KEPT_AMICABLE
    assert "judicial_filing" not in sent_steps(final)
    assert not (relance.data_dir / "dossiers" / case.case_id).exists()


async def test_the_same_invoice_never_makes_two_cases(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance))
    handle = await start(relance, case)
    assert await start_case(relance.client, relance.settings.temporal_task_queue, case) is None
    await handle.execute_update(
        InvoiceCollectionWorkflow.record_payment,
        PaymentRequest(amount=Decimal("1234.56"), paid_on=await today(relance)),
    )
    await handle.result()
    # Not even once the first case is closed.
    assert await start_case(relance.client, relance.settings.temporal_task_queue, case) is None


async def test_demo_policy_runs_a_ladder_in_about_a_minute(relance: RelanceUnderTest) -> None:
    case = make_case(
        due_date=date(2026, 1, 31),
        policy=load_policy("demo"),
        invoice_pdf=relance.invoice_pdf,
        order_pdf=relance.order_pdf,
    )
    handle = await start(relance, case)
    await filed_once_approved(relance, handle, step=timedelta(seconds=5))
    final = await closed_by_bailiff(handle)
    assert final.state == CaseState.CLOSED_BY_BAILIFF
    opened = final.actions[0].at
    assert final.actions[-1].at - opened < timedelta(minutes=2)
    history = await handle.fetch_history()
    journal = actions_from_history(history, converter_for_tests().payload_codec)
    assert [e.kind for e in journal] == [a.kind for a in final.actions]
    assert all(e.confirmed for e in journal)


async def test_sends_move_off_weekends_and_public_holidays(relance: RelanceUnderTest) -> None:
    # Due on a Friday: the first reminder, one day later, would go out on a Saturday.
    due = await today(relance)
    while due.weekday() != 4:
        due += timedelta(days=1)
    case = make_case(due_date=due)
    handle = await start(relance, case)

    await advance(relance, (due - await today(relance)).days + 5)
    status = await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))

    [reminder] = [a for a in status.actions if a.step_key == "first_reminder"]
    sent = reminder.at.astimezone(PARIS)
    assert sent.date() == next_business_day(due + timedelta(days=3))
    assert sent.date().weekday() < 5
    assert (sent.hour, sent.minute) == (case.policy.send_hour, 0)


async def test_a_step_that_fails_for_good_waits_for_an_agent(relance: RelanceUnderTest) -> None:
    first, *others = load_policy("default").steps
    policy = load_policy("default").model_copy(
        update={"steps": (first.model_copy(update={"template": "courtesy_note"}), *others)}
    )
    case = make_case(due_date=await today(relance), policy=policy)
    handle = await start(relance, case)

    await advance(relance, 2)
    held = await wait_for(handle, lambda s: s.paused)

    assert held.state == CaseState.PAUSED
    assert held.pause_reason is not None
    assert "premier rappel : échec" in held.pause_reason
    assert "courtesy_note" in held.pause_reason
    # The template folders are named, not where the server keeps them.
    assert "letter_templates" in held.pause_reason
    assert str(relance.settings.templates_dir.parent) not in held.pause_reason
    assert held.next_action == "first_reminder"
    assert sent_steps(held) == []
    assert outbox_messages(relance) == []
    events = await case_events(relance.database, case.case_id)
    assert "step_failed" in [e.kind for e in events]

    # The agent supplies the missing template in the creditor's own folder and resumes: the same
    # step runs again and goes out.
    folder = relance.settings.creditor_templates_dir / case.creditor.siren
    folder.mkdir(parents=True)
    for suffix in (".html.j2", ".subject.txt.j2", ".body.txt.j2"):
        (folder / f"courtesy_note{suffix}").write_text(
            (relance.settings.templates_dir / f"first_reminder{suffix}").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    await handle.execute_update(InvoiceCollectionWorkflow.resume, ResumeRequest(agent="dora"))
    # Resumed, the step goes out in the next send slot (README, grouped sending).
    await advance(relance, 1)
    status = await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))
    assert not status.paused
    assert len(outbox_messages(relance)) == 1
    await assert_replays(handle)


async def test_an_agency_sends_the_letters_for_the_creditor(relance: RelanceUnderTest) -> None:
    agency = load_agency(PROJECT_ROOT / "demo" / "agency.toml")
    case = make_case(due_date=await today(relance)).model_copy(update={"agency": agency})
    handle = await start(relance, case)

    await advance(relance, 2)
    status = await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))
    # The agency's first contact is its CPCE R124-4 letter, whatever the policy's first template.
    [message] = outbox_messages(relance)
    assert message["Subject"].startswith("Recouvrement amiable pour le compte de Menuiserie Dupont SARL")
    assert message["Reply-To"] == agency.email
    first = pdf_text(relance.data_dir / "documents" / case.case_id / "first_reminder.orange.pdf")
    assert agency.name in first and "L111-8" in first

    await handle.execute_update(
        InvoiceCollectionWorkflow.escalate, EscalateRequest(to_stage=Stage.FORMAL_NOTICE, agent="erin")
    )
    status = await wait_for(handle, lambda s: "formal_notice" in sent_steps(s))
    receipt = relance.data_dir / "registered" / case.case_id / "formal_notice" / "receipt.json"
    assert json.loads(receipt.read_text())["sender"]["name"] == agency.name
    # Every later letter recalls the first one's reference (CPCE R124-4).
    notice = pdf_text(relance.data_dir / "documents" / case.case_id / "formal_notice.red.pdf")
    assert f"{case.case_id}/first_reminder" in notice
    assert status.stage == Stage.FORMAL_NOTICE
    await assert_replays(handle)


async def test_a_facturx_invoice_imported_stamped_and_sent_stays_facturx(relance: RelanceUnderTest) -> None:
    due = await today(relance)
    due_xml = DUE_DATE.replace("20260209", due.strftime("%Y%m%d"))
    xml = basic_xml(number="FX-1", due_date=due_xml)
    source = facturx_pdf(relance.data_dir / "incoming", xml, name="FX-1.pdf", page="Facture FX-1")
    rows = read_invoices([source], relance.data_dir / "invoices", None)
    [stored] = (await store_invoices(relance.database, rows, "default", TEST_CASE_ID_KEY)).invoices
    row = stored.row
    assert row.invoice.pdf_path is not None and Path(row.invoice.pdf_path).read_bytes() == source.read_bytes()
    # The creditor accepted the charter: its invoice travels with the green label. (Its XML names no
    # signatory: an earlier import of the creditor would have.)
    signatory = Signatory(name="Jean Dupont", title="gérant")
    signed = {"charter_accepted_on": date(2026, 1, 5), "signatory": signatory}
    creditor = row.creditor.model_copy(update=signed)
    case = case_input(replace(row, creditor=creditor), stored.case_id, load_policy("default"), "test")
    handle = await start(relance, case)

    await advance(relance, 2)
    status = await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))

    [message] = outbox_messages(relance)
    parts = {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}
    assert set(parts) == {"first_reminder.orange.pdf", "invoice.green.pdf", "attestation.pdf"}
    sent_invoice = parts["invoice.green.pdf"]
    # Still a Factur-X invoice: the same XML, valid against its profile's schema.
    assert facturx.get_xml_from_pdf(sent_invoice, check_xsd=True) == ("factur-x.xml", xml.encode("utf-8"))
    pages = [page.extract_text() for page in PdfReader(BytesIO(sent_invoice)).pages]
    labelled = next(a for a in status.actions if a.kind == "invoice_labelled")
    code = (await case_events(relance.database, case.case_id))[1].label_code
    assert code is not None and labelled.document_sha256 == hashlib.sha256(sent_invoice).hexdigest()
    assert all("Paiement attendu à l'échéance" in text and code in text for text in pages)
    assert "Facture FX-1" in pages[0]
    await assert_replays(handle)


async def test_a_judicial_filing_needs_a_second_agent(relance: RelanceUnderTest) -> None:
    case = make_case(
        due_date=await today(relance), invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf
    )
    handle = await start(relance, case)
    for target, done in (
        (Stage.FORMAL_NOTICE, "formal_notice_received"),
        (Stage.PENALTY_CLAIM, "penalty_claim_sent"),
    ):
        await handle.execute_update(InvoiceCollectionWorkflow.escalate, EscalateRequest(to_stage=target))
        await wait_for(handle, lambda s, d=done: d in [a.kind for a in s.actions])
    carol = {"agent": "carol", "agent_id": AGENT_IDS["carol"]}
    await handle.execute_update(
        InvoiceCollectionWorkflow.escalate, EscalateRequest(to_stage=Stage.JUDICIAL_FILING, **carol)
    )
    asking = await wait_for(handle, asks_approval)
    assert asking.waiting_for == (
        "la validation, par un autre agent, de la saisine judiciaire demandée par carol"
    )

    async def refused(decision: FilingDecision) -> str:
        with pytest.raises(WorkflowUpdateFailedError) as refusal:
            await handle.execute_update(InvoiceCollectionWorkflow.decide_filing, decision)
        return str(refusal.value.cause)

    asked_by_carol = "règle des quatre yeux : carol a demandé cette saisine"
    assert asked_by_carol in await refused(FilingDecision(approve=True, **carol))
    # The rule compares users, not the names a request gives.
    assert "règle des quatre yeux : c.dupont a demandé cette saisine" in await refused(
        FilingDecision(approve=True, agent="c.dupont", agent_id=AGENT_IDS["carol"])
    )
    assert "demande l'identifiant de son agent" in await refused(FilingDecision(approve=True, agent="dave"))
    # Nobody speaks for the case itself.
    assert "« relance » est le nom du dossier lui-même" in await refused(
        FilingDecision(approve=True, agent="relance", agent_id=99)
    )
    dave = {"agent": "dave", "agent_id": AGENT_IDS["dave"]}
    assert "un rejet demande un motif" in await refused(FilingDecision(approve=False, **dave))

    # Nobody decides: the agents are reminded, then a supervisor is asked; the filing still waits.
    await advance(relance, 11)
    waiting = await wait_for(handle, lambda s: "approval_to_supervisor" in [a.kind for a in s.actions])
    assert [a.kind for a in waiting.actions].count("approval_reminder") == 1
    assert waiting.waiting_for == (
        "la validation, par un superviseur, de la saisine judiciaire demandée par carol"
    )
    assert not (relance.data_dir / "dossiers" / case.case_id).exists()

    await handle.execute_update(
        InvoiceCollectionWorkflow.decide_filing, FilingDecision(approve=True, **dave)
    )
    final = await wait_for(handle, lambda s: s.state == CaseState.WITH_BAILIFF)
    approved = next(a for a in final.actions if a.kind == "filing_approved")
    assert approved.actor == "dave"
    assert (relance.data_dir / "dossiers" / case.case_id / "manifest.json").is_file()
    await closed_by_bailiff(handle)
    await assert_replays(handle, record_as="four_eyes_to_bailiff")


async def test_a_rejected_filing_keeps_the_case_amicable(relance: RelanceUnderTest) -> None:
    case = make_case(
        due_date=await today(relance),
        policy=load_policy("demo"),
        invoice_pdf=relance.invoice_pdf,
        order_pdf=relance.order_pdf,
    )
    handle = await start(relance, case)
    await advance_until(relance, handle, asks_approval, timedelta(seconds=5))

    await handle.execute_update(
        InvoiceCollectionWorkflow.decide_filing,
        FilingDecision(
            approve=False,
            agent="erin",
            agent_id=AGENT_IDS["erin"],
            reason="le débiteur conteste la livraison",
        ),
    )
    final = await handle.result()
    assert final.state == CaseState.KEPT_AMICABLE
    assert "saisine rejetée par erin : le débiteur conteste la livraison" in final.actions[-1].detail
    assert "judicial_filing" not in sent_steps(final)
    assert not (relance.data_dir / "dossiers" / case.case_id).exists()
