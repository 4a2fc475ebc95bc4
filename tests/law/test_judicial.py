"""The judicial rules: the rules file, and whether, how and where a case goes to court."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.judicial import JUDICIAL_FILE, JudicialRulesError, load_judicial_rules
from law.judicial import JudicialFacts, JudicialRules, add_years, judicial_decision
from models.enums import DebtorKind

RULES = load_judicial_rules()


def facts(**changes: object) -> JudicialFacts:
    """A case ready for court: business debtor, signed order, notice received, nothing disputed."""
    values: dict[str, object] = {
        "debtor_kind": DebtorKind.BUSINESS,
        "creditor_siren": "123456782",
        "debtor_siren": "987654324",
        "order_reference": "BC-7781",
        "notice_received_on": date(2026, 3, 12),
        "due_date": date(2026, 2, 4),
        "principal": Decimal("1034.56"),
        "interest": Decimal("29.27"),
        "indemnity": Decimal("40.00"),
        "today": date(2026, 5, 4),
    }
    values.update(changes)
    return JudicialFacts.model_validate(values)


def test_the_rules_file_holds_the_legal_numbers() -> None:
    assert RULES.small_claims.ceiling == Decimal("5000.00")
    assert RULES.prescription.business_years == 5
    assert RULES.prescription.consumer_years == 2
    assert RULES.prescription.warn_weeks_before == 12


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(('ceiling = "5000.00"', "ceiling = 5000.00"), "not exact", id="float-ceiling"),
        pytest.param(
            ("warn_weeks_before = 12", "warn_weeks_before = -1"), "warn_weeks_before", id="negative"
        ),
        pytest.param(("consumer_years = 2", "consumer_years = 0"), "prescription.consumer_years", id="zero"),
        pytest.param(("business_years = 5", 'business_years = "five"'), "business_years", id="not-a-number"),
    ],
)
def test_a_broken_rules_file_names_the_file_and_the_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    broken = tmp_path / "judicial.toml"
    text = JUDICIAL_FILE.read_text(encoding="utf-8")
    assert change[0] in text
    broken.write_text(text.replace(change[0], change[1]), encoding="utf-8")

    with pytest.raises(JudicialRulesError, match=message) as refused:
        load_judicial_rules(broken)
    assert str(broken) in str(refused.value)


def test_a_missing_rules_file_is_said_so(tmp_path: Path) -> None:
    with pytest.raises(JudicialRulesError, match="not found"):
        load_judicial_rules(tmp_path / "none.toml")


def test_a_case_with_every_proof_goes_to_court() -> None:
    decision = judicial_decision(facts(), RULES)

    assert decision.eligible
    assert decision.refusals == []
    assert decision.route == "small_claims"
    assert decision.court == "tribunal_de_commerce"
    assert decision.claim_amount == Decimal("1103.83")
    assert decision.prescription_runs_from == date(2026, 2, 4)
    assert decision.prescription_ends_on == date(2031, 2, 4)


def test_without_a_signed_quote_or_order_the_case_stays_amicable() -> None:
    for missing in (None, "", "  "):
        decision = judicial_decision(facts(order_reference=missing), RULES)
        assert not decision.eligible
        assert decision.route is None and decision.court is None
        [refusal] = decision.refusals
        assert "no signed quote or purchase order" in refusal and "Code civil 1353" in refusal


def test_a_formal_notice_not_received_keeps_the_case_amicable() -> None:
    decision = judicial_decision(facts(notice_received_on=None), RULES)

    assert not decision.eligible
    [refusal] = decision.refusals
    assert "has not received a formal notice" in refusal and "Code civil 1344" in refusal


def test_an_open_dispute_keeps_the_case_amicable() -> None:
    decision = judicial_decision(facts(dispute_open=True), RULES)

    assert not decision.eligible
    [refusal] = decision.refusals
    assert "disputes the claim" in refusal and "CPC 1416" in refusal and "CPCE L125-1" in refusal


def test_a_paid_principal_leaves_nothing_to_claim() -> None:
    decision = judicial_decision(facts(principal=Decimal("0.00")), RULES)

    assert not decision.eligible
    assert decision.refusals == ["nothing is left to claim: the principal is paid (Code civil 1342)"]


def test_every_refusal_is_given_at_once() -> None:
    decision = judicial_decision(
        facts(order_reference=None, notice_received_on=None, dispute_open=True), RULES
    )

    assert len(decision.refusals) == 3


def test_a_business_claim_is_time_barred_five_years_after_its_due_date() -> None:
    due = date(2021, 2, 4)
    notice = date(2021, 3, 12)
    last_day = judicial_decision(
        facts(due_date=due, notice_received_on=notice, today=date(2026, 2, 4)), RULES
    )
    assert last_day.eligible
    assert last_day.prescription_ends_on == date(2026, 2, 4)

    too_late = judicial_decision(
        facts(due_date=due, notice_received_on=notice, today=date(2026, 2, 5)), RULES
    )
    assert not too_late.eligible
    [refusal] = too_late.refusals
    assert refusal.startswith("the claim is time-barred since 2026-02-05")
    assert "Code de commerce L110-4: 5 years" in refusal
    assert "formal notice does not interrupt prescription" in refusal


def test_a_consumer_claim_is_time_barred_after_two_years_and_goes_to_the_tribunal_judiciaire() -> None:
    consumer = {"debtor_kind": DebtorKind.CONSUMER, "debtor_siren": None, "indemnity": Decimal("0.00")}
    in_time = judicial_decision(facts(**consumer), RULES)
    assert in_time.eligible
    assert in_time.court == "tribunal_judiciaire"
    assert in_time.prescription_ends_on == date(2028, 2, 4)

    too_late = judicial_decision(facts(**consumer, today=date(2028, 2, 5)), RULES)
    assert not too_late.eligible
    assert "Code de la consommation L218-2: 2 years" in too_late.refusals[0]


def test_an_acknowledgment_restarts_prescription_a_formal_notice_does_not() -> None:
    old = {"due_date": date(2020, 1, 10), "today": date(2026, 5, 4)}
    notice_only = judicial_decision(facts(**old, notice_received_on=date(2024, 12, 20)), RULES)
    assert not notice_only.eligible
    assert notice_only.prescription_ends_on == date(2025, 1, 10)

    acknowledged = judicial_decision(facts(**old, acknowledged_on=date(2023, 6, 1)), RULES)
    assert acknowledged.eligible
    assert acknowledged.prescription_runs_from == date(2023, 6, 1)
    assert acknowledged.prescription_ends_on == date(2028, 6, 1)


def test_the_agent_is_warned_weeks_before_the_claim_is_time_barred() -> None:
    decision = judicial_decision(facts(), RULES)

    assert decision.warn_from == date(2031, 2, 4) - timedelta(weeks=12) == date(2030, 11, 12)


def test_a_period_starting_on_29_february_ends_on_28_february() -> None:
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    leap = facts(due_date=date(2024, 2, 29), notice_received_on=date(2024, 4, 2), today=date(2024, 6, 1))
    decision = judicial_decision(leap, RULES)
    assert decision.prescription_ends_on == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("principal", "interest", "route"),
    [
        pytest.param("4960.00", "40.00", "small_claims", id="exactly-the-ceiling"),
        pytest.param("4960.00", "40.01", "injonction_de_payer", id="interest-crosses-it"),
        pytest.param("5000.01", "0.00", "injonction_de_payer", id="principal-alone-above"),
    ],
)
def test_the_small_claims_ceiling_counts_principal_and_interest(
    principal: str, interest: str, route: str
) -> None:
    decision = judicial_decision(facts(principal=Decimal(principal), interest=Decimal(interest)), RULES)

    assert decision.route == route
    # The 40 EUR indemnity is claimed but is neither principal nor interest (CPCE R125-1).
    assert decision.claim_amount == Decimal(principal) + Decimal(interest) + Decimal("40.00")


def test_the_ceiling_is_data() -> None:
    lower = JudicialRules.model_validate({**RULES.model_dump(), "small_claims": {"ceiling": "1000.00"}})
    assert judicial_decision(facts(), lower).route == "injonction_de_payer"


def test_a_business_debtor_without_siren_goes_to_the_tribunal_judiciaire() -> None:
    decision = judicial_decision(facts(debtor_siren=None), RULES)

    assert decision.eligible and decision.court == "tribunal_judiciaire"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {"debtor_kind": DebtorKind.CONSUMER, "debtor_siren": None}, "no recovery indemnity", id="consumer"
        ),
        pytest.param({"acknowledged_on": date(2026, 6, 1)}, "after today", id="future-acknowledgment"),
        pytest.param({"interest": Decimal("1.005")}, "euros and cents", id="sub-cent"),
        pytest.param({"principal": Decimal("-1.00")}, "euros and cents", id="negative"),
    ],
)
def test_inconsistent_facts_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        facts(**changes)
