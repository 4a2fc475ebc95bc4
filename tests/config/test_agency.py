"""The agency file (``RELANCE_AGENCY_FILE``): read whole, or refused saying which field and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.agency import AgencyError, load_agency
from config.settings import PROJECT_ROOT
from models.parties import Signatory

SAMPLE = PROJECT_ROOT / "demo" / "agency.toml"


def test_the_sample_agency_file_loads() -> None:
    agency = load_agency(SAMPLE)
    assert agency.name == "Recouvrement Rhône-Alpes SAS"
    assert agency.siren == "732829320"
    assert agency.address.city == "Lyon"
    # CPCE R124-2: its dedicated account and its insurance, which its letters give; who signs them.
    assert agency.iban == "FR7630004000031234567890143"
    assert agency.insurance == "Assurances Mutuelles du Rhône, contrat RCP n° 2026-04417"
    assert agency.signatory == Signatory(name="Sophie Garnier", title="directrice du recouvrement")


@pytest.mark.parametrize(
    ("removed", "why"),
    [
        ('iban = "FR76 3000 4000 0312 3456 7890 143"\n', r"iban: Field required"),
        (
            'insurance = "Assurances Mutuelles du Rhône, contrat RCP n° 2026-04417"\n',
            r"insurance: Field required",
        ),
        (
            '[signatory]\nname = "Sophie Garnier"\ntitle = "directrice du recouvrement"\n',
            r"signatory: Field required",
        ),
        ('title = "directrice du recouvrement"\n', r"signatory\.title: Field required"),
    ],
)
def test_an_agency_without_its_account_insurance_or_signatory_is_refused(
    tmp_path: Path, removed: str, why: str
) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert removed in text
    path = tmp_path / "agency.toml"
    path.write_text(text.replace(removed, ""), encoding="utf-8")
    with pytest.raises(AgencyError, match=why):
        load_agency(path)


@pytest.mark.parametrize(
    ("given", "why"),
    [
        (
            ('iban = "FR76 3000 4000 0312 3456 7890 143"', 'iban = "FR76 3000 4000 0312 3456 7890 144"'),
            "iban: .*n'est pas un IBAN valide",
        ),
        (('name = "Sophie Garnier"', 'name = "  "'), r"signatory: Value error, is empty"),
        (('insurance = "Assurances', 'insurance = "\\u0007Assurances'), r"insurance: .*contrôle \(U\+0007\)"),
    ],
)
def test_a_bad_account_insurance_or_signatory_names_the_field(
    tmp_path: Path, given: tuple[str, str], why: str
) -> None:
    path = tmp_path / "agency.toml"
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace(*given), encoding="utf-8")
    with pytest.raises(AgencyError, match=why):
        load_agency(path)


def test_a_bad_siren_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "agency.toml"
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace("732829320", "732829321"), encoding="utf-8")
    with pytest.raises(AgencyError, match=r"agency.toml: siren: .*n'est pas un SIREN valide"):
        load_agency(path)


def test_a_missing_address_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "agency.toml"
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace('city = "Lyon"\n', ""), encoding="utf-8")
    with pytest.raises(AgencyError, match=r"address\.city: Field required"):
        load_agency(path)


def test_a_missing_file_says_which(tmp_path: Path) -> None:
    with pytest.raises(AgencyError, match="agency file not found"):
        load_agency(tmp_path / "nowhere.toml")
