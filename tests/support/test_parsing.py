"""How a refusal quotes what a person gave (support/parsing.py): between French quotation marks,
an invisible character written as its escape, a long input cut."""

from __future__ import annotations

import pytest

from support.parsing import parse_amount, quoted


def test_a_value_is_quoted_between_guillemets_with_no_break_spaces() -> None:
    assert quoted("neuf cents") == "«\u00a0neuf cents\u00a0»"
    # A no-break space the value has is shown as it is.
    assert quoted("1\u202f234,5") == "«\u00a01\u202f234,5\u00a0»"


@pytest.mark.parametrize(
    ("text", "shown"),
    [("VIR\x00", "VIR\\x00"), ("non\x1b[2J", "non\\x1b[2J"), ("x\u202ey", "x\\u202ey"), ("a\nb", "a\\nb")],
)
def test_an_invisible_character_is_written_as_its_escape(text: str, shown: str) -> None:
    """A terminal never runs an escape sequence, a page never turns its text around."""
    assert quoted(text) == f"«\u00a0{shown}\u00a0»"


def test_a_long_value_is_cut_and_its_length_said() -> None:
    assert quoted("x" * 100_000) == f"«\u00a0{'x' * 40}…\u00a0» (100\u202f000 caractères)"
    with pytest.raises(ValueError) as refusal:
        parse_amount("9" * 100_000)
    assert str(refusal.value).endswith("» (100\u202f000 caractères) a trop de chiffres")
