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
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from config.policy import load_policy
from config.settings import Settings
from embedded.smtp_outbox import OutboxSMTPServer
from models.case import Address, CaseInput, CreditorInfo, DebtorInfo, InvoiceInfo, case_id_for
from models.database import Database
from models.enums import DebtorKind
from models.policy import EscalationPolicy
from worker import build_worker

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
    )
    with ThreadPoolExecutor(settings.activity_slots) as executor:
        worker = build_worker(time_skipping_env.client, settings, sqlite_database, executor)
        async with worker:
            yield RelanceUnderTest(time_skipping_env, settings, sqlite_database, smtp_outbox)
