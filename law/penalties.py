"""Late-payment penalties: interest by half-year, the fixed recovery indemnity, the statement.

Pure computation on ``Decimal``; the only I/O is reading the rate tables in ``config/rates/``.
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

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from models.enums import DebtorKind
from support.french import percent_fr
from support.units import CENT

# The two rate tables, as files of one folder (read by ``config.rates``).
ECB_FILE = "ecb_main_refinancing.csv"
LEGAL_FILE = "legal_interest.csv"

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




class RateNotKnown(LookupError):
    """No rate for a half-year: the table must be completed from its official source, never guessed."""


class SourcedRate(NamedTuple):
    percent: Decimal
    source: str


def half_year_of(day: date) -> str:
    """``"2024-H1"`` for January–June, ``"2024-H2"`` for July–December."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def half_year_fr(day: date) -> str:
    """The half-year of ``day`` in French: ``"premier semestre 2024"``, ``"second semestre 2024"``."""
    return f"{'premier' if day.month <= 6 else 'second'} semestre {day.year}"


def _last_day(half_year: str) -> date:
    year, half = int(half_year[:4]), half_year[-1]
    return date(year, 6, 30) if half == "1" else date(year, 12, 31)


def _next_half_year(half_year: str) -> str:
    year, half = int(half_year[:4]), half_year[-1]
    return f"{year}-H2" if half == "1" else f"{year + 1}-H1"


@dataclass(frozen=True)
class RateTables:
    """Rates by half-year, as published: the ECB rate in force on 1 January / 1 July, the legal rates."""

    folder: Path
    ecb: dict[str, SourcedRate]
    # "All other cases" legal rate: the one for creditors acting for professional needs.
    legal_professional: dict[str, SourcedRate]
    # Legal rate for creditors who are natural persons not acting for professional needs.
    legal_individual: dict[str, SourcedRate]

    def ecb_rate(self, day: date) -> SourcedRate:
        return self._lookup(self.ecb, day, ECB_FILE)

    def legal_rate(self, day: date, *, creditor_is_individual: bool = False) -> SourcedRate:
        table = self.legal_individual if creditor_is_individual else self.legal_professional
        return self._lookup(table, day, LEGAL_FILE)

    def covered_until(self) -> date | None:
        """The last day up to which every late day finds its rates, whatever the debtor.

        That is the last day of the last half-year present in both the ECB and the legal table, every
        half-year from the first one both give up to it present too; None when they share none.
        """
        shared = sorted(self.ecb.keys() & self.legal_professional.keys())
        if not shared:
            return None
        last = shared[0]
        for half_year in shared[1:]:
            if half_year != _next_half_year(last):
                break
            last = half_year
        return _last_day(last)

    def _lookup(self, table: dict[str, SourcedRate], day: date, file_name: str) -> SourcedRate:
        half_year = half_year_of(day)
        if half_year not in table:
            raise RateNotKnown(
                f"no rate for {half_year} (needed for {day.isoformat()}) in {self.folder / file_name}: "
                f"add the row from its official source"
            )
        return table[half_year]








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


# --- activity requests ---------------------------------------------------------------------------


class PenaltyComputation(BaseModel):
    """The ``compute_penalties`` activity's input."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    request: PenaltyRequest
    # Draw the statement to the last day the rate tables cover rather than fail on a rate not yet
    # published; the statement then says the interest keeps running.
    stop_at_known_rates: bool = False


class StatementRequest(BaseModel):
    """The ``render_penalty_statement`` activity's input: the statement and what it is about."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    step_key: str
    creditor_name: str
    creditor_siren: str
    debtor_name: str
    debtor_kind: DebtorKind
    invoice_number: str
    issue_date: date
    due_date: date
    principal: Decimal
    currency: str = "EUR"
    statement: PenaltyStatement
    # The day the statement is drawn up (printed on it): never the clock, so a retry renders the same.
    drawn_on: date

    @model_validator(mode="after")
    def _statement_for_this_debtor(self) -> StatementRequest:
        expected = BUSINESS_LEGAL_BASIS if self.debtor_kind is DebtorKind.BUSINESS else CONSUMER_LEGAL_BASIS
        if tuple(self.statement.legal_basis) != expected:
            raise ValueError(
                f"the statement was computed for another kind of debtor than {self.debtor_kind.value}"
            )
        return self
