"""A case's parties read again once an agent has completed them: the creditor's signatory from the
database (SQLite and PostgreSQL), the agency's account, insurance and signatory from the agency
file; what the case has is kept, and another agency's file changes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.parties import PartyActivities
from backoffice.intake.invoice_file import read_invoices
from backoffice.intake.store import store_invoices
from config.agency import load_agency
from config.settings import PROJECT_ROOT, Settings
from models.parties import AgencyInfo, CaseParties, Signatory
from storage.database import Database
from tests.fixtures.cases import TEST_CASE_ID_KEY, make_case
from tests.fixtures.invoice_files import GOOD, HEADER

AGENCY_FILE = PROJECT_ROOT / "demo" / "agency.toml"


async def current(settings: Settings, database: Database, parties: CaseParties) -> CaseParties:
    return await ActivityEnvironment().run(PartyActivities(settings, database).current_parties, parties)


async def test_the_creditor_gets_the_signatory_an_import_stored(database: Database, tmp_path: Path) -> None:
    creditor = make_case(due_date=date(2026, 1, 31)).creditor
    unsigned = creditor.model_copy(update={"signatory": None})
    settings = Settings(data_dir=tmp_path)
    # Not stored yet, or stored without one: the case stays without, and its letter is refused.
    assert (await current(settings, database, CaseParties(creditor=unsigned))).creditor.signatory is None

    invoices = tmp_path / "signed.csv"
    header = f"{HEADER},creditor_signatory_name,creditor_signatory_title"
    invoices.write_text(f"{header}\n{GOOD},Marie Dupont,gérante\n", encoding="utf-8")
    rows = read_invoices([invoices], tmp_path / "invoices")
    await store_invoices(database, rows, "default", TEST_CASE_ID_KEY)
    read = await current(settings, database, CaseParties(creditor=unsigned))
    assert read.creditor == unsigned.model_copy(
        update={"signatory": Signatory(name="Marie Dupont", title="gérante")}
    )
    assert read.agency is None
    # A case that has its signatory keeps it.
    assert (await current(settings, database, CaseParties(creditor=creditor))).creditor == creditor


async def test_the_agency_is_completed_from_its_file_when_it_is_the_same_agency(
    sqlite_database: Database, tmp_path: Path
) -> None:
    full = load_agency(AGENCY_FILE)
    # A case started before the agency file held its account, insurance and signatory.
    before = AgencyInfo.model_validate(full.model_dump(exclude={"iban", "insurance", "signatory"}))
    creditor = make_case(due_date=date(2026, 1, 31)).creditor
    settings = Settings(data_dir=tmp_path, agency_file=AGENCY_FILE)
    read = await current(settings, sqlite_database, CaseParties(creditor=creditor, agency=before))
    assert read.agency == full
    # What the case has is kept.
    own = before.model_copy(update={"insurance": "Assureur du dossier, contrat n° 1"})
    read = await current(settings, sqlite_database, CaseParties(creditor=creditor, agency=own))
    assert read.agency is not None and read.agency.insurance == "Assureur du dossier, contrat n° 1"
    assert read.agency.signatory == full.signatory

    # The file now names another agency: the case's stays as it was.
    other = tmp_path / "other.toml"
    other.write_text(
        AGENCY_FILE.read_text(encoding="utf-8").replace("732829320", "443061841"), encoding="utf-8"
    )
    elsewhere = Settings(data_dir=tmp_path, agency_file=other)
    assert (
        await current(elsewhere, sqlite_database, CaseParties(creditor=creditor, agency=before))
    ).agency == before

    # A file the agent broke: the step is refused for good, saying why.
    broken = tmp_path / "broken.toml"
    text = AGENCY_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace('name = "Sophie Garnier"\n', ""), encoding="utf-8")
    with pytest.raises(ApplicationError) as refused:
        await current(
            Settings(data_dir=tmp_path, agency_file=broken),
            sqlite_database,
            CaseParties(creditor=creditor, agency=before),
        )
    assert refused.value.non_retryable and refused.value.type == "AgencyFileInvalid"
    assert refused.value.message.startswith("fichier de l'agence de recouvrement inutilisable : ")
    assert "signatory.name: Field required" in refused.value.message
