"""Late-payment penalties: interest by half-year, the fixed recovery indemnity, the statement.

Pure computation on ``Decimal``, with the rates it is given (``law.rates``, read from ``config/rates/``).
Rate sources and warnings are written in French: the penalty statement prints them for the debtor.

Business debtor (Code de commerce L441-10 II): penalties run from the day after the due date without
any reminder, at the contract rate — never below three times the legal interest rate — or, failing
a contract rate, at the ECB main refinancing rate of the half-year plus 10 points; plus the fixed
40 EUR recovery indemnity (D441-5) and, on justification, further recovery costs.
Consumer debtor (Code civil 1231-6, 1344-1): interest at the legal rate from the formal notice, no
indemnity. Courts count it from the notice's receipt or, when it was refused or not claimed, from its
first presentation: the request gives that day (``notice_date``) and what became of the notice.
Public buyer (Code de la commande publique R2192-31, D2192-35): interest from the day after the due
date at the ECB rate of the half-year it began in + 8 points, for the whole period; the 40 EUR
indemnity. The rates themselves: ``law.penalty_rates``.

The computing convention (stated on every statement, see ``convention_sentence``):
- day d is late when start < d <= until (start = due date, or the notice's day for a consumer);
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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from law.penalty_rates import day_rate
from law.rates import RateTables, SourcedRate, half_year_of
from models.enums import DebtorKind
from support.french import date_fr, money_fr
from support.units import CENT

ZERO = Decimal("0.00")
# Fixed recovery indemnity per late invoice: Code de commerce D441-5, Code de la commande publique
# D2192-35 (a professional debtor: a business or a public buyer).
RECOVERY_INDEMNITY = Decimal("40.00")
# The convention counts 365 days in every year, leap years included.
DAYS_PER_YEAR = Decimal("365")


BUSINESS_LEGAL_BASIS = ("Code de commerce, art. L441-10", "Code de commerce, art. D441-5")
CONSUMER_LEGAL_BASIS = (
    "Code civil, art. 1231-6",
    "Code civil, art. 1344-1",
    "Code monétaire et financier, art. L313-2",
)
PUBLIC_LEGAL_BASIS = (
    "Code de la commande publique, art. R2192-31",
    "Code de la commande publique, art. D2192-35",
)

# What became of a consumer's formal notice on the day its interest runs from: received, or first
# presented and then refused or not claimed (courts count from that presentation).
NoticeOutcome = Literal["received", "refused", "not_claimed"]


def legal_basis(debtor_kind: DebtorKind) -> tuple[str, ...]:
    """The texts a statement for a debtor of this kind rests on, its main article first."""
    return {
        DebtorKind.BUSINESS: BUSINESS_LEGAL_BASIS,
        DebtorKind.CONSUMER: CONSUMER_LEGAL_BASIS,
        DebtorKind.PUBLIC: PUBLIC_LEGAL_BASIS,
    }[debtor_kind]


def _cents(value: Decimal, what: str) -> Decimal:
    """An amount in euros and cents, never negative; ``10.500`` is accepted, ``10.505`` is not.
    Refused in French, ``what`` naming the amount."""
    said = str(value).replace(".", ",")
    if value < 0:
        raise ValueError(f"{what} : {said}, un montant négatif")
    if value != value.quantize(CENT):
        raise ValueError(f"{what} : {said} a plus de deux décimales")
    return value.quantize(CENT)


class PenaltyPayment(BaseModel):
    model_config = ConfigDict(frozen=True)

    paid_on: date
    amount: Decimal

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("un paiement de 0 n'est pas un paiement")
        return _cents(value, "paiement")


class InterestStart(BaseModel):
    """The day a consumer's interest runs from (Code civil 1231-6, 1344-1: the formal notice), and
    what became of the notice that day."""

    model_config = ConfigDict(frozen=True)

    on: date
    outcome: NoticeOutcome | None = None

    @property
    def event_fr(self) -> str:
        """What the day is, in French, after its date: "le 12 mars 2026, date de réception de …"."""
        return {
            "received": "date de réception de la mise en demeure",
            "refused": "date de première présentation de la mise en demeure, refusée par son destinataire",
            "not_claimed": "date de première présentation de la mise en demeure, non réclamée",
            None: "date de la mise en demeure",
        }[self.outcome]


class PenaltyRequest(BaseModel):
    """What the penalties are computed on. Invalid input raises pydantic's ValidationError (a ValueError),
    each refusal in French: the agent using the calculator reads it."""

    model_config = ConfigDict(frozen=True)

    principal: Decimal
    due_date: date
    # Inclusive end: the statement counts this day as late.
    until: date
    debtor_kind: DebtorKind
    # Terms-of-sale rate in percent a year, for a business debtor; None applies ECB + 10 points.
    contract_rate_percent: Decimal | None = None
    # Where a consumer's interest starts (Code civil 1231-6, 1344-1): the day the formal notice was
    # received or, refused or not claimed, first presented. Validated even when left out: a
    # consumer needs one.
    notice_date: date | None = Field(default=None, validate_default=True)
    # What became of the notice that day; None: the day given as it is (the notice's own date).
    notice_outcome: NoticeOutcome | None = None
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
                f"la fin du décompte, le {date_fr(value)}, est avant l'échéance du {date_fr(due_date)}"
            )
        return value

    @field_validator("contract_rate_percent")
    @classmethod
    def _contract_rate(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError(f"taux contractuel : {str(value).replace('.', ',')} %, un taux négatif")
        return value

    @field_validator("notice_date")
    @classmethod
    def _notice_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("debtor_kind") is not DebtorKind.CONSUMER:
            return value
        if value is None:
            raise ValueError(
                "un consommateur doit les intérêts à compter de la mise en demeure (Code civil 1231-6, "
                "1344-1) : sa date est obligatoire"
            )
        due_date = info.data.get("due_date")
        if due_date is not None and value < due_date:
            raise ValueError(
                f"la mise en demeure du {date_fr(value)} est antérieure à l'échéance du "
                f"{date_fr(due_date)} : rien n'était encore dû"
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
            raise ValueError(
                f"les paiements ({money_fr(paid)}) dépassent le principal ({money_fr(principal)})"
            )
        return value

    @field_validator("further_costs")
    @classmethod
    def _further_costs(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        value = _cents(value, "frais de recouvrement supplémentaires")
        if value and info.data.get("debtor_kind") is not DebtorKind.BUSINESS:
            # Code de commerce L441-10 II: the indemnity and further costs are owed by a business only.
            raise ValueError(
                "des frais de recouvrement supplémentaires ne se réclament qu'à un débiteur professionnel"
            )
        return value

    @property
    def start(self) -> date:
        """The last day not late: the due date, or for a consumer the notice's day."""
        if self.debtor_kind is DebtorKind.CONSUMER and self.notice_date is not None:
            return self.notice_date
        return self.due_date

    @property
    def last_rate_day(self) -> date:
        """The last day whose rate the statement needs: ``until``, but for a public buyer the first
        late day, whose half-year's rate every late day bears (Code de la commande publique R2192-31)."""
        if self.debtor_kind is DebtorKind.PUBLIC:
            return min(self.start + timedelta(days=1), self.until)
        return self.until

    @property
    def interest_start(self) -> InterestStart | None:
        """Where a consumer's interest runs from, as the statement says it; None for the others."""
        if self.debtor_kind is not DebtorKind.CONSUMER or self.notice_date is None:
            return None
        return InterestStart(on=self.notice_date, outcome=self.notice_outcome)


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
    # Where a consumer's interest runs from; None for the others, and in statements recorded before.
    interest_start: InterestStart | None = None


def _period_interest(base: Decimal, rate_percent: Decimal, days: int) -> Decimal:
    # Exact for any realistic amount at 34 digits; rounding happens once, per period, half-up.
    with localcontext(Context(prec=34)):
        exact = base * rate_percent * days / (100 * DAYS_PER_YEAR)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def _start_fr(debtor_kind: DebtorKind, notice_outcome: NoticeOutcome | None) -> str:
    """The day after which interest runs, in French: the due date, or the consumer's notice."""
    if debtor_kind is not DebtorKind.CONSUMER:
        return "l'échéance"
    if notice_outcome == "received":
        return "la réception de la mise en demeure"
    if notice_outcome is not None:
        return "la première présentation de la mise en demeure"
    return "la mise en demeure"


def convention_sentence(debtor_kind: DebtorKind, notice_outcome: NoticeOutcome | None = None) -> str:
    """The convention in French, for the statement."""
    start = _start_fr(debtor_kind, notice_outcome)
    sentence = (
        f"Intérêts calculés jour par jour à compter du lendemain de {start}, jusqu'à la date du décompte "
        "incluse ; un paiement reçu un jour donné laisse ce jour en retard pour la part qu'il règle. "
        "Chaque jour de retard produit : solde impayé × taux annuel / 365 (365 jours chaque année, "
        "bissextile comprise). Les jours consécutifs d'un même semestre, au même taux et au même solde "
        "forment une période dont l'intérêt est arrondi au centime le plus proche (0,005 arrondi au "
        "centime supérieur) ; les intérêts sont la somme des périodes."
    )
    if debtor_kind is DebtorKind.PUBLIC:
        sentence += (
            " Le taux est celui du semestre au cours duquel les intérêts moratoires ont commencé à courir, "
            "pour toute la durée du retard."
        )
    if debtor_kind.professional:
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
    first_late_day = day = request.start + timedelta(days=1)
    while day <= request.until:
        # Balance unpaid before this day: a payment on day P lowers it from P + 1.
        balance = request.principal - sum((p.amount for p in payments if p.paid_on < day), ZERO)
        if balance == 0:
            break  # paid in full: no later day is late
        rate = day_rate(
            request.debtor_kind, request.contract_rate_percent, first_late_day, day, rates, warnings
        )
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

    interest = sum((period.interest for period in periods), ZERO)
    # D441-5, D2192-35: the indemnity is due for a late invoice, from a professional debtor only.
    indemnity = RECOVERY_INDEMNITY if request.debtor_kind.professional and periods else ZERO
    return PenaltyStatement(
        until=request.until,
        periods=periods,
        interest=interest,
        indemnity=indemnity,
        further_costs=request.further_costs,
        total=interest + indemnity + request.further_costs,
        balance_at_end=request.principal - sum((p.amount for p in payments), ZERO),
        warnings=list(warnings.values()),
        convention=convention_sentence(request.debtor_kind, request.notice_outcome),
        legal_basis=list(legal_basis(request.debtor_kind)),
        interest_start=request.interest_start,
    )


def statement_before_rates(request: PenaltyRequest, warning: str) -> PenaltyStatement:
    """The penalties of an invoice whose late days all fall in half-years the tables do not give
    yet: no interest can be counted, but the fixed indemnity is due from the first day late, whatever
    the rate (Code de commerce D441-5, Code de la commande publique D2192-35), from a professional
    debtor only."""
    late = request.until > request.start
    indemnity = RECOVERY_INDEMNITY if request.debtor_kind.professional and late else ZERO
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
        convention=convention_sentence(request.debtor_kind, request.notice_outcome),
        legal_basis=list(legal_basis(request.debtor_kind)),
        rates_pending=True,
        interest_start=request.interest_start,
    )
