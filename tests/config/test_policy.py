"""Policy files: the bundled ones load; a bad one is refused naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.policy import POLICIES_DIR, PolicyError, available_policies, load_policy


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
