"""Load the court table (``config/courts.toml``): the courts requests are addressed to, by the
debtor's postcode (rules in ``law.courts``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from config.toml_file import load_toml_model
from law.courts import CourtTable

COURTS_FILE = Path(__file__).resolve().parent / "courts.toml"


class CourtTableError(ValueError):
    """A court table that cannot be used, naming the file and the field at fault."""


def load_court_table(path: Path = COURTS_FILE) -> CourtTable:
    """The table of ``path``, read again only when the file changed: a court an agent adds is
    seen by the next dossier, without a restart."""
    try:
        modified = path.stat().st_mtime_ns
    except FileNotFoundError as error:
        raise CourtTableError(f"{path}: court table not found") from error
    return _read(path, modified)


@lru_cache(maxsize=4)
def _read(path: Path, _modified: int) -> CourtTable:
    return load_toml_model(path, CourtTable, CourtTableError)
