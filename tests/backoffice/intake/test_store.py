"""Storing an import, on SQLite and PostgreSQL: every row checked against what is stored before
anything is, a conflict naming both and storing nothing, a known invoice keeping its case id, and
batches larger than one statement's share of keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import func, select

from backoffice.intake.fields import InvoiceRow
from backoffice.intake.invoice_file import InvoiceFileError, read_invoices
from backoffice.intake.store import invoice_case_id, store_invoices
from backoffice.intake.unstarted import _case_input, _unstarted  # how a case opens from what is stored
from config.policy import load_policy
from models.case_ids import case_id_for
from storage.database import Database
from storage.tables import Debtor, Invoice
from support.typography import typeset_text
from tests.fixtures.cases import TEST_CASE_ID_KEY
from tests.fixtures.facturx import plain_pdf
from tests.fixtures.invoice_files import GOOD, HEADER

MARTIN = "business,Bâtiments Martin,987654324,f@martin.fr,4 av. Jaurès,75019,Paris,"
OTHER_DEBTOR = "business,Autre SA,732829320,compta@autre.fr,1 rue Haute,75001,Paris,"
CAFE = "business,Café du Port,222333445,gerance@cafe.fr,1 quai de la Fosse,44000,Nantes,"


def write(path: Path, *rows: str) -> list[Path]:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return [path]


def numbered(number: str, rest: str = GOOD) -> str:
    return rest.replace("F-001", number)


async def counts(database: Database) -> tuple[int, int]:
    async with database.sessions() as session:
        invoices = (await session.exec(select(func.count()).select_from(Invoice))).one()
        debtors = (await session.exec(select(func.count()).select_from(Debtor))).one()
    return invoices, debtors


async def test_a_conflict_with_what_is_stored_names_both_and_stores_nothing(
    database: Database, tmp_path: Path
) -> None:
    invoices_dir = tmp_path / "invoices"
    read = read_invoices(write(tmp_path / "a.csv", GOOD), invoices_dir)
    first = await store_invoices(database, read, "default", TEST_CASE_ID_KEY)
    [stored] = first.invoices
    assert stored.case_id == case_id_for(TEST_CASE_ID_KEY, "123456782", "F-001")

    assert MARTIN in GOOD
    other_debtor = GOOD.replace(MARTIN, OTHER_DEBTOR)
    other_amount = GOOD.replace("1234.56,0,", "1234.57,0,")
    renamed = numbered("F-002", GOOD.replace("Bâtiments Martin", "Martin Frères"))
    for name, row, column, why in [
        (
            "debtor.csv",
            other_debtor,
            "debtor_siren",
            "avec le débiteur « Bâtiments Martin » (SIREN 987654324)",
        ),
        ("amount.csv", other_amount, "amount_due", "avec un montant dû de 1\u202f234,56\u00a0€ (importée le"),
        (
            "name.csv",
            renamed,
            "debtor_name",
            "le SIREN 987654324 est enregistré au nom de « Bâtiments Martin » par une importation "
            "précédente ; cette ligne donne « Martin Frères »",
        ),
    ]:
        # Beside each conflict, a new invoice of a new debtor: it is not stored either.
        rows = read_invoices(
            write(tmp_path / name, row, numbered("F-100", GOOD.replace(MARTIN, CAFE))), invoices_dir
        )
        with pytest.raises(InvoiceFileError) as refused:
            await store_invoices(database, rows, "default", TEST_CASE_ID_KEY)
        [problem] = refused.value.problems
        assert (problem.source.name, problem.row, problem.column) == (name, 2, column)
        assert typeset_text(why) in problem.message
        assert await counts(database) == (1, 1)

    # The same invoice again: known, under the id it was stored with whatever the key is now.
    again = await store_invoices(
        database, read_invoices(write(tmp_path / "b.csv", GOOD), invoices_dir), "default", bytes(32)
    )
    assert (again.new, again.known, again.invoices[0].case_id) == (0, 1, stored.case_id)
    assert await invoice_case_id(database, bytes(32), "123456782", "F-001") == stored.case_id
    assert await invoice_case_id(database, bytes(32), "123456782", "F-999") == case_id_for(
        bytes(32), "123456782", "F-999"
    )


async def test_a_batch_larger_than_a_statement_is_stored_and_known_whole(
    database: Database, tmp_path: Path
) -> None:
    rows = [numbered(f"B-{index:04d}") for index in range(1234)]
    read = read_invoices(write(tmp_path / "big.csv", *rows), tmp_path / "invoices")

    first = await store_invoices(database, read, "default", TEST_CASE_ID_KEY)
    second = await store_invoices(database, read, "default", TEST_CASE_ID_KEY)

    assert (first.new, first.known, second.new, second.known) == (1234, 0, 0, 1234)
    assert [stored.case_id for stored in first.invoices] == [stored.case_id for stored in second.invoices]
    assert len({stored.case_id for stored in first.invoices}) == 1234
    assert await counts(database) == (1234, 1)


async def test_a_consumer_s_civility_is_stored_and_opens_the_case_with_it(
    database: Database, tmp_path: Path
) -> None:
    header = f"{HEADER},debtor_civility"
    consumer = GOOD.replace(MARTIN, "consumer,Claire Dubois,,c@dubois.fr,4 rue Haute,75019,Paris,")

    def rows(name: str, *lines: str) -> list[InvoiceRow]:
        (tmp_path / name).write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        return read_invoices([tmp_path / name], tmp_path / "invoices")

    await store_invoices(database, rows("a.csv", f"{consumer},"), "default", TEST_CASE_ID_KEY)
    # The same consumer (by email) in a later import that says she is Madame: filled in, once.
    later = rows("b.csv", f"{numbered('F-002', consumer)},Mme")
    await store_invoices(database, later, "default", TEST_CASE_ID_KEY)
    async with database.sessions() as session:
        [debtor] = (await session.exec(select(Debtor))).all()
    assert debtor.civility == "madame"
    # A case started from what is stored (an import interrupted) addresses her so.
    cases = [_case_input(*stored, load_policy("default"), None) for stored in await _unstarted(database)]
    assert [case.debtor.designation for case in cases] == ["Madame Claire Dubois"] * 2


async def test_an_uploaded_order_is_kept_by_the_data_folder_and_opens_the_case_with_it(
    database: Database, tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "F-001.pdf").write_bytes(plain_pdf("Facture F-001"))
    (uploads / "DEVIS-118.pdf").write_bytes(plain_pdf("Devis DEVIS-118 signé"))
    csv = tmp_path / "invoices.csv"
    # The upload's own file names: a path of the uploader's machine names its file only.
    csv.write_text(f"{HEADER},invoice_pdf,order_pdf\n{GOOD},F-001.pdf,C:\\Devis\\DEVIS-118.pdf\n")
    attachments = {path.name: path for path in uploads.iterdir()}

    [row] = read_invoices([csv], tmp_path / "invoices", attachments=attachments)
    await store_invoices(database, [row], "default", TEST_CASE_ID_KEY)
    for upload in uploads.iterdir():
        upload.unlink()  # the upload goes away after the import

    kept = (tmp_path / "invoices" / "123456782" / "orders" / "commande-F-001.pdf").resolve()
    assert kept.read_bytes() == plain_pdf("Devis DEVIS-118 signé")
    [case] = [_case_input(*stored, load_policy("default"), None) for stored in await _unstarted(database)]
    assert case.invoice.order_pdf_path == str(kept)
    invoice = Path(case.invoice.pdf_path or "")
    assert invoice.read_bytes() == plain_pdf("Facture F-001")
    # An order the upload does not hold is refused, saying which file to attach.
    with pytest.raises(InvoiceFileError) as failure:
        read_invoices([csv], tmp_path / "invoices", attachments={"F-001.pdf": invoice})
    [problem] = failure.value.problems
    assert (problem.row, problem.column) == (2, "order_pdf")
    assert (
        problem.message
        == "C:\\Devis\\DEVIS-118.pdf\u00a0: joignez DEVIS-118.pdf à l'envoi, avec le fichier de factures"
    )
