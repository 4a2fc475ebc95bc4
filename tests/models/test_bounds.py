"""The bounds every door checks (models/bounds.py), and the commands' models that carry them: each
limit accepts its last value and refuses the next one, with one sentence saying why."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from config.judicial import load_judicial_rules
from models import bounds
from models.commands import BailiffReport, DisputeRequest, PauseRequest, PaymentRequest, PromiseRequest
from models.enums import Civility, DebtorKind
from models.search_attributes import cents
from support.french import money_fr
from support.parsing import parse_amount
from support.typography import typeset_text as fr

TODAY = date(2026, 12, 1)
RULES = load_judicial_rules()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e309", "« 1e309 » n'est pas un nombre écrit en entier (pas d'exposant comme 1e3)"),
        ("1e3", "n'est pas un nombre écrit en entier"),
        ("1" * 29, "a trop de chiffres"),
        (
            "99999999999999999999.99",
            f"dépasse le plus grand montant que Relance conserve ({money_fr(bounds.MAX_AMOUNT)})",
        ),
        ("1000000000000", "dépasse le plus grand montant"),
        ("NaN", "« NaN » n'est pas un nombre"),
        ("Infinity", "n'est pas un nombre"),
        ("١٢٣", "a des chiffres autres que 0 à 9"),
        ("12\u0663", "a des chiffres autres que 0 à 9"),
        ("1_000", "n'est pas un nombre"),
        ("-5", "-5,00 est négatif"),
        ("0", "montant nul : il doit être supérieur à 0"),
        ("12.345", "« 12.345 » a plus de deux décimales"),
    ],
)
def test_amounts_beyond_the_bounds_are_a_clear_value_error(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as refusal:
        bounds.amount_from_text(text)
    assert fr(reason) in str(refusal.value)
    # Never decimal.InvalidOperation, which no door catches.
    assert not isinstance(refusal.value, ArithmeticError)


def test_every_door_reads_one_french_sentence_with_its_no_break_spaces() -> None:
    """The clerk reading an import's problems, the agent at a web form or the command line: one
    message per bound, no-break spaces before the colon and inside the guillemets."""
    with pytest.raises(ValueError) as refusal:
        bounds.day_from_text("31/02/2026", TODAY)
    assert (
        str(refusal.value) == "«\u00a031/02/2026\u00a0» n'est pas une date (écrivez 2026-03-31 ou 31/03/2026)"
    )
    with pytest.raises(ValueError) as refusal:
        bounds.checked_note("x" * 2001)
    assert str(refusal.value) == "compte 2\u202f001 caractères\u00a0: au plus 2\u202f000"
    # The same message a model's field gives (pydantic keeps the error it wraps).
    with pytest.raises(ValidationError) as invalid:
        PaymentRequest.model_validate({"amount": "0", "paid_on": "2026-11-30"})
    assert invalid.value.errors()[0]["ctx"]["error"].args == (fr("montant nul : il doit être supérieur à 0"),)


def test_the_largest_amount_fits_the_database_and_the_balance_in_cents() -> None:
    assert bounds.amount_from_text("999 999 999 999,99") == bounds.MAX_AMOUNT
    # NUMERIC(14, 2): fourteen digits in all; the Int search attribute is a signed 64-bit integer.
    assert len(bounds.MAX_AMOUNT.as_tuple().digits) == 14
    assert cents(bounds.MAX_AMOUNT) < 2**63
    assert bounds.amount_from_text("0", zero_allowed=True) == Decimal("0.00")
    assert str(bounds.amount_from_text("-0", zero_allowed=True)) == "0.00"


def test_a_long_input_is_never_repeated_whole() -> None:
    with pytest.raises(ValueError) as refusal:
        parse_amount("9" * 100_000)
    assert len(str(refusal.value)) < 120 and "(100\u202f000 caractères)" in str(refusal.value)
    with pytest.raises(ValueError) as refusal:
        bounds.checked_note("x" * 900_000)
    assert str(refusal.value) == fr("compte 900\u202f000 caractères : au plus 2\u202f000")


@pytest.mark.parametrize(
    ("rate", "accepted"), [("999,9999", True), ("1000", False), ("0", True), ("-1", False)]
)
def test_a_late_payment_rate_fits_numeric_7_4(rate: str, accepted: bool) -> None:
    if accepted:
        assert bounds.rate_from_text(rate) <= bounds.MAX_RATE
    else:
        with pytest.raises(ValueError):
            bounds.rate_from_text(rate)


def test_dates_stay_from_2000_to_ten_years_ahead() -> None:
    assert bounds.day_from_text("2000-01-01", TODAY) == date(2000, 1, 1)
    assert bounds.day_from_text("01/12/2036", TODAY) == date(2036, 12, 1)
    for text, reason in [
        (
            "1999-12-31",
            "le 31 décembre 1999 est avant le 1er janvier 2000, la date la plus ancienne que Relance reçoit",
        ),
        ("1900-01-01", "est avant le 1er janvier 2000"),
        ("2036-12-02", "le 2 décembre 2036 est à plus de dix ans d'ici (après le 1er décembre 2036)"),
        ("9999-12-31", "à plus de dix ans d'ici"),
        ("٢٠٢٦-٠٣-٣١", "n'est pas une date"),
    ]:
        with pytest.raises(ValueError) as refusal:
            bounds.day_from_text(text, TODAY)
        assert fr(reason) in str(refusal.value), text


def test_an_invoice_is_issued_by_today_and_due_after_its_issue() -> None:
    assert bounds.issue_day(TODAY, TODAY) == TODAY
    with pytest.raises(ValueError) as refusal:
        bounds.issue_day(TODAY + timedelta(days=1), TODAY)
    assert str(refusal.value) == fr(
        "le 2 décembre 2026 est dans le futur : une facture est émise au plus tard aujourd'hui, "
        "le 1er décembre 2026"
    )
    with pytest.raises(ValueError, match="le 1er janvier 2031 est dans le futur"):
        bounds.issue_day(date(2031, 1, 1), TODAY)
    assert bounds.due_day(TODAY, TODAY) == TODAY
    with pytest.raises(ValueError) as refusal:
        bounds.due_day(TODAY - timedelta(days=1), TODAY)
    assert (
        str(refusal.value)
        == "le 30 novembre 2026 est avant la date d'émission de la facture, le 1er décembre 2026"
    )


def test_a_hold_goes_no_further_than_the_policy_allows() -> None:
    year = timedelta(days=365)
    assert bounds.within_max_hold(year, year) == year
    with pytest.raises(ValueError) as refusal:
        bounds.within_max_hold(year + timedelta(days=1), year)
    assert str(refusal.value) == fr("est dans 366 jours : au plus 365 (max_hold de la politique de relance)")


@pytest.mark.parametrize(
    ("kind", "due", "barred"),
    [
        # Code de commerce L110-4: five years; the claim can be brought on the anniversary.
        (DebtorKind.BUSINESS, date(2021, 12, 1), False),
        (DebtorKind.BUSINESS, date(2021, 11, 30), True),
        # Code de la consommation L218-2: two years against a consumer.
        (DebtorKind.CONSUMER, date(2024, 12, 1), False),
        (DebtorKind.CONSUMER, date(2024, 11, 30), True),
    ],
)
def test_a_time_barred_claim_is_refused_with_its_legal_basis(
    kind: DebtorKind, due: date, barred: bool
) -> None:
    if not barred:
        assert bounds.not_time_barred(kind, due, TODAY, RULES) == due
        return
    with pytest.raises(ValueError) as refusal:
        bounds.not_time_barred(kind, due, TODAY, RULES)
    basis = (
        "Code de commerce, art. L110-4 : cinq ans"
        if kind is DebtorKind.BUSINESS
        else "Code de la consommation, art. L218-2 : deux ans"
    )
    assert fr(f"la créance est prescrite depuis le 1er décembre 2026 ({basis}") in str(refusal.value)
    assert fr("sauf reconnaissance de la dette depuis (article 2240 du Code civil)") in str(
        refusal.value
    )


@pytest.mark.parametrize(
    ("text", "position", "code"),
    [
        ("a\x00b", 2, "0000"),
        ("line\nbreak", 5, "000A"),
        ("tab\there", 4, "0009"),
        ("\x1b[31m", 1, "001B"),
        ("next\x85line", 5, "0085"),
        ("x\u202ey", 2, "202E"),
        ("a\u2028b", 2, "2028"),
        # A byte the command line could not decode (os.fsdecode's surrogate escape).
        ("caf\udce9", 4, "DCE9"),
    ],
)
def test_a_line_has_no_control_character(text: str, position: int, code: str) -> None:
    with pytest.raises(ValueError) as refusal:
        bounds.checked_line(text)
    assert str(refusal.value) == fr(
        f"contient un caractère de contrôle (U+{code}) en position {position} : retirez-le"
    )


def test_a_note_may_break_lines_but_holds_no_other_control() -> None:
    assert (
        bounds.checked_note("livraison incomplète :\n\t- lot 3\r\n")
        == "livraison incomplète :\n\t- lot 3\r\n"
    )
    with pytest.raises(ValueError, match=r"U\+0000"):
        bounds.checked_note("litige\x00")
    assert bounds.checked_note("é" * bounds.MAX_NOTE)


def test_an_invoice_number_fits_every_id_and_file_name_it_makes() -> None:
    assert bounds.invoice_number("FA/2026/000123") == "FA/2026/000123"
    assert bounds.invoice_number("F" * 100)
    with pytest.raises(ValueError, match=fr("compte 101 caractères : au plus 100")):
        bounds.invoice_number("F" * 101)
    with pytest.raises(ValueError, match="a trop de caractères autres que A-Z"):
        bounds.invoice_number("/" * 100)
    with pytest.raises(ValueError, match="caractère de contrôle"):
        bounds.invoice_number("F-1\x00")


def test_only_euros_are_collected() -> None:
    assert bounds.handled_currency("EUR") == "EUR"
    with pytest.raises(ValueError) as refusal:
        bounds.handled_currency("USD")
    assert fr("« USD » : Relance ne recouvre que des euros (EUR)") in str(refusal.value)
    assert "D441-5" in str(refusal.value)


def test_a_business_has_a_siren_and_a_consumer_none() -> None:
    assert bounds.debtor_siren(DebtorKind.BUSINESS, "987654324") == "987654324"
    assert bounds.debtor_siren(DebtorKind.CONSUMER, None) is None
    with pytest.raises(ValueError, match=fr("un débiteur professionnel a un SIREN : donnez-le")):
        bounds.debtor_siren(DebtorKind.BUSINESS, None)
    with pytest.raises(ValueError, match=fr("987654324 : un consommateur n'a pas de SIREN")):
        bounds.debtor_siren(DebtorKind.CONSUMER, "987654324")
    # A public buyer (a commune, a hospital) is registered like a company.
    assert bounds.debtor_siren(DebtorKind.PUBLIC, "217500016") == "217500016"
    with pytest.raises(ValueError, match=fr("un acheteur public a un SIREN : donnez-le")):
        bounds.debtor_siren(DebtorKind.PUBLIC, None)


@pytest.mark.parametrize(
    ("text", "civility"),
    [("Madame", Civility.MADAME), ("MME", Civility.MADAME), ("mme.", Civility.MADAME),
     ("monsieur", Civility.MONSIEUR), (" M. ", Civility.MONSIEUR)],
)
def test_a_consumer_s_civility_is_read_in_full_or_abbreviated(text: str, civility: Civility) -> None:
    assert bounds.debtor_civility(DebtorKind.CONSUMER, text) is civility


def test_a_civility_is_a_consumer_s_and_madame_or_monsieur_only() -> None:
    with pytest.raises(ValueError, match=fr("« Mlle » n'est ni Madame ni Monsieur")):
        bounds.debtor_civility(DebtorKind.CONSUMER, "Mlle")
    for kind, named in [
        (DebtorKind.BUSINESS, "un débiteur professionnel"),
        (DebtorKind.PUBLIC, "un acheteur public"),
    ]:
        with pytest.raises(ValueError) as refusal:
            bounds.debtor_civility(kind, "mme")
        assert str(refusal.value) == fr(
            f"Madame : une civilité s'adresse à un consommateur ; {named} est désigné par son nom "
            "(laissez la civilité vide)"
        )


def test_the_commands_models_refuse_what_a_case_cannot_hold() -> None:
    """What a direct client sends is checked when the worker reads it, before the validator."""
    for model, fields in [
        (PaymentRequest, {"amount": "99999999999999999999.99", "paid_on": "2026-11-30"}),
        (PaymentRequest, {"amount": "1e309", "paid_on": "2026-11-30"}),
        (PaymentRequest, {"amount": "10.00", "paid_on": "1900-01-01"}),
        (PaymentRequest, {"amount": "10.00", "paid_on": "2026-11-30", "reference": "VIR\x00"}),
        (PromiseRequest, {"amount": "-1", "by": "2027-01-01"}),
        (DisputeRequest, {"open": True, "reason": "x" * 900_000}),
        (PauseRequest, {"reason": "attente\x00"}),
        (PauseRequest, {"reason": "attente", "agent": "a" * 101}),
        (BailiffReport, {"kind": "recovered", "amount": "1e30"}),
        (BailiffReport, {"kind": "accepted", "costs": "-4"}),
    ]:
        with pytest.raises(ValidationError):
            model.model_validate(fields)
    accepted = PaymentRequest.model_validate({"amount": "999999999999.99", "paid_on": "2000-01-01"})
    assert accepted.amount == bounds.MAX_AMOUNT
