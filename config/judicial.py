"""Load the judicial rules (``config/judicial.toml``): small-claims ceiling, prescription periods,
the prescription warning. (The four-eyes approval's delays are
the escalation policy's: see ``approval_timeout``.)"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from config.toml_file import load_toml_model
from law.judicial import JudicialRules

JUDICIAL_FILE = Path(__file__).resolve().parent / "judicial.toml"


class JudicialRulesError(ValueError):
    """A judicial rules file that cannot be used, naming the file and the field at fault."""


@cache
def load_judicial_rules(path: Path = JUDICIAL_FILE) -> JudicialRules:
    """The rules of ``path``, read once per path: a changed file is seen after a restart."""
    if not path.is_file():
        raise JudicialRulesError(f"{path}: judicial rules file not found")
    return load_toml_model(path, JudicialRules, JudicialRulesError)
