"""The annual rate a late day bears, by kind of debtor, each with its source in French (the penalty
statement prints it), from the published rates of ``law.rates``.

- A business (Code de commerce L441-10 II): the rate of the terms of sale, never below three times
  the legal interest rate; failing one, the ECB main refinancing rate of the day's half-year (the
  one in force on 1 January or 1 July) plus 10 points.
- A consumer (Code civil 1231-6): the legal interest rate of the day's half-year, the "all other
  cases" one, the creditor acting for its trade (Code monétaire et financier L313-2).
- A public buyer (Code de la commande publique R2192-31): the ECB main refinancing rate in force on
  the first day of the half-year in which the interest began to run, plus 8 points, for the whole
  period: one rate however many half-years the delay crosses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from law.rates import RateTables, SourcedRate, first_day, half_year_of
from models.enums import DebtorKind
from support.french import date_fr, percent_fr

# Code de commerce L441-10 II: default rate = ECB main refinancing rate + 10 points.
DEFAULT_RATE_MARGIN = Decimal("10")
# Code de commerce L441-10 II: a contract rate may not be lower than three times the legal rate.
LEGAL_RATE_FLOOR_FACTOR = Decimal("3")
# Code de la commande publique R2192-31: a public buyer's rate = ECB main refinancing rate + 8 points.
PUBLIC_RATE_MARGIN = Decimal("8")


def day_rate(
    debtor_kind: DebtorKind,
    contract_rate_percent: Decimal | None,
    first_late_day: date,
    day: date,
    rates: RateTables,
    warnings: dict[str, str],
) -> SourcedRate:
    """The rate ``day`` bears for a debtor of this kind whose interest began on ``first_late_day``;
    a warning about a half-year's rate goes into ``warnings`` under that half-year."""
    if debtor_kind is DebtorKind.PUBLIC:
        return public_rate(first_late_day, rates)
    if debtor_kind is DebtorKind.CONSUMER:
        return consumer_rate(day, rates)
    return business_rate(contract_rate_percent, day, rates, warnings)


def business_rate(
    contract_rate_percent: Decimal | None, day: date, rates: RateTables, warnings: dict[str, str]
) -> SourcedRate:
    """Code de commerce L441-10 II: the contract rate floored at 3 × legal rate, else ECB + 10 points."""
    half_year = half_year_of(day)
    if contract_rate_percent is None:
        ecb = rates.ecb_rate(day)
        legal = rates.legal_rate(day)
        default = ecb.percent + DEFAULT_RATE_MARGIN
        floor = LEGAL_RATE_FLOOR_FACTOR * legal.percent
        if default < floor:
            # The floor binds contract rates only: the default applies as it is, and the user is told.
            # Each warning starts "2024-H1: ": letters find the half-years flagged by that prefix.
            warnings[half_year] = (
                f"{half_year}: le taux par défaut de {percent_fr(default)} (taux BCE "
                f"{percent_fr(ecb.percent)} + 10 points) est inférieur à trois fois le taux d'intérêt légal "
                f"({percent_fr(floor)}) ; il s'applique tel quel, ce plancher ne visant que le taux "
                "contractuel (Code de commerce, art. L441-10 II)."
            )
        return SourcedRate(
            default, f"taux de refinancement de la BCE {percent_fr(ecb.percent)} ({ecb.source}) + 10 points"
        )
    legal = rates.legal_rate(day)
    floor = LEGAL_RATE_FLOOR_FACTOR * legal.percent
    if contract_rate_percent >= floor:
        return SourcedRate(contract_rate_percent, "taux contractuel (conditions générales de vente)")
    warnings[half_year] = (
        f"{half_year}: le taux contractuel de {percent_fr(contract_rate_percent)} est "
        f"inférieur à trois fois le taux d'intérêt légal (3 × {percent_fr(legal.percent)} = "
        f"{percent_fr(floor)}) ; porté à {percent_fr(floor)} (Code de commerce, art. L441-10 II)."
    )
    return SourcedRate(floor, f"3 × taux d'intérêt légal {percent_fr(legal.percent)} ({legal.source})")


def consumer_rate(day: date, rates: RateTables) -> SourcedRate:
    """Code civil 1231-6: the legal rate; the creditor is a business, so the "all other cases" rate."""
    legal = rates.legal_rate(day)
    return SourcedRate(legal.percent, f"taux d'intérêt légal {percent_fr(legal.percent)} ({legal.source})")


def public_rate(first_late_day: date, rates: RateTables) -> SourcedRate:
    """Code de la commande publique R2192-31: the ECB rate in force on the first day of the half-year
    the interest began in, plus 8 points, for every late day."""
    ecb = rates.ecb_rate(first_late_day)
    began = first_day(half_year_of(first_late_day))
    return SourcedRate(
        ecb.percent + PUBLIC_RATE_MARGIN,
        f"taux de refinancement de la BCE {percent_fr(ecb.percent)} en vigueur le {date_fr(began)}, "
        f"premier jour du semestre où les intérêts moratoires ont commencé à courir ({ecb.source}) "
        "+ 8 points",
    )


# Code civil 1231-6: a consumer owes interest at the legal rate, from the formal notice; a public
# buyer the rate of Code de la commande publique R2192-31; the rate of the terms of sale (Code de
# commerce L441-10 II) binds a business debtor only.
def check_contract_rate_allowed(debtor_kind: DebtorKind) -> None:
    """ValueError when a debtor of this kind cannot owe a contract rate."""
    if debtor_kind is DebtorKind.CONSUMER:
        raise ValueError("un consommateur doit le taux légal (Code civil 1231-6), pas un taux contractuel")
    if debtor_kind is DebtorKind.PUBLIC:
        raise ValueError(
            "un acheteur public doit le taux de la BCE majoré de huit points (Code de la commande "
            "publique R2192-31), pas un taux contractuel"
        )
