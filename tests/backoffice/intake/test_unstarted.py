"""Invoices an import stored without starting their cases: listed (unpaid ones only) and shown on the
dashboard until their cases are started, then started as the import would have started them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.client import Client

from backoffice.intake.batch import ImportInterrupted, prepare_import
from backoffice.intake.unstarted import start_unstarted_cases, unstarted_invoices
from embedded.smtp_outbox import free_port
from models.enums import Role
from storage.journal import case_events
from storage.tables import Invoice
from tests.fixtures.cli import BUSINESS, CREDITOR
from tests.fixtures.temporal import converter_for_tests
from tests.fixtures.web import BackofficeUnderTest, csv_file, eventually, invoice_row


async def interrupted_import(backoffice: BackofficeUnderTest, tmp_path: Path, *rows: str) -> None:
    """Import ``rows`` as an importer who loses Temporal once the invoices are stored."""
    relance = backoffice.relance
    invoices = tmp_path / "invoices.csv"
    invoices.write_bytes(csv_file(*rows))
    lost = await Client.connect(
        f"127.0.0.1:{free_port('127.0.0.1')}", lazy=True, data_converter=converter_for_tests()
    )
    with pytest.raises(ImportInterrupted, match="toutes les factures sont enregistrées"):
        await prepare_import(relance.settings, [invoices], "default").run(
            lost, relance.database, relance.settings.temporal_task_queue, started_by="alice"
        )


async def test_the_dashboard_shows_them_until_they_are_started(
    backoffice: BackofficeUnderTest, tmp_path: Path
) -> None:
    relance = backoffice.relance
    due = date.today() + timedelta(days=30)
    paid = CREDITOR + BUSINESS + f"U-PAID,{date.today().isoformat()},{due.isoformat()},80.00,80.00,BC-P,"
    await interrupted_import(backoffice, tmp_path, invoice_row("U-1", due, amount="900.00"), paid)

    [waiting] = await unstarted_invoices(relance.database)
    assert (waiting.number, waiting.balance, waiting.debtor) == ("U-1", Decimal("900.00"), "Bâtiments Martin")
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    panel = unescape((await clerk.get("/dashboard/panel")).text)
    assert "Factures importées sans dossier ouvert : 1" in panel
    assert "U-1" in panel and "900,00 €" in panel and "U-PAID" not in panel

    resumed = await start_unstarted_cases(relance.client, relance.database, relance.settings)
    assert (resumed.started, resumed.existing, resumed.refused) == (1, 0, [])

    async def opened() -> bool:
        return not await unstarted_invoices(relance.database)

    await eventually(opened, "the case opens")
    [first, *_] = await case_events(relance.database, waiting.case_id)
    # Opened in the name of the one who imported it.
    assert (first.kind, first.actor) == ("case_opened", "alice")

    async def gone() -> bool:
        return 'id="unstarted"' not in (await clerk.get("/dashboard/panel")).text

    await eventually(gone, "the dashboard no longer lists it")
    again = await start_unstarted_cases(relance.client, relance.database, relance.settings)
    assert (again.started, again.existing) == (0, 0)


async def test_an_invoice_whose_policy_is_gone_stays_listed_with_the_reason(
    backoffice: BackofficeUnderTest, tmp_path: Path
) -> None:
    relance = backoffice.relance
    await interrupted_import(backoffice, tmp_path, invoice_row("U-2", date.today() + timedelta(days=30)))
    [waiting] = await unstarted_invoices(relance.database)
    # Its policy was renamed since the import.
    async with relance.database.sessions() as session:
        invoice = (await session.exec(select(Invoice).where(Invoice.case_id == waiting.case_id))).one()
        invoice.policy = "retired"
        session.add(invoice)
        await session.commit()

    resumed = await start_unstarted_cases(relance.client, relance.database, relance.settings)
    assert resumed.started == 0
    [refusal] = resumed.refused
    assert "U-2" in refusal and "no policy 'retired'" in refusal
    assert [invoice.number for invoice in await unstarted_invoices(relance.database)] == ["U-2"]
