"""The collection agency sending letters for the creditors, when there is one (``RELANCE_AGENCY_FILE``).

The file is TOML: ``name``, ``siren``, ``email`` and an ``[address]`` table (``street``,
``postcode``, ``city``, optional ``country``). Cases started while it is set are sent by the agency,
whose first letter carries the mentions of CPCE R124-4.
"""

from __future__ import annotations

from pathlib import Path

from config.toml_file import load_toml_model
from models.parties import AgencyInfo


class AgencyError(ValueError):
    """An agency file that cannot be used, saying which field and why."""


def load_agency(path: Path) -> AgencyInfo:
    if not path.is_file():
        raise AgencyError(f"{path}: agency file not found (RELANCE_AGENCY_FILE)")
    return load_toml_model(path, AgencyInfo, AgencyError)
