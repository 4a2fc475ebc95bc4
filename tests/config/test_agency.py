"""The agency file (``RELANCE_AGENCY_FILE``): read whole, or refused saying which field and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.agency import AgencyError, load_agency
from config.settings import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "demo" / "agency.toml"


def test_the_sample_agency_file_loads() -> None:
    agency = load_agency(SAMPLE)
    assert agency.name == "Recouvrement Rhône-Alpes SAS"
    assert agency.siren == "732829320"
    assert agency.address.city == "Lyon"


def test_a_bad_siren_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "agency.toml"
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace("732829320", "732829321"), encoding="utf-8")
    with pytest.raises(AgencyError, match=r"agency.toml: siren: .*not a valid SIREN"):
        load_agency(path)


def test_a_missing_address_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "agency.toml"
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace('city = "Lyon"\n', ""), encoding="utf-8")
    with pytest.raises(AgencyError, match=r"address\.city: Field required"):
        load_agency(path)


def test_a_missing_file_says_which(tmp_path: Path) -> None:
    with pytest.raises(AgencyError, match="agency file not found"):
        load_agency(tmp_path / "nowhere.toml")
