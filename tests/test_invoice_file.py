"""Reading an invoice file: every problem reported with its row and column, nothing accepted
from a file that has one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from backoffice.invoice_file import InvoiceFileError, parse_amount, read_invoice_file
from config.settings import PROJECT_ROOT
from models.enums import DebtorKind

HEADER = (
    "creditor_siren,creditor_name,creditor_email,creditor_street,creditor_postcode,creditor_city,"
    "debtor_kind,debtor_name,debtor_siren,debtor_email,debtor_street,debtor_postcode,debtor_city,"
    "invoice_number,issue_date,due_date,amount_due,amount_paid,order_reference"
)
GOOD = (
    "123456782,Menuiserie Dupont,compta@dupont.fr,12 rue des Artisans,69003,Lyon,"
    "business,Bâtiments Martin,987654324,f@martin.fr,4 av. Jaurès,75019,Paris,"
    "F-001,2026-01-10,2026-02-09,1234.56,0,BC-1"
)


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "invoices.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_good_file_is_read_exactly(tmp_path: Path) -> None:
    consumer = (
        "123456782,Menuiserie Dupont,compta@dupont.fr,12 rue des Artisans,69003,Lyon,"
        "consumer,Claire Martin,,c@martin.fr,4 rue Haute,75019,Paris,"
        'F-002,10/01/2026,09/02/2026,"1 234,50",100,'
    )
    rows = read_invoice_file(write(tmp_path, GOOD, consumer)).rows
    assert [r.row for r in rows] == [2, 3]
    assert rows[0].invoice.amount_due == Decimal("1234.56")
    assert rows[0].debtor.kind == DebtorKind.BUSINESS
    assert rows[1].invoice.balance == Decimal("1134.50")
    assert rows[1].invoice.issue_date.isoformat() == "2026-01-10"
    assert rows[1].invoice.order_reference is None


def test_every_bad_field_is_reported_with_row_and_column(tmp_path: Path) -> None:
    bad = (
        "123456789,Menuiserie Dupont,not-an-email,12 rue des Artisans,6900,Lyon,"
        "business,Bâtiments Martin,,f@martin.fr,4 av. Jaurès,75019,Paris,"
        "F-003,2026-02-10,2026-01-09,12.345,0,BC-1"
    )
    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(write(tmp_path, GOOD, bad, GOOD))
    found = {(e.row, e.column) for e in failure.value.errors}
    assert found == {
        (3, "creditor_siren"),
        (3, "creditor_email"),
        (3, "creditor_postcode"),
        (3, "debtor_siren"),
        (3, "due_date"),
        (3, "amount_due"),
        (4, "invoice_number"),
    }
    messages = {e.column: e.message for e in failure.value.errors}
    assert "not a valid SIREN" in messages["creditor_siren"]
    assert "same invoice as row 2" in messages["invoice_number"]
    assert "more than two decimals" in messages["amount_due"]


def test_missing_and_unknown_columns_are_reported(tmp_path: Path) -> None:
    header = HEADER.replace("due_date,", "").replace("order_reference", "order_ref")
    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(write(tmp_path, header=header))
    assert {(e.row, e.column, e.message) for e in failure.value.errors} == {
        (0, "due_date", "required column is missing"),
        (0, "order_ref", "unknown column"),
    }
    assert str(failure.value.errors[0]).startswith("header, column")


def test_amount_paid_above_amount_due_is_refused(tmp_path: Path) -> None:
    row = GOOD.replace("1234.56,0,", "100,150,")
    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(write(tmp_path, row))
    [error] = failure.value.errors
    assert (error.row, error.column) == (2, "amount_paid")


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1234.56", "1234.56"), ("1 234,56", "1234.56"), ("1\u202f234,5 €", "1234.50"), ("12", "12.00")],
)
def test_amounts_in_french_and_iso_forms(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["1.234,56", "abc", "NaN", "1,234.5"])
def test_ambiguous_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_the_bundled_demo_file_is_valid() -> None:
    rows = read_invoice_file(PROJECT_ROOT / "config" / "samples" / "demo_invoices.csv").rows
    assert len(rows) == 5
