"""Code civil 1342-10 on hand-checked examples: named first, then due before not due, the oldest
first, the same due date proportionally, in cents that add up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from law.imputation import Debt, ImputationRule, Overpayment, Part, impute_payment

PAID_ON = date(2026, 5, 15)
MARCH = Debt("F-1", Decimal("1000.00"), date(2026, 3, 1))
APRIL = Debt("F-2", Decimal("500.00"), date(2026, 4, 1))
JUNE = Debt("F-3", Decimal("800.00"), date(2026, 6, 30))


def test_due_debts_go_first_the_oldest_first() -> None:
    # 1 700 = 1 000 (March, due) + 500 (April, due) + 200 of June (not due yet).
    parts = impute_payment(Decimal("1700.00"), [JUNE, APRIL, MARCH], paid_on=PAID_ON)
    assert parts == [
        Part("F-1", Decimal("1000.00"), ImputationRule.DUE_OLDEST),
        Part("F-2", Decimal("500.00"), ImputationRule.DUE_OLDEST),
        Part("F-3", Decimal("200.00"), ImputationRule.NOT_DUE),
    ]


def test_a_partial_payment_settles_the_oldest_due_debt_before_touching_another() -> None:
    parts = impute_payment(Decimal("300.00"), [APRIL, MARCH], paid_on=PAID_ON)
    assert parts == [Part("F-1", Decimal("300.00"), ImputationRule.DUE_OLDEST)]


def test_a_debt_due_on_the_day_of_the_payment_is_due() -> None:
    due_today = Debt("F-9", Decimal("50.00"), PAID_ON)
    parts = impute_payment(Decimal("50.00"), [JUNE, due_today], paid_on=PAID_ON)
    assert parts == [Part("F-9", Decimal("50.00"), ImputationRule.DUE_OLDEST)]


def test_the_debts_the_debtor_names_come_first_in_their_order() -> None:
    # The debtor pays June's invoice first, then April's with the rest; March gets nothing.
    parts = impute_payment(Decimal("1000.00"), [MARCH, APRIL, JUNE], paid_on=PAID_ON, named=["F-3", "F-2"])
    assert parts == [
        Part("F-3", Decimal("800.00"), ImputationRule.NAMED),
        Part("F-2", Decimal("200.00"), ImputationRule.NAMED),
    ]
    # Named, but more than their balances: the rest by the rule.
    parts = impute_payment(Decimal("900.00"), [MARCH, APRIL, JUNE], paid_on=PAID_ON, named=["F-2"])
    assert parts == [
        Part("F-2", Decimal("500.00"), ImputationRule.NAMED),
        Part("F-1", Decimal("400.00"), ImputationRule.DUE_OLDEST),
    ]


def test_debts_due_the_same_day_share_proportionally_in_cents_that_add_up() -> None:
    a = Debt("A", Decimal("100.00"), date(2026, 3, 1))
    b = Debt("B", Decimal("200.00"), date(2026, 3, 1))
    # 100 / 300 of 100,00 = 33,333… and 66,666…: 33,33 + 66,67 (the larger remainder gets the cent).
    parts = impute_payment(Decimal("100.00"), [a, b], paid_on=PAID_ON)
    assert parts == [
        Part("A", Decimal("33.33"), ImputationRule.DUE_PROPORTIONAL),
        Part("B", Decimal("66.67"), ImputationRule.DUE_PROPORTIONAL),
    ]
    # Enough for the whole day's debts: each paid in full, oldest-first rule.
    parts = impute_payment(Decimal("300.00"), [a, b], paid_on=PAID_ON)
    assert [part.amount for part in parts] == [Decimal("100.00"), Decimal("200.00")]
    # Equal balances, an odd cent: the first listed gets it.
    c = Debt("C", Decimal("100.00"), date(2026, 3, 1))
    parts = impute_payment(Decimal("0.01"), [a, c], paid_on=PAID_ON)
    assert parts == [Part("A", Decimal("0.01"), ImputationRule.DUE_PROPORTIONAL)]


def test_more_than_every_balance_is_refused_and_paid_debts_get_nothing() -> None:
    with pytest.raises(Overpayment):
        impute_payment(Decimal("2300.01"), [MARCH, APRIL, JUNE], paid_on=PAID_ON)
    paid = Debt("F-0", Decimal("0.00"), date(2026, 1, 1))
    assert impute_payment(Decimal("10.00"), [paid, APRIL], paid_on=PAID_ON) == [
        Part("F-2", Decimal("10.00"), ImputationRule.DUE_OLDEST)
    ]
    with pytest.raises(ValueError, match="not in the account"):
        impute_payment(Decimal("10.00"), [APRIL], paid_on=PAID_ON, named=["F-404"])
