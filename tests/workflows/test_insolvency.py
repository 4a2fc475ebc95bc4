"""Collective proceedings on real parts: the opening judgment an agent records stops the ladder at
once (Code de commerce L622-21), the case draws the declaration of claim with the amounts due at
the judgment (L622-24, L622-28), reminds the agents before its deadline (R622-24) and waits for a
person; the declaration sent, the reminder ends."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowUpdateFailedError

from config.rates import load_rate_tables
from law.insolvency import declaration_deadline, reminder_day
from law.penalties import PenaltyRequest, compute_penalties
from models.attention import Need, needs_of
from models.commands import (
    ClaimDeclarationSent,
    EscalateRequest,
    FilingDecision,
    InsolvencyDeclared,
    PauseRequest,
    PaymentRequest,
)
from models.enums import CaseState, DebtorKind, InsolvencyKind, Stage
from models.status import CaseStatus
from support.french import date_fr, money_fr
from tests.fixtures.cases import RelanceUnderTest, make_case
from tests.fixtures.pdf import flat, pdf_text
from tests.fixtures.smtp import read_messages
from tests.fixtures.workflows import (
    AGENT_IDS,
    PARIS,
    Handle,
    advance,
    advance_until,
    assert_replays,
    kinds,
    sent_steps,
    start,
    to_court,
    today,
    wait_for,
)
from workflows import InvoiceCollectionWorkflow

COURT = "Tribunal de commerce de Paris"
MANDATAIRE = "SELARL Durand & Associés, Maître Anne Durand\n10 rue de la Bourse\n75002 Paris"


def opening(**fields: object) -> InsolvencyDeclared:
    values: dict[str, object] = {
        "kind": InsolvencyKind.REDRESSEMENT,
        "court": COURT,
        "agent": "alice",
        "agent_id": AGENT_IDS["alice"],
    }
    return InsolvencyDeclared.model_validate(values | fields)


async def declare(handle: Handle, request: InsolvencyDeclared) -> CaseStatus:
    result = await handle.execute_update(InvoiceCollectionWorkflow.declare_insolvency, request)
    return result.status


async def refusal(handle: Handle, update: object, request: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(update, request)  # type: ignore[call-overload]
    assert failure.value.cause is not None
    return failure.value.cause.message


def declaration_text(status: CaseStatus) -> str:
    assert status.insolvency is not None and status.insolvency.declaration_path is not None
    return pdf_text(status.insolvency.declaration_path)


async def test_the_ladder_stops_the_declaration_is_drawn_and_the_agents_are_reminded_before_its_deadline(
    relance: RelanceUnderTest,
) -> None:
    day = await today(relance)
    due = day - timedelta(days=20)
    # Sent alone: a case started this late would wait for its account's slot, tomorrow morning.
    case = make_case(due_date=due, amount="1234.56", invoice_pdf=relance.invoice_pdf, through_account=False)
    handle = await start(relance, case)
    await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))
    mails = len(read_messages(relance.outbox))

    opened = day - timedelta(days=2)
    status = await declare(handle, opening(opened_on=opened, mandataire=MANDATAIRE))

    assert status.state == CaseState.INSOLVENCY and not status.state.is_closed
    assert status.next_action is None and not status.paused
    # The BODACC publication is not known yet: the deadline neither, and a person must give it.
    [need] = needs_of(status)
    assert need.need == Need.CLAIM_DECLARATION and "BODACC" in need.text
    assert kinds(status)[-2:] == ["insolvency_opened", "claim_declaration_drawn"]
    assert "la relance est arrêtée (article L622-21 du Code de commerce)" in status.actions[-2].detail
    # The declaration, read back: the court, the judgment, the amounts due at it.
    interest = compute_penalties(
        PenaltyRequest(
            principal=Decimal("1234.56"), due_date=due, until=opened, debtor_kind=DebtorKind.BUSINESS
        ),
        load_rate_tables(relance.settings.rates_dir),
    ).interest
    assert interest > 0
    # A number with a hyphen may break at the end of a line.
    text = declaration_text(status).replace("- ", "-")
    assert "DÉCLARATION DE CRÉANCE" in text and COURT in text
    assert f"Redressement judiciaire ouvert par jugement du {date_fr(opened)}" in text
    assert "À SELARL Durand & Associés, Maître Anne Durand, mandataire judiciaire" in text
    assert f"Principal : facture n° {case.invoice.number}" in text and "1 234,56 €" in text
    assert f"Pénalités de retard du {date_fr(due + timedelta(days=1))} au {date_fr(opened)}" in text
    assert flat(f"Total déclaré {money_fr(Decimal('1234.56') + interest)}") in text
    assert "créance chirographaire" in text and "Indemnité" not in text
    assert "Date de publication au BODACC à compléter" in text
    assert f"Facture n° {case.invoice.number} du 1er janvier 2026" in text
    assert f"Rappel amiable du {date_fr(day)}" in text
    assert status.insolvency is not None
    assert status.actions[-1].document_sha256 == status.insolvency.declaration_sha256

    # No further step: no letter goes out, no command can start or hold the ladder again.
    await advance(relance, 30)
    stopped = await handle.query(InvoiceCollectionWorkflow.status)
    assert sent_steps(stopped) == ["first_reminder"] and len(read_messages(relance.outbox)) == mails
    assert "la relance est arrêtée" in await refusal(
        handle, InvoiceCollectionWorkflow.escalate, EscalateRequest(to_stage=Stage.FORMAL_NOTICE, agent="bob")
    )
    assert "la relance est arrêtée" in await refusal(
        handle, InvoiceCollectionWorkflow.pause, PauseRequest(reason="attente", agent="bob")
    )

    # The publication given later: the deadline runs from it, the declaration is drawn again.
    published = await today(relance)
    status = await declare(handle, opening(opened_on=opened, bodacc_published_on=published))
    deadline = declaration_deadline(published)
    assert status.insolvency is not None and status.insolvency.deadline == deadline
    assert status.insolvency.mandataire == MANDATAIRE and needs_of(status) == []
    assert status.insolvency.declaration_path.endswith("declaration_de_creance-2.pdf")
    assert f"jusqu'au {date_fr(deadline)} inclus" in declaration_text(status)

    # The reminder fires before the deadline; the case then waits for a person.
    status = await advance_until(
        relance, handle, lambda s: s.insolvency is not None and s.insolvency.reminded, timedelta(days=1)
    )
    [reminder] = [action for action in status.actions if action.kind == "claim_declaration_reminder"]
    reminded_on = reminder.at.astimezone(PARIS).date()
    assert reminded_on == reminder_day(deadline, case.policy.declaration_reminder) < deadline
    assert date_fr(deadline) in reminder.detail
    [need] = needs_of(status)
    assert need.need == Need.CLAIM_DECLARATION and f"{deadline:%d/%m/%Y}" in need.text

    # An agent records the declaration sent: no more need; the case stays under the proceedings.
    sent = ClaimDeclarationSent(sent_on=reminded_on, reference="1A 123 456 7890 1", agent="bob")
    result = await handle.execute_update(InvoiceCollectionWorkflow.declaration_sent, sent)
    assert needs_of(result.status) == [] and result.status.state == CaseState.INSOLVENCY
    assert "déclaration de créance envoyée le" in result.message
    assert "déjà enregistrée" in await refusal(handle, InvoiceCollectionWorkflow.declaration_sent, sent)

    # The proceedings pay the whole balance: the case closes.
    payment = PaymentRequest(amount=Decimal("1234.56"), paid_on=reminded_on, agent="bob")
    await handle.execute_update(InvoiceCollectionWorkflow.record_payment, payment)
    final = await handle.result()
    assert final.state == CaseState.PAID and sent_steps(final) == ["first_reminder"]
    await assert_replays(handle, record_as="insolvency_declared")


async def test_proceedings_stop_a_filing_that_waits_for_its_approval(relance: RelanceUnderTest) -> None:
    case = make_case(
        due_date=await today(relance), invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf
    )
    handle = await start(relance, case)
    asking = await to_court(handle, requested_by="carol")
    assert asking.approval_pending

    status = await declare(handle, opening(opened_on=await today(relance)))

    assert status.state == CaseState.INSOLVENCY and not status.approval_pending
    # Nothing waits for a decision any more.
    approval = FilingDecision(approve=True, agent="dave", agent_id=AGENT_IDS["dave"])
    assert await refusal(handle, InvoiceCollectionWorkflow.decide_filing, approval)
    await advance(relance, 10)
    status = await handle.query(InvoiceCollectionWorkflow.status)
    assert status.state == CaseState.INSOLVENCY and "handed_off_to_bailiff" not in kinds(status)
    assert not (relance.data_dir / "dossiers" / case.case_id).exists()
    await assert_replays(handle)


async def test_what_cannot_be_under_collective_proceedings_is_refused(relance: RelanceUnderTest) -> None:
    day = await today(relance)
    consumer = await start(relance, make_case(due_date=day, kind=DebtorKind.CONSUMER))
    assert "surendettement" in await refusal(
        consumer, InvoiceCollectionWorkflow.declare_insolvency, opening(opened_on=day)
    )
    handle = await start(relance, make_case(due_date=day))
    update = InvoiceCollectionWorkflow.declare_insolvency
    assert "dans le futur" in await refusal(handle, update, opening(opened_on=day + timedelta(days=1)))
    assert "L622-17" in await refusal(handle, update, opening(opened_on=day.replace(year=day.year - 1)))
    sent = ClaimDeclarationSent(sent_on=day, agent="bob")
    assert "aucune procédure collective" in await refusal(
        handle, InvoiceCollectionWorkflow.declaration_sent, sent
    )
    status = await handle.query(InvoiceCollectionWorkflow.status)
    assert status.state == CaseState.OPEN and status.insolvency is None
