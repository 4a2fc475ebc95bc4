"""A whole Relance worker on real parts (time-skipping Temporal, SQLite, aiosmtpd, real PDFs),
and builders for the cases the tests start on it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfWriter
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from config.policy import load_policy
from config.settings import Settings
from embedded.smtp_outbox import OutboxSMTPServer
from models.case_ids import case_id_for
from models.enums import DebtorKind
from models.invoices import CaseInput, InvoiceInfo
from models.parties import Address, CreditorInfo, DebtorInfo
from models.policy import EscalationPolicy
from storage.database import Database
from tests.rate_fixtures import BUNDLED_RATES_DIR
from tests.temporal_fixtures import TEST_PAYLOAD_KEYS
from worker import build_worker, ensure_search_attributes

CREDITOR_SIREN = "123456782"
DEBTOR_SIREN = "987654324"


def make_case(
    *,
    number: str | None = None,
    due_date: date,
    amount: str = "1234.56",
    paid: str = "0.00",
    kind: DebtorKind = DebtorKind.BUSINESS,
    order_reference: str | None = "BC-7781",
    policy: EscalationPolicy | None = None,
    invoice_pdf: Path | None = None,
) -> CaseInput:
    number = number or f"F-{uuid.uuid4().hex[:8].upper()}"
    return CaseInput(
        case_id=case_id_for(CREDITOR_SIREN, number),
        creditor=CreditorInfo(
            name="Menuiserie Dupont SARL",
            siren=CREDITOR_SIREN,
            email="compta@menuiserie-dupont.fr",
            address=Address(street="12 rue des Artisans", postcode="69003", city="Lyon"),
            charter_accepted_on=date(2026, 1, 5),
        ),
        debtor=DebtorInfo(
            kind=kind,
            name="Bâtiments Martin SAS" if kind == DebtorKind.BUSINESS else "Claire Martin",
            email="factures@batiments-martin.fr",
            address=Address(street="4 avenue Jean Jaurès", postcode="75019", city="Paris"),
            siren=DEBTOR_SIREN if kind == DebtorKind.BUSINESS else None,
        ),
        invoice=InvoiceInfo(
            number=number,
            issue_date=date(2026, 1, 1) if due_date >= date(2026, 1, 1) else due_date,
            due_date=due_date,
            amount_due=Decimal(amount),
            amount_paid=Decimal(paid),
            order_reference=order_reference,
            pdf_path=str(invoice_pdf) if invoice_pdf else None,
        ),
        policy=policy or load_policy("default"),
    )


@dataclass
class RelanceUnderTest:
    env: WorkflowEnvironment
    settings: Settings
    database: Database
    outbox: OutboxSMTPServer

    @property
    def client(self) -> Client:
        return self.env.client

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def invoice_pdf(self) -> Path:
        """An invoice PDF as an import keeps it: a court dossier produces it as its first exhibit."""
        path = self.data_dir / "invoices" / "invoice.pdf"
        if not path.is_file():
            writer = PdfWriter()
            writer.add_blank_page(width=595, height=842)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                writer.write(handle)
        return path


# Rates of half-years not yet published, so that cases running on today's clock can be claimed.
# Test data only: the project's own tables hold published rates, each with its source.
UNPUBLISHED_HALF_YEARS = ("2026-H2", "2027-H1", "2027-H2")


def rate_tables_for_tests(folder: Path) -> Path:
    """The project's rate tables, extended past the last published half-year with test rates."""
    folder.mkdir(parents=True, exist_ok=True)
    source = "test data, not an official rate"
    ecb = (BUNDLED_RATES_DIR / "ecb_main_refinancing.csv").read_text(encoding="utf-8")
    legal = (BUNDLED_RATES_DIR / "legal_interest.csv").read_text(encoding="utf-8")
    ecb += "".join(f'{half},2.15,"{source}"\n' for half in UNPUBLISHED_HALF_YEARS)
    legal += "".join(f'{half},2.62,6.67,"{source}"\n' for half in UNPUBLISHED_HALF_YEARS)
    (folder / "ecb_main_refinancing.csv").write_text(ecb, encoding="utf-8")
    (folder / "legal_interest.csv").write_text(legal, encoding="utf-8")
    return folder


@pytest.fixture
async def relance(
    time_skipping_env: WorkflowEnvironment,
    sqlite_database: Database,
    smtp_outbox: OutboxSMTPServer,
    tmp_path: Path,
) -> AsyncIterator[RelanceUnderTest]:
    settings = Settings(
        data_dir=tmp_path / "var",
        smtp_host="127.0.0.1",
        smtp_port=smtp_outbox.port,
        temporal_task_queue=f"test-{uuid.uuid4().hex[:8]}",
        # The key the time-skipping environment's client encrypts with.
        payload_keys=TEST_PAYLOAD_KEYS,
        rates_dir=rate_tables_for_tests(tmp_path / "rates"),
        # Registered letters are received as soon as they are posted (an outcome.json plays others).
        outbox_presentation_delay_seconds=0,
        outbox_delivery_delay_seconds=0,
    )
    with ThreadPoolExecutor(settings.activity_slots) as executor:
        await ensure_search_attributes(time_skipping_env.client, settings.temporal_namespace)
        worker = build_worker(time_skipping_env.client, settings, sqlite_database, executor)
        async with worker:
            yield RelanceUnderTest(time_skipping_env, settings, sqlite_database, smtp_outbox)
