"""The second half of the ladder on real parts: the formal notice's proof of receipt, the judicial
decision and its refusals, the filing dossier, the commissaire de justice's reports, prescription."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from temporalio.client import WorkflowUpdateFailedError

from config.policy import load_policy
from law.rates import half_year_of
from models.commands import (
    BailiffReport,
    BailiffReportKind,
    CostBearer,
    DisputeRequest,
    FilingDecision,
    PauseRequest,
    ResumeRequest,
)
from models.enums import CaseState, DebtorKind, Stage
from models.invoices import CaseInput
from models.status import CaseStatus
from models.wording import COURTS, ROUTES
from storage.journal import case_events
from support.french import date_fr
from tests.fixtures.cases import RelanceUnderTest, make_case
from tests.fixtures.pdf import pdf_text
from tests.fixtures.workflows import (
    AGENT_IDS,
    Handle,
    advance,
    advance_until,
    assert_replays,
    escalate,
    kinds,
    start,
    to_court,
    today,
    wait_for,
)
from workflows import InvoiceCollectionWorkflow


def at(status: CaseStatus, kind: str) -> int:
    return kinds(status).index(kind)


async def approve(handle: Handle, agent: str = "dave") -> CaseStatus:
    await handle.execute_update(
        InvoiceCollectionWorkflow.decide_filing,
        FilingDecision(approve=True, agent=agent, agent_id=AGENT_IDS[agent]),
    )
    return await wait_for(handle, lambda s: s.state != CaseState.OPEN)


async def report(handle: Handle, report: BailiffReport) -> CaseStatus:
    result = await handle.execute_update(InvoiceCollectionWorkflow.report_from_bailiff, report)
    return result.status


def force_outcome(relance: RelanceUnderTest, case: CaseInput, kind: str) -> None:
    """Have the local provider play another outcome than a receipt for the formal notice."""
    folder = relance.settings.registered_mail_dir / case.case_id / "formal_notice"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "outcome.json").write_text(json.dumps({"kind": kind}), encoding="utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_received_notice_leads_to_a_filing_a_handoff_and_a_recovery(
    relance: RelanceUnderTest,
) -> None:
    due = await today(relance)
    case = make_case(due_date=due, invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf)
    handle = await start(relance, case)

    asking = await advance_until(
        relance, handle, lambda s: "filing_approval_requested" in kinds(s), timedelta(days=1)
    )
    # The notice was received; the claim waited for the deadline the notice gives, from receipt.
    received = asking.actions[at(asking, "formal_notice_received")]
    claim = asking.actions[at(asking, "penalty_claim_sent")]
    assert claim.at >= received.at + case.policy.notice_deadline
    assert "le délai de paiement court huit jours à compter de la réception" in received.detail
    proof = relance.settings.registered_mail_dir / case.case_id / "formal_notice" / "proof-received.pdf"
    assert received.document_sha256 == sha256(proof)
    # Eligible: a small claim (principal and interest within 5,000 EUR), after a second agent's approval.
    requested = asking.actions[at(asking, "filing_approval_requested")]
    assert "procédure simplifiée de recouvrement des petites créances" in requested.detail
    assert asking.prescription_ends_on == date(due.year + 5, due.month, due.day)

    filed = await approve(handle, agent="dave")
    assert filed.state == CaseState.WITH_BAILIFF
    assert filed.waiting_for == "les comptes rendus du commissaire de justice"
    # The journal names the dossier, not where the server keeps it.
    assert str(relance.data_dir) not in filed.actions[at(filed, "handed_off_to_bailiff")].detail
    handed = filed.actions[at(filed, "handed_off_to_bailiff")]
    dossier = relance.data_dir / "dossiers" / case.case_id
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    assert handed.document_sha256 == sha256(dossier / "manifest.json")
    # Every file listed with its right hash; the exhibits are the invoice, the signed order, the
    # notice and its receipt, the statement, the reminders; the history is the case's Temporal history.
    for entry in manifest["files"]:
        assert sha256(dossier / entry["file"]) == entry["sha256"], entry["file"]
    listed = {entry["file"] for entry in manifest["files"]}
    assert listed | {"manifest.json"} == {p.name for p in dossier.iterdir()}
    exhibits = [entry["kind"] for entry in manifest["files"] if "exhibit" in entry]
    assert exhibits == [
        "invoice",
        "order",
        "formal_notice",
        "notice_receipt",
        "penalty_statement",
        "reminder",
        "reminder",
    ]
    assert "demande_petites_creances.pdf" in listed
    history = json.loads((dossier / "history.json").read_text(encoding="utf-8"))
    assert history["events"][0]["eventType"] in (
        "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
        "WorkflowExecutionStarted",
    )
    request = pdf_text(dossier / "demande_petites_creances.pdf")
    assert case.debtor.name in request and case.invoice.number in request
    # The debtor in Paris: the commissaire de justice of the cour d'appel de Paris, then the court
    # named; never disputed, and the request says so.
    assert "dans le ressort de la cour d'appel de Paris, où demeure le débiteur, 75019 Paris" in request
    assert "Président du Tribunal des activités économiques de Paris (1 quai de la Corse" in request
    assert "Le débiteur n'a pas contesté la créance." in request
    # Delivered to the commissaire de justice's folder (no address configured): the same files.
    dropped = relance.settings.bailiff_drop_dir / case.case_id
    assert sha256(dropped / "manifest.json") == manifest_sha256(dossier)

    # With the commissaire de justice, the case follows their reports: no pause, no payment past it.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(InvoiceCollectionWorkflow.pause, PauseRequest(reason="attente"))
    assert "commissaire de justice" in str(refused.value.cause)

    await report(handle, BailiffReport(kind=BailiffReportKind.ACCEPTED, agent="erin"))
    partly = await report(
        handle,
        BailiffReport(
            kind=BailiffReportKind.RECOVERED,
            amount=Decimal("1000.00"),
            costs=Decimal("89.50"),
            costs_borne_by=CostBearer.DEBTOR,
            note="saisie-attribution",
            agent="erin",
        ),
    )
    assert partly.balance == Decimal("234.56") and partly.recovered == Decimal("1000.00")
    assert [(c.amount, c.borne_by) for c in partly.costs] == [(Decimal("89.50"), CostBearer.DEBTOR)]
    with pytest.raises(WorkflowUpdateFailedError) as too_much:
        await report(
            handle, BailiffReport(kind=BailiffReportKind.RECOVERED, amount=Decimal("300.00"), agent="erin")
        )
    assert "dépasse le solde" in str(too_much.value.cause)
    await report(
        handle, BailiffReport(kind=BailiffReportKind.RECOVERED, amount=Decimal("234.56"), agent="erin")
    )
    final = await handle.result()
    assert final.state == CaseState.PAID and final.recovered == Decimal("1234.56")
    assert [k for k in kinds(final) if k.startswith("bailiff_")] == [
        "bailiff_accepted",
        "bailiff_recovered",
        "bailiff_recovered",
    ]
    events = await case_events(relance.database, case.case_id)
    assert {"delivery_deposited", "delivery_received"} <= {e.kind for e in events}
    await assert_replays(handle, record_as="judicial_route_recovered")


def manifest_sha256(dossier: Path) -> str:
    return sha256(dossier / "manifest.json")


@pytest.mark.parametrize(
    ("outcome", "what"), [("refused", "refusée par le débiteur"), ("not_claimed", "non réclamée")]
)
async def test_a_notice_not_received_holds_for_an_agent_and_keeps_the_case_out_of_court(
    relance: RelanceUnderTest, outcome: str, what: str
) -> None:
    case = make_case(
        due_date=await today(relance), invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf
    )
    force_outcome(relance, case, outcome)
    handle = await start(relance, case)
    await escalate(handle, Stage.FORMAL_NOTICE)

    held = await wait_for(handle, lambda s: s.paused)
    assert f"formal_notice_{outcome}" in kinds(held)
    assert held.pause_reason is not None and what in held.pause_reason
    assert "aucune saisine ne peut donc s'appuyer sur elle" in held.pause_reason
    proof = relance.settings.registered_mail_dir / case.case_id / "formal_notice" / f"proof-{outcome}.pdf"
    assert held.actions[at(held, f"formal_notice_{outcome}")].document_sha256 == sha256(proof)

    # The agent goes on amicably: the claim goes out, the judicial step says why it stops there.
    await handle.execute_update(InvoiceCollectionWorkflow.resume, ResumeRequest(agent="bob"))
    final = await result_of(relance, handle)
    assert final.state == CaseState.KEPT_AMICABLE
    assert "penalty_claim_sent" in kinds(final) and "filing_approval_requested" not in kinds(final)
    closed = final.actions[-1]
    assert "le débiteur n'a pas reçu de mise en demeure" in closed.detail
    assert not (relance.data_dir / "dossiers" / case.case_id).exists()
    await assert_replays(handle, record_as=f"notice_{outcome}")


async def result_of(relance: RelanceUnderTest, handle: Handle) -> CaseStatus:
    await advance_until(relance, handle, lambda s: s.state.is_closed, timedelta(days=1))
    return await handle.result()


async def test_no_proof_of_receipt_in_time_asks_an_agent(relance: RelanceUnderTest) -> None:
    case = make_case(
        due_date=await today(relance), invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf
    )
    # The letter stays with the post: no outcome while the case waits.
    relance.settings.outbox_delivery_delay_seconds = 3600
    handle = await start(relance, case)
    await escalate(handle, Stage.FORMAL_NOTICE)
    # The case journals the letter, then follows it: a status between the two shows no wait yet.
    waiting = await wait_for(handle, lambda s: "formal_notice_sent" in kinds(s) and s.waiting_for is not None)
    assert waiting.waiting_for is not None and "l'issue de la lettre recommandée de mise en demeure" in (
        waiting.waiting_for
    )

    held = await advance_until(relance, handle, lambda s: s.paused, timedelta(days=2))
    assert "proof_of_receipt_missing" in kinds(held)
    assert held.pause_reason is not None and "pas de preuve de réception" in held.pause_reason
    assert held.held_by_case
    # Days pass, nothing else is sent while the case waits for the agent.
    await advance(relance, 20)
    assert "penalty_claim_sent" not in kinds(await handle.query(InvoiceCollectionWorkflow.status))

    # The letter is received after all; the agent resumes and the case finds the proof.
    relance.settings.outbox_delivery_delay_seconds = 0
    await handle.execute_update(InvoiceCollectionWorkflow.resume, ResumeRequest(agent="bob"))
    received = await wait_for(handle, lambda s: "formal_notice_received" in kinds(s))
    assert not received.paused
    await assert_replays(handle, record_as="proof_of_receipt_missing")


async def test_without_a_signed_quote_the_case_stays_amicable_and_says_why(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance), order_reference=None, invoice_pdf=relance.invoice_pdf)
    handle = await start(relance, case)
    final = await result_of(relance, handle)
    assert final.state == CaseState.KEPT_AMICABLE
    assert "formal_notice_received" in kinds(final) and "filing_approval_requested" not in kinds(final)
    assert "aucun devis signé ni bon de commande au dossier" in final.actions[-1].detail
    assert "article 1353 du Code civil" in final.actions[-1].detail


async def test_the_signed_order_is_its_own_exhibit_and_the_request_cites_its_number(
    relance: RelanceUnderTest,
) -> None:
    case = make_case(
        due_date=await today(relance), invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf
    )
    handle = await start(relance, case)
    await to_court(handle, requested_by="carol")
    filed = await approve(handle, agent="dave")

    assert filed.state == CaseState.WITH_BAILIFF
    dossier = relance.data_dir / "dossiers" / case.case_id
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    [order] = [entry for entry in manifest["files"] if entry.get("kind") == "order"]
    assert (order["exhibit"], order["file"]) == (2, "piece-02-commande.pdf")
    # The very document imported, two pages read back.
    assert order["sha256"] == sha256(relance.order_pdf) == sha256(dossier / order["file"])
    assert len(PdfReader(dossier / order["file"]).pages) == 2
    request = pdf_text(dossier / "demande_petites_creances.pdf")
    assert "En exécution de la commande n° BC-7781 acceptée par le débiteur (pièce n° 2)" in request
    assert "Contrat (commande n° BC-7781, pièce n° 2) — article 1103 du Code civil" in request
    assert "Devis ou bon de commande signé n° BC-7781" in request and "sera produit" not in request
    bordereau = pdf_text(dossier / "bordereau_de_pieces.pdf")
    assert "2 Devis ou bon de commande signé n° BC-7781 piece-02-commande.pdf" in bordereau
    await assert_replays(handle, record_as="order_document_exhibit")


async def test_an_order_known_by_its_reference_only_stays_out_of_court_by_default(
    relance: RelanceUnderTest,
) -> None:
    case = make_case(due_date=await today(relance), invoice_pdf=relance.invoice_pdf)
    assert not case.policy.file_without_order_document
    handle = await start(relance, case)

    final = await result_of(relance, handle)
    assert final.state == CaseState.KEPT_AMICABLE
    assert "formal_notice_received" in kinds(final) and "filing_approval_requested" not in kinds(final)
    closed = final.actions[-1].detail
    assert "devis ou bon de commande signé n° BC-7781 connu par sa seule référence" in closed
    assert "article 1353 du Code civil" in closed and "file_without_order_document" in closed
    assert not (relance.data_dir / "dossiers" / case.case_id).exists()


async def test_a_policy_may_file_on_the_orders_reference_the_request_saying_it_will_be_produced(
    relance: RelanceUnderTest,
) -> None:
    policy = load_policy("default").model_copy(update={"file_without_order_document": True})
    case = make_case(due_date=await today(relance), invoice_pdf=relance.invoice_pdf, policy=policy)
    handle = await start(relance, case)
    await to_court(handle, requested_by="carol")
    filed = await approve(handle, agent="dave")

    assert filed.state == CaseState.WITH_BAILIFF
    dossier = relance.data_dir / "dossiers" / case.case_id
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    assert "order" not in [entry.get("kind") for entry in manifest["files"]]
    request = pdf_text(dossier / "demande_petites_creances.pdf")
    assert (
        "En exécution de la commande n° BC-7781 acceptée par le débiteur (devis ou bon de commande "
        "signé, qui sera produit à première demande)"
    ) in request
    produced = (
        "Le devis ou bon de commande signé n° BC-7781, qui fonde la créance, n'est pas joint : il sera "
        "produit à première demande."
    )
    assert produced in request
    assert produced in pdf_text(dossier / "bordereau_de_pieces.pdf")
    await assert_replays(handle, record_as="order_to_be_produced")


async def test_an_open_dispute_holds_the_ladder_and_the_filing(relance: RelanceUnderTest) -> None:
    case = make_case(
        due_date=await today(relance), invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf
    )
    handle = await start(relance, case)
    asking = await to_court(handle, requested_by="carol")
    assert asking.waiting_for is not None and "la validation, par un autre agent" in asking.waiting_for

    # A dispute opened while the approval waits: the approved filing is deferred, not sent.
    dispute = DisputeRequest(open=True, reason="malfaçons contestées", agent="bob")
    await handle.execute_update(InvoiceCollectionWorkflow.dispute, dispute)
    with pytest.raises(WorkflowUpdateFailedError) as twice:
        await handle.execute_update(InvoiceCollectionWorkflow.dispute, dispute)
    assert "un litige est déjà ouvert" in str(twice.value.cause)
    await handle.execute_update(
        InvoiceCollectionWorkflow.decide_filing,
        FilingDecision(approve=True, agent="dave", agent_id=AGENT_IDS["dave"]),
    )
    deferred = await wait_for(handle, lambda s: "filing_deferred" in kinds(s))
    assert "le débiteur conteste la créance" in deferred.actions[-1].detail
    assert deferred.waiting_for == "le règlement du litige (malfaçons contestées)"
    await advance(relance, 30)
    held = await handle.query(InvoiceCollectionWorkflow.status)
    assert held.state == CaseState.OPEN and "handed_off_to_bailiff" not in kinds(held)
    assert not (relance.data_dir / "dossiers" / case.case_id).exists()

    # Settled: the filing asks for an approval again, and goes once given.
    await handle.execute_update(
        InvoiceCollectionWorkflow.dispute,
        DisputeRequest(open=False, reason="expertise favorable", agent="bob"),
    )
    asking = await wait_for(handle, lambda s: kinds(s).count("filing_approval_requested") == 2)
    filed = await approve(handle, agent="dave")
    assert filed.state == CaseState.WITH_BAILIFF
    # A dispute was opened, then closed: the request does not say the claim was never disputed.
    request = pdf_text(relance.data_dir / "dossiers" / case.case_id / "demande_petites_creances.pdf")
    assert "Le débiteur a élevé une contestation, close depuis" in request
    assert "n'a pas contesté" not in request
    await report(
        handle, BailiffReport(kind=BailiffReportKind.FAILED, note="débiteur insolvable", agent="erin")
    )
    final = await handle.result()
    assert final.state == CaseState.RECOVERY_FAILED
    await assert_replays(handle, record_as="dispute_then_filing")


async def test_a_prescribed_claim_is_not_filed_and_the_agent_was_warned(relance: RelanceUnderTest) -> None:
    now = await today(relance)
    # Against a consumer, two years (Code de la consommation L218-2): three years late is too late.
    due = date(now.year - 3, 3, 2)
    case = make_case(
        due_date=due, kind=DebtorKind.CONSUMER, invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf
    )
    handle = await start(relance, case)
    warned = await wait_for(handle, lambda s: "prescription_warning" in kinds(s))
    warning = warned.actions[at(warned, "prescription_warning")].detail
    assert f"prescrite à compter du {date_fr(date(due.year + 2, 3, 3))}" in warning
    assert warned.prescription_ends_on == date(due.year + 2, 3, 2)
    final = await to_court(handle)
    assert final.state == CaseState.KEPT_AMICABLE
    assert "la créance est prescrite depuis le" in final.actions[-1].detail
    assert "Code de la consommation, art. L218-2 : deux ans" in final.actions[-1].detail
    await assert_replays(handle, record_as="prescribed_claim")


async def test_the_agent_is_warned_weeks_before_prescription(relance: RelanceUnderTest) -> None:
    now = await today(relance)
    # Time-barred in 20 weeks: the warning comes 12 weeks before, i.e. in 8 weeks.
    ends_on = now + timedelta(weeks=20)
    case = make_case(
        due_date=date(ends_on.year - 2, ends_on.month, ends_on.day),
        kind=DebtorKind.CONSUMER,
        invoice_pdf=relance.invoice_pdf,
        order_pdf=relance.order_pdf,
    )
    handle = await start(relance, case)
    # Paused, the ladder sends nothing while the time passes.
    await handle.execute_update(InvoiceCollectionWorkflow.pause, PauseRequest(reason="attente", agent="bob"))
    status = await wait_for(handle, lambda s: s.prescription_ends_on is not None)
    assert status.prescription_ends_on == ends_on and "prescription_warning" not in kinds(status)
    await advance(relance, 7 * 8 - 2)
    assert "prescription_warning" not in kinds(await handle.query(InvoiceCollectionWorkflow.status))
    await advance(relance, 3)
    warned = await wait_for(handle, lambda s: "prescription_warning" in kinds(s))
    assert "Code de la consommation, art. L218-2" in warned.actions[-1].detail
    assert (
        warned.waiting_for is not None
        and f"avant la prescription, le {date_fr(ends_on)}" in warned.waiting_for
    )


@pytest.mark.parametrize(
    ("amount", "kind", "route", "request_file", "court"),
    [
        (
            "1234.56",
            DebtorKind.BUSINESS,
            "small_claims",
            "demande_petites_creances.pdf",
            "tribunal_de_commerce",
        ),
        (
            "8000.00",
            DebtorKind.BUSINESS,
            "injonction_de_payer",
            "requete_injonction_de_payer.pdf",
            "tribunal_de_commerce",
        ),
        (
            "8000.00",
            DebtorKind.CONSUMER,
            "injonction_de_payer",
            "requete_injonction_de_payer.pdf",
            "tribunal_judiciaire",
        ),
    ],
)
async def test_the_route_and_the_court_follow_the_amount_and_the_parties(
    relance: RelanceUnderTest, amount: str, kind: DebtorKind, route: str, request_file: str, court: str
) -> None:
    case = make_case(
        due_date=await today(relance),
        amount=amount,
        kind=kind,
        invoice_pdf=relance.invoice_pdf,
        order_pdf=relance.order_pdf,
    )
    handle = await start(relance, case)
    asking = await to_court(handle)
    requested = asking.actions[at(asking, "filing_approval_requested")].detail
    assert f"{ROUTES[route]} devant le {COURTS[court]}" in requested
    filed = await approve(handle)
    assert filed.state == CaseState.WITH_BAILIFF
    dossier = relance.data_dir / "dossiers" / case.case_id
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["route"], manifest["court"]) == (route, court)
    assert (dossier / request_file).is_file()
    await report(handle, BailiffReport(kind=BailiffReportKind.CLOSED, agent="erin"))
    assert (await handle.result()).state == CaseState.CLOSED_BY_BAILIFF


async def test_reports_of_the_commissaire_need_a_dossier_with_them(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=await today(relance))
    handle = await start(relance, case)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await report(handle, BailiffReport(kind=BailiffReportKind.ACCEPTED, agent="erin"))
    assert "le dossier n'est pas chez un commissaire de justice" in str(refused.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as no_reason:
        await handle.execute_update(InvoiceCollectionWorkflow.dispute, DisputeRequest(open=True, reason=" "))
    assert "demande un motif" in str(no_reason.value.cause)
    with pytest.raises(ValueError, match="who bears the costs"):
        BailiffReport(kind=BailiffReportKind.ACCEPTED, costs=Decimal("10.00"))


async def test_a_small_claim_waits_for_the_rates_of_today(relance: RelanceUnderTest) -> None:
    # Due a few days ago; the tables stop before that half-year: no late day finds its rate.
    due = await today(relance) - timedelta(days=5)
    current = half_year_of(due)
    complete = {}
    for name in ("ecb_main_refinancing.csv", "legal_interest.csv"):
        path = relance.settings.rates_dir / name
        complete[path] = path.read_text(encoding="utf-8")
        lines = complete[path].splitlines()
        kept = [line for line in lines if line.startswith("half_year") or line[:7] < current]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    case = make_case(due_date=due, invoice_pdf=relance.invoice_pdf, order_pdf=relance.order_pdf)
    handle = await start(relance, case)
    await escalate(handle, Stage.FORMAL_NOTICE)
    await wait_for(handle, lambda s: "formal_notice_received" in kinds(s))
    await escalate(handle, Stage.PENALTY_CLAIM)
    claimed = await wait_for(handle, lambda s: "penalty_claim_sent" in kinds(s))
    # The claim still asks the 40 EUR indemnity, which needs no rate (Code de commerce D441-5).
    assert "pénalités de 40,00\xa0€" in claimed.actions[at(claimed, "penalty_claim_sent")].detail
    await escalate(handle, Stage.JUDICIAL_FILING, agent="carol")
    held = await wait_for(handle, lambda s: "route_waits_for_rates" in kinds(s))
    assert held.paused and held.held_by_case
    assert "taux du semestre non publiés" in (held.pause_reason or "")
    assert "filing_approval_requested" not in kinds(held)

    # The operator completes the tables (read again at once) and the agent resumes: decided again.
    for path, text in complete.items():
        path.write_text(text, encoding="utf-8")
    await handle.execute_update(
        InvoiceCollectionWorkflow.resume, ResumeRequest(agent="bob", agent_id=AGENT_IDS["bob"])
    )
    asking = await wait_for(handle, lambda s: "filing_approval_requested" in kinds(s))
    assert ROUTES["small_claims"] in asking.actions[at(asking, "filing_approval_requested")].detail
    await assert_replays(handle, record_as="route_waits_for_rates")
