"""The demo invoices (demo/invoices/): one PDF per row of the demo file, as its row says,
with the mentions a French invoice carries; the committed PDFs are what the script writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.intake.fields import InvoiceRow
from backoffice.intake.invoice_file import read_invoice_file
from demo.make_invoices import DEMO_FILE, INVOICES_DIR, write_demo_invoices
from models.enums import DebtorKind
from support.french import money_fr
from tests.fixtures.pdf import flat, pdf_text

ROWS = read_invoice_file(DEMO_FILE).rows


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


def test_the_committed_demo_invoices_are_what_the_script_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The script dates the font subsets itself; whatever it sets is undone after the test.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    first = write_demo_invoices(tmp_path / "first")
    second = write_demo_invoices(tmp_path / "second")

    assert [path.name for path in first] == [f"{row.invoice.number}.pdf" for row in ROWS]
    for written, again in zip(first, second, strict=True):
        # No creation date and font subsets of a fixed date: the same bytes every time.
        assert written.read_bytes() == again.read_bytes()
        # Fonts or WeasyPrint of another system may change the bytes, never the text.
        assert pdf_text(written) == pdf_text(INVOICES_DIR / written.name)
