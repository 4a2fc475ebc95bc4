"""The penalty desk's activities: the computation recorded in history, the statement PDF (rendered
by WeasyPrint, read back with pypdf) and its ledger lines. Every amount is worked out by hand.

Rates (config/rates): 2024-H1 default 14.50 % (legal 5.07, floor 15.21), 2024-H2 default 14.25 %
(legal 4.92, floor 14.76), 2025-H2 default 12.15 %, 2026-H1 legal 2.62 %.
"""

from __future__ import annotations

import csv
import io
import shutil
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from pypdf import PdfReader
from temporalio.exceptions import ApplicationError

from activities.penalties import PenaltyActivities
from activities.rendering.penalty_statement import LEDGER_COLUMNS, ledger_csv
from config.accounts import ACCOUNTS_FILE, ledger_accounts
from config.settings import PROJECT_ROOT, Settings
from law.penalties import PenaltyRequest, PenaltyStatement, compute_penalties
from models.enums import DebtorKind
from models.parties import Address
from models.penalties import PenaltyComputation, PenaltyStatementFiles, StatementRequest
from tests.fixtures.pdf import flat, french_spacing_faults, pdf_text, raw_pdf_text
from tests.fixtures.rates import bundled_rates

CASE_ID = "invoice-123456782-F-2024-0117"
RATES = PROJECT_ROOT / "config" / "rates"


def activities_for(tmp_path: Path, rates_dir: Path = RATES) -> PenaltyActivities:
    return PenaltyActivities(Settings(data_dir=tmp_path / "var", rates_dir=rates_dir))


def rates_until_2025(tmp_path: Path) -> Path:
    """The real tables without 2026-H1: as they stood before that half-year's rates were published."""
    folder = tmp_path / "rates"
    folder.mkdir()
    for name in ("ecb_main_refinancing.csv", "legal_interest.csv"):
        lines = (RATES / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / name).write_text("".join(line for line in lines if not line.startswith("2026-")), "utf-8")
    return folder


def computation(stop_at_known_rates: bool = False, **fields: object) -> PenaltyComputation:
    request = {"principal": Decimal("1500"), "debtor_kind": DebtorKind.BUSINESS} | fields
    return PenaltyComputation(
        case_id=CASE_ID,
        request=PenaltyRequest.model_validate(request),
        stop_at_known_rates=stop_at_known_rates,
    )


# --- compute_penalties -----------------------------------------------------------------------------


async def test_the_activity_returns_the_engine_statement_with_its_rates_and_sources(tmp_path: Path) -> None:
    job = computation(due_date=date(2025, 12, 16), until=date(2026, 1, 15))
    statement = await activities_for(tmp_path).compute_penalties(job)
    assert statement == compute_penalties(job.request, bundled_rates())
    # Dec 17 .. 31 = 15 days, Jan 1 .. 15 = 15 days, both at 12.15 %:
    # 1500 × 12.15% × 15/365 = 273375/36500 = 7.4897… → 7.49, twice; + 40.00
    assert [str(p.interest) for p in statement.periods] == ["7.49", "7.49"]
    assert (str(statement.total), statement.until) == ("54.98", date(2026, 1, 15))
    assert "11 juin 2025" in statement.periods[0].rate_source
    # What the workflow history records: the statement survives the data converter's JSON.
    assert PenaltyStatement.model_validate_json(statement.model_dump_json()) == statement


async def test_stop_at_known_rates_draws_the_statement_to_the_last_covered_day(tmp_path: Path) -> None:
    activities = activities_for(tmp_path, rates_until_2025(tmp_path))
    assert activities.rate_tables().covered_until() == date(2025, 12, 31)
    job = computation(stop_at_known_rates=True, due_date=date(2025, 12, 16), until=date(2026, 1, 15))
    statement = await activities.compute_penalties(job)
    [period] = statement.periods
    # Only Dec 17 .. 31 = 15 days at 12.15 %: 7.49 (as above); + 40.00 indemnity
    assert (period.start, period.end, period.days, str(period.interest)) == (
        date(2025, 12, 17),
        date(2025, 12, 31),
        15,
        "7.49",
    )
    assert (statement.until, str(statement.interest), str(statement.total)) == (
        date(2025, 12, 31),
        "7.49",
        "47.49",
    )
    [warning] = statement.warnings
    assert warning.startswith(
        "Intérêts arrêtés au 31 décembre 2025 : le taux applicable au premier semestre 2026"
    )
    # The half-year in words only: "2026-H1" is nobody's French.
    assert "premier semestre 2026 ne figure pas encore dans les tables de taux" in warning
    assert "H1" not in warning
    assert "les intérêts continuent de courir" in warning


async def test_stop_at_known_rates_changes_nothing_within_the_tables(tmp_path: Path) -> None:
    job = computation(stop_at_known_rates=True, due_date=date(2025, 9, 1), until=date(2025, 10, 1))
    statement = await activities_for(tmp_path, rates_until_2025(tmp_path)).compute_penalties(job)
    # Sep 2 .. Oct 1 = 30 days at 12.15 %: 1500 × 12.15% × 30/365 = 546750/36500 = 14.979… → 14.98
    assert (str(statement.interest), statement.until, statement.warnings) == ("14.98", date(2025, 10, 1), [])


async def test_a_missing_rate_is_a_non_retryable_rate_not_known(tmp_path: Path) -> None:
    rates = rates_until_2025(tmp_path)
    activities = activities_for(tmp_path, rates)
    with pytest.raises(ApplicationError) as raised:
        await activities.compute_penalties(computation(due_date=date(2025, 12, 16), until=date(2026, 1, 15)))
    error = raised.value
    assert (error.type, error.non_retryable) == ("RateNotKnown", True)
    # The agent reads the half-year and the file to complete, in French, not where the server keeps
    # it; the operator finds the case and the file's path in the details.
    assert error.message == (
        "pas de taux pour le premier semestre 2026 (nécessaire pour le 1er janvier 2026) dans "
        "ecb_main_refinancing.csv : ajoutez la ligne depuis sa source officielle (relance rates check)"
    )
    [operator] = error.details
    assert operator.startswith(f"{CASE_ID}: no rate for 2026-H1")
    assert str(rates / "ecb_main_refinancing.csv") in operator


async def test_an_invoice_late_only_beyond_the_tables_still_owes_the_indemnity(tmp_path: Path) -> None:
    # Code de commerce D441-5: the 40 EUR are due from the first day late and need no rate.
    activities = activities_for(tmp_path, rates_until_2025(tmp_path))
    late_start = computation(stop_at_known_rates=True, due_date=date(2026, 1, 10), until=date(2026, 2, 10))
    statement = await activities.compute_penalties(late_start)
    assert (statement.interest, statement.indemnity, statement.total) == (
        Decimal("0.00"),
        Decimal("40.00"),
        Decimal("40.00"),
    )
    assert statement.periods == [] and statement.until == date(2026, 2, 10)
    [warning] = statement.warnings
    assert "Intérêts non encore chiffrés" in warning and "premier semestre 2026" in warning


async def test_an_invalid_request_is_a_non_retryable_invalid_penalty_request(tmp_path: Path) -> None:
    valid = computation(due_date=date(2025, 9, 1), until=date(2025, 10, 1))
    # model_copy does not validate: an end before the due date slips through to the activity.
    invalid = valid.model_copy(
        update={"request": valid.request.model_copy(update={"until": date(2025, 8, 1)})}
    )
    with pytest.raises(ApplicationError, match="la fin du décompte, le 1er août 2025, est avant") as raised:
        await activities_for(tmp_path).compute_penalties(invalid)
    assert (raised.value.type, raised.value.non_retryable) == ("InvalidPenaltyRequest", True)


# --- render_penalty_statement ----------------------------------------------------------------------


def business_statement() -> PenaltyStatement:
    """1000.00 due 15 June 2024, 200.00 paid 1 July, 12.50 further costs, counted to 15 July 2024."""
    return compute_penalties(
        PenaltyRequest(
            principal=Decimal("1000"),
            due_date=date(2024, 6, 15),
            until=date(2024, 7, 15),
            debtor_kind=DebtorKind.BUSINESS,
            payments=[(date(2024, 7, 1), Decimal("200"))],
            further_costs=Decimal("12.50"),
        ), bundled_rates()
    )


def statement_request(
    statement: PenaltyStatement, kind: DebtorKind = DebtorKind.BUSINESS, **fields: object
) -> StatementRequest:
    """The statement of an invoice of 1 200,00 € of which 200,00 € were paid before the case."""
    business = kind is DebtorKind.BUSINESS
    return StatementRequest.model_validate(
        {
            "case_id": CASE_ID,
            "step_key": "penalty_claim",
            "creditor_name": "Menuiserie Dupont",
            "creditor_siren": "123456782",
            "debtor_name": "Bâtiments Martin" if business else "Jeanne Leroy",
            "debtor_kind": kind,
            "debtor_siren": "987654324" if business else None,
            "debtor_address": Address(street="4 avenue Jean Jaurès", postcode="75019", city="Paris"),
            "invoice_number": "F-2024-0117",
            "issue_date": date(2024, 5, 16),
            "due_date": date(2024, 6, 15),
            "invoice_amount": Decimal("1200.00"),
            "principal": Decimal("1000.00"),
            "statement": statement,
            "drawn_on": date(2024, 7, 16),
            **fields,
        }
    )


def test_the_statement_pdf_shows_every_period_the_totals_and_the_legal_mentions(tmp_path: Path) -> None:
    files = activities_for(tmp_path).render_penalty_statement(statement_request(business_statement()))
    folder = tmp_path / "var" / "documents" / CASE_ID
    assert files.statement.path == str(folder / "penalty_claim.statement.pdf")
    text = pdf_text(files.statement.path)

    assert "Décompte des pénalités de retard — justificatif de calcul" in text
    assert "Établi le 16 juillet 2024, arrêté au 15 juillet 2024 inclus" in text
    assert "Créancier Menuiserie Dupont — SIREN 123456782" in text
    # The debtor as the letters name it.
    assert "Débiteur Bâtiments Martin — SIREN 987654324 4 avenue Jean Jaurès, 75019 Paris" in text
    assert "Facture n° F-2024-0117 du 16 mai 2024, échue le 15 juin 2024" in text
    # From the invoice's amount to the balance: 1 200 − 200 = 1 000; 1 000 − 200 = 800.
    assert (
        "Montant de la facture 1 200,00 € Réglé avant l'ouverture du dossier − 200,00 € "
        "Principal restant dû à l'ouverture du dossier 1 000,00 € "
        "Paiements reçus depuis, jusqu'au 15 juillet 2024 − 200,00 € "
        "Principal restant dû au 15 juillet 2024 800,00 €"
    ) in text
    # Every period: du, au, jours, base, taux, source du taux, intérêts.
    # Jun 16 .. 30 = 15 days on 1000 at 14.50 %: 217500/36500 = 5.958… → 5.96
    # Jul 1 = 1 day on 1000 at 14.25 % (the payment day is still late): 14250/36500 = 0.390… → 0.39
    # Jul 2 .. 15 = 14 days on 800 at 14.25 %: 159600/36500 = 4.372… → 4.37
    h1 = (
        "taux de refinancement de la BCE 4,50 % (décision de la BCE en vigueur le 20 septembre 2023) "
        "+ 10 points"
    )
    h2 = "taux de refinancement de la BCE 4,25 % (décision de la BCE en vigueur le 12 juin 2024) + 10 points"
    assert "Du Au Jours Base Taux annuel Source du taux Intérêts" in text
    assert f"16 juin 2024 30 juin 2024 15 1 000,00 € 14,50 % {h1} 5,96 €" in text
    assert f"1er juillet 2024 1er juillet 2024 1 1 000,00 € 14,25 % {h2} 0,39 €" in text
    assert f"2 juillet 2024 15 juillet 2024 14 800,00 € 14,25 % {h2} 4,37 €" in text
    # 5.96 + 0.39 + 4.37 = 10.72; + 40.00 + 12.50 = 63.22
    assert "Total des intérêts de retard 10,72 €" in text
    assert "Intérêts de retard 10,72 €" in text
    assert "Indemnité forfaitaire pour frais de recouvrement 40,00 €" in text
    assert "Frais complémentaires de recouvrement justifiés 12,50 €" in text
    assert "Total des pénalités réclamées 63,22 €" in text
    # Legal basis, warnings, convention, VAT.
    assert "Pénalités de retard : article L441-10 du Code de commerce" in text
    assert "articles L441-10 et D441-5 du Code de commerce" in text
    assert "Textes appliqués : Code de commerce, art. L441-10 et Code de commerce, art. D441-5." in text
    # Each half-year in words, never as the tables' code.
    assert "Premier semestre 2024 : le taux par défaut de 14,50 % (taux BCE 4,50 % + 10 points)" in text
    assert "Second semestre 2024 : le taux par défaut de 14,25 % (taux BCE 4,25 % + 10 points)" in text
    assert "2024-H" not in text
    assert flat(business_statement().convention) in text
    assert "elles sont non soumises à la TVA" in text
    assert PdfReader(files.statement.path).metadata.title == (
        "Décompte des pénalités de retard — facture n° F-2024-0117"
    )
    assert french_spacing_faults(raw_pdf_text(files.statement.path)) == []


def test_a_statement_requested_before_the_debtor_and_amount_were_sent_still_adds_up(tmp_path: Path) -> None:
    """Histories recorded earlier ask without the debtor's SIREN and address nor the invoice's amount:
    the statement shows the balances it knows, consistently."""
    request = statement_request(
        business_statement(), debtor_siren=None, debtor_address=None, invoice_amount=None
    )
    text = pdf_text(activities_for(tmp_path).render_penalty_statement(request).statement.path)
    assert "Débiteur Bâtiments Martin Facture n° F-2024-0117" in text
    assert "Montant de la facture" not in text and "Réglé avant" not in text
    assert (
        "Principal restant dû à l'ouverture du dossier 1 000,00 € "
        "Paiements reçus depuis, jusqu'au 15 juillet 2024 − 200,00 € "
        "Principal restant dû au 15 juillet 2024 800,00 €"
    ) in text


def test_a_consumer_statement_rests_on_the_civil_code_and_claims_no_indemnity(tmp_path: Path) -> None:
    statement = compute_penalties(
        PenaltyRequest(
            principal=Decimal("1000"),
            due_date=date(2026, 1, 15),
            # The day the notice was received (Code civil 1231-6, 1344-1).
            notice_date=date(2026, 2, 1),
            notice_outcome="received",
            until=date(2026, 3, 3),
            debtor_kind=DebtorKind.CONSUMER,
        ), bundled_rates()
    )
    files = activities_for(tmp_path).render_penalty_statement(
        statement_request(statement, DebtorKind.CONSUMER)
    )
    text = pdf_text(files.statement.path)
    assert "Décompte des intérêts de retard — justificatif de calcul" in text
    assert "Débiteur Jeanne Leroy (consommateur)" in text
    # Feb 2 .. Mar 3 = 27 + 3 = 30 days at the 2026-H1 legal rate 2.62 %:
    # 1000 × 2.62% × 30/365 = 78600/36500 = 2.153… → 2.15
    assert "2 février 2026 3 mars 2026 30 1 000,00 € 2,62 % taux d'intérêt légal 2,62 %" in text
    assert "Total des intérêts réclamés 2,15 €" in text
    assert "articles 1231-6 et 1344-1 du Code civil" in text
    assert "article L313-2 du Code monétaire et financier" in text
    assert "Ils courent à compter du 1er février 2026, date de réception de la mise en demeure." in text
    assert (
        "Textes appliqués : Code civil, art. 1231-6, Code civil, art. 1344-1 et Code monétaire et "
        "financier, art. L313-2."
    ) in text
    assert "Indemnité forfaitaire" not in text and "D441-5" not in text
    assert "ils sont non soumis à la TVA" in text
    # The consumer's convention.
    assert "à compter du lendemain de la réception de la mise en demeure" in text


def test_the_ledger_lines_balance_on_the_configured_accounts(tmp_path: Path) -> None:
    files = activities_for(tmp_path).render_penalty_statement(statement_request(business_statement()))
    assert files.ledger.path == str(tmp_path / "var" / "documents" / CASE_ID / "penalty_claim.ledger.csv")
    content = Path(files.ledger.path).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert tuple(rows[0]) == LEDGER_COLUMNS
    configured = tomllib.loads(ACCOUNTS_FILE.read_text(encoding="utf-8"))
    customer, interest, indemnity = configured["customer"], configured["interest"], configured["indemnity"]
    # 411 debited with the total 63.22; interest 10.72, indemnity 40.00 and further costs 12.50 credited.
    assert [(r["date"], r["account"], r["debit"], r["credit"]) for r in rows] == [
        ("2024-07-16", customer, "63.22", "0.00"),
        ("2024-07-16", interest, "0.00", "10.72"),
        ("2024-07-16", indemnity, "0.00", "40.00"),
        ("2024-07-16", indemnity, "0.00", "12.50"),
    ]
    assert sum(Decimal(r["debit"]) for r in rows) == sum(Decimal(r["credit"]) for r in rows)
    assert all("facture F-2024-0117 — Bâtiments Martin" in r["label"] for r in rows)


def test_accounts_are_data(tmp_path: Path) -> None:
    chart = tmp_path / "accounts.toml"
    chart.write_text('customer = "411MARTIN"\ninterest = "7631"\nindemnity = "7631"\n', encoding="utf-8")
    request = statement_request(business_statement())
    rows = list(csv.DictReader(io.StringIO(ledger_csv(request, ledger_accounts(chart)).decode("utf-8"))))
    assert [r["account"] for r in rows] == ["411MARTIN", "7631", "7631", "7631"]
    chart.write_text('customer = "clients"\ninterest = "7631"\nindemnity = "758"\n', encoding="utf-8")
    ledger_accounts.cache_clear()
    with pytest.raises(ValueError, match="customer needs an account number"):
        ledger_accounts(chart)


def test_a_consumer_ledger_has_no_indemnity_line(tmp_path: Path) -> None:
    statement = compute_penalties(
        PenaltyRequest(
            principal=Decimal("1000"),
            due_date=date(2026, 1, 15),
            notice_date=date(2026, 2, 1),
            until=date(2026, 3, 3),
            debtor_kind=DebtorKind.CONSUMER,
        ), bundled_rates()
    )
    accounts = ledger_accounts()
    content = ledger_csv(statement_request(statement, DebtorKind.CONSUMER), accounts).decode("utf-8")
    # 2.15 (as above) debited to the customer and credited to interest; no indemnity, no further costs.
    assert [(r["account"], r["debit"], r["credit"]) for r in csv.DictReader(io.StringIO(content))] == [
        (accounts.customer, "2.15", "0.00"),
        (accounts.interest, "0.00", "2.15"),
    ]


def test_rendering_again_rewrites_the_same_files(tmp_path: Path) -> None:
    activities = activities_for(tmp_path)
    request = statement_request(business_statement())
    first = activities.render_penalty_statement(request)
    first_text = pdf_text(first.statement.path)
    again = activities.render_penalty_statement(request)
    assert isinstance(again, PenaltyStatementFiles)
    assert (again.statement.path, again.ledger.path) == (first.statement.path, first.ledger.path)
    assert again.ledger.sha256 == first.ledger.sha256
    # The PDF's text is the same; its bytes may not be: font subsets carry the time they were made.
    assert pdf_text(again.statement.path) == first_text
    folder = Path(first.statement.path).parent
    assert sorted(path.name for path in folder.iterdir()) == [
        "penalty_claim.ledger.csv",
        "penalty_claim.statement.pdf",
    ]


def test_a_case_id_that_leaves_its_folder_is_refused(tmp_path: Path) -> None:
    request = statement_request(business_statement()).model_copy(update={"case_id": ".."})
    with pytest.raises(ApplicationError, match="cannot name a document file or folder") as raised:
        activities_for(tmp_path).render_penalty_statement(request)
    assert raised.value.non_retryable
    assert not (tmp_path / "var").exists()


def test_a_statement_for_another_kind_of_debtor_is_refused() -> None:
    with pytest.raises(ValidationError, match="computed for another kind of debtor than consumer"):
        statement_request(business_statement(), DebtorKind.CONSUMER)


def test_a_broken_template_is_a_non_retryable_template_error(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "letter_templates", templates)
    (templates / "penalty_statement.html.j2").write_text("{{ statement.no_such_field }}", encoding="utf-8")
    activities = PenaltyActivities(Settings(data_dir=tmp_path / "var", templates_dir=templates))
    with pytest.raises(ApplicationError, match="no_such_field") as raised:
        activities.render_penalty_statement(statement_request(business_statement()))
    assert (raised.value.type, raised.value.non_retryable) == ("TemplateError", True)


# --- a public buyer ----------------------------------------------------------------------------------


async def test_a_public_buyer_s_statement_runs_past_the_tables_on_the_rate_of_its_first_day(
    tmp_path: Path,
) -> None:
    """Code de la commande publique R2192-31: the rate of the half-year the interest began in, for
    the whole period; the tables' end (31 December 2025 here) does not stop it."""
    activities = activities_for(tmp_path, rates_until_2025(tmp_path))
    job = computation(
        stop_at_known_rates=True,
        debtor_kind=DebtorKind.PUBLIC,
        due_date=date(2025, 12, 16),
        until=date(2026, 1, 15),
    )
    statement = await activities.compute_penalties(job)
    # Dec 17 .. 31 and Jan 1 .. 15, 15 days each at 2,15 + 8 = 10,15 %:
    # 1500 × 10.15 × 15 / 36500 = 6.2568… → 6.26, twice; + 40.00 (D2192-35).
    assert [(p.days, str(p.rate_percent), str(p.interest)) for p in statement.periods] == [
        (15, "10.15", "6.26"),
        (15, "10.15", "6.26"),
    ]
    assert (statement.until, str(statement.total)) == (date(2026, 1, 15), "52.52")
    assert not statement.rates_pending
    assert statement.warnings == []


def test_a_public_buyer_s_statement_rests_on_the_code_de_la_commande_publique(tmp_path: Path) -> None:
    statement = compute_penalties(
        PenaltyRequest(
            principal=Decimal("1000"),
            due_date=date(2024, 6, 15),
            until=date(2024, 7, 15),
            debtor_kind=DebtorKind.PUBLIC,
        ),
        bundled_rates(),
    )
    request = statement_request(
        statement, DebtorKind.PUBLIC, debtor_name="Commune de Saint-Aubin", debtor_siren="216903542"
    )
    text = pdf_text(activities_for(tmp_path).render_penalty_statement(request).statement.path)
    assert "Débiteur Commune de Saint-Aubin — SIREN 216903542 (acheteur public)" in text
    # Begun on 16 June 2024 (2024-H1: ECB 4,50 %): 12,50 % in July too. Jun 16 .. 30 = 15 days,
    # Jul 1 .. 15 = 15 days: 1000 × 12.50 × 15 / 36500 = 5.1369… → 5.14, twice.
    assert "16 juin 2024 30 juin 2024 15 1 000,00 € 12,50 %" in text
    assert "1er juillet 2024 15 juillet 2024 15 1 000,00 € 12,50 %" in text
    assert "Intérêts moratoires : article R2192-31 du Code de la commande publique" in text
    assert "ce taux s'applique à toute la durée du retard" in text
    assert "D2192-35 du Code de la commande publique" in text
    assert "Indemnité forfaitaire pour frais de recouvrement 40,00 €" in text
    assert "Total des intérêts réclamés 50,28 €" in text
    assert (
        "Textes appliqués : Code de la commande publique, art. R2192-31 et Code de la commande publique, "
        "art. D2192-35."
    ) in text
    assert "L441-10" not in text and "1231-6" not in text and "Frais complémentaires" not in text
    with pytest.raises(ValidationError, match="computed for another kind of debtor than public"):
        statement_request(business_statement(), DebtorKind.PUBLIC)
