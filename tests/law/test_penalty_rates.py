"""The rate each kind of debtor owes, and a public buyer's late-payment interest end to end, every
amount worked out by hand next to it.

Rates used (config/rates): ECB main refinancing rate in force on 1 January / 1 July — 2025-H1 3.15,
2025-H2 2.15, 2026-H2 2.40. A public buyer owes that rate of the half-year its interest began in
+ 8 points, for the whole period (Code de la commande publique R2192-31), and 40 EUR (D2192-35).
Each period: base × rate / 100 × days / 365, rounded half-up to the cent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from law.penalties import PenaltyRequest, PenaltyStatement, compute_penalties
from law.penalty_rates import check_contract_rate_allowed, public_rate
from law.rates import RateNotKnown
from models.enums import DebtorKind
from tests.fixtures.rates import bundled_rates

PUBLIC = DebtorKind.PUBLIC


def penalties(**fields: object) -> PenaltyStatement:
    request = PenaltyRequest.model_validate({"debtor_kind": PUBLIC, **fields})
    return compute_penalties(request, bundled_rates())


def test_a_public_buyer_owes_the_ecb_rate_of_the_first_half_year_plus_8_points_across_half_years() -> None:
    # Interest began on 21 June 2025 (2025-H1: ECB 3,15 %): 11,15 % on every late day, also in July,
    # where a business would owe 2,15 + 10 = 12,15 %.
    statement = penalties(principal=Decimal("2000"), due_date=date(2025, 6, 20), until=date(2025, 7, 10))
    first, second = statement.periods
    assert (first.start, first.end, first.days) == (date(2025, 6, 21), date(2025, 6, 30), 10)
    assert (second.start, second.end, second.days) == (date(2025, 7, 1), date(2025, 7, 10), 10)
    assert str(first.rate_percent) == str(second.rate_percent) == "11.15"
    assert first.rate_source == second.rate_source
    # 2000 × 11.15 × 10 / 36500 = 6.1095… → 6.11, twice.
    assert (str(first.interest), str(second.interest), str(statement.interest)) == ("6.11", "6.11", "12.22")
    # D2192-35: the fixed indemnity, as from a business.
    assert str(statement.indemnity) == "40.00" and str(statement.total) == "52.22"
    assert statement.legal_basis == [
        "Code de la commande publique, art. R2192-31",
        "Code de la commande publique, art. D2192-35",
    ]
    assert "l'échéance" in statement.convention and "40 €" in statement.convention
    assert "pour toute la durée du retard" in statement.convention
    assert statement.warnings == [] and statement.interest_start is None


def test_a_year_late_keeps_the_rate_of_the_half_year_the_interest_began() -> None:
    # From 1 January 2025 (2025-H1: 3,15 + 8 = 11,15 %) to 31 December 2025: 181 + 184 days.
    # 1000 × 11.15 × 181 / 36500 = 55.2917… → 55.29; × 184 / 36500 = 56.2082… → 56.21; 111.50.
    statement = penalties(principal=Decimal("1000"), due_date=date(2024, 12, 31), until=date(2025, 12, 31))
    assert [(p.days, str(p.rate_percent), str(p.interest)) for p in statement.periods] == [
        (181, "11.15", "55.29"),
        (184, "11.15", "56.21"),
    ]
    assert str(statement.interest) == "111.50"


def test_the_public_rate_names_the_day_and_the_decision_it_rests_on() -> None:
    rate = public_rate(date(2025, 3, 4), bundled_rates())
    assert str(rate.percent) == "11.15"
    assert rate.source.replace("\xa0", " ") == (
        "taux de refinancement de la BCE 3,15 % en vigueur le 1er janvier 2025, premier jour du semestre "
        "où les intérêts moratoires ont commencé à courir (décision de la BCE en vigueur le 18 décembre "
        "2024) + 8 points"
    )


def test_a_public_buyer_s_statement_needs_only_the_rate_of_its_first_late_day() -> None:
    # Begun in 2026-H2 (ECB 2,40 + 8 = 10,40 %), the interest runs into 2027-H1, a half-year the
    # tables do not give yet: no rate of it is needed. 1000 × 10.40 × 31 / 36500 = 8.8328… → 8.83.
    request = PenaltyRequest(
        principal=Decimal("1000"), due_date=date(2026, 11, 30), until=date(2027, 1, 31), debtor_kind=PUBLIC
    )
    assert request.last_rate_day == date(2026, 12, 1)
    statement = compute_penalties(request, bundled_rates())
    assert [str(period.interest) for period in statement.periods] == ["8.83", "8.83"]
    assert str(statement.total) == "57.66"
    # Begun in a half-year the tables do not give: never guessed.
    late = request.model_copy(update={"due_date": date(2027, 1, 15), "until": date(2027, 2, 1)})
    with pytest.raises(RateNotKnown, match="2027-H1"):
        compute_penalties(late, bundled_rates())


def test_a_public_buyer_owes_no_contract_rate_nor_further_costs() -> None:
    with pytest.raises(ValueError, match="R2192-31"):
        check_contract_rate_allowed(PUBLIC)
    check_contract_rate_allowed(DebtorKind.BUSINESS)
    with pytest.raises(ValidationError, match="ne se réclament qu'à un débiteur professionnel"):
        PenaltyRequest(
            principal=Decimal("1000"),
            due_date=date(2025, 6, 20),
            until=date(2025, 7, 10),
            debtor_kind=PUBLIC,
            further_costs=Decimal("10.00"),
        )
