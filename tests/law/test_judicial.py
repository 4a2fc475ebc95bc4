"""The judicial rules: the rules file, and whether, how and where a case goes to court."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.judicial import JUDICIAL_FILE, JudicialRulesError, load_judicial_rules
from law.judicial import (
    PUBLIC_BUYER_REFUSAL,
    JudicialFacts,
    JudicialRules,
    add_years,
    judicial_decision,
    prescription,
)
from models.enums import DebtorKind

RULES = load_judicial_rules()


def facts(**changes: object) -> JudicialFacts:
    """A case ready for court: business debtor, signed order on file, notice received, nothing
    disputed."""
    values: dict[str, object] = {
        "debtor_kind": DebtorKind.BUSINESS,
        "creditor_siren": "123456782",
        "debtor_siren": "987654324",
        "order_reference": "BC-7781",
        "order_on_file": True,
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
        # A policy that lets the document follow still needs the order, by its reference.
        decision = judicial_decision(
            facts(order_reference=missing, order_on_file=False, order_may_follow=True), RULES
        )
        assert not decision.eligible
        assert decision.route is None and decision.court is None
        [refusal] = decision.refusals
        assert refusal.startswith("aucun devis signé ni bon de commande au dossier")
        assert "article 1353 du Code civil" in refusal


def test_the_order_document_alone_proves_the_commitment() -> None:
    decision = judicial_decision(facts(order_reference=None), RULES)

    assert decision.eligible and decision.refusals == []


def test_an_order_known_by_its_reference_only_goes_to_court_if_the_policy_says_so() -> None:
    refused = judicial_decision(facts(order_on_file=False), RULES)
    allowed = judicial_decision(facts(order_on_file=False, order_may_follow=True), RULES)

    assert not refused.eligible and refused.route is None
    [refusal] = refused.refusals
    for said in (
        "devis ou bon de commande signé n° BC-7781 connu par sa seule référence",
        "colonne order_pdf",
        "article 1353 du Code civil",
        "file_without_order_document",
    ):
        assert said in refusal, said
    assert allowed.eligible and allowed.refusals == []
    assert (allowed.route, allowed.court) == ("small_claims", "tribunal_de_commerce")


def test_a_formal_notice_not_received_keeps_the_case_amicable() -> None:
    decision = judicial_decision(facts(notice_received_on=None), RULES)

    assert not decision.eligible
    [refusal] = decision.refusals
    assert "n'a pas reçu de mise en demeure" in refusal and "article 1344 du Code civil" in refusal


def test_an_open_dispute_keeps_the_case_amicable() -> None:
    decision = judicial_decision(facts(dispute_open=True), RULES)

    assert not decision.eligible
    [refusal] = decision.refusals
    assert "le débiteur conteste la créance" in refusal
    assert "article 1416 du Code de procédure civile" in refusal
    assert "article L125-1 du Code des procédures civiles d'exécution" in refusal


def test_a_paid_principal_leaves_nothing_to_claim() -> None:
    decision = judicial_decision(facts(principal=Decimal("0.00")), RULES)

    assert not decision.eligible
    assert decision.refusals == ["plus rien à réclamer : le principal est payé (article 1342 du Code civil)"]


def test_every_refusal_is_given_at_once() -> None:
    decision = judicial_decision(
        facts(order_reference=None, order_on_file=False, notice_received_on=None, dispute_open=True), RULES
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
    assert refusal.startswith("la créance est prescrite depuis le 5 février 2026")
    assert "Code de commerce, art. L110-4 : cinq ans pour les obligations nées du commerce" in refusal
    assert "une mise en demeure n'interrompt pas la prescription" in refusal


def test_a_consumer_claim_is_time_barred_after_two_years_and_goes_to_the_tribunal_judiciaire() -> None:
    consumer = {"debtor_kind": DebtorKind.CONSUMER, "debtor_siren": None, "indemnity": Decimal("0.00")}
    in_time = judicial_decision(facts(**consumer), RULES)
    assert in_time.eligible
    assert in_time.court == "tribunal_judiciaire"
    assert in_time.prescription_ends_on == date(2028, 2, 4)

    too_late = judicial_decision(facts(**consumer, today=date(2028, 2, 5)), RULES)
    assert not too_late.eligible
    assert "Code de la consommation, art. L218-2 : deux ans contre un consommateur" in too_late.refusals[0]


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


# --- a public buyer -------------------------------------------------------------------------------


def test_a_public_buyer_is_never_taken_to_an_injonction_de_payer_and_the_case_says_why() -> None:
    """Public property cannot be seized (CG3P L2311-1): the remedies are a lawyer's matter."""
    decision = judicial_decision(facts(debtor_kind=DebtorKind.PUBLIC), RULES)
    assert not decision.eligible
    assert decision.route is None and decision.court is None
    assert decision.refusals == [PUBLIC_BUYER_REFUSAL]
    assert PUBLIC_BUYER_REFUSAL.startswith("acheteur public : pas d'injonction de payer")
    assert "référé-provision devant le tribunal administratif" in PUBLIC_BUYER_REFUSAL
    assert "mandatement d'office" in PUBLIC_BUYER_REFUSAL and "affaire d'avocat" in PUBLIC_BUYER_REFUSAL
    # The 40 EUR indemnity is a public buyer's due too (D2192-35): the claim counts it.
    assert decision.claim_amount == Decimal("1034.56") + Decimal("29.27") + Decimal("40.00")


def test_a_claim_on_a_public_buyer_lapses_on_the_fourth_31_december_after_its_year() -> None:
    """Loi n° 68-1250, art. 1: four years from 1 January of the year after the rights were acquired."""
    assert RULES.prescription.public_years == 4
    limit = prescription(DebtorKind.PUBLIC, date(2025, 3, 31), RULES)
    assert (limit.runs_from, limit.ends_on) == (date(2026, 1, 1), date(2029, 12, 31))
    assert limit.basis.startswith("loi n° 68-1250 du 31 décembre 1968, art. 1er : déchéance quadriennale")
    # An acknowledgment interrupts it: four years again from 1 January of the next year (art. 2).
    again = prescription(DebtorKind.PUBLIC, date(2025, 3, 31), RULES, acknowledged_on=date(2027, 5, 10))
    assert (again.runs_from, again.ends_on) == (date(2028, 1, 1), date(2031, 12, 31))
    barred = judicial_decision(
        facts(debtor_kind=DebtorKind.PUBLIC, due_date=date(2025, 3, 31), today=date(2030, 1, 1)), RULES
    )
    barred_since = "la créance est prescrite depuis le 1er janvier 2030"
    assert any(refusal.startswith(barred_since) for refusal in barred.refusals)
