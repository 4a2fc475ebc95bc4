"""Late-payment penalties, every expected amount worked out by hand next to it.

Rates used (config/rates): default business rate = ECB + 10 points — 2024-H1 14.50, 2024-H2 14.25,
2025-H1 13.15, 2025-H2 12.15, 2026-H1 12.15; legal "all other cases" rate — 2024-H1 5.07 (floor
3 × 5.07 = 15.21), 2024-H2 4.92 (floor 14.76), 2025-H2 2.76 (floor 8.28).
Each period: base × rate / 100 × days / 365, rounded half-up to the cent.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.rates import RateTableError, load_rate_tables
from law.penalties import (
    InterestStart,
    PenaltyPayment,
    PenaltyRequest,
    PenaltyStatement,
    compute_penalties,
)
from law.rates import RateNotKnown, half_year_of
from models.enums import DebtorKind
from tests.fixtures.rates import BUNDLED_RATES_DIR, bundled_rates

BUSINESS = DebtorKind.BUSINESS
CONSUMER = DebtorKind.CONSUMER


def money(value: Decimal) -> str:
    """Exact text of an amount: ``Decimal("9.990")`` and ``Decimal("9.99")`` differ here."""
    assert isinstance(value, Decimal)
    return str(value)


def plain(text: str) -> str:
    """French rates are written with a no-break space before the sign: ``12,15\xa0%``."""
    return text.replace("\xa0", " ")


def penalties(**fields: object) -> PenaltyStatement:
    return compute_penalties(PenaltyRequest.model_validate(fields), bundled_rates())


def test_business_default_rate_within_one_half_year() -> None:
    statement = penalties(
        principal=Decimal("1000"), due_date=date(2025, 9, 1), until=date(2025, 10, 1), debtor_kind=BUSINESS
    )
    [period] = statement.periods
    # Sep 2 .. Oct 1: 29 + 1 = 30 days, 2025-H2 default 2.15 + 10 = 12.15 %
    assert (period.start, period.end, period.days) == (date(2025, 9, 2), date(2025, 10, 1), 30)
    assert money(period.base) == "1000.00"
    assert money(period.rate_percent) == "12.15"
    assert (
        plain(period.rate_source)
        == "taux de refinancement de la BCE 2,15 % (décision de la BCE en vigueur le 11 juin 2025) "
        "+ 10 points"
    )
    # 1000 × 12.15% × 30/365 = 364500/36500 = 9.9863… → 9.99
    assert money(statement.interest) == "9.99"
    assert money(statement.indemnity) == "40.00"
    # 9.99 + 40.00 + 0.00
    assert money(statement.total) == "49.99"
    assert money(statement.balance_at_end) == "1000.00"
    assert statement.until == date(2025, 10, 1)  # drawn to the requested end
    assert statement.warnings == []  # 12.15 ≥ 3 × 2.76 = 8.28
    assert statement.legal_basis == ["Code de commerce, art. L441-10", "Code de commerce, art. D441-5"]
    assert "365" in statement.convention and "l'échéance" in statement.convention


def test_period_across_h1_h2_is_split_in_two() -> None:
    statement = penalties(
        principal=Decimal("2000"), due_date=date(2025, 6, 20), until=date(2025, 7, 10), debtor_kind=BUSINESS
    )
    first, second = statement.periods
    assert (first.start, first.end, first.days) == (date(2025, 6, 21), date(2025, 6, 30), 10)
    assert (second.start, second.end, second.days) == (date(2025, 7, 1), date(2025, 7, 10), 10)
    # 2000 × 13.15% × 10/365 = 263000/36500 = 7.2054… → 7.21
    assert (money(first.rate_percent), money(first.interest)) == ("13.15", "7.21")
    # 2000 × 12.15% × 10/365 = 243000/36500 = 6.6575… → 6.66
    assert (money(second.rate_percent), money(second.interest)) == ("12.15", "6.66")
    # 7.21 + 6.66
    assert money(statement.interest) == "13.87"


def test_period_across_year_end_is_split_even_at_the_same_rate() -> None:
    statement = penalties(
        principal=Decimal("1500"), due_date=date(2025, 12, 16), until=date(2026, 1, 15), debtor_kind=BUSINESS
    )
    first, second = statement.periods
    # Dec 17 .. 31 = 15 days (2025-H2, 12.15 %); Jan 1 .. 15 = 15 days (2026-H1, 12.15 %)
    assert (first.start, first.end, first.days) == (date(2025, 12, 17), date(2025, 12, 31), 15)
    assert (second.start, second.end, second.days) == (date(2026, 1, 1), date(2026, 1, 15), 15)
    assert "11 juin 2025)" in first.rate_source and "5 février 2026" in second.rate_source
    # 1500 × 12.15% × 15/365 = 273375/36500 = 7.4897… → 7.49, twice
    assert money(first.interest) == money(second.interest) == "7.49"
    assert money(statement.interest) == "14.98"


def test_leap_year_counts_february_29_and_still_divides_by_365() -> None:
    statement = penalties(
        principal=Decimal("3650"), due_date=date(2024, 2, 28), until=date(2024, 3, 1), debtor_kind=BUSINESS
    )
    [period] = statement.periods
    # Feb 29 and Mar 1 = 2 days at 14.50 %
    assert period.days == 2
    # 3650 × 14.50% × 2/365 = 105850/36500 = 2.90 exactly (with /366 it would be 2.8921… → 2.89)
    assert money(statement.interest) == "2.90"


def test_partial_payment_lowers_the_base_from_the_next_day() -> None:
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 3, 1),
        until=date(2025, 3, 31),
        debtor_kind=BUSINESS,
        payments=[(date(2025, 3, 11), Decimal("400"))],
    )
    first, second = statement.periods
    # Mar 2 .. 11 = 10 days on 1000 (the payment day is still late); Mar 12 .. 31 = 20 days on 600
    assert (first.start, first.end, first.days, money(first.base)) == (
        date(2025, 3, 2),
        date(2025, 3, 11),
        10,
        "1000.00",
    )
    assert (second.start, second.end, second.days, money(second.base)) == (
        date(2025, 3, 12),
        date(2025, 3, 31),
        20,
        "600.00",
    )
    # 1000 × 13.15% × 10/365 = 131500/36500 = 3.6027… → 3.60
    assert money(first.interest) == "3.60"
    # 600 × 13.15% × 20/365 = 157800/36500 = 4.3232… → 4.32
    assert money(second.interest) == "4.32"
    # 3.60 + 4.32 = 7.92 (rounding the unrounded sum 7.926… once would give 7.93)
    assert money(statement.interest) == "7.92"
    assert money(statement.balance_at_end) == "600.00"


def test_payment_in_full_ends_the_late_days_after_its_day() -> None:
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 3, 1),
        until=date(2025, 3, 31),
        debtor_kind=BUSINESS,
        payments=[
            PenaltyPayment(paid_on=date(2025, 3, 11), amount=Decimal("400")),
            (date(2025, 3, 21), Decimal("600")),
        ],
    )
    # Mar 2 .. 11 on 1000 → 3.60 (as above); Mar 12 .. 21 = 10 days on 600:
    # 600 × 13.15% × 10/365 = 78900/36500 = 2.1616… → 2.16; nothing after the payment in full
    assert [(p.end, money(p.interest)) for p in statement.periods] == [
        (date(2025, 3, 11), "3.60"),
        (date(2025, 3, 21), "2.16"),
    ]
    assert money(statement.interest) == "5.76"
    assert money(statement.balance_at_end) == "0.00"
    assert money(statement.indemnity) == "40.00"  # it was paid late


def test_payment_on_the_due_date_is_not_late() -> None:
    paid_in_full = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 3, 1),
        until=date(2025, 3, 31),
        debtor_kind=BUSINESS,
        payments=[(date(2025, 3, 1), Decimal("1000"))],
    )
    assert paid_in_full.periods == []
    assert (money(paid_in_full.interest), money(paid_in_full.indemnity), money(paid_in_full.total)) == (
        "0.00",
        "0.00",
        "0.00",
    )
    partly_paid = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 3, 1),
        until=date(2025, 3, 31),
        debtor_kind=BUSINESS,
        payments=[(date(2025, 3, 1), Decimal("300"))],
    )
    [period] = partly_paid.periods
    # Mar 2 .. 31 = 30 days on 700: 700 × 13.15% × 30/365 = 276150/36500 = 7.5657… → 7.57
    assert (period.start, period.days, money(period.base), money(period.interest)) == (
        date(2025, 3, 2),
        30,
        "700.00",
        "7.57",
    )


def test_contract_rate_above_the_floor_is_used_as_is() -> None:
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 9, 1),
        until=date(2025, 10, 1),
        debtor_kind=BUSINESS,
        contract_rate_percent=Decimal("9.00"),
    )
    [period] = statement.periods
    # 9.00 ≥ 3 × 2.76 = 8.28: kept
    assert (money(period.rate_percent), period.rate_source) == (
        "9.00",
        "taux contractuel (conditions générales de vente)",
    )
    # 1000 × 9% × 30/365 = 270000/36500 = 7.3972… → 7.40
    assert money(statement.interest) == "7.40"
    assert statement.warnings == []


def test_contract_rate_below_the_floor_is_raised_with_a_warning() -> None:
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2024, 3, 1),
        until=date(2024, 3, 31),
        debtor_kind=BUSINESS,
        contract_rate_percent=Decimal("5.00"),
    )
    [period] = statement.periods
    # 5.00 < 3 × 5.07 = 15.21: raised to 15.21; Mar 2 .. 31 = 30 days
    assert money(period.rate_percent) == "15.21"
    assert plain(period.rate_source).startswith("3 × taux d'intérêt légal 5,07 % (")
    assert "21 décembre 2023" in period.rate_source
    # 1000 × 15.21% × 30/365 = 456300/36500 = 12.5013… → 12.50
    assert money(statement.interest) == "12.50"
    [warning] = statement.warnings
    # The "2024-H1: " prefix is how letters find the half-years flagged (activities/rendering/letters.py).
    assert plain(warning).startswith("2024-H1: le taux contractuel de 5,00 % est inférieur")
    assert "porté à 15,21 %" in plain(warning)


def test_2024_default_rate_below_three_times_legal_is_kept_with_a_warning() -> None:
    statement = penalties(
        principal=Decimal("1000"), due_date=date(2024, 6, 15), until=date(2024, 7, 15), debtor_kind=BUSINESS
    )
    first, second = statement.periods
    # Jun 16 .. 30 = 15 days at 14.50 % (< 15.21); Jul 1 .. 15 = 15 days at 14.25 % (< 14.76): not raised
    assert (money(first.rate_percent), money(second.rate_percent)) == ("14.50", "14.25")
    # 1000 × 14.50% × 15/365 = 217500/36500 = 5.9589… → 5.96
    # 1000 × 14.25% × 15/365 = 213750/36500 = 5.8561… → 5.86
    assert (money(first.interest), money(second.interest)) == ("5.96", "5.86")
    assert money(statement.interest) == "11.82"
    assert len(statement.warnings) == 2
    first_warning, second_warning = map(plain, statement.warnings)
    assert first_warning.startswith("2024-H1: le taux par défaut de 14,50 %") and "(15,21 %)" in first_warning
    assert (
        second_warning.startswith("2024-H2: le taux par défaut de 14,25 %") and "(14,76 %)" in second_warning
    )
    assert "il s'applique tel quel" in first_warning


def test_consumer_interest_runs_from_the_notice_at_the_legal_rate_without_indemnity() -> None:
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 9, 1),
        notice_date=date(2025, 9, 15),
        until=date(2025, 10, 15),
        debtor_kind=CONSUMER,
    )
    [period] = statement.periods
    # Sep 16 .. Oct 15 = 15 + 15 = 30 days at the 2025-H2 "all other cases" legal rate 2.76 %
    assert (period.start, period.end, period.days, money(period.rate_percent)) == (
        date(2025, 9, 16),
        date(2025, 10, 15),
        30,
        "2.76",
    )
    # 1000 × 2.76% × 30/365 = 82800/36500 = 2.2684… → 2.27
    assert money(statement.interest) == "2.27"
    assert money(statement.indemnity) == "0.00"
    assert money(statement.total) == "2.27"
    assert statement.legal_basis == [
        "Code civil, art. 1231-6",
        "Code civil, art. 1344-1",
        "Code monétaire et financier, art. L313-2",
    ]
    assert "mise en demeure" in statement.convention and "40 €" not in statement.convention
    # A day given as it is: the statement names the notice, not what became of it.
    assert statement.interest_start == InterestStart(on=date(2025, 9, 15))


def test_consumer_without_notice_is_refused() -> None:
    with pytest.raises(ValueError, match="à compter de la mise en demeure"):
        PenaltyRequest(
            principal=Decimal("1000"),
            due_date=date(2025, 9, 1),
            until=date(2025, 10, 1),
            debtor_kind=CONSUMER,
        )


def test_consumer_notice_before_the_due_date_is_refused() -> None:
    with pytest.raises(ValueError, match="mise en demeure du 20 août 2025 est antérieure à l'échéance"):
        PenaltyRequest(
            principal=Decimal("1000"),
            due_date=date(2025, 9, 1),
            notice_date=date(2025, 8, 20),
            until=date(2025, 10, 1),
            debtor_kind=CONSUMER,
        )


def test_a_half_year_missing_from_the_tables_is_an_error_not_a_guess() -> None:
    with pytest.raises(RateNotKnown, match=r"2027-H1 .*ecb_main_refinancing\.csv"):
        penalties(
            principal=Decimal("1000"),
            due_date=date(2026, 12, 20),
            until=date(2027, 1, 5),
            debtor_kind=BUSINESS,
        )
    with pytest.raises(RateNotKnown, match=r"2027-H1 .*legal_interest\.csv"):
        penalties(
            principal=Decimal("1000"),
            due_date=date(2026, 12, 20),
            notice_date=date(2026, 12, 25),
            until=date(2027, 1, 5),
            debtor_kind=CONSUMER,
        )
    with pytest.raises(RateNotKnown, match="2022-H2"):
        penalties(
            principal=Decimal("1000"),
            due_date=date(2022, 12, 1),
            until=date(2023, 1, 5),
            debtor_kind=BUSINESS,
        )


def test_further_costs_add_to_the_total_for_a_business_only() -> None:
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 9, 1),
        until=date(2025, 10, 1),
        debtor_kind=BUSINESS,
        further_costs=Decimal("120.50"),
    )
    # 9.99 (first test) + 40.00 + 120.50
    assert money(statement.further_costs) == "120.50"
    assert money(statement.total) == "170.49"
    with pytest.raises(ValueError, match="ne se réclament qu'à un débiteur professionnel"):
        PenaltyRequest(
            principal=Decimal("1000"),
            due_date=date(2025, 9, 1),
            notice_date=date(2025, 9, 15),
            until=date(2025, 10, 15),
            debtor_kind=CONSUMER,
            further_costs=Decimal("10"),
        )


def test_rounding_is_half_up_at_exactly_half_a_cent() -> None:
    def one_day(principal: str) -> PenaltyStatement:
        # 10 % ≥ floor 8.28 % in 2025-H2; Sep 2 is the single late day
        return penalties(
            principal=Decimal(principal),
            due_date=date(2025, 9, 1),
            until=date(2025, 9, 2),
            debtor_kind=BUSINESS,
            contract_rate_percent=Decimal("10"),
        )

    # 18.25 × 10% × 1/365 = 182.5/36500 = 0.005 exactly → 0.01 (half-even would give 0.00)
    assert money(one_day("18.25").interest) == "0.01"
    # 3668.25 × 10% × 1/365 = 36682.5/36500 = 1.005 exactly → 1.01 (half-even, or float, gives 1.00)
    assert money(one_day("3668.25").interest) == "1.01"
    # 18.24 × 10% × 1/365 = 0.004997… → 0.00
    assert money(one_day("18.24").interest) == "0.00"


def test_zero_late_days() -> None:
    statement = penalties(
        principal=Decimal("1000"), due_date=date(2025, 9, 1), until=date(2025, 9, 1), debtor_kind=BUSINESS
    )
    assert statement.periods == []
    assert (money(statement.interest), money(statement.indemnity), money(statement.total)) == (
        "0.00",
        "0.00",
        "0.00",
    )
    assert money(statement.balance_at_end) == "1000.00"
    consumer_before_notice_ends = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 9, 1),
        notice_date=date(2025, 9, 15),
        until=date(2025, 9, 15),
        debtor_kind=CONSUMER,
    )
    assert consumer_before_notice_ends.periods == [] and money(consumer_before_notice_ends.total) == "0.00"


def test_payments_after_the_statement_end_do_not_change_it() -> None:
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 9, 1),
        until=date(2025, 10, 1),
        debtor_kind=BUSINESS,
        payments=[(date(2025, 10, 2), Decimal("1000"))],
    )
    assert money(statement.interest) == "9.99"  # as in the first test
    assert money(statement.balance_at_end) == "1000.00"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"principal": Decimal("-1")}, "principal : -1, un montant négatif"),
        ({"principal": Decimal("10.005")}, "principal : 10,005 a plus de deux décimales"),
        ({"payments": [(date(2025, 9, 5), Decimal("-5"))]}, "paiement : -5, un montant négatif"),
        ({"payments": [(date(2025, 9, 5), Decimal("0"))]}, "un paiement de 0 n'est pas un paiement"),
        (
            {"payments": [(date(2025, 9, 5), Decimal("600")), (date(2025, 9, 9), Decimal("400.01"))]},
            "les paiements \\(1\u202f000,01\xa0€\\) dépassent le principal \\(1\u202f000,00\xa0€\\)",
        ),
        ({"until": date(2025, 8, 31)}, "la fin du décompte, le 31 août 2025, est avant l'échéance du 1er"),
        ({"further_costs": Decimal("-3")}, "frais de recouvrement supplémentaires : -3, un montant négatif"),
        ({"contract_rate_percent": Decimal("-1")}, "taux contractuel : -1 %, un taux négatif"),
    ],
)
def test_invalid_requests_are_refused_with_a_clear_message(fields: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "principal": Decimal("1000"),
        "due_date": date(2025, 9, 1),
        "until": date(2025, 10, 1),
        "debtor_kind": BUSINESS,
    }
    with pytest.raises(ValueError, match=message):
        PenaltyRequest.model_validate(base | fields)


def test_amounts_are_kept_to_the_cent() -> None:
    request = PenaltyRequest(
        principal=Decimal("10.500"), due_date=date(2025, 9, 1), until=date(2025, 9, 1), debtor_kind=BUSINESS
    )
    assert money(request.principal) == "10.50"


def test_rate_tables_lookup_by_date() -> None:
    tables = load_rate_tables(BUNDLED_RATES_DIR)
    assert half_year_of(date(2024, 6, 30)) == "2024-H1" and half_year_of(date(2024, 7, 1)) == "2024-H2"
    decision = "décision de la BCE en vigueur le"
    assert tables.ecb_rate(date(2024, 6, 30)) == (Decimal("4.50"), f"{decision} 20 septembre 2023")
    assert tables.ecb_rate(date(2024, 7, 1)) == (Decimal("4.25"), f"{decision} 12 juin 2024")
    legal = tables.legal_rate(date(2025, 12, 31))
    assert (money(legal.percent), legal.source) == (
        "2.76",
        "arrêté du 19 juin 2025 relatif à la fixation du taux de l'intérêt légal",
    )
    assert money(tables.legal_rate(date(2025, 12, 31), creditor_is_individual=True).percent) == "6.65"
    assert load_rate_tables(BUNDLED_RATES_DIR) is tables  # read once


def write_tables(folder: Path, ecb_rows: str, legal_rows: str) -> Path:
    folder.mkdir()
    (folder / "ecb_main_refinancing.csv").write_text(
        f"half_year,rate_percent,source\n{ecb_rows}", encoding="utf-8"
    )
    (folder / "legal_interest.csv").write_text(
        f"half_year,professional_percent,individual_percent,source\n{legal_rows}", encoding="utf-8"
    )
    return folder


def test_rate_files_are_checked_when_loaded(tmp_path: Path) -> None:
    ecb_2025_h1 = '2025-H1,3.15,"ECB decision effective 18 Dec 2024"\n'
    legal_2025_h1 = "2025-H1,3.71,7.21,Arrêté of 17 Dec 2024\n"

    without_source = write_tables(tmp_path / "without_source", ecb_2025_h1, "2025-H1,3.71,7.21,\n")
    with pytest.raises(RateTableError, match=r"legal_interest\.csv:2: every rate needs its source"):
        load_rate_tables(without_source)

    bad_half_year = write_tables(tmp_path / "bad_half_year", "2025-1,3.15,x\n", legal_2025_h1)
    with pytest.raises(RateTableError, match=r"ecb_main_refinancing\.csv:2: half_year '2025-1' is not like"):
        load_rate_tables(bad_half_year)

    twice = write_tables(tmp_path / "twice", ecb_2025_h1 + ecb_2025_h1, legal_2025_h1)
    with pytest.raises(RateTableError, match=r"ecb_main_refinancing\.csv:3: 2025-H1 appears twice"):
        load_rate_tables(twice)

    not_a_rate = write_tables(tmp_path / "not_a_rate", "2025-H1,3,15,x\n", legal_2025_h1)
    with pytest.raises(RateTableError, match=r"ecb_main_refinancing\.csv:2: expected 3 fields"):
        load_rate_tables(not_a_rate)

    comma_decimal = write_tables(tmp_path / "comma_decimal", '2025-H1,"3,15",x\n', legal_2025_h1)
    with pytest.raises(RateTableError, match=r"ecb_main_refinancing\.csv:2: '3,15' is not a rate in percent"):
        load_rate_tables(comma_decimal)

    one_half_year = load_rate_tables(write_tables(tmp_path / "one_half_year", ecb_2025_h1, legal_2025_h1))
    assert one_half_year.ecb_rate(date(2025, 6, 30)).percent == Decimal("3.15")
    with pytest.raises(RateNotKnown, match=r"2025-H2 .*one_half_year/ecb_main_refinancing\.csv"):
        one_half_year.ecb_rate(date(2025, 7, 1))


def test_leap_year_2024_long_period_counts_60_days_over_365() -> None:
    statement = penalties(
        principal=Decimal("5000"), due_date=date(2024, 1, 31), until=date(2024, 3, 31), debtor_kind=BUSINESS
    )
    [period] = statement.periods
    # Feb 1 .. 29 = 29 days (leap year) + Mar 1 .. 31 = 31 days = 60 days, all in 2024-H1 at 14.50 %
    assert (period.start, period.end, period.days, money(period.rate_percent)) == (
        date(2024, 2, 1),
        date(2024, 3, 31),
        60,
        "14.50",
    )
    # 5000 × 14.50% × 60/365 = 4350000/36500 = 119.178… → 119.18 (over 366 it would be 118.85)
    assert money(statement.interest) == "119.18"
    # 119.18 + 40.00
    assert money(statement.total) == "159.18"
    [warning] = statement.warnings  # 14.50 < 3 × 5.07 = 15.21
    assert warning.startswith("2024-H1: ")


def test_consumer_in_the_leap_year_divides_by_365_at_the_2024_legal_rate() -> None:
    statement = penalties(
        principal=Decimal("7300"),
        due_date=date(2024, 2, 20),
        notice_date=date(2024, 2, 27),
        until=date(2024, 3, 1),
        debtor_kind=CONSUMER,
    )
    [period] = statement.periods
    # Feb 28, Feb 29, Mar 1 = 3 days after the notice, at the 2024-H1 legal rate 5.07 %
    assert (period.start, period.days, money(period.rate_percent)) == (date(2024, 2, 28), 3, "5.07")
    # 7300 × 5.07% × 3/365 = 111033/36500 = 3.0420 → 3.04 (over 366: 3.0336… → 3.03)
    assert money(statement.interest) == "3.04"
    assert (money(statement.indemnity), money(statement.total)) == ("0.00", "3.04")
    assert statement.warnings == []


def test_consumer_across_a_half_year_with_a_partial_payment() -> None:
    statement = penalties(
        principal=Decimal("2000"),
        due_date=date(2025, 5, 15),
        notice_date=date(2025, 6, 10),
        until=date(2025, 7, 31),
        debtor_kind=CONSUMER,
        payments=[(date(2025, 7, 10), Decimal("300"))],
    )
    # Jun 11 .. 30 = 20 days on 2000 at 3.71 % (2025-H1): 2000 × 3.71% × 20/365 = 148400/36500 = 4.065… → 4.07
    # Jul 1 .. 10 = 10 days on 2000 at 2.76 % (2025-H2): 2000 × 2.76% × 10/365 = 55200/36500 = 1.5123… → 1.51
    # Jul 11 .. 31 = 21 days on 1700 at 2.76 %: 1700 × 2.76% × 21/365 = 98532/36500 = 2.6995… → 2.70
    assert [
        (p.start, p.end, p.days, money(p.base), money(p.rate_percent), money(p.interest))
        for p in statement.periods
    ] == [
        (date(2025, 6, 11), date(2025, 6, 30), 20, "2000.00", "3.71", "4.07"),
        (date(2025, 7, 1), date(2025, 7, 10), 10, "2000.00", "2.76", "1.51"),
        (date(2025, 7, 11), date(2025, 7, 31), 21, "1700.00", "2.76", "2.70"),
    ]
    # 4.07 + 1.51 + 2.70
    assert (money(statement.interest), money(statement.total)) == ("8.28", "8.28")
    assert money(statement.balance_at_end) == "1700.00"


def test_contract_rate_under_the_floor_across_a_half_year_with_a_payment() -> None:
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2024, 6, 20),
        until=date(2024, 7, 10),
        debtor_kind=BUSINESS,
        contract_rate_percent=Decimal("12.00"),
        payments=[(date(2024, 7, 5), Decimal("500"))],
    )
    # 12.00 < 3 × 5.07 = 15.21 (2024-H1) and < 3 × 4.92 = 14.76 (2024-H2): raised in both
    # Jun 21 .. 30 = 10 days on 1000 at 15.21 %: 152100/36500 = 4.1671… → 4.17
    # Jul 1 .. 5 = 5 days on 1000 at 14.76 %: 73800/36500 = 2.0219… → 2.02
    # Jul 6 .. 10 = 5 days on 500 at 14.76 %: 36900/36500 = 1.0109… → 1.01
    assert [(p.days, money(p.base), money(p.rate_percent), money(p.interest)) for p in statement.periods] == [
        (10, "1000.00", "15.21", "4.17"),
        (5, "1000.00", "14.76", "2.02"),
        (5, "500.00", "14.76", "1.01"),
    ]
    # 4.17 + 2.02 + 1.01 = 7.20; + 40.00
    assert (money(statement.interest), money(statement.total)) == ("7.20", "47.20")
    assert [warning[:9] for warning in statement.warnings] == ["2024-H1: ", "2024-H2: "]


def test_contract_rate_just_under_the_2025_floor_is_raised() -> None:
    statement = penalties(
        principal=Decimal("2500"),
        due_date=date(2025, 10, 31),
        until=date(2025, 11, 30),
        debtor_kind=BUSINESS,
        contract_rate_percent=Decimal("8.00"),
    )
    [period] = statement.periods
    # 8.00 < 3 × 2.76 = 8.28: raised; Nov 1 .. 30 = 30 days
    assert (period.days, money(period.rate_percent)) == (30, "8.28")
    # 2500 × 8.28% × 30/365 = 621000/36500 = 17.0136… → 17.01
    assert money(statement.interest) == "17.01"
    assert "porté à 8,28 %" in plain(statement.warnings[0])


def test_default_rate_warns_only_for_the_half_year_below_the_floor() -> None:
    statement = penalties(
        principal=Decimal("4000"), due_date=date(2023, 12, 21), until=date(2024, 1, 10), debtor_kind=BUSINESS
    )
    first, second = statement.periods
    # Dec 22 .. 31 = 10 days at 2023-H2 4.00 + 10 = 14.00 % (≥ 3 × 4.22 = 12.66: no warning)
    # 4000 × 14.00% × 10/365 = 560000/36500 = 15.3424… → 15.34
    assert (first.days, money(first.rate_percent), money(first.interest)) == (10, "14.00", "15.34")
    # Jan 1 .. 10 = 10 days at 14.50 % (< 15.21: warned, applied as is)
    # 4000 × 14.50% × 10/365 = 580000/36500 = 15.8904… → 15.89
    assert (second.days, money(second.rate_percent), money(second.interest)) == (10, "14.50", "15.89")
    # 15.34 + 15.89
    assert money(statement.interest) == "31.23"
    [warning] = statement.warnings
    assert warning.startswith("2024-H1: ")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"until": date(2025, 8, 31)}, "until"),
        ({"debtor_kind": CONSUMER}, "notice_date"),
        ({"debtor_kind": CONSUMER, "notice_date": date(2025, 8, 1)}, "notice_date"),
        ({"payments": [(date(2025, 9, 5), Decimal("1000.01"))]}, "payments"),
        (
            {"debtor_kind": CONSUMER, "notice_date": date(2025, 9, 2), "further_costs": Decimal("5")},
            "further_costs",
        ),
    ],
)
def test_an_invalid_request_names_the_field_at_fault(fields: dict[str, object], field: str) -> None:
    base: dict[str, object] = {
        "principal": Decimal("1000"),
        "due_date": date(2025, 9, 1),
        "until": date(2025, 10, 1),
        "debtor_kind": BUSINESS,
    }
    with pytest.raises(ValidationError) as raised:
        PenaltyRequest.model_validate(base | fields)
    assert [error["loc"][0] for error in raised.value.errors()] == [field]


def test_covered_until_is_the_end_of_the_last_half_year_both_tables_give(tmp_path: Path) -> None:
    # config/rates: both tables run from 2023-H1 to 2026-H2
    assert load_rate_tables(BUNDLED_RATES_DIR).covered_until() == date(2026, 12, 31)

    ecb = "2025-H1,3.15,ECB\n2025-H2,2.15,ECB\n2026-H1,2.15,ECB\n"
    legal = "2025-H1,3.71,7.21,Arrêté\n2025-H2,2.76,6.65,Arrêté\n"
    # The legal table stops a half-year before the ECB one
    assert load_rate_tables(write_tables(tmp_path / "legal_short", ecb, legal)).covered_until() == date(
        2025, 12, 31
    )

    # 2025-H1 is missing from the ECB table: coverage stops at 2024-H2, not at the last shared row
    ecb_gap = "2024-H1,4.50,ECB\n2024-H2,4.25,ECB\n2025-H2,2.15,ECB\n"
    legal_full = "2024-H1,5.07,8.01,Arrêté\n2024-H2,4.92,8.16,Arrêté\n" + legal
    gap = load_rate_tables(write_tables(tmp_path / "gap", ecb_gap, legal_full))
    assert gap.covered_until() == date(2024, 12, 31)

    nothing_shared = write_tables(tmp_path / "nothing_shared", "2024-H1,4.50,ECB\n", legal)
    assert load_rate_tables(nothing_shared).covered_until() is None


def test_the_half_years_missing_up_to_a_day_are_named_with_their_tables(tmp_path: Path) -> None:
    tables = load_rate_tables(BUNDLED_RATES_DIR)
    assert tables.missing_up_to(date(2026, 12, 1)) == {}
    both = ["ecb_main_refinancing.csv", "legal_interest.csv"]
    assert tables.missing_up_to(date(2027, 3, 1)) == {"2027-H1": both}
    ecb = "2025-H1,3.15,BCE\n2025-H2,2.15,BCE\n"
    legal = "2025-H1,3.71,7.21,arrêté\n"
    assert load_rate_tables(write_tables(tmp_path / "short", ecb, legal)).missing_up_to(date(2025, 9, 1)) == {
        "2025-H2": ["legal_interest.csv"]
    }


# --- a consumer's interest from the notice's receipt (Code civil 1231-6, 1344-1) ---------------------


def test_consumer_interest_runs_from_the_day_the_notice_was_received() -> None:
    # Notice sent 15 September 2025, received 18 September: interest from 19 September to 15 October,
    # 27 days at 2,76 %: 1000 × 2.76 × 27 / 36500 = 2.0416… → 2.04.
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 9, 1),
        notice_date=date(2025, 9, 18),
        notice_outcome="received",
        until=date(2025, 10, 15),
        debtor_kind=CONSUMER,
    )
    [period] = statement.periods
    assert (period.start, period.days) == (date(2025, 9, 19), 27)
    assert money(statement.interest) == "2.04" and money(statement.total) == "2.04"
    assert statement.interest_start == InterestStart(on=date(2025, 9, 18), outcome="received")
    assert statement.interest_start.event_fr == "date de réception de la mise en demeure"
    assert "à compter du lendemain de la réception de la mise en demeure" in statement.convention


@pytest.mark.parametrize(
    ("outcome", "said"),
    [
        ("refused", "date de première présentation de la mise en demeure, refusée par son destinataire"),
        ("not_claimed", "date de première présentation de la mise en demeure, non réclamée"),
    ],
)
def test_a_notice_refused_or_not_claimed_runs_interest_from_its_first_presentation(
    outcome: str, said: str
) -> None:
    # First presented 17 September 2025: 28 days to 15 October, 1000 × 2.76 × 28 / 36500 = 2.1172… → 2.12.
    statement = penalties(
        principal=Decimal("1000"),
        due_date=date(2025, 9, 1),
        notice_date=date(2025, 9, 17),
        notice_outcome=outcome,
        until=date(2025, 10, 15),
        debtor_kind=CONSUMER,
    )
    assert money(statement.interest) == "2.12"
    assert statement.interest_start is not None and statement.interest_start.event_fr == said
    assert "à compter du lendemain de la première présentation de la mise en demeure" in statement.convention


def test_only_a_consumer_s_statement_says_where_its_interest_starts() -> None:
    statement = penalties(
        principal=Decimal("1000"), due_date=date(2025, 9, 1), until=date(2025, 10, 1), debtor_kind=BUSINESS
    )
    assert statement.interest_start is None
    with pytest.raises(ValidationError, match="notice_outcome"):
        PenaltyRequest.model_validate(
            {
                "principal": Decimal("1000"),
                "due_date": date(2025, 9, 1),
                "notice_date": date(2025, 9, 17),
                "notice_outcome": "lost",
                "until": date(2025, 10, 15),
                "debtor_kind": CONSUMER,
            }
        )

