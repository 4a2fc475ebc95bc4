"""The court a request for an injonction de payer goes to, named: pure rules over the court table
(``config/courts.toml``, read by ``config.courts``), no I/O.

- The kind of court follows the matter (``law.judicial``'s decision): between traders for their
  trade, the commercial court (Code de commerce L721-3); otherwise the tribunal judiciaire.
- The commercial court is the tribunal de commerce or, from 1 January 2025 for four years, in twelve
  places, the tribunal des activités économiques that replaces it (loi 2023-1059 art. 26, arrêté du
  5 juillet 2024). Bas-Rhin (67), Haut-Rhin (68) and Moselle (57) have no tribunal de commerce: the
  chambre commerciale of the tribunal judiciaire hears commercial matters there (Code de
  l'organisation judiciaire L215-2, Code de commerce annexe 7-4).
- The court is the one of the place where the debtor lives or has its seat, whatever a contract
  says (CPC 1406); the request is addressed to its président.

The table gives each court the postcodes it serves as prefixes ("75" for all of Paris, "69120" for
one commune); the longest prefix matching the debtor's postcode names the court. A postcode the
table does not serve names no court: the request says so and an agent completes it.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from law.judicial import Court

CourtKind = Literal[
    "tribunal_de_commerce", "tribunal_des_activites_economiques", "chambre_commerciale", "tribunal_judiciaire"
]
# The kinds of court that hear each matter of ``law.judicial``'s decision.
KINDS_FOR: dict[Court, tuple[CourtKind, ...]] = {
    "tribunal_de_commerce": (
        "tribunal_de_commerce", "tribunal_des_activites_economiques", "chambre_commerciale"
    ),
    "tribunal_judiciaire": ("tribunal_judiciaire",),
}
# COJ L215-2: the departments where a chambre commerciale of the tribunal judiciaire, never a
# tribunal de commerce, hears commercial matters.
ALSACE_MOSELLE = ("57", "67", "68")
_POSTCODE_PREFIX = re.compile(r"^\d{2,5}$")
_POSTCODE = re.compile(r"^\d{5}$")


def in_alsace_moselle(postcode: str) -> bool:
    """Whether a postcode lies in Bas-Rhin, Haut-Rhin or Moselle (COJ L215-2)."""
    return postcode.strip()[:2] in ALSACE_MOSELLE


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CourtEntry(_Frozen):
    """One court of the table, with the debtors' postcodes it serves."""

    kind: CourtKind
    # Its name as the annuaire des juridictions writes it: "Tribunal judiciaire de Strasbourg" (for a
    # chambre commerciale, the tribunal judiciaire it belongs to).
    name: str = Field(min_length=1)
    street: str = Field(min_length=1)
    postcode: str
    city: str = Field(min_length=1)
    # The cour d'appel of its district: a small claim goes to a commissaire de justice of that
    # district (CPCE R125-1).
    appeal_court: str = Field(min_length=1)
    # The debtors' postcodes it serves, as prefixes of two to five digits.
    serves: list[str] = Field(min_length=1)
    # Where the name, the address and the district were read, and when.
    source: str = Field(min_length=1)

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        if not _POSTCODE.match(value):
            raise ValueError(f"postcode {value!r} is not a French postcode (5 digits)")
        return value

    @field_validator("serves")
    @classmethod
    def _prefixes(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if not _POSTCODE_PREFIX.match(prefix):
                raise ValueError(f"{prefix!r} is not a postcode prefix (2 to 5 digits)")
        return value

    @model_validator(mode="after")
    def _alsace_moselle(self) -> CourtEntry:
        local = [prefix for prefix in self.serves if in_alsace_moselle(prefix)]
        if self.kind in ("tribunal_de_commerce", "tribunal_des_activites_economiques") and local:
            raise ValueError(
                f"{self.name} serves {', '.join(local)}: Bas-Rhin, Haut-Rhin and Moselle have no tribunal "
                "de commerce, the chambre commerciale of the tribunal judiciaire hears commercial matters "
                "there (Code de l'organisation judiciaire L215-2)"
            )
        if self.kind == "chambre_commerciale" and len(local) != len(self.serves):
            raise ValueError(
                f"{self.name}: a chambre commerciale of a tribunal judiciaire hears commercial matters "
                "only in Bas-Rhin, Haut-Rhin and Moselle (57, 67, 68)"
            )
        return self

    @property
    def designation(self) -> str:
        """The court as a request names it: "Tribunal des activités économiques de Paris",
        "chambre commerciale du Tribunal judiciaire de Strasbourg"."""
        if self.kind == "chambre_commerciale":
            return f"chambre commerciale du {self.name}"
        return self.name


class CourtTable(_Frozen):
    courts: list[CourtEntry] = Field(alias="court")

    @model_validator(mode="after")
    def _one_court_per_postcode(self) -> CourtTable:
        """Two courts of the same matter serving the same prefix would leave the choice to chance."""
        for matter, kinds in KINDS_FOR.items():
            seen: dict[str, str] = {}
            for court in self.courts:
                if court.kind not in kinds:
                    continue
                for prefix in court.serves:
                    if prefix in seen:
                        raise ValueError(
                            f"postcodes {prefix}… are served by both {seen[prefix]} and {court.name} "
                            f"for the {matter.replace('_', ' ')}'s matters"
                        )
                    seen[prefix] = court.name
        return self


def competent_court(table: CourtTable, debtor_postcode: str, matter: Court) -> CourtEntry | None:
    """The court of ``matter`` serving ``debtor_postcode`` (CPC 1406: the debtor's domicile), by the
    longest prefix the table gives; None when the table serves no such postcode."""
    postcode = debtor_postcode.replace(" ", "")
    best: tuple[int, CourtEntry] | None = None
    for court in table.courts:
        if court.kind not in KINDS_FOR[matter]:
            continue
        for prefix in court.serves:
            if postcode.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), court)
    return best[1] if best else None
