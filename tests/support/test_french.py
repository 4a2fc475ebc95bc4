"""French words for the letters (support/french.py): elision of "de", small numbers in words."""

from __future__ import annotations

import pytest

from support.french import count_fr, de_fr, number_fr, words_fr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Atelier Morel", "d'Atelier Morel"),
        ("Élysée Services", "d'Élysée Services"),
        ("ORANGE BLEUE SARL", "d'ORANGE BLEUE SARL"),
        ("Hôtel du Port", "d'Hôtel du Port"),  # a mute h
        ("Hachette Livre", "de Hachette Livre"),  # an h aspiré, and any h the filter does not know
        ("Bâtiments Martin SAS", "de Bâtiments Martin SAS"),
        ("L'Atelier Dupont & Fils", "de L'Atelier Dupont & Fils"),
        ("Yves Martin", "de Yves Martin"),
    ],
)
def test_de_is_elided_before_a_vowel_or_a_mute_h(name: str, expected: str) -> None:
    assert de_fr(name) == expected


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zéro"), (1, "un"), (8, "huit"), (15, "quinze"), (16, "seize"), (17, "dix-sept"),
        (21, "vingt et un"), (30, "trente"), (45, "quarante-cinq"), (60, "soixante"),
        (71, "soixante et onze"), (77, "soixante-dix-sept"), (80, "quatre-vingts"),
        (81, "quatre-vingt-un"), (91, "quatre-vingt-onze"), (99, "quatre-vingt-dix-neuf"), (100, "cent"),
    ],
)
def test_small_numbers_are_written_in_words(number: int, words: str) -> None:
    assert words_fr(number) == words


def test_larger_numbers_stay_in_figures() -> None:
    assert words_fr(101) == "101" and words_fr(365) == "365"


def test_counts_take_the_plural_from_two_and_group_their_thousands() -> None:
    assert [count_fr(number, "erreur") for number in (0, 1, 2)] == ["0 erreur", "1 erreur", "2 erreurs"]
    assert count_fr(12345, "fichier") == "12\u202f345 fichiers"
    assert number_fr(2000) == "2\u202f000" and number_fr(999) == "999"
