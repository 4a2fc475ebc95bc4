"""``relance account``: the account found from a case id, its split shown then confirmed, the
same payment given twice recorded once, the accounts with an open balance."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from tests.fixtures.cli import BUSINESS, CREDITOR, Cli, case_id_of


async def test_a_payment_on_the_account_from_the_cli(cli: Cli) -> None:
    day = date.today()
    rows = [
        CREDITOR + BUSINESS + f"A-{n},{(day - timedelta(days=90)).isoformat()},"
        f"{(day - timedelta(days=ago)).isoformat()},{amount},0,BC-{n},"
        for n, ago, amount in (("1", 40, "300.00"), ("2", 20, "200.00"), ("3", 5, "100.00"))
    ]
    await cli.json("import", str(cli.write_csv(*rows)))
    case_id = case_id_of(cli.settings, "A-2")
    account = await cli.json("account", case_id)
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
