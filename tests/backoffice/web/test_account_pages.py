"""The debtor's page: its invoices, a payment's split shown, then confirmed once; the statement of
account downloaded from it; the account's communications and their documents."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

from pypdf import PdfReader
from sqlmodel import select

from models.court import BailiffDeliveryReceipt
from models.enums import Role
from storage.tables import Invoice
from tests.fixtures.communications import (
    FILED_KEY,
    SENT_FR,
    account_with_a_grouped_notice,
    grouped_filing,
    titled_pdf,
)
from tests.fixtures.pdf import flat, french_spacing_faults, pdf_text, raw_pdf_text
from tests.fixtures.web import BackofficeUnderTest, WebUser, csv_file, eventually, invoice_row, status_of


async def test_a_payment_on_the_debtor_page_is_shown_split_then_confirmed(
    backoffice: BackofficeUnderTest,
) -> None:
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    day = date.today()
    upload = csv_file(
        invoice_row("W-1", day - timedelta(days=30)), invoice_row("W-2", day - timedelta(days=10))
    )
    accepted = await clerk.post("/imports", files={"files": ("w.csv", upload, "text/csv")})
    assert accepted.status_code == 303

    async def started() -> list[Invoice]:
        async with backoffice.relance.database.sessions() as session:
            rows = (await session.exec(select(Invoice).where(Invoice.number.in_(["W-1", "W-2"])))).all()
        return list(rows) if len(rows) == 2 else []

    invoices = {i.number: i for i in await eventually(started, "both invoices stored")}
    agent = await backoffice.user("alice", Role.AGENT)

    async def case_page() -> str:
        response = await agent.get(f"/cases/{invoices['W-1'].case_id}")
        return response.text if response.status_code == 200 else ""

    assert f'href="/accounts/{invoices["W-1"].case_id}"' in await eventually(case_page, "the case runs")
    page = await agent.get(f"/accounts/{invoices['W-2'].case_id}")
    assert page.status_code == 200
    account_id = re.search(r'id="account-id">([^<]+)<', page.text).group(1)
    assert "W-1" in page.text and "W-2" in page.text

    # An amount that is not one is refused, saying which field and why.
    bad = await agent.post(f"/accounts/{account_id}/payment/preview", {"amount": "mille"})
    assert bad.status_code == 400 and "refusé : montant :" in unescape(bad.text)
    form = {"amount": "1000,00", "paid_on": day.isoformat(), "reference": "VIR-7"}
    shown = await agent.post(f"/accounts/{account_id}/payment/preview", form)
    text = unescape(shown.text).replace("\u202f", " ").replace("\xa0", " ")
    assert "facture W-1 : 900,00 € — dette échue, la plus ancienne d'abord" in text
    assert "facture W-2 : 100,00 €" in text
    split = unescape(re.search(r'name="split" value="([^"]*)"', shown.text).group(1))
    messages = []
    for _ in range(2):  # confirmed twice: recorded once
        done = await agent.post(f"/accounts/{account_id}/payment", {**form, "split": split})
        assert done.status_code == 303
        messages.append(unquote(done.cookies.get("relance_flash", "")))
    # The second answer is the first payment's, not a refusal.
    assert messages[0] == messages[1] and "enregistré, réparti sur 2 factures" in messages[1]
    after = unescape((await agent.get(f"/accounts/{account_id}")).text)
    assert after.count("reçus le") == 1
    async with backoffice.relance.database.sessions() as session:
        w2 = (await session.exec(select(Invoice).where(Invoice.number == "W-2"))).one()
    assert w2.amount_paid == Decimal("100.00")

    assert f'href="/accounts/{account_id}/statement"' in after
    statement = await agent.get(f"/accounts/{w2.case_id}/statement")
    assert statement.status_code == 200 and statement.headers["content-type"] == "application/pdf"
    name = f"releve-de-compte-{account_id}-{day.isoformat()}.pdf"
    assert statement.headers["content-disposition"] == f'attachment; filename="{name}"'
    pdf = backoffice.relance.settings.data_dir / name
    pdf.write_bytes(statement.content)
    text = pdf_text(pdf)
    assert "Relevé de compte" in text and "n° W-1" in text and "n° W-2" in text
    assert "VIR-7 facture n° W-1 : 900,00 €" in text and "Total 1 800,00 € 1 000,00 € 800,00 €" in text
    assert french_spacing_faults(raw_pdf_text(pdf)) == []


async def two_invoices_not_yet_due(backoffice: BackofficeUnderTest) -> tuple[WebUser, dict[str, str], str]:
    """An agent, the cases of two invoices imported for weeks ahead (nothing is sent meanwhile: the
    account holds only what a test gives it), and their account's page once both cases run."""
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    day = date.today()
    upload = csv_file(
        invoice_row("G-1", day + timedelta(days=30)), invoice_row("G-2", day + timedelta(days=40))
    )
    await clerk.post("/imports", files={"files": ("g.csv", upload, "text/csv")})
    agent = await backoffice.user("alice", Role.AGENT)

    async def stored() -> dict[str, str]:
        async with backoffice.relance.database.sessions() as session:
            rows = (await session.exec(select(Invoice).where(Invoice.number.in_(["G-1", "G-2"])))).all()
        return (
            {row.number: row.case_id for row in sorted(rows, key=lambda row: row.number)}
            if len(rows) == 2
            else {}
        )

    cases = await eventually(stored, "both invoices stored")

    async def account_page() -> str:
        response = await agent.get(f"/accounts/{cases['G-1']}")
        return response.text if response.status_code == 200 else ""

    return agent, cases, await eventually(account_page, "both cases run")


async def test_the_debtor_page_shows_the_account_communications_and_serves_their_documents(
    backoffice: BackofficeUnderTest, tmp_path: Path
) -> None:
    agent, cases, before = await two_invoices_not_yet_due(backoffice)
    assert "Aucun envoi groupé pour l'instant." in unescape(before)
    assert 'id="account-filings"' not in before
    account_id = re.search(r'id="account-id">([^<]+)<', before).group(1)
    relance = backoffice.relance
    # A document recorded outside the data folder is listed, never served.
    outside = tmp_path / "ailleurs.pdf"
    outside.write_bytes(b"%PDF-1.7\n% not in the data folder\n")
    sending = await account_with_a_grouped_notice(
        relance.client,
        relance.settings.temporal_task_queue,
        relance.settings.documents_dir,
        account_id,
        cases,
        also_joined=[outside],
    )

    page = await agent.get(f"/accounts/{account_id}")
    text = flat(unescape(page.text))
    assert (
        f"{SENT_FR} : mise en demeure par lettre recommandée, label rouge, factures G-1 et G-2 "
        "(envoi n° LR-77, outbox)"
    ) in text
    letter, statement, gone, elsewhere = [sending.document, *sending.enclosures]
    for served in (letter, statement):
        assert f'href="/accounts/{account_id}/documents/{served.sha256}"' in page.text
    assert "parti.pdf (absent)" in text and gone.sha256 not in page.text
    assert "label RL-2026-77" in text

    # Downloaded from the account's page, or by one of its cases.
    download = await agent.get(f"/accounts/{cases['G-2']}/documents/{letter.sha256}")
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert (
        download.content == Path(letter.path).read_bytes()
        and len(PdfReader(BytesIO(download.content)).pages) == 1
    )
    assert (await agent.get(f"/accounts/{account_id}/documents/{statement.sha256}")).status_code == 200
    for missing in (gone.sha256, elsewhere.sha256, "2" * 64):
        assert (await agent.get(f"/accounts/{account_id}/documents/{missing}")).status_code == 404


async def test_the_debtor_page_shows_the_account_filings_and_serves_their_pdfs(
    backoffice: BackofficeUnderTest,
) -> None:
    agent, cases, before = await two_invoices_not_yet_due(backoffice)
    account_id = re.search(r'id="account-id">([^<]+)<', before).group(1)
    settings = backoffice.relance.settings
    drop = settings.bailiff_drop_dir / f"{account_id}-{FILED_KEY}"
    # 14:05 UTC is 15:05 in Paris in winter.
    dropped = BailiffDeliveryReceipt(
        channel="folder", reference=str(drop), delivered_at=datetime(2026, 12, 1, 14, 5, tzinfo=UTC)
    )
    filing = grouped_filing(settings.dossiers_dir, account_id, cases, dropped)
    await account_with_a_grouped_notice(
        backoffice.relance.client,
        settings.temporal_task_queue,
        settings.documents_dir,
        account_id,
        cases,
        filings=[filing],
    )

    page = await agent.get(f"/accounts/{account_id}")
    section = page.text[page.text.index('id="account-filings"') :]
    assert "<h2>Dossiers judiciaires</h2>" in section
    assert (
        "saisine du 1er décembre 2026 : injonction de payer devant le tribunal de commerce, factures "
        "G-1 et G-2, 6 080,00 € réclamés, approuvée par bob, remise au commissaire de justice dans le "
        f"répertoire de dépôt « {drop.name} » le 1er décembre 2026 à 15 h 05"
    ) in flat(unescape(section))
    # The folder by its name only: no path of the server on the page.
    assert str(settings.data_dir) not in page.text and str(drop) not in page.text
    request, bordereau, exhibit, history, manifest = filing.dossier.files
    for pdf in (request, bordereau, exhibit):
        assert f'href="/accounts/{account_id}/documents/{pdf.sha256}"' in section
    assert history.sha256 not in page.text and manifest.sha256 not in page.text

    download = await agent.get(f"/accounts/{cases['G-1']}/documents/{request.sha256}")
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert download.content == Path(request.path).read_bytes()
    assert (
        PdfReader(BytesIO(download.content)).metadata.title == f"{account_id} requete_injonction_de_payer.pdf"
    )
    served = await agent.get(f"/accounts/{account_id}/documents/{bordereau.sha256}")
    assert served.content == Path(bordereau.path).read_bytes()
    # Another account's dossier, in the same data folder, is not this account's to serve; nor are
    # the files of its own dossier that are no PDF.
    other = titled_pdf(
        settings.dossiers_dir / f"account-autre-{FILED_KEY}" / "bordereau_de_pieces.pdf", "autre"
    )
    for refused in (other.sha256, history.sha256, manifest.sha256):
        assert (await agent.get(f"/accounts/{account_id}/documents/{refused}")).status_code == 404


async def test_a_pause_a_resume_and_a_promise_on_the_debtor_page_reach_every_open_invoice(
    backoffice: BackofficeUnderTest,
) -> None:
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    day = date.today()
    upload = csv_file(
        invoice_row("P-1", day - timedelta(days=30), "600.00"),
        invoice_row("P-2", day - timedelta(days=10), "400.00"),
    )
    assert (await clerk.post("/imports", files={"files": ("p.csv", upload, "text/csv")})).status_code == 303

    async def started() -> list[Invoice]:
        async with backoffice.relance.database.sessions() as session:
            rows = (await session.exec(select(Invoice).where(Invoice.number.in_(["P-1", "P-2"])))).all()
        return list(rows) if len(rows) == 2 else []

    invoices = {i.number: i for i in await eventually(started, "both invoices stored")}
    handles = {
        number: backoffice.relance.client.get_workflow_handle(invoice.case_id)
        for number, invoice in invoices.items()
    }
    agent = await backoffice.user("alice", Role.AGENT)

    async def account_page() -> str:
        response = await agent.get(f"/accounts/{invoices['P-1'].case_id}")
        return response.text if response.status_code == 200 else ""

    # The page answers once both cases run.
    page = await eventually(account_page, "both cases run")
    account_id = re.search(r'id="account-id">([^<]+)<', page).group(1)
    command_id = re.search(r'name="command_id" value="([^"]+)"', page).group(1)
    assert 'id="account-pause-form"' in page and 'id="account-promise-form"' in page

    async def flash(command: str, form: dict[str, str]) -> str:
        done = await agent.post(f"/accounts/{account_id}/commands/{command}", form)
        assert done.status_code == 303, done.text[:300]
        return unquote(done.cookies.get("relance_flash", ""))

    pause = {"command_id": command_id, "reason": "échéancier proposé"}
    # Sent twice (a second click on the same form): each case paused once.
    messages = [await flash("pause", pause) for _ in range(2)]
    assert messages[0] == messages[1] == "pause appliquée à 2 factures (P-1, P-2)"
    for handle in handles.values():
        status = await status_of(handle)
        assert status.paused and status.pause_reason == "échéancier proposé"
        assert [a.kind for a in status.actions].count("paused") == 1

    assert await flash("resume", {"command_id": command_id}) == "reprise appliquée à 2 factures (P-1, P-2)"
    assert not any([(await status_of(handle)).paused for handle in handles.values()])

    by = day + timedelta(days=10)
    promised = await flash("promise", {"command_id": command_id, "by": by.isoformat()})
    assert (
        promised.startswith("promesse de paiement au plus tard le")
        and "enregistrée pour 2 factures" in promised
    )
    for number, amount in (("P-1", "600.00"), ("P-2", "400.00")):
        status = await status_of(handles[number])
        assert status.promise is not None and status.promise.amount == Decimal(amount)

    # A form to correct: the page again, saying which field.
    wrong = await agent.post(f"/accounts/{account_id}/commands/pause", {"reason": ""})
    assert wrong.status_code == 400 and "motif : requis" in unescape(wrong.text)
