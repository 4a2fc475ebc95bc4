"""Signed letters on real parts (time-skipping Temporal, SQLite, aiosmtpd, WeasyPrint and pypdf): a
letter nobody can sign holds the case with the reason in French, until an agent names the signatory
by an import and resumes; an agency's first letter splits what it claims, as at its date, and gives
the agency's own account and insurance (CPCE R124-2, R124-4 3°)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from backoffice.intake.invoice_file import read_invoices
from backoffice.intake.store import store_invoices
from config.agency import load_agency
from config.rates import load_rate_tables
from config.settings import PROJECT_ROOT
from law.penalties import PenaltyRequest, compute_penalties
from models.commands import ResumeRequest
from models.enums import DebtorKind
from storage.journal import case_events
from support.french import money_fr
from tests.fixtures.cases import TEST_CASE_ID_KEY, RelanceUnderTest, make_case
from tests.fixtures.cli import BUSINESS, CREDITOR, HEADER
from tests.fixtures.smtp import read_messages
from tests.fixtures.workflows import advance, assert_replays, sent_steps, start, today, wait_for
from workflows import InvoiceCollectionWorkflow


def plain(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def pdf_text(path: Path) -> str:
    return plain(" ".join(page.extract_text() for page in PdfReader(path).pages))


def money(amount: Decimal) -> str:
    return plain(money_fr(amount))


async def test_a_letter_nobody_signs_holds_the_case_until_an_import_names_the_signatory(
    relance: RelanceUnderTest,
) -> None:
    case = make_case(due_date=await today(relance))
    # A case started before signatories were kept, or from an invoice file without them.
    case = case.model_copy(update={"creditor": case.creditor.model_copy(update={"signatory": None})})
    handle = await start(relance, case)

    await advance(relance, 2)
    held = await wait_for(handle, lambda s: s.paused)
    assert held.pause_reason is not None
    assert "signataire manquant : aucune personne n'est enregistrée pour signer" in held.pause_reason
    assert "Menuiserie Dupont SARL (SIREN 123456782)" in held.pause_reason
    assert "creditor_signatory_name et creditor_signatory_title" in held.pause_reason
    assert sent_steps(held) == [] and read_messages(relance.outbox) == []
    assert "step_failed" in [event.kind for event in await case_events(relance.database, case.case_id)]

    # The agent imports an invoice of the creditor naming who signs, and resumes: the step reads the
    # creditor again and its letter goes out, signed.
    due = case.invoice.due_date.isoformat()
    row = (
        CREDITOR.replace("Menuiserie Dupont,", "Menuiserie Dupont SARL,").replace(
            "Jean Dupont,gérant", "Claire Dupont,directrice administrative et financière"
        )
        + BUSINESS
        + f"F-SIGNED,{due},{due},100.00,0,BC-1,"
    )
    invoices = relance.data_dir / "signed.csv"
    invoices.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    rows = read_invoices([invoices], relance.data_dir / "invoices")
    await store_invoices(relance.database, rows, "default", TEST_CASE_ID_KEY)
    await handle.execute_update(InvoiceCollectionWorkflow.resume, ResumeRequest(agent="dora"))
    # Resumed, the step goes out in the next send slot (README, grouped sending).
    await advance(relance, 1)

    status = await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))
    assert not status.paused
    letter = pdf_text(relance.data_dir / "documents" / case.case_id / "first_reminder.orange.pdf")
    assert (
        "Claire Dupont Directrice administrative et financière Menuiserie Dupont SARL "
        "compta@menuiserie-dupont.fr"
    ) in letter
    [message] = read_messages(relance.outbox)
    body = " ".join(message.get_body(("plain",)).get_content().split())  # type: ignore[union-attr]
    assert "Claire Dupont, directrice administrative et financière Menuiserie Dupont SARL" in body
    await assert_replays(handle, record_as="signatory_given_after_a_hold")


async def test_an_agency_s_first_letter_splits_the_sum_as_at_its_date(relance: RelanceUnderTest) -> None:
    agency = load_agency(PROJECT_ROOT / "demo" / "agency.toml")
    due = await today(relance) - timedelta(days=20)
    case = make_case(due_date=due, kind=DebtorKind.BUSINESS).model_copy(update={"agency": agency})
    handle = await start(relance, case)

    await advance(relance, 4)
    status = await wait_for(handle, lambda s: "first_reminder" in sent_steps(s))
    [sent] = [action for action in status.actions if action.step_key == "first_reminder"]
    letter_date = case.policy.local_date(sent.at)
    penalties = compute_penalties(
        PenaltyRequest(
            principal=case.invoice.balance, due_date=due, until=letter_date, debtor_kind=DebtorKind.BUSINESS
        ),
        load_rate_tables(relance.settings.rates_dir),
    )
    assert penalties.interest > 0

    text = pdf_text(relance.data_dir / "documents" / case.case_id / "first_reminder.orange.pdf")
    assert "RECOUVREMENT AMIABLE" in text
    assert "La somme due se décompose en principal, intérêts et autres accessoires" in text
    assert f"Principal restant dû (facture n° {case.invoice.number}) 1 234,56 €" in text
    assert "Intérêts — Pénalités de retard (article L441-10 du Code de commerce)" in text
    assert f"{money(penalties.interest)} Autres accessoires — Indemnité forfaitaire" in text
    assert "(article D441-5 du Code de commerce) 40,00 € Total dû" in text
    claimed = case.invoice.balance + penalties.interest + penalties.indemnity
    assert f"régler la somme de {money(claimed)} dès réception du présent courrier" in text
    # The agency's own account (R124-2), its insurance, its signatory.
    assert "IBAN FR76 3000 4000 0312 3456 7890 143, en indiquant la référence" in text
    assert "FR76 3000 6000" not in text
    assert "Assurances Mutuelles du Rhône, contrat RCP n° 2026-04417" in text
    assert "Sophie Garnier Directrice du recouvrement Recouvrement Rhône-Alpes SAS pour le compte de" in text
    await assert_replays(handle, record_as="agency_first_letter_penalties")
