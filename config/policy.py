"""Load escalation policies from ``config/policies/NAME.toml`` (or any TOML path)."""

from __future__ import annotations

from pathlib import Path

from config.toml_file import load_toml_model
from models.policy import EscalationPolicy

POLICIES_DIR = Path(__file__).resolve().parent / "policies"


class PolicyError(ValueError):
    """A policy file that cannot be used, with the reason a back office can act on."""


def available_policies() -> list[str]:
    return sorted(path.stem for path in POLICIES_DIR.glob("*.toml"))


def load_policy(name_or_path: str) -> EscalationPolicy:
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = POLICIES_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise PolicyError(
            f"no policy {name_or_path!r}: expected {path} (available: {', '.join(available_policies())})"
        )
    return load_toml_model(path, EscalationPolicy, PolicyError)
