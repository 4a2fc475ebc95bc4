"""The debtor's page: its invoices, a payment's split shown, then confirmed once; the statement of
account downloaded from it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import unquote

from sqlmodel import select

from models.enums import Role
from storage.tables import Invoice
from tests.fixtures.pdf import french_spacing_faults, pdf_text, raw_pdf_text
from tests.fixtures.web import BackofficeUnderTest, csv_file, eventually, invoice_row


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
