"""Late-payment penalties: interest by half-year, the fixed recovery indemnity, the statement.

Pure computation on ``Decimal``, with the rates it is given (``law.rates``, read from ``config/rates/``).
Rate sources and warnings are written in French: the penalty statement prints them for the debtor.

Business debtor (Code de commerce L441-10 II): penalties run from the day after the due date without
any reminder, at the contract rate — never below three times the legal interest rate — or, failing
a contract rate, at the ECB main refinancing rate of the half-year plus 10 points; plus the fixed
40 EUR recovery indemnity (D441-5) and, on justification, further recovery costs.
Consumer debtor (Code civil 1231-6): interest at the legal rate from the formal notice, no indemnity.

The computing convention (stated on every statement, see ``convention_sentence``):
- day d is late when start < d <= until (start = due date, or notice date for a consumer);
- a payment received on day P leaves day P late for the part it pays: the balance lowers from P + 1;
- each late day accrues ``balance × rate / 100 / 365`` — 365 in every year, leap years included;
- consecutive late days with the same half-year, rate and balance form one period, whose interest
  ``base × rate / 100 × days / 365`` is rounded half-up to the cent; the interest is their sum.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from itertools import groupby
from operator import itemgetter

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from law.rates import RateTables, SourcedRate, half_year_of
from models.enums import DebtorKind
from support.french import percent_fr
from support.units import CENT

ZERO = Decimal("0.00")
# Code de commerce D441-5: fixed recovery indemnity per late invoice.
RECOVERY_INDEMNITY = Decimal("40.00")
# Code de commerce L441-10 II: default rate = ECB main refinancing rate + 10 points.
DEFAULT_RATE_MARGIN = Decimal("10")
# Code de commerce L441-10 II: a contract rate may not be lower than three times the legal rate.
LEGAL_RATE_FLOOR_FACTOR = Decimal("3")
# The convention counts 365 days in every year, leap years included.
DAYS_PER_YEAR = Decimal("365")


BUSINESS_LEGAL_BASIS = ("Code de commerce, art. L441-10", "Code de commerce, art. D441-5")
CONSUMER_LEGAL_BASIS = ("Code civil, art. 1231-6", "Code monétaire et financier, art. L313-2")


def _cents(value: Decimal, what: str) -> Decimal:
    """An amount in euros and cents, never negative; ``10.500`` is accepted, ``10.505`` is not."""
    if value < 0:
        raise ValueError(f"{what} {value} is negative")
    if value != value.quantize(CENT):
        raise ValueError(f"{what} {value} has more than 2 decimals")
    return value.quantize(CENT)


class PenaltyPayment(BaseModel):
    model_config = ConfigDict(frozen=True)

    paid_on: date
    amount: Decimal

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("a payment of 0 is not a payment")
        return _cents(value, "payment")


class PenaltyRequest(BaseModel):
    """What the penalties are computed on. Invalid input raises pydantic's ValidationError (a ValueError)."""

    model_config = ConfigDict(frozen=True)

    principal: Decimal
    due_date: date
    # Inclusive end: the statement counts this day as late.
    until: date
    debtor_kind: DebtorKind
    # Terms-of-sale rate in percent a year, for a business debtor; None applies ECB + 10 points.
    contract_rate_percent: Decimal | None = None
    # Date of the formal notice: where a consumer's interest starts (Code civil 1231-6).
    # Validated even when left out: a consumer needs one.
    notice_date: date | None = Field(default=None, validate_default=True)
    payments: tuple[PenaltyPayment, ...] = ()
    # Justified recovery costs beyond the 40 EUR indemnity (Code de commerce D441-5), business only.
    further_costs: Decimal = ZERO

    @field_validator("payments", mode="before")
    @classmethod
    def _payment_pairs(cls, value: object) -> object:
        """Accept ``(paid_on, amount)`` pairs as well as payment objects."""
        if isinstance(value, list | tuple):
            return tuple(
                {"paid_on": item[0], "amount": item[1]} if isinstance(item, tuple) else item for item in value
            )
        return value

    # Each check sits on the field it is about, so an error names that field. A validator sees the
    # fields declared before its own in ``info.data`` (those that were valid).

    @field_validator("principal")
    @classmethod
    def _principal(cls, value: Decimal) -> Decimal:
        return _cents(value, "principal")

    @field_validator("until")
    @classmethod
    def _until(cls, value: date, info: ValidationInfo) -> date:
        due_date = info.data.get("due_date")
        if due_date is not None and value < due_date:
            raise ValueError(
                f"statement end {value.isoformat()} is before the due date {due_date.isoformat()}"
            )
        return value

    @field_validator("contract_rate_percent")
    @classmethod
    def _contract_rate(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError(f"contract rate {value} % is negative")
        return value

    @field_validator("notice_date")
    @classmethod
    def _notice_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("debtor_kind") is not DebtorKind.CONSUMER:
            return value
        if value is None:
            raise ValueError("a consumer owes interest from the formal notice: notice_date is required")
        due_date = info.data.get("due_date")
        if due_date is not None and value < due_date:
            raise ValueError(
                f"notice date {value.isoformat()} is before the due date {due_date.isoformat()}: "
                "nothing was payable yet"
            )
        return value

    @field_validator("payments")
    @classmethod
    def _payments_total(
        cls, value: tuple[PenaltyPayment, ...], info: ValidationInfo
    ) -> tuple[PenaltyPayment, ...]:
        paid = sum((payment.amount for payment in value), ZERO)
        principal = info.data.get("principal")
        if principal is not None and paid > principal:
            raise ValueError(f"payments total {paid} exceeds the principal {principal}")
        return value

    @field_validator("further_costs")
    @classmethod
    def _further_costs(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        value = _cents(value, "further costs")
        if value and info.data.get("debtor_kind") is DebtorKind.CONSUMER:
            raise ValueError("further recovery costs are claimable from a business debtor only")
        return value

    @property
    def start(self) -> date:
        """The last day not late: the due date, or for a consumer the notice date."""
        if self.debtor_kind is DebtorKind.CONSUMER and self.notice_date is not None:
            return self.notice_date
        return self.due_date


class PenaltyPeriod(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: date
    end: date  # inclusive
    days: int
    base: Decimal
    rate_percent: Decimal
    rate_source: str
    interest: Decimal


class PenaltyStatement(BaseModel):
    """The penalties claimed.

    ``total`` = interest + indemnity + further costs: the penalties only, not the principal, which
    ``balance_at_end`` gives (principal minus the payments received on or before ``until``).
    """

    model_config = ConfigDict(frozen=True)

    # The date the statement is drawn as at (inclusive): the last day it counts late.
    until: date
    periods: list[PenaltyPeriod]
    interest: Decimal
    indemnity: Decimal
    further_costs: Decimal
    total: Decimal
    balance_at_end: Decimal
    warnings: list[str]
    convention: str
    legal_basis: list[str]
    # The interest stops short of the day it was asked for: the rates of a later half-year are not
    # published yet, and it runs on (the warnings say so).
    rates_pending: bool = False


def _business_rate(
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


def _consumer_rate(day: date, rates: RateTables) -> SourcedRate:
    # Code civil 1231-6: the legal rate; the creditor is a business, so the "all other cases" rate.
    legal = rates.legal_rate(day)
    return SourcedRate(legal.percent, f"taux d'intérêt légal {percent_fr(legal.percent)} ({legal.source})")


def _period_interest(base: Decimal, rate_percent: Decimal, days: int) -> Decimal:
    # Exact for any realistic amount at 34 digits; rounding happens once, per period, half-up.
    with localcontext(Context(prec=34)):
        exact = base * rate_percent * days / (100 * DAYS_PER_YEAR)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def convention_sentence(debtor_kind: DebtorKind) -> str:
    """The convention in French, for the statement."""
    start = "l'échéance" if debtor_kind is DebtorKind.BUSINESS else "la mise en demeure"
    sentence = (
        f"Intérêts calculés jour par jour à compter du lendemain de {start}, jusqu'à la date du décompte "
        "incluse ; un paiement reçu un jour donné laisse ce jour en retard pour la part qu'il règle. "
        "Chaque jour de retard produit : solde impayé × taux annuel / 365 (365 jours chaque année, "
        "bissextile comprise). Les jours consécutifs d'un même semestre, au même taux et au même solde "
        "forment une période dont l'intérêt est arrondi au centime le plus proche (0,005 arrondi au "
        "centime supérieur) ; les intérêts sont la somme des périodes."
    )
    if debtor_kind is DebtorKind.BUSINESS:
        sentence += " S'y ajoute l'indemnité forfaitaire pour frais de recouvrement de 40 €."
    return sentence


def compute_penalties(request: PenaltyRequest, rates: RateTables) -> PenaltyStatement:
    """Penalties owed from ``request.start`` (exclusive) to ``request.until`` (inclusive).

    Raises ``RateNotKnown`` when a late day falls in a half-year missing from the rate tables.
    """
    # Payments after the statement's end do not change it (a statement may be drawn as at a past date).
    payments = [payment for payment in request.payments if payment.paid_on <= request.until]
    warnings: dict[str, str] = {}
    late_days: list[tuple[date, tuple[str, Decimal, SourcedRate]]] = []
    day = request.start + timedelta(days=1)
    while day <= request.until:
        # Balance unpaid before this day: a payment on day P lowers it from P + 1.
        balance = request.principal - sum((p.amount for p in payments if p.paid_on < day), ZERO)
        if balance == 0:
            break  # paid in full: no later day is late
        if request.debtor_kind is DebtorKind.BUSINESS:
            rate = _business_rate(request.contract_rate_percent, day, rates, warnings)
        else:
            rate = _consumer_rate(day, rates)
        late_days.append((day, (half_year_of(day), balance, rate)))
        day += timedelta(days=1)

    periods = []
    for (_, base, rate), group in groupby(late_days, key=itemgetter(1)):
        days = [late_day for late_day, _ in group]
        periods.append(
            PenaltyPeriod(
                start=days[0],
                end=days[-1],
                days=len(days),
                base=base,
                rate_percent=rate.percent,
                rate_source=rate.source,
                interest=_period_interest(base, rate.percent, len(days)),
            )
        )

    is_business = request.debtor_kind is DebtorKind.BUSINESS
    interest = sum((period.interest for period in periods), ZERO)
    # D441-5: the indemnity is due for a late invoice, from a business debtor only.
    indemnity = RECOVERY_INDEMNITY if is_business and periods else ZERO
    return PenaltyStatement(
        until=request.until,
        periods=periods,
        interest=interest,
        indemnity=indemnity,
        further_costs=request.further_costs,
        total=interest + indemnity + request.further_costs,
        balance_at_end=request.principal - sum((p.amount for p in payments), ZERO),
        warnings=list(warnings.values()),
        convention=convention_sentence(request.debtor_kind),
        legal_basis=list(BUSINESS_LEGAL_BASIS if is_business else CONSUMER_LEGAL_BASIS),
    )


def statement_before_rates(request: PenaltyRequest, warning: str) -> PenaltyStatement:
    """The penalties of an invoice whose late days all fall in half-years the tables do not give
    yet: no interest can be counted, but the fixed indemnity is due from the first day late, whatever
    the rate (Code de commerce D441-5), from a business debtor only."""
    is_business = request.debtor_kind is DebtorKind.BUSINESS
    late = request.until > request.start
    indemnity = RECOVERY_INDEMNITY if is_business and late else ZERO
    paid = sum((p.amount for p in request.payments if p.paid_on <= request.until), ZERO)
    return PenaltyStatement(
        until=request.until,
        periods=[],
        interest=ZERO,
        indemnity=indemnity,
        further_costs=request.further_costs,
        total=indemnity + request.further_costs,
        balance_at_end=request.principal - paid,
        warnings=[warning],
        convention=convention_sentence(request.debtor_kind),
        legal_basis=list(BUSINESS_LEGAL_BASIS if is_business else CONSUMER_LEGAL_BASIS),
        rates_pending=True,
    )


# Code civil 1231-6: a consumer owes interest at the legal rate, from the formal notice; the rate of
# the terms of sale (Code de commerce L441-10 II) binds a business debtor only.
def check_contract_rate_allowed(debtor_kind: DebtorKind) -> None:
    """ValueError when a debtor of this kind cannot owe a contract rate."""
    if debtor_kind is DebtorKind.CONSUMER:
        raise ValueError("a consumer owes the legal rate (Code civil 1231-6), not a contract rate")
