"""Who signs for a creditor (CPC 54, 57), as an invoice file names them: both columns or neither,
stored on the creditor (on SQLite and PostgreSQL), the latest import's, one per creditor in an
import, and carried into every case the creditor's invoices start — from a CSV row, a Factur-X PDF
(whose XML names no signatory) or an import that stopped before starting its cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from backoffice.intake import unstarted
from backoffice.intake.invoice_file import InvoiceFileError, read_invoice_file, read_invoices
from backoffice.intake.store import store_invoices
from backoffice.intake.unstarted import start_unstarted_cases
from config.settings import Settings
from models.invoices import CaseInput
from models.parties import Signatory
from storage.creditors import signatory_of, stored_signatory
from storage.database import Database
from storage.tables import Creditor
from tests.fixtures.cases import TEST_CASE_ID_KEY
from tests.fixtures.facturx import basic_xml, facturx_pdf
from tests.fixtures.invoice_files import GOOD, HEADER

SIGNED_HEADER = f"{HEADER},creditor_signatory_name,creditor_signatory_title"
GERANTE = Signatory(name="Marie Dupont", title="gérante")


def signed(number: str, name: str = "Marie Dupont", title: str = "gérante") -> str:
    return f"{GOOD.replace('F-001', number)},{name},{title}"


def write(path: Path, *rows: str, header: str = SIGNED_HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


async def stored_creditor(database: Database) -> Creditor:
    async with database.sessions() as session:
        return (await session.exec(select(Creditor))).one()


def test_a_signatory_is_read_by_name_and_title_together(tmp_path: Path) -> None:
    [row] = read_invoice_file(
        write(tmp_path / "signed.csv", signed("F-1", " Marie  Dupont ", "gérante"))
    ).rows
    assert row.creditor.signatory == Signatory(name="Marie  Dupont", title="gérante")
    # Neither: the import goes on, the case's first letter will be refused until one is given.
    [row] = read_invoice_file(write(tmp_path / "none.csv", signed("F-2", "", ""))).rows
    assert row.creditor.signatory is None

    half = write(tmp_path / "half.csv", signed("F-3", "Marie Dupont", ""), signed("F-4", "", "gérante"))
    with pytest.raises(InvoiceFileError) as refused:
        read_invoice_file(half)
    assert [str(problem) for problem in refused.value.problems] == [
        f"{half}, ligne 2, colonne creditor_signatory_title\u00a0: vide alors que "
        "creditor_signatory_name est rempli\u00a0: un signataire est nommé avec sa fonction",
        f"{half}, ligne 3, colonne creditor_signatory_name\u00a0: vide alors que "
        "creditor_signatory_title est rempli\u00a0: un signataire est nommé avec sa fonction",
    ]
    long = write(tmp_path / "long.csv", signed("F-5", "M" * 201, "gérante"))
    with pytest.raises(InvoiceFileError) as refused:
        read_invoice_file(long)
    assert [(p.column, p.message) for p in refused.value.problems] == [
        ("creditor_signatory_name", "compte 201 caractères\u00a0: au plus 200")
    ]


async def test_the_signatory_is_stored_the_latest_import_s_and_one_per_import(
    database: Database, tmp_path: Path
) -> None:
    invoices_dir = tmp_path / "invoices"
    unsigned = write(tmp_path / "unsigned.csv", GOOD, header=HEADER)
    first = await store_invoices(
        database, read_invoices([unsigned], invoices_dir), "default", TEST_CASE_ID_KEY
    )
    assert first.rows[0].creditor.signatory is None
    assert await stored_signatory(database, "123456782") is None

    # The invoice again, with its signatory: the creditor gets it, and so does the known invoice.
    again = write(tmp_path / "again.csv", signed("F-001"))
    stored = await store_invoices(database, read_invoices([again], invoices_dir), "default", TEST_CASE_ID_KEY)
    assert (stored.new, stored.known) == (0, 1)
    assert stored.rows[0].creditor.signatory == GERANTE
    assert signatory_of(await stored_creditor(database)) == GERANTE

    # A Factur-X invoice of the same creditor names nobody: its case gets the stored signatory.
    pdf = facturx_pdf(tmp_path, basic_xml(number="F-2"))
    stored = await store_invoices(database, read_invoices([pdf], invoices_dir), "default", TEST_CASE_ID_KEY)
    assert stored.rows[0].creditor.signatory == GERANTE

    # Rows of one import naming two signatories: refused, nothing changed.
    two = write(tmp_path / "two.csv", signed("F-3"), signed("F-4", "Paul Dupont", "gérant"))
    with pytest.raises(InvoiceFileError) as refused:
        await store_invoices(database, read_invoices([two], invoices_dir), "default", TEST_CASE_ID_KEY)
    assert [str(problem) for problem in refused.value.problems] == [
        f"{two}, ligne 3, colonne creditor_signatory_name\u00a0: Paul Dupont (gérant) diffère de "
        "Marie Dupont (gérante), signataire du SIREN 123456782 d'après la ligne 2\u00a0: une "
        "importation nomme un seul signataire par créancier"
    ]
    assert signatory_of(await stored_creditor(database)) == GERANTE

    # Who represents the company changed: the latest import names them (the same name but for case
    # and spaces is the same person).
    later = write(
        tmp_path / "later.csv",
        signed("F-5", "PAUL  DUPONT", "Gérant"),
        signed("F-6", "Paul Dupont", "gérant"),
    )
    stored = await store_invoices(database, read_invoices([later], invoices_dir), "default", TEST_CASE_ID_KEY)
    assert {row.creditor.signatory for row in stored.rows} == {Signatory(name="PAUL  DUPONT", title="Gérant")}
    assert await stored_signatory(database, "123456782") == Signatory(name="PAUL  DUPONT", title="Gérant")


async def test_an_unstarted_invoice_starts_with_its_creditor_s_signatory(
    sqlite_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = read_invoices([write(tmp_path / "signed.csv", signed("F-1"))], tmp_path / "invoices")
    await store_invoices(sqlite_database, rows, "default", TEST_CASE_ID_KEY)
    started: list[CaseInput] = []

    async def start_cases(_client: Any, _queue: str, cases: list[CaseInput]) -> tuple[int, int]:
        started.extend(cases)
        return len(cases), 0

    monkeypatch.setattr(unstarted, "start_cases", start_cases)
    resumed = await start_unstarted_cases(None, sqlite_database, Settings(data_dir=tmp_path))  # type: ignore[arg-type]
    assert resumed.started == 1
    assert [case.creditor.signatory for case in started] == [GERANTE]
