"""The dashboard's figures (aging buckets, DSO) and the work queue's reasons, from plain values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from backoffice.portfolio import AGING_BUCKETS, OpenCase, aging_bucket, portfolio
from models.attention import SYSTEM_ACTOR, Need, needs_of
from models.enums import CaseState, Stage
from models.status import ActionRecord, CaseStatus

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (None, "not due"),
        (date(2026, 12, 1), "not due"),
        (TODAY, "not due"),
        (date(2026, 11, 22), "0–30 days"),
        (date(2026, 10, 24), "0–30 days"),
        (date(2026, 10, 23), "31–60 days"),
        (date(2026, 9, 24), "31–60 days"),
        (date(2026, 9, 23), "61–90 days"),
        (date(2026, 8, 25), "61–90 days"),
        (date(2026, 8, 24), "> 90 days"),
    ],
)
def test_each_invoice_falls_in_the_bucket_of_its_days_past_due(due: date | None, bucket: str) -> None:
    assert aging_bucket(due, TODAY) == bucket


def test_the_portfolio_sums_the_buckets_and_measures_dso_over_ninety_days_of_sales() -> None:
    cases = [
        OpenCase("amicable_reminder", "open", Decimal("1000.10"), date(2026, 11, 1)),
        OpenCase("amicable_reminder", "paused", Decimal("0.20"), date(2026, 11, 2)),
        OpenCase("formal_notice", "open", Decimal("500.00"), date(2026, 6, 1)),
        OpenCase("none", "open", Decimal("99.70"), date(2026, 12, 24)),
    ]
    figures = portfolio(cases, Decimal("4000.00"), TODAY)
    assert figures.open_cases == 4
    assert figures.outstanding == Decimal("1600.00")
    assert figures.aging == {
        "not due": (1, Decimal("99.70")),
        "0–30 days": (2, Decimal("1000.30")),
        "31–60 days": (0, Decimal("0.00")),
        "61–90 days": (0, Decimal("0.00")),
        "> 90 days": (1, Decimal("500.00")),
    }
    assert list(figures.aging) == list(AGING_BUCKETS)
    assert figures.by_stage == {"amicable_reminder": 2, "formal_notice": 1, "none": 1}
    assert figures.by_state == {"open": 3, "paused": 1}
    # 1,600 outstanding for 4,000 invoiced in 90 days: 36 days of sales.
    assert figures.dso_days == Decimal("36.0")


def test_without_sales_in_the_period_there_is_no_dso() -> None:
    figures = portfolio([OpenCase("none", "open", Decimal("10.00"), None)], Decimal("0.00"), TODAY)
    assert figures.dso_days is None and figures.outstanding == Decimal("10.00")


def status(**changes: object) -> CaseStatus:
    values: dict[str, object] = {
        "case_id": "invoice-1",
        "invoice_number": "F-1",
        "creditor_name": "C",
        "debtor_name": "D",
        "state": CaseState.OPEN,
        "stage": Stage.FORMAL_NOTICE,
        "balance": Decimal("100.00"),
        "currency": "EUR",
        "paused": False,
    }
    return CaseStatus.model_validate(values | changes)


def action(kind: str, actor: str, detail: str = "") -> ActionRecord:
    return ActionRecord(at=datetime(2026, 11, 1, tzinfo=UTC), kind=kind, actor=actor, detail=detail)


def test_a_case_running_by_itself_needs_nobody() -> None:
    assert needs_of(status(actions=[action("reminder_sent", SYSTEM_ACTOR)])) == []


def test_a_case_held_by_itself_needs_an_agent_but_one_paused_by_an_agent_does_not() -> None:
    reason = "no proof of receipt of the formal notice after 30 days"
    held = status(
        state=CaseState.PAUSED,
        paused=True,
        pause_reason=reason,
        held_by_case=True,
        actions=[action("held", SYSTEM_ACTOR, reason)],
    )
    assert [(need.need, need.text) for need in needs_of(held)] == [(Need.HELD, reason)]
    paused = status(
        state=CaseState.PAUSED,
        paused=True,
        pause_reason="holiday",
        actions=[action("paused", "alice", "holiday")],
    )
    assert needs_of(paused) == []


def test_a_broken_promise_waits_for_a_person_until_one_acts() -> None:
    broken = [
        action("promise_recorded", "bob"),
        action("promise_broken", SYSTEM_ACTOR, "500 EUR by 1 Nov: not paid"),
    ]
    assert [need.need for need in needs_of(status(actions=broken))] == [Need.BROKEN_PROMISE]
    answered = [*broken, action("pause", "bob", "calling the debtor")]
    assert needs_of(status(actions=answered)) == []


def test_approvals_come_first_then_the_prescription_warning() -> None:
    needs = needs_of(
        status(
            approval_pending=True,
            filing_requested_by="alice",
            prescription_warned=True,
            prescription_ends_on=date(2027, 1, 10),
        )
    )
    assert [need.need for need in needs] == [Need.APPROVAL, Need.PRESCRIPTION]
    assert "demandée par alice" in needs[0].text and "10 janvier 2027" in needs[1].text
