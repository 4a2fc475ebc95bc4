"""Policy files: the bundled ones load; a bad one is refused naming the file and the field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from config.policy import POLICIES_DIR, PolicyError, available_policies, load_policy
from models.policy import EscalationPolicy


@pytest.mark.parametrize("name", available_policies())
def test_bundled_policies_load(name: str) -> None:
    assert load_policy(name).name == name


def test_an_unknown_policy_lists_the_available_ones() -> None:
    with pytest.raises(PolicyError, match=r"no policy 'weekly'.*available: default, demo"):
        load_policy("weekly")


def test_a_bad_field_is_named(tmp_path: Path) -> None:
    text = (POLICIES_DIR / "default.toml").read_text(encoding="utf-8")
    path = tmp_path / "strict.toml"
    path.write_text(text.replace('after_due = "15d"', 'after_due = "fortnight"'), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"strict.toml: steps.1.after_due: .*'fortnight' is not a duration"):
        load_policy(str(path))


def test_invalid_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("name = \n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"broken\.toml: not valid TOML"):
        load_policy(str(path))


def test_a_policy_serialised_before_max_hold_holds_a_year(tmp_path: Path) -> None:
    """Cases started before max_hold existed carry a policy without it: they get a year."""
    policy = load_policy("default")
    assert policy.max_hold == timedelta(days=365)
    old = policy.model_dump(mode="json")
    del old["max_hold"]
    assert EscalationPolicy.model_validate(old).max_hold == timedelta(days=365)
    path = tmp_path / "short.toml"
    text = (POLICIES_DIR / "default.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('max_hold = "365d"', 'max_hold = "90d"'), encoding="utf-8")
    assert load_policy(str(path)).max_hold == timedelta(days=90)
