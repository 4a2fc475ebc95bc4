"""``relance account``: the account found from a case id, its split shown then confirmed, the
same payment given twice recorded once, the accounts with an open balance, the statement of account,
the account's communications and their documents."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from config.rates import load_rate_tables
from config.temporal import connect
from law.penalties import PenaltyRequest, compute_penalties
from models.court import BailiffDeliveryReceipt
from models.enums import DebtorKind
from support.french import date_fr, money_fr
from tests.fixtures.cli import BUSINESS, CREDITOR, Cli, case_id_of
from tests.fixtures.communications import SENT_FR, account_with_a_grouped_notice, grouped_filing
from tests.fixtures.pdf import flat, french_spacing_faults, pdf_text, raw_pdf_text, sha256_file


async def test_a_payment_on_the_account_from_the_cli(cli: Cli) -> None:
    day = date.today()
    rows = [
        CREDITOR + BUSINESS + f"A-{n},{(day - timedelta(days=90)).isoformat()},"
        f"{(day - timedelta(days=ago)).isoformat()},{amount},0,BC-{n},"
        for n, ago, amount in (("1", 40, "300.00"), ("2", 20, "200.00"), ("3", 5, "100.00"))
    ]
    await cli.json("import", str(cli.write_csv(*rows)))
    case_id = case_id_of(cli.settings, "A-2")
    # Each case joins the account's wait for the next sending slot as it starts: once all three have.
    for _ in range(100):
        account = await cli.json("account", case_id)
        if len(account["waiting"]) == 3:
            break
        await asyncio.sleep(0.2)
    account_id = account["account_id"]
    assert account_id.startswith("account-") and "987654324" not in account_id
    assert [i["invoice_number"] for i in account["invoices"]] == ["A-1", "A-2", "A-3"]
    assert account in [await cli.json("account", account_id)]
    listed = await cli.json("account", "list")
    assert account_id in [a["account_id"] for a in listed]

    # Shown, then not confirmed: nothing recorded.
    code, out, err = await cli("account", "pay", case_id, "--amount", "350,00", stdin="n\n")
    flat = " ".join(out.split())
    assert code == 1 and "paiement non enregistré" in err
    assert "facture A-1 : 300,00 € — dette échue, la plus ancienne d'abord" in flat.replace(
        "\u202f", " "
    ).replace("\xa0", " ")
    assert (await cli.json("account", account_id))["payments"] == []

    # Named by the debtor: A-3 first, then the oldest.
    args = (
        "account",
        "pay",
        account_id,
        "--amount",
        "350,00",
        "--invoice",
        "A-3",
        "--reference",
        "VIR-9",
        "--yes",
    )
    paid = await cli.json(*args)
    assert [(p["invoice_number"], p["amount"], p["rule"]) for p in paid["payment"]["split"]] == [
        ("A-3", "100.00", "named"),
        ("A-1", "250.00", "due_oldest"),
    ]
    again = await cli.json(*args)
    assert again["payment"] == paid["payment"]
    for _ in range(50):
        account = await cli.json("account", account_id)
        balances = {i["invoice_number"]: i["balance"] for i in account["invoices"]}
        if balances["A-3"] == "0.00":
            break
        await asyncio.sleep(0.1)
    assert balances == {"A-1": "50.00", "A-2": "200.00", "A-3": "0.00"}
    assert len(account["payments"]) == 1

    code, _, err = await cli("account", "pay", account_id, "--amount", "250,01", "--yes")
    assert code == 1 and "dépasse le solde du compte" in err
    code, _, err = await cli("account", "account-nothing")
    assert code == 1 and "aucun compte « account-nothing »" in " ".join(err.split())


def euros(amount: Decimal) -> str:
    return flat(money_fr(amount))


async def test_the_statement_of_account_lists_invoices_payments_penalties_and_totals(cli: Cli) -> None:
    day = date.today()
    invoices = (("S-1", 40, "300.00"), ("S-2", 20, "200.00"), ("S-3", -10, "100.00"))
    rows = [
        CREDITOR + BUSINESS + f"{n},{(day - timedelta(days=60)).isoformat()},"
        f"{(day - timedelta(days=ago)).isoformat()},{amount},0,BC-{n},"
        for n, ago, amount in invoices
    ]
    consumer = BUSINESS.replace("business,Bâtiments Martin,987654324", "consumer,Jeanne Petit,")
    rows.append(
        CREDITOR + consumer + f"C-1,{(day - timedelta(days=60)).isoformat()},"
        f"{(day - timedelta(days=30)).isoformat()},150.00,0,,"
    )
    await cli.json("import", str(cli.write_csv(*rows)))
    account_id = (await cli.json("account", case_id_of(cli.settings, "S-2")))["account_id"]
    await cli.json("account", "pay", account_id, "--amount", "300,00", "--reference", "VIR-12", "--yes")
    for _ in range(50):
        account = await cli.json("account", account_id)
        if {i["invoice_number"]: i["state"] for i in account["invoices"]}["S-1"] == "paid":
            break
        await asyncio.sleep(0.1)

    out = cli.settings.data_dir / "releve.pdf"
    code, printed, err = await cli("account", "statement", account_id, "--out", str(out))
    assert code == 0, err
    assert f"SHA-256 {sha256_file(out)}" in flat(printed)
    raw = raw_pdf_text(out)
    assert french_spacing_faults(raw) == []
    text = pdf_text(out)
    assert "Relevé de compte" in text and f"Arrêté au {date_fr(day)}" in text
    assert "Menuiserie Dupont — SIREN 123456782" in text and "Bâtiments Martin — SIREN 987654324" in text
    rates = load_rate_tables(cli.settings.rates_dir)
    s1 = compute_penalties(
        PenaltyRequest(
            principal=Decimal("300.00"),
            due_date=day - timedelta(days=40),
            until=day,
            debtor_kind=DebtorKind.BUSINESS,
            payments=[(day, Decimal("300.00"))],
        ),
        rates,
    )
    s2 = compute_penalties(
        PenaltyRequest(
            principal=Decimal("200.00"),
            due_date=day - timedelta(days=20),
            until=day,
            debtor_kind=DebtorKind.BUSINESS,
        ),
        rates,
    )
    assert s1.interest > 0 and s2.interest > 0
    # Each invoice: amount, paid, balance, days late; the payment and its split; the penalties.
    assert "n° S-1 " in text and "300,00 € 300,00 € 0,00 € 40 " in text
    assert "200,00 € 0,00 € 200,00 € 20 " in text and "n° S-3" in text
    assert "VIR-12 facture n° S-1 : 300,00 € — dette échue, la plus ancienne d'abord" in text
    assert f"{euros(s1.interest)} 40,00 € {euros(s1.total)}" in text
    assert f"{euros(s2.interest)} 40,00 € {euros(s2.total)}" in text
    assert "n° S-3 aucun jour de retard à compter" in text
    penalties = s1.total + s2.total
    assert f"Total {euros(s1.interest + s2.interest)} 80,00 € {euros(penalties)}" in text
    assert "Total 600,00 € 300,00 € 300,00 €" in text
    assert f"Total dû au {date_fr(day)} {euros(Decimal('300.00') + penalties)}" in text
    assert "1342-10" in text and "1343-1" in text

    # A consumer: no interest while the formal notice's receipt is not known, no 40 EUR.
    code, printed, err = await cli(
        "account", "statement", case_id_of(cli.settings, "C-1"), "--out", str(out), "--json"
    )
    assert code == 0, err
    text = pdf_text(out)
    assert "Jeanne Petit" in text and "(consommateur)" in text
    assert "intérêts non chiffrés : la réception de la mise en demeure n'est pas établie" in text
    assert "Indemnité forfaitaire" not in text and "40,00 €" not in text


async def test_the_account_shows_its_communications_and_their_documents(cli: Cli) -> None:
    day = date.today()
    # Not due for weeks: nothing is sent meanwhile, the account holds only the notice given it.
    rows = [
        CREDITOR
        + BUSINESS
        + f"{n},{day.isoformat()},{(day + timedelta(days=ahead)).isoformat()},400.00,0,BC-{n},"
        for n, ahead in (("K-1", 30), ("K-2", 40))
    ]
    await cli.json("import", str(cli.write_csv(*rows)))
    invoices = {number: case_id_of(cli.settings, number) for number in ("K-1", "K-2")}
    account_id = (await cli.json("account", invoices["K-1"]))["account_id"]
    empty = await cli.json("account", account_id)
    assert empty["communications"] == [] and empty["filings"] == []
    # Sealed with the keys of the command line, as the worker takes nothing else.
    client = await connect(cli.settings)
    # 14:05 UTC is 15:05 in Paris in winter.
    emailed = BailiffDeliveryReceipt(
        channel="email",
        reference="<dossier-7@relance.test>",
        delivered_at=datetime(2026, 12, 1, 14, 5, tzinfo=UTC),
    )
    filing = grouped_filing(cli.settings.dossiers_dir, account_id, invoices, emailed)
    sending = await account_with_a_grouped_notice(
        client,
        cli.settings.temporal_task_queue,
        cli.settings.documents_dir,
        account_id,
        invoices,
        filings=[filing],
    )

    shown = await cli.json("account", account_id)
    assert shown["communications"] == [sending.model_dump(mode="json")]
    assert shown["filings"] == [filing.model_dump(mode="json")]
    assert shown["filings"][0]["decision"]["claim_amount"] == "6080.00"
    assert shown["waiting"] == []
    code, out, err = await cli("account", invoices["K-2"])
    assert code == 0, err
    text = flat(out)
    assert (
        f"envoi groupé du {SENT_FR} : mise en demeure par lettre recommandée, label rouge, "
        "factures K-1 et K-2 (envoi n° LR-77, outbox)"
    ) in text
    for document in [sending.document, *sending.enclosures]:
        assert f"{document.path} (SHA-256 {document.sha256})" in text
    assert (
        "dossier judiciaire : saisine du 1er décembre 2026 : injonction de payer devant le tribunal de "
        "commerce, factures K-1 et K-2, 6 080,00 € réclamés, approuvée par bob, remise au commissaire de "
        "justice par courriel le 1er décembre 2026 à 15 h 05 (message <dossier-7@relance.test>)"
    ) in text
    request, bordereau, exhibit, history, manifest = filing.dossier.files
    for pdf in (request, bordereau, exhibit):
        assert f"{pdf.path} (SHA-256 {pdf.sha256})" in text
    assert history.path not in text and manifest.path not in text


async def test_a_pause_a_resume_and_a_promise_on_the_account_from_the_cli(cli: Cli) -> None:
    day = date.today()
    rows = [
        CREDITOR + BUSINESS + f"K-{n},{(day - timedelta(days=90)).isoformat()},"
        f"{(day - timedelta(days=ago)).isoformat()},{amount},0,BC-{n},"
        for n, ago, amount in (("1", 40, "300.00"), ("2", 20, "200.00"))
    ]
    await cli.json("import", str(cli.write_csv(*rows)))
    case_ids = [case_id_of(cli.settings, number) for number in ("K-1", "K-2")]
    account_id = (await cli.json("account", case_ids[0]))["account_id"]

    paused = await cli.json("account", "pause", case_ids[1], "--reason", "échéancier proposé")
    assert paused["message"] == "pause appliquée à 2 factures (K-1, K-2)"
    assert [(p["invoice_number"], p["outcome"]) for p in paused["parts"]] == [
        ("K-1", "done"),
        ("K-2", "done"),
    ]
    for case_id in case_ids:
        status = await cli.json("status", case_id)
        assert status["paused"] and status["pause_reason"] == "échéancier proposé"

    code, out, err = await cli("account", "resume", account_id)
    assert code == 0, err
    assert " ".join(out.split()) == f"{account_id} : reprise appliquée à 2 factures (K-1, K-2)"
    # Nothing paused any more: every case refuses, the command fails saying why.
    code, _, err = await cli("account", "resume", account_id)
    assert code == 1 and "reprise refusée pour la facture K-1 : le dossier n'est pas en pause" in " ".join(
        err.split()
    )

    by = day + timedelta(days=10)
    promised = await cli.json("account", "promise", account_id, "350,00", "--by", by.isoformat())
    assert [(p["invoice_number"], p["amount"]) for p in promised["parts"]] == [
        ("K-1", "300.00"),
        ("K-2", "50.00"),
    ]
    assert (await cli.json("status", case_ids[1]))["promise"]["amount"] == "50.00"

    code, _, err = await cli("account", "promise", account_id, "--by", "demain")
    assert code == 2 and "--by" in err
    code, _, err = await cli("account", "pause", account_id)
    assert code == 2 and "--reason" in err
