"""The collection agency sending letters for the creditors, when there is one (``RELANCE_AGENCY_FILE``).

The file is TOML: ``name``, ``siren``, ``email``, an ``[address]`` table (``street``, ``postcode``,
``city``, optional ``country``), and what CPCE R124-2 requires of an agency, which its letters give:
``iban``, the dedicated account the funds it collects are paid into; ``insurance``, its professional
liability insurance (the insurer and the policy number, as one line); and a ``[signatory]`` table
(``name``, ``title``), the person who signs its letters. Cases started while it is set are sent by
the agency, whose first letter carries the mentions of CPCE R124-4.

The file is read again by a case whose letter was refused for want of the agency's signatory, once
an agent resumes it (``activities/parties.py``): completing the file is how the agent fixes it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator

from config.toml_file import load_toml_model
from models.bounds import MAX_NAME, checked_line
from models.parties import AgencyInfo, Signatory


class AgencyError(ValueError):
    """An agency file that cannot be used, saying which field and why."""


class _AgencyFile(AgencyInfo):
    """What the file must give: an agency without its account, insurance or signatory sends nothing."""

    iban: str
    insurance: str
    signatory: Signatory

    @field_validator("insurance")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return _given(value)

    @field_validator("signatory")
    @classmethod
    def _named(cls, value: Signatory) -> Signatory:
        return Signatory(name=_given(value.name), title=_given(value.title))


def _given(value: str) -> str:
    """One line of text, as long as a name may be, not empty."""
    value = checked_line(value.strip(), MAX_NAME)
    if not value:
        raise ValueError("is empty")
    return value


def load_agency(path: Path) -> AgencyInfo:
    if not path.is_file():
        raise AgencyError(f"{path}: agency file not found (RELANCE_AGENCY_FILE)")
    agency = load_toml_model(path, _AgencyFile, AgencyError)
    return AgencyInfo.model_validate(agency.model_dump())
