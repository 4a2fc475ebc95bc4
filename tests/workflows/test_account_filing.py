"""One filing per debtor on real parts (time-skipping Temporal, SQLite, aiosmtpd, real PDFs): the
eligible claims of one debtor's invoices reaching court in one slot go in one dossier, its route
decided on their combined principal and interest (CPCE L125-1), approved once; an invoice that may
not go to court stays out and says why."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from models.commands import FilingDecision
from models.enums import CaseState
from models.invoices import CaseInput
from models.status import CaseStatus
from models.wording import ROUTES
from tests.fixtures.cases import RelanceUnderTest, account_of, make_case
from tests.fixtures.database import store_account
from tests.fixtures.pdf import pdf_text
from tests.fixtures.workflows import (
    AGENT_IDS,
    Handle,
    advance_until,
    assert_replays,
    kinds,
    start,
    today,
    wait_for,
)
from tests.workflows.test_account_sending import account_status
from workflows import DebtorAccountWorkflow, InvoiceCollectionWorkflow


def with_documents(
    relance: RelanceUnderTest, due: date, number: str, amount: str, *, order: bool = True
) -> CaseInput:
    """An invoice of the test debtor, due on ``due``, with its PDF and its signed order's."""
    return make_case(
        number=number,
        due_date=due,
        amount=amount,
        invoice_pdf=relance.invoice_pdf,
        order_pdf=relance.order_pdf if order else None,
    )


async def to_the_dossier(
    relance: RelanceUnderTest, cases: list[CaseInput]
) -> tuple[list[Handle], CaseStatus]:
    """Start the cases and let time run until the dossier's lead asks for the approval."""
    await store_account(relance.database, cases)
    handles = [await start(relance, case) for case in cases]
    lead = await advance_until(relance, handles[0], lambda s: s.approval_pending, timedelta(days=1))
    return handles, lead


async def approve(handle: Handle) -> None:
    await handle.execute_update(
        InvoiceCollectionWorkflow.decide_filing,
        FilingDecision(approve=True, agent="dave", agent_id=AGENT_IDS["dave"]),
    )


def the_dossier(relance: RelanceUnderTest, account_id: str) -> Path:
    [dossier] = sorted((relance.data_dir / "dossiers").glob(f"{account_id}-*"))
    return dossier


def request_text(dossier: Path) -> str:
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    [request] = [
        entry["file"] for entry in manifest["files"] if entry["file"].startswith(("requete", "demande"))
    ]
    return pdf_text(dossier / request)


async def test_two_small_claims_cross_the_ceiling_together_one_injonction_approved_once(
    relance: RelanceUnderTest,
) -> None:
    due = await today(relance)
    cases = [with_documents(relance, due, "F-1", "3000.00"), with_documents(relance, due, "F-2", "2500.00")]
    handles, lead = await to_the_dossier(relance, cases)

    requested = next(a for a in lead.actions if a.kind == "filing_approval_requested").detail
    # Each alone is a small claim; together, 5,500 EUR of principal, an injonction de payer.
    assert ROUTES["injonction_de_payer"] in requested
    assert "dossier commun des factures n° F-1 et F-2" in requested
    other = await handles[1].query(InvoiceCollectionWorkflow.status)
    assert not other.approval_pending
    assert "filing_approval_requested" not in kinds(other)

    await approve(handles[0])
    filed = [await wait_for(h, lambda s: s.state == CaseState.WITH_BAILIFF) for h in handles]
    handed = [next(a for a in s.actions if a.kind == "handed_off_to_bailiff") for s in filed]
    assert handed[0].document_sha256 == handed[1].document_sha256
    assert "dossier commun avec 1 autre facture (F-2), validé par dave" in handed[0].detail
    account_id = account_of(cases[0].debtor)
    dossier = the_dossier(relance, account_id)
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["route"] == "injonction_de_payer"
    # One request for both claims: no dossier of its own for either case.
    assert not any((relance.data_dir / "dossiers" / case.case_id).exists() for case in cases)
    text = request_text(dossier)
    assert "F-1" in text and "F-2" in text
    [filing] = (await account_status(relance, account_id)).filings
    assert filing.invoice_numbers == ["F-1", "F-2"]
    assert filing.approved_by == "dave"
    await assert_replays(handles[1], record_as="grouped_filing_case")
    account = relance.client.get_workflow_handle_for(DebtorAccountWorkflow.run, account_id)
    await assert_replays(account, record_as="debtor_account_grouped_filing")


async def test_claims_under_the_ceiling_together_one_small_claim_an_ineligible_invoice_stays_out(
    relance: RelanceUnderTest,
) -> None:
    due = await today(relance)
    cases = [
        with_documents(relance, due, "F-1", "1500.00"),
        with_documents(relance, due, "F-2", "2000.00"),
        # Its signed order known by its reference only: it stays amicable (Code civil 1353).
        with_documents(relance, due, "F-3", "900.00", order=False),
    ]
    handles, lead = await to_the_dossier(relance, cases)

    requested = next(a for a in lead.actions if a.kind == "filing_approval_requested").detail
    assert ROUTES["small_claims"] in requested
    assert "dossier commun des factures n° F-1 et F-2" in requested
    out = await wait_for(handles[2], lambda s: s.state.is_closed)
    assert out.state == CaseState.KEPT_AMICABLE
    assert "connu par sa seule référence" in out.actions[-1].detail

    await approve(handles[0])
    for handle in handles[:2]:
        await wait_for(handle, lambda s: s.state == CaseState.WITH_BAILIFF)
    dossier = the_dossier(relance, account_of(cases[0].debtor))
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["route"] == "small_claims"
    text = request_text(dossier)
    assert "F-1" in text and "F-2" in text and "F-3" not in text


async def test_a_rejected_dossier_keeps_all_its_invoices_amicable(relance: RelanceUnderTest) -> None:
    due = await today(relance)
    cases = [with_documents(relance, due, "F-1", "1500.00"), with_documents(relance, due, "F-2", "2000.00")]
    handles, _ = await to_the_dossier(relance, cases)
    await handles[0].execute_update(
        InvoiceCollectionWorkflow.decide_filing,
        FilingDecision(approve=False, reason="client historique", agent="dave", agent_id=AGENT_IDS["dave"]),
    )
    closed = [await wait_for(h, lambda s: s.state.is_closed) for h in handles]
    assert [s.state for s in closed] == [CaseState.KEPT_AMICABLE] * 2
    assert "rejetée par dave : client historique" in closed[1].actions[-1].detail
    assert not (relance.data_dir / "dossiers").exists() or not list((relance.data_dir / "dossiers").iterdir())
