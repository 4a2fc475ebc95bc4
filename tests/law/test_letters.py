"""The rules of the letters to the debtor (law/letters.py), each decided on plain values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from law.letters import (
    AGENCY_FIRST_LETTER,
    amount_claimed,
    announced_route,
    court_announced,
    letter_reference,
    letter_template,
    penalties_from,
    recalled_letter,
)
from law.penalties import PenaltyStatement
from models.enums import DebtorKind, Stage


def statement(interest: str, indemnity: str, further_costs: str) -> PenaltyStatement:
    total = Decimal(interest) + Decimal(indemnity) + Decimal(further_costs)
    return PenaltyStatement(
        until=date(2026, 6, 30),
        periods=[],
        interest=Decimal(interest),
        indemnity=Decimal(indemnity),
        further_costs=Decimal(further_costs),
        total=total,
        balance_at_end=Decimal("1000.00"),
        warnings=[],
        convention="",
        legal_basis=[],
    )


@pytest.mark.parametrize(
    ("stage", "by_agency", "first_letter", "expected"),
    [
        # CPCE R124-4: an agency's first letter carries the mentions, whatever the policy names.
        (Stage.AMICABLE_REMINDER, True, True, AGENCY_FIRST_LETTER),
        (Stage.FORMAL_NOTICE, True, True, AGENCY_FIRST_LETTER),
        (Stage.FORMAL_NOTICE, True, False, "formal_notice"),
        (Stage.AMICABLE_REMINDER, False, True, "formal_notice"),
        # The hand-off to the commissaire de justice is not a letter to the debtor.
        (Stage.JUDICIAL_FILING, True, True, "formal_notice"),
    ],
)
def test_an_agency_first_letter_carries_the_mentions_of_r124_4(
    stage: Stage, by_agency: bool, first_letter: bool, expected: str
) -> None:
    chosen = letter_template("formal_notice", stage=stage, by_agency=by_agency, first_letter=first_letter)
    assert chosen == expected


def test_an_agency_recalls_its_first_letter_and_a_creditor_none() -> None:
    letters = ["first", "second"]
    assert recalled_letter(letters, by_agency=True) == "first"
    assert recalled_letter(letters, by_agency=False) is None
    assert recalled_letter([], by_agency=True) is None
    assert letter_reference("invoice-1", "reminder_1") == "invoice-1/reminder_1"


def test_an_agency_never_claims_further_recovery_costs() -> None:
    penalties = statement(interest="12.50", indemnity="40.00", further_costs="80.00")
    assert amount_claimed(Decimal("1000.00"), penalties, by_agency=False) == Decimal("1132.50")
    # CPCE L111-8, R124-4 3°: amicable collection costs stay with the creditor.
    assert amount_claimed(Decimal("1000.00"), penalties, by_agency=True) == Decimal("1052.50")
    assert amount_claimed(Decimal("1000.00"), None, by_agency=False) == Decimal("1000.00")


def test_the_route_announced_weighs_principal_and_interest_and_penalties_start_the_day_after_due() -> None:
    ceiling = Decimal("5000.00")
    # CPCE L125-1: principal and interest included, the ceiling itself still a small claim.
    assert announced_route(Decimal("4950.00"), Decimal("50.00"), ceiling) == "small_claims"
    assert announced_route(Decimal("4950.00"), Decimal("50.01"), ceiling) == "injonction_de_payer"
    # The demo's 4 850 € claim crosses the ceiling only with its interest.
    assert announced_route(Decimal("4850.00"), Decimal("0.00"), ceiling) == "small_claims"
    assert announced_route(Decimal("4850.00"), Decimal("151.20"), ceiling) == "injonction_de_payer"
    assert penalties_from(date(2026, 2, 28)) == date(2026, 3, 1)


def test_interest_counted_short_of_today_proves_a_claim_over_the_ceiling_never_under_it() -> None:
    ceiling = Decimal("5000.00")
    short = {"interest_complete": False}
    assert announced_route(Decimal("4990.00"), Decimal("20.00"), ceiling, **short) == "injonction_de_payer"
    assert announced_route(Decimal("4990.00"), Decimal("5.00"), ceiling, **short) is None
    assert announced_route(Decimal("5000.01"), Decimal("0.00"), ceiling, **short) == "injonction_de_payer"


@pytest.mark.parametrize(
    ("reference", "order_on_file", "kind", "announced"),
    [
        ("BC-7781", False, DebtorKind.BUSINESS, True),
        (None, True, DebtorKind.CONSUMER, True),
        # Without the debtor's commitment on file the case stays amicable (Code civil 1353).
        ("  ", False, DebtorKind.BUSINESS, False),
        # A public buyer's property cannot be seized: no court route is threatened (CG3P L2311-1).
        ("BC-7781", True, DebtorKind.PUBLIC, False),
    ],
)
def test_a_court_is_announced_only_where_the_case_may_go_to_one(
    reference: str | None, order_on_file: bool, kind: DebtorKind, announced: bool
) -> None:
    assert court_announced(reference, order_on_file, kind) is announced
