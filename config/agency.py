"""The collection agency sending letters for the creditors, when there is one (``RELANCE_AGENCY_FILE``).

The file is TOML: ``name``, ``siren``, ``email`` and an ``[address]`` table (``street``,
``postcode``, ``city``, optional ``country``). Cases started while it is set are sent by the agency,
whose first letter carries the mentions of CPCE R124-4.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from models.case import AgencyInfo


class AgencyError(ValueError):
    """An agency file that cannot be used, saying which field and why."""


def load_agency(path: Path) -> AgencyInfo:
    if not path.is_file():
        raise AgencyError(f"{path}: agency file not found (RELANCE_AGENCY_FILE)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise AgencyError(f"{path}: not valid TOML: {error}") from error
    try:
        return AgencyInfo.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise AgencyError(f"{path}: {problems}") from error
