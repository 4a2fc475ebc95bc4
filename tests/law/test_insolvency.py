"""Collective proceedings: who they apply to, the claim due at the opening judgment, the deadline to
declare it. Every expected figure worked out by hand next to it (rates: config/rates, 2025-H2 ECB
2.15 + 10 points = 12.15 %)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from law.insolvency import (
    add_months,
    check_opening,
    check_subject_to_proceedings,
    claim_at_judgment,
    declaration_deadline,
    in_metropolitan_france,
    receiver_title,
    reminder_day,
)
from law.penalties import PenaltyRequest, compute_penalties
from models.enums import DebtorKind, InsolvencyKind
from tests.fixtures.rates import bundled_rates


def test_a_period_in_months_ends_on_the_day_of_the_same_number_or_the_months_last() -> None:
    # CPC 641.
    assert add_months(date(2026, 3, 15), 2) == date(2026, 5, 15)
    assert add_months(date(2026, 11, 30), 2) == date(2027, 1, 30)
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)


def test_the_declaration_is_due_two_months_after_the_bodacc_publication() -> None:
    # R622-24: published 8 April 2026, due 8 June 2026, a Monday.
    assert declaration_deadline(date(2026, 4, 8)) == date(2026, 6, 8)
    # Published Monday 2 March 2026: 2 May is a Saturday (after the 1 May holiday), so Monday 4 May
    # (CPC 642).
    assert declaration_deadline(date(2026, 3, 2)) == date(2026, 5, 4)
    # A creditor outside metropolitan France has two months more: 10 July 2026, a Friday.
    assert declaration_deadline(date(2026, 3, 10), creditor_in_metropolitan_france=False) == date(2026, 7, 10)


def test_metropolitan_france_includes_corsica_not_the_overseas_departments() -> None:
    assert in_metropolitan_france("France", "69003")
    assert in_metropolitan_france("france ", "20000")
    assert not in_metropolitan_france("France", "97400")
    assert not in_metropolitan_france("Belgique", "1000")


def test_the_agents_are_reminded_ahead_of_the_deadline() -> None:
    assert reminder_day(date(2026, 5, 4), timedelta(days=15)) == date(2026, 4, 19)


def test_the_claim_is_declared_to_the_liquidateur_in_a_liquidation() -> None:
    assert receiver_title(InsolvencyKind.LIQUIDATION) == "liquidateur judiciaire"
    assert receiver_title(InsolvencyKind.REDRESSEMENT) == "mandataire judiciaire"
    assert receiver_title(InsolvencyKind.SAUVEGARDE) == "mandataire judiciaire"


def test_only_a_business_debtor_can_be_under_collective_proceedings() -> None:
    check_subject_to_proceedings(DebtorKind.BUSINESS)
    with pytest.raises(ValueError, match="surendettement"):
        check_subject_to_proceedings(DebtorKind.CONSUMER)
    with pytest.raises(ValueError, match="droit public"):
        check_subject_to_proceedings(DebtorKind.PUBLIC)


def test_an_opening_judgment_in_the_future_or_before_the_invoice_is_refused() -> None:
    issued, today = date(2026, 1, 10), date(2026, 6, 1)
    check_opening(date(2026, 6, 1), issued, today)
    with pytest.raises(ValueError, match="dans le futur"):
        check_opening(date(2026, 6, 2), issued, today)
    with pytest.raises(ValueError, match="L622-17"):
        check_opening(date(2026, 1, 9), issued, today)


def test_the_claim_is_what_was_due_at_the_judgment_interest_stopped_and_no_indemnity() -> None:
    opened = date(2025, 10, 30)
    payments = [(date(2025, 10, 10), Decimal("200.00")), (date(2025, 11, 5), Decimal("100.00"))]
    request = PenaltyRequest(
        principal=Decimal("1000.00"),
        due_date=date(2025, 9, 30),
        until=opened,
        debtor_kind=DebtorKind.BUSINESS,
        payments=payments,
    )
    penalties = compute_penalties(request, bundled_rates())
    assert penalties.indemnity == Decimal("40.00")

    claim = claim_at_judgment(opened, date(2025, 9, 30), Decimal("1000.00"), payments, penalties)

    # 1 to 10 October on 1 000.00: 1000 × 12.15 % × 10 / 365 = 3.33; 11 to 30 October on 800.00:
    # 800 × 12.15 % × 20 / 365 = 5.33. The payment of 5 November, after the judgment, counts neither.
    assert claim.interest == Decimal("8.66")
    assert claim.interest_until == opened
    assert claim.principal == Decimal("800.00")
    # L622-28 stops the interest; the 40.00 indemnity is not declared.
    assert claim.total == Decimal("808.66")
    assert not claim.falls_due_later


def test_a_claim_not_yet_due_at_the_judgment_is_declared_without_interest() -> None:
    claim = claim_at_judgment(date(2025, 11, 15), date(2025, 12, 31), Decimal("1000.00"), [], None)
    assert (claim.principal, claim.interest, claim.total) == (Decimal("1000.00"), 0, Decimal("1000.00"))
    assert claim.interest_until is None
    assert claim.falls_due_later
