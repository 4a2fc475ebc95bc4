"""The penalties a case claims, by kind of debtor, on real parts (time-skipping Temporal, the outbox
registered-mail provider, WeasyPrint and pypdf): a consumer's legal interest from the formal
notice's receipt or first presentation (Code civil 1231-6, 1344-1), and a public buyer's intérêts
moratoires (Code de la commande publique R2192-31, D2192-35), whose case stays amicable."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from law.judicial import PUBLIC_BUYER_REFUSAL
from models.commands import ResumeRequest
from models.enums import CaseState, DebtorKind, Stage
from models.invoices import CaseInput
from tests.fixtures.cases import RelanceUnderTest, make_case
from tests.fixtures.pdf import pdf_text
from tests.fixtures.workflows import (
    AGENT_IDS,
    advance,
    advance_until,
    assert_replays,
    escalate,
    kinds,
    start,
    today,
    wait_for,
)
from workflows import InvoiceCollectionWorkflow


def claim_statement(relance: RelanceUnderTest, case: CaseInput) -> str:
    """The text of the statement joined to the case's penalty claim."""
    [statement] = (relance.settings.documents_dir).rglob("penalty_claim.statement.pdf")
    assert case.case_id in str(statement)
    return pdf_text(statement)


def day_in(detail: str, word: str) -> str:
    """The day a journal line says something happened: "… reçue le 1er décembre 2026 ; …"."""
    found = re.search(rf"{word} le (\d+(?:er)? \w+ \d{{4}})", detail)
    assert found, detail
    return found.group(1)


async def test_a_consumer_owes_interest_from_the_day_the_notice_was_received(
    relance: RelanceUnderTest,
) -> None:
    case = make_case(
        due_date=await today(relance),
        kind=DebtorKind.CONSUMER,
        invoice_pdf=relance.invoice_pdf,
        order_pdf=relance.order_pdf,
    )
    handle = await start(relance, case)
    await escalate(handle, Stage.FORMAL_NOTICE)
    received = await wait_for(handle, lambda s: "formal_notice_received" in kinds(s))
    day = day_in(received.actions[kinds(received).index("formal_notice_received")].detail, "reçue")

    await advance_until(relance, handle, lambda s: "penalty_claim_sent" in kinds(s), timedelta(days=1))
    text = claim_statement(relance, case)
    assert f"Ils courent à compter du {day}, date de réception de la mise en demeure." in text
    assert "à compter du lendemain de la réception de la mise en demeure" in text
    assert "Indemnité forfaitaire" not in text
    await assert_replays(handle, record_as="consumer_interest_from_receipt")


async def test_a_refused_notice_runs_a_consumer_s_interest_from_its_first_presentation(
    relance: RelanceUnderTest,
) -> None:
    case = make_case(due_date=await today(relance), kind=DebtorKind.CONSUMER, invoice_pdf=relance.invoice_pdf)
    folder = relance.settings.registered_mail_dir / case.case_id / "formal_notice"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "outcome.json").write_text(json.dumps({"kind": "refused"}), encoding="utf-8")
    handle = await start(relance, case)
    await escalate(handle, Stage.FORMAL_NOTICE)
    held = await wait_for(handle, lambda s: s.paused)
    day = day_in(held.actions[kinds(held).index("formal_notice_refused")].detail, "débiteur")

    # The agent goes on amicably: the claim counts the interest from the letter's first presentation.
    await handle.execute_update(
        InvoiceCollectionWorkflow.resume, ResumeRequest(agent="bob", agent_id=AGENT_IDS["bob"])
    )
    await advance_until(relance, handle, lambda s: "penalty_claim_sent" in kinds(s), timedelta(days=1))
    text = claim_statement(relance, case)
    assert (
        f"Ils courent à compter du {day}, date de première présentation de la mise en demeure, refusée "
        "par son destinataire : une mise en demeure refusée ou non réclamée produit son effet dès sa "
        "première présentation."
    ) in text


async def test_before_the_notice_s_outcome_is_known_a_consumer_s_claim_counts_no_interest(
    relance: RelanceUnderTest,
) -> None:
    case = make_case(due_date=await today(relance), kind=DebtorKind.CONSUMER, invoice_pdf=relance.invoice_pdf)
    # The letter stays with the post: the agent escalates before knowing whether it was received.
    relance.settings.outbox_delivery_delay_seconds = 3600
    handle = await start(relance, case)
    await escalate(handle, Stage.FORMAL_NOTICE)
    await wait_for(handle, lambda s: s.waiting_for is not None)
    await advance(relance, 10)
    await escalate(handle, Stage.PENALTY_CLAIM)
    claimed = await wait_for(handle, lambda s: "penalty_claim_sent" in kinds(s))
    [unstated] = [a for a in claimed.actions if a.kind == "penalties_not_stated"]
    assert "la réception de la mise en demeure n'est pas établie" in unstated.detail
    assert "articles 1231-6 et 1344-1 du Code civil" in unstated.detail
    # No statement: the claim names what runs, and from when, without an amount.
    assert not list(relance.settings.documents_dir.rglob("penalty_claim.statement.pdf"))
    letters = relance.settings.registered_mail_dir / case.case_id / "penalty_claim"
    claim = pdf_text(next(letters.glob("penalty_claim*.pdf")))
    assert "les intérêts au taux légal courus depuis la réception de notre mise en demeure du" in claim


async def test_a_public_buyer_owes_ecb_plus_8_and_40_eur_and_its_case_stays_amicable_saying_why(
    relance: RelanceUnderTest,
) -> None:
    case = make_case(
        due_date=await today(relance),
        kind=DebtorKind.PUBLIC,
        invoice_pdf=relance.invoice_pdf,
        order_pdf=relance.order_pdf,
    )
    handle = await start(relance, case)
    closed = await advance_until(relance, handle, lambda s: s.state.is_closed, timedelta(days=1))
    final = await handle.result()
    assert final.state == CaseState.KEPT_AMICABLE
    # Every proof is on file and the notice was received: only the public buyer keeps it out of court.
    assert "penalty_claim_sent" in kinds(closed) and "filing_approval_requested" not in kinds(final)
    assert PUBLIC_BUYER_REFUSAL in final.actions[-1].detail
    assert not (relance.data_dir / "dossiers" / case.case_id).exists()
    text = claim_statement(relance, case)
    assert "Commune de Saint-Aubin — SIREN 216903542 (acheteur public)" in text
    assert "Intérêts moratoires : article R2192-31 du Code de la commande publique" in text
    assert "Indemnité forfaitaire pour frais de recouvrement 40,00 €" in text
    letters = Path(relance.settings.registered_mail_dir) / case.case_id
    notice = pdf_text(next((letters / "formal_notice").glob("formal_notice*.pdf")))
    assert "injonction de payer" not in notice and "intérêts moratoires" in notice
