"""Load escalation policies from ``config/policies/NAME.toml`` (or any TOML path)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: not valid TOML: {error}") from error
    try:
        return EscalationPolicy.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise PolicyError(f"{path}: {problems}") from error
