"""The court a request is addressed to, by the debtor's postcode (law/courts.py), on the court table
the project ships (config/courts.toml) and on tables built here."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from config.courts import load_court_table
from law.courts import CourtTable, competent_court, in_alsace_moselle


def court(**fields: Any) -> dict[str, Any]:
    return {
        "kind": "tribunal_de_commerce",
        "name": "Tribunal de commerce de Brest",
        "street": "1 rue du Port",
        "postcode": "29200",
        "city": "Brest",
        "appeal_court": "cour d'appel de Rennes",
        "serves": ["29"],
        "source": "table de test",
        **fields,
    }


def table(*courts: dict[str, Any]) -> CourtTable:
    return CourtTable.model_validate({"court": list(courts)})


@pytest.mark.parametrize(
    ("postcode", "commercial", "civil"),
    [
        # The demo's and the tests' debtors.
        ("75019", "Tribunal des activités économiques de Paris", "Tribunal judiciaire de Paris"),
        ("75001", "Tribunal des activités économiques de Paris", "Tribunal judiciaire de Paris"),
        ("69003", "Tribunal des activités économiques de Lyon", "Tribunal judiciaire de Lyon"),
        ("69120", "Tribunal des activités économiques de Lyon", "Tribunal judiciaire de Lyon"),
        ("38000", "Tribunal de commerce de Grenoble", "Tribunal judiciaire de Grenoble"),
        ("44000", "Tribunal de commerce de Nantes", "Tribunal judiciaire de Nantes"),
        # Bas-Rhin: no tribunal de commerce, the chambre commerciale of the tribunal judiciaire.
        (
            "67000",
            "chambre commerciale du Tribunal judiciaire de Strasbourg",
            "Tribunal judiciaire de Strasbourg",
        ),
    ],
)
def test_the_shipped_table_names_the_courts_of_the_demo_and_test_debtors(
    postcode: str, commercial: str, civil: str
) -> None:
    courts = load_court_table()
    between_traders = competent_court(courts, postcode, "tribunal_de_commerce")
    otherwise = competent_court(courts, postcode, "tribunal_judiciaire")
    assert between_traders is not None and otherwise is not None
    assert (between_traders.designation, otherwise.designation) == (commercial, civil)
    assert otherwise.kind == "tribunal_judiciaire"
    assert between_traders.street and between_traders.postcode and between_traders.appeal_court
    assert between_traders.source and otherwise.source


def test_strasbourg_s_commercial_court_is_a_chamber_of_the_tribunal_judiciaire() -> None:
    chamber = competent_court(load_court_table(), "67000", "tribunal_de_commerce")
    assert chamber is not None
    assert (chamber.kind, chamber.name, chamber.city) == (
        "chambre_commerciale",
        "Tribunal judiciaire de Strasbourg",
        "Strasbourg",
    )
    assert chamber.appeal_court == "cour d'appel de Colmar"


def test_a_postcode_the_table_does_not_serve_names_no_court() -> None:
    courts = load_court_table()
    assert competent_court(courts, "29200", "tribunal_de_commerce") is None
    assert competent_court(courts, "29200", "tribunal_judiciaire") is None
    # A department the table serves only in part: the other communes are not guessed.
    assert competent_court(courts, "69400", "tribunal_judiciaire") is None


def test_the_longest_prefix_wins_and_each_matter_has_its_own_courts() -> None:
    courts = table(
        court(),
        court(name="Tribunal de commerce de Quimper", serves=["29000", "291"]),
        court(kind="tribunal_judiciaire", name="Tribunal judiciaire de Brest", serves=["29"]),
    )
    assert competent_court(courts, "29200", "tribunal_de_commerce").name == "Tribunal de commerce de Brest"
    assert competent_court(courts, "29000", "tribunal_de_commerce").name == "Tribunal de commerce de Quimper"
    assert competent_court(courts, "29100", "tribunal_de_commerce").name == "Tribunal de commerce de Quimper"
    assert competent_court(courts, "29000", "tribunal_judiciaire").name == "Tribunal judiciaire de Brest"


def test_no_tribunal_de_commerce_in_alsace_moselle_and_no_chambre_commerciale_elsewhere() -> None:
    assert in_alsace_moselle("57000") and in_alsace_moselle("68100") and in_alsace_moselle("67000")
    assert not in_alsace_moselle("75019")
    for kind in ("tribunal_de_commerce", "tribunal_des_activites_economiques"):
        with pytest.raises(ValidationError, match=r"no tribunal de commerce.*L215-2"):
            table(court(kind=kind, name="Tribunal de commerce de Metz", serves=["57"]))
    with pytest.raises(ValidationError, match="only in Bas-Rhin, Haut-Rhin and Moselle"):
        table(court(kind="chambre_commerciale", serves=["29"]))
    chamber = table(court(kind="chambre_commerciale", name="Tribunal judiciaire de Metz", serves=["57"]))
    assert competent_court(chamber, "57000", "tribunal_de_commerce").designation == (
        "chambre commerciale du Tribunal judiciaire de Metz"
    )
    assert competent_court(chamber, "57000", "tribunal_judiciaire") is None


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"serves": ["2"]}, "not a postcode prefix"),
        ({"serves": []}, "at least 1 item"),
        ({"postcode": "292"}, "not a French postcode"),
        ({"kind": "cour_d_appel"}, "kind"),
        ({"source": ""}, "at least 1 character"),
    ],
)
def test_a_court_row_that_cannot_be_used_says_why(fields: dict[str, Any], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        table(court(**fields))


def test_two_courts_of_the_same_matter_for_the_same_postcodes_are_refused() -> None:
    with pytest.raises(ValidationError, match="served by both Tribunal de commerce de Brest and"):
        table(court(), court(name="Tribunal de commerce de Morlaix"))
    # A tribunal judiciaire beside the commercial court of the same postcodes is the rule.
    table(court(), court(kind="tribunal_judiciaire", name="Tribunal judiciaire de Brest"))
