"""The statement of account as an activity, on real parts (time-skipping Temporal, SQLite, the PDF
read back): every invoice of the account's creditor and debtor, the payment on the account and its
split, written where the account's documents are; refused for good when no attempt can draw it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.account_statements import NO_STATEMENT, AccountStatementActivities
from backoffice.accounts import SignedIn
from backoffice.debtor_accounts import AccountRef, pay_account, preview_payment
from config.settings import Settings
from models.debtor_accounts import AccountCase
from models.enums import Role
from models.grouped_sending import AccountStatementRequest
from support.french import date_fr, money_fr
from tests.fixtures.cases import RelanceUnderTest, account_of, make_case
from tests.fixtures.database import store_account
from tests.fixtures.pdf import flat, french_spacing_faults, pdf_text, raw_pdf_text, sha256_file
from tests.fixtures.workflows import AGENT_IDS, start, today

ALICE = SignedIn("alice", "Alice", Role.AGENT, "", AGENT_IDS["alice"])


def activities(relance: RelanceUnderTest, settings: Settings | None = None) -> AccountStatementActivities:
    return AccountStatementActivities(settings or relance.settings, relance.database, relance.client)


async def test_the_activity_draws_the_statement_of_every_invoice_of_the_account(
    relance: RelanceUnderTest,
) -> None:
    day = await today(relance)
    # Each case sends alone: the account holds only the payment recorded on it here.
    cases = [
        make_case(number="R-40", due_date=day - timedelta(days=40), amount="500.00", through_account=False),
        make_case(number="R-20", due_date=day - timedelta(days=20), amount="300.00", through_account=False),
    ]
    other = make_case(number="O-1", due_date=day - timedelta(days=30), amount="700.00", through_account=False)
    await store_account(relance.database, cases)
    # Another debtor of the same creditor: another account, not on this statement.
    await store_account(relance.database, [other], debtor_key="siren:552100554")
    for case in [*cases, other]:
        await start(relance, case)
    account_id = account_of(cases[0].debtor)
    ref = AccountRef(
        account_id=account_id,
        creditor_name=cases[0].creditor.name,
        debtor_name=cases[0].debtor.name,
        cases=[
            AccountCase(case_id=c.case_id, invoice_number=c.invoice.number, due_date=c.invoice.due_date)
            for c in cases
        ],
        open_balance=Decimal("800.00"),
    )
    preview = await preview_payment(
        relance.client, ref, amount=Decimal("600.00"), paid_on=day, reference="VIR-31"
    )
    await pay_account(relance.client, relance.settings.temporal_task_queue, account_id, preview, ALICE)

    # Asked with both cases, as the account asks it: each invoice once.
    request = AccountStatementRequest(
        account_id=account_id, case_ids=[c.case_id for c in cases], drawn_on=day
    )
    document = await ActivityEnvironment().run(activities(relance).draw_statement, request)

    path = relance.settings.documents_dir / account_id / f"releve-de-compte-{day.isoformat()}.pdf"
    assert Path(document.path) == path and document.sha256 == sha256_file(path)
    text = pdf_text(path)
    assert "Relevé de compte" in text and f"Arrêté au {date_fr(day)}" in text
    for case in cases:
        invoice = case.invoice
        line = f"n° {invoice.number} {date_fr(invoice.issue_date)} {date_fr(invoice.due_date)}"
        assert text.count(line) == 1, line
    assert "O-1" not in text
    assert "500,00 € 500,00 € 0,00 € 40 " in text and "300,00 € 100,00 € 200,00 € 20 " in text
    assert "VIR-31 facture n° R-40 : 500,00 € — dette échue, la plus ancienne d'abord" in text
    assert "Total 800,00 € 600,00 € 200,00 €" in text
    assert french_spacing_faults(raw_pdf_text(path)) == []

    # Drawn again the same day (an attempt retried): the same file, overwritten.
    again = await ActivityEnvironment().run(activities(relance).draw_statement, request)
    assert again.path == document.path and sorted(path.parent.iterdir()) == [path]

    # One of the cases names the whole account.
    alone = request.model_copy(update={"case_ids": [cases[1].case_id]})
    assert "n° R-40" in pdf_text(
        (await ActivityEnvironment().run(activities(relance).draw_statement, alone)).path
    )


def rates_from(source: Path, target: Path, first_half_year: str) -> Path:
    """The rate tables of ``source`` without the ECB's half-years before ``first_half_year``."""
    target.mkdir()
    for table in source.iterdir():
        lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
        if table.name == "ecb_main_refinancing.csv":
            lines = lines[:1] + [line for line in lines[1:] if line.split(",")[0] >= first_half_year]
        (target / table.name).write_text("".join(lines), encoding="utf-8")
    return target


def half_year(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


async def test_an_invoice_without_a_case_is_drawn_from_the_table_a_gap_in_the_rates_refused(
    relance: RelanceUnderTest, tmp_path: Path
) -> None:
    day = await today(relance)
    case = make_case(number="G-1", due_date=day - timedelta(days=200), through_account=False)
    await store_account(relance.database, [case])
    account_id = account_of(case.debtor)
    request = AccountStatementRequest(account_id=account_id, case_ids=[case.case_id], drawn_on=day)

    # The case is not started (or its invoice was paid at the import): the invoice as the table has it.
    drawn = await ActivityEnvironment().run(activities(relance).draw_statement, request)
    text = pdf_text(drawn.path)
    assert "G-1" in text and flat(money_fr(case.invoice.amount_due)) in text

    await start(relance, case)
    # The ECB's rates from this half-year only: the invoice's first late days find none.
    gap = rates_from(relance.settings.rates_dir, tmp_path / "gap", half_year(day))
    settings = relance.settings.model_copy(update={"rates_dir": gap})
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(activities(relance, settings).draw_statement, request)
    assert (raised.value.type, raised.value.non_retryable) == ("RateNotKnown", True)
    assert raised.value.message.startswith("pas de taux pour le ")
    # The refused drawing left the statement drawn before as it was.
    assert sha256_file(Path(drawn.path)) == drawn.sha256

    unknown = request.model_copy(update={"case_ids": ["case-nowhere"]})
    with pytest.raises(ApplicationError, match="aucune facture de ces dossiers") as raised:
        await ActivityEnvironment().run(activities(relance).draw_statement, unknown)
    assert (raised.value.type, raised.value.non_retryable) == (NO_STATEMENT, True)
