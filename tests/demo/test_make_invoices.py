"""The demo invoices (demo/invoices/): one PDF per row of the demo file, as its row says,
with the mentions a French invoice carries, and the signed quote a row names in order_pdf; the
committed PDFs are what the script writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from backoffice.intake.fields import InvoiceRow
from backoffice.intake.invoice_file import read_invoice_file
from demo.make_invoices import DEMO_FILE, INVOICES_DIR, QUOTES, write_demo_invoices
from models.enums import DebtorKind
from support.french import money_fr
from tests.fixtures.pdf import flat, pdf_text

ROWS = read_invoice_file(DEMO_FILE).rows
WITH_ORDER = [row for row in ROWS if row.invoice.order_pdf_path]


@pytest.mark.parametrize("row", ROWS, ids=[row.invoice.number for row in ROWS])
def test_each_demo_invoice_is_the_pdf_its_row_names(row: InvoiceRow) -> None:
    invoice = row.invoice
    assert invoice.pdf_path == str(INVOICES_DIR / f"{invoice.number}.pdf")
    text = pdf_text(invoice.pdf_path)

    for expected in (
        f"FACTURE N° {invoice.number}",
        row.creditor.name,
        f"SIREN {row.creditor.siren[:3]} {row.creditor.siren[3:6]} {row.creditor.siren[6:]}",
        row.debtor.name,
        row.debtor.address.street,
        f"Net à payer {flat(money_fr(invoice.amount_due))}",
        "Total HT",
        "Total TTC",
        "Pas d'escompte pour paiement anticipé",
    ):
        assert expected in text, expected
    if invoice.order_reference:
        assert invoice.order_reference in text
    if row.creditor.iban:
        assert "IBAN FR76 3000 4000 0312 3456 7890 143" in text
    if row.debtor.kind == DebtorKind.BUSINESS:
        assert row.debtor.siren and f"SIREN {row.debtor.siren[:3]} " in text
        assert "indemnité forfaitaire pour frais de recouvrement de 40 euros" in text
        assert "L441-10 II" in text and "D441-5" in text
    else:
        assert "40 euros" not in text
        assert "taux légal à compter de la mise en demeure (article 1231-6 du Code civil)" in text
    if invoice.contract_rate_percent is not None:
        assert f"au taux annuel de {invoice.contract_rate_percent.normalize():f} %" in text
    elif row.debtor.kind == DebtorKind.BUSINESS:
        assert "majoré de 10 points de pourcentage" in text


@pytest.mark.parametrize("row", WITH_ORDER, ids=[row.invoice.number for row in WITH_ORDER])
def test_a_signed_quote_is_the_order_its_row_names(row: InvoiceRow) -> None:
    invoice, quote = row.invoice, QUOTES[row.invoice.number]
    assert invoice.order_reference and invoice.order_pdf_path == str(
        INVOICES_DIR / f"{invoice.order_reference}.pdf"
    )
    [page] = PdfReader(invoice.order_pdf_path).pages
    text = flat(page.extract_text())

    for expected in (
        f"DEVIS N° {invoice.order_reference}",
        row.creditor.name,
        row.debtor.name,
        f"Total TTC {flat(money_fr(invoice.amount_due))}",
        "Bon pour accord",
        quote.signed_by,
    ):
        assert expected in text, expected
    assert "FACTURE" not in text and invoice.number not in text


def test_the_demo_shows_a_case_with_its_order_and_one_known_by_reference_only() -> None:
    assert [row.invoice.number for row in WITH_ORDER] == ["DEMO-2026-001", "DEMO-2026-003", "DEMO-2026-004"]
    assert [row.invoice.order_reference for row in ROWS if not row.invoice.order_pdf_path] == [
        "BC-55821",
        "BC-2026-0457",
        None,
        "BC-2231",
    ]


def test_the_committed_demo_invoices_are_what_the_script_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The script dates the font subsets itself; whatever it sets is undone after the test.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    first = write_demo_invoices(tmp_path / "first")
    second = write_demo_invoices(tmp_path / "second")

    assert [path.name for path in first] == [
        name
        for row in ROWS
        for name in (f"{row.invoice.number}.pdf", Path(row.invoice.order_pdf_path or "").name)
        if name
    ]
    for written, again in zip(first, second, strict=True):
        # No creation date and font subsets of a fixed date: the same bytes every time.
        assert written.read_bytes() == again.read_bytes()
        # Fonts or WeasyPrint of another system may change the bytes, never the text.
        assert pdf_text(written) == pdf_text(INVOICES_DIR / written.name)
