"""Collective proceedings against the debtor (Code de commerce, book VI): who they apply to, what the
opening judgment does to a claim, and the deadline to declare it. Pure: the workflow calls them.

- The opening judgment of a sauvegarde, a redressement or a liquidation judiciaire stops every
  action for payment and every enforcement (L622-21, applied to the redressement by L631-14 and to
  the liquidation by L641-3): the ladder stops at once.
- It stops the interest running (L622-28, first paragraph; L641-3 for the liquidation): the claim
  is declared with the interest accrued to the judgment.
- The creditor declares its claim to the mandataire judiciaire (L622-24), in a liquidation to the
  liquidateur (L641-3), within two months of the judgment's publication in the BODACC (R622-24),
  four for a creditor outside metropolitan France; a period in months ends on the day of the same
  number (CPC 641) and one ending on a rest day runs to the next business day (CPC 642).
- A claim born after the judgment is not declared: it is paid at its term (L622-17).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from law.business_calendar import next_business_day
from law.penalties import PenaltyStatement
from models.enums import DebtorKind, InsolvencyKind

ZERO = Decimal("0.00")
# R622-24, first paragraph: two months from the BODACC publication.
DECLARATION_MONTHS = 2
# R622-24, second paragraph: two months more for a creditor outside metropolitan France.
ABROAD_EXTRA_MONTHS = 2

PROCEEDINGS_FR = {
    InsolvencyKind.SAUVEGARDE: "procédure de sauvegarde",
    InsolvencyKind.REDRESSEMENT: "redressement judiciaire",
    InsolvencyKind.LIQUIDATION: "liquidation judiciaire",
}


class DeclaredClaim(BaseModel):
    """The claim as declared: what was due at the opening judgment, interest stopped by it."""

    model_config = ConfigDict(frozen=True)

    principal: Decimal
    # The late-payment interest accrued up to the judgment (L622-28), and the day it is counted to.
    interest: Decimal
    interest_until: date | None
    total: Decimal
    # Not yet due on the day of the judgment: declared all the same, as a claim "à échoir" (L622-24).
    falls_due_later: bool


def check_subject_to_proceedings(kind: DebtorKind) -> None:
    """ValueError when a debtor of this kind cannot be under the proceedings of book VI: they open
    against traders, craftsmen, farmers, independent professionals and private-law legal persons
    (L620-2, L631-2, L640-2), not against a consumer (whose over-indebtedness is another procedure,
    Code de la consommation L711-1) nor a public-law person."""
    if kind is DebtorKind.CONSUMER:
        raise ValueError(
            "un particulier ne relève pas des procédures collectives du Code de commerce (L620-2) ; "
            "son surendettement relève du Code de la consommation (L711-1)"
        )
    if kind is DebtorKind.PUBLIC:
        raise ValueError(
            "une personne morale de droit public ne relève pas des procédures collectives "
            "du Code de commerce (L620-2)"
        )


def receiver_title(kind: InsolvencyKind) -> str:
    """Who receives the declaration: the liquidateur in a liquidation (L641-3), else the mandataire
    judiciaire (L622-24)."""
    return "liquidateur judiciaire" if kind is InsolvencyKind.LIQUIDATION else "mandataire judiciaire"


def add_months(day: date, months: int) -> date:
    """The day of the same number ``months`` later, or the last day of that month when it has no
    such day (CPC 641)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def in_metropolitan_france(country: str, postcode: str) -> bool:
    """Whether an address is in metropolitan France (Corsica included; the overseas postcodes start
    with 97 or 98)."""
    return country.strip().upper() == "FRANCE" and not postcode.strip().startswith(("97", "98"))


def declaration_deadline(published_on: date, creditor_in_metropolitan_france: bool = True) -> date:
    """The last day to declare the claim, from the BODACC publication of the opening judgment
    (R622-24), moved to the next business day when it falls on a rest day (CPC 642)."""
    months = DECLARATION_MONTHS + (0 if creditor_in_metropolitan_france else ABROAD_EXTRA_MONTHS)
    return next_business_day(add_months(published_on, months))


def reminder_day(deadline: date, ahead: timedelta) -> date:
    """The day the agents are reminded to send the declaration, ``ahead`` of its deadline."""
    return deadline - timedelta(days=ahead.days)


def check_opening(opened_on: date, issue_date: date, today: date) -> None:
    """ValueError when the opening judgment's date cannot be this case's: in the future, or before
    the invoice, whose claim is then born after the judgment and paid at its term (L622-17)."""
    if opened_on > today:
        raise ValueError(f"le jugement d'ouverture du {opened_on:%d/%m/%Y} est dans le futur")
    if opened_on < issue_date:
        raise ValueError(
            f"le jugement d'ouverture du {opened_on:%d/%m/%Y} précède la facture du {issue_date:%d/%m/%Y} : "
            "une créance née après le jugement ne se déclare pas, elle se paie à son échéance (L622-17)"
        )


def claim_at_judgment(
    opened_on: date,
    due_date: date,
    balance_at_start: Decimal,
    payments: Iterable[tuple[date, Decimal]],
    penalties: PenaltyStatement | None,
) -> DeclaredClaim:
    """The claim due at the opening judgment: the principal left after the payments made up to it,
    and the interest ``penalties`` counted to it (L622-28: the judgment stops it).

    The fixed recovery indemnity (D441-5) is not declared: it pays for the costs of recovering, and
    the judgment stops the recovery itself (L622-21); only the interest accrued is claimed.
    """
    paid = sum((amount for day, amount in payments if day <= opened_on), ZERO)
    principal = balance_at_start - paid
    interest = penalties.interest if penalties is not None else ZERO
    return DeclaredClaim(
        principal=principal,
        interest=interest,
        interest_until=penalties.until if penalties is not None and interest else None,
        total=principal + interest,
        falls_due_later=due_date > opened_on,
    )
