"""``relance import``, ``list`` and ``status``, and an agent steering a case, as a user runs them."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from models.bounds import MAX_AMOUNT
from support.french import date_fr, money_fr
from support.typography import typeset_text as fr
from tests.fixtures.cli import BUSINESS, CREDITOR, Cli, ForkServers, case_id_of, invoice_count, running_cli


async def test_import_with_bad_rows_imports_nothing(cli: Cli) -> None:
    good = CREDITOR + BUSINESS + "F-100,2026-01-10,2026-02-09,500.00,0,BC-1"
    bad_siren = good.replace("987654324", "987654321").replace("F-100", "F-101")
    bad_date = good.replace("2026-02-09", "2026-02-30").replace("F-100", "F-102")
    code, _, err = await cli("import", str(cli.write_csv(good, bad_siren, bad_date)))

    assert code == 1
    assert "ligne 3, colonne debtor_siren" in err
    assert "ligne 4, colonne due_date" in err
    assert "rien n'est importé" in err
    assert invoice_count(cli.settings) == 0


async def test_import_beyond_the_bounds_is_a_line_per_value_and_stores_nothing(cli: Cli) -> None:
    """Amounts that crashed the import (decimal.InvalidOperation) or overflowed the balance's
    search attribute, an invoice number longer than a workflow id, a claim time-barred since 1905."""
    good = CREDITOR + BUSINESS + "F-110,2026-01-10,2026-02-09,500.00,0,BC-1"
    rows = [
        good.replace("500.00", "1e309"),
        good.replace("F-110", "F-111").replace("500.00", "1" * 29),
        good.replace("F-110", "F-112").replace("500.00", "99999999999999999999.99"),
        good.replace("F-110", "F" * 2000),
        good.replace("F-110", "F-114").replace("2026-01-10,2026-02-09", "1900-01-01,1900-01-31"),
        good.replace("F-110", "F-115").replace("2026-01-10,2026-02-09", "2031-01-10,2031-02-09"),
        good.replace("F-110", "F-116").replace("business,", "consumer,"),
    ]
    path = cli.write_csv(good, *rows)

    code, out, err = await cli("import", str(path))

    assert (code, out) == (1, "")
    assert "Traceback" not in err
    lines = err.splitlines()
    for number, column, reason in [
        (3, "amount_due", "« 1e309 » n'est pas un nombre écrit en entier"),
        (4, "amount_due", "a trop de chiffres"),
        (5, "amount_due", f"dépasse le plus grand montant que Relance conserve ({money_fr(MAX_AMOUNT)})"),
        (6, "invoice_number", "compte 2\u202f000 caractères : au plus 100"),
        (7, "issue_date", "le 1er janvier 1900 est avant le 1er janvier 2000"),
        (7, "due_date", "le 31 janvier 1900 est avant le 1er janvier 2000"),
        (8, "issue_date", "le 10 janvier 2031 est dans le futur"),
        (9, "debtor_siren", "987654324 : un consommateur n'a pas de SIREN"),
    ]:
        place = f"{path}, ligne {number}, colonne {column}\u00a0: "
        assert any(line.startswith(place) and fr(reason) in line for line in lines), (place, reason, err)
    assert "8 erreurs dans 1 fichier\u00a0: rien n'est importé" in err
    assert max(len(line) for line in lines) < 400
    assert invoice_count(cli.settings) == 0


async def test_import_twice_changes_nothing_the_second_time(cli: Cli) -> None:
    rows = [
        CREDITOR + BUSINESS + f"F-2{index},2026-01-10,2026-02-09,{amount},{paid},BC-{index}"
        for index, (amount, paid) in enumerate([("500.00", "0"), ("300.00", "300.00"), ("80.00", "20")])
    ]
    path = cli.write_csv(*rows)

    first = await cli.json("import", str(path))
    second = await cli.json("import", str(path))

    assert first == {
        "rows": 3,
        "invoices_stored": 3,
        "invoices_known": 0,
        "already_paid": 1,
        "cases_started": 2,
        "cases_existing": 0,
    }
    assert second == {
        **first,
        "invoices_stored": 0,
        "invoices_known": 3,
        "cases_started": 0,
        "cases_existing": 2,
    }
    assert invoice_count(cli.settings) == 3


async def test_an_agent_steers_and_audits_a_case_from_the_cli(cli: Cli) -> None:
    # Due in a month: nothing goes out by itself while the agent works on the case.
    due = (date.today() + timedelta(days=30)).isoformat()
    row = CREDITOR + BUSINESS + f"F-300,{date.today().isoformat()},{due},900.00,0,BC-9"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = case_id_of(cli.settings, "F-300")

    listed = await cli.json("list")
    assert case_id in {c["case_id"] for c in listed}

    until = (date.today() + timedelta(days=60)).isoformat()
    paused = await cli.json("pause", case_id, "--reason", "litige sur la livraison", "--until", until)
    assert paused["status"]["paused"] is True
    code, _, err = await cli("escalate", case_id)
    assert code == 1 and "refusé : le dossier est en pause" in " ".join(err.split())
    assert (await cli.json("resume", case_id))["status"]["paused"] is False

    code, _, err = await cli("escalate", case_id, "--to", "judicial_filing")
    assert code == 1 and "une mise en demeure doit d'abord être envoyée" in " ".join(err.split())
    code, _, err = await cli("pay", case_id, "1000")
    assert code == 1 and "dépasse le solde" in err

    partial = await cli.json("pay", case_id, "400,00", "--reference", "VIR-88")
    assert partial["status"]["balance"] == "500.00"
    status = await cli.json("status", case_id)
    assert status["state"] == "open" and status["balance"] == "500.00"

    code, out, _ = await cli("status", case_id)
    assert code == 0 and "état : en cours étape : - solde : 500,00 €" in " ".join(out.split())
    # The journal's kinds of event, in French.
    assert "paiement enregistré" in out

    history = await cli.json("audit", "history", case_id)
    assert [e["kind"] for e in history] == ["case_opened", "paused", "resumed", "payment_recorded"]
    assert {e["actor"] for e in history[1:]} == {"alice"}

    replay = await cli.json("audit", "replay", case_id)
    assert replay == [
        {"case_id": case_id, "run_id": replay[0]["run_id"], "deterministic": True, "failure": None}
    ]
    code, out, _ = await cli("audit", "replay", "--all")
    assert code == 0 and "0 non déterministe(s)" in out

    code, _, err = await cli("status", "invoice-000000000-nope")
    assert code == 1 and "aucun dossier" in err


async def test_cases_are_listed_and_filtered_through_visibility(cli: Cli) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    rows = [
        CREDITOR + BUSINESS + f"F-60{n},{date.today().isoformat()},{due},100.00,0,BC-6{n}" for n in (1, 2)
    ]
    await cli.json("import", str(cli.write_csv(*rows)))
    paused, running = (case_id_of(cli.settings, number) for number in ("F-601", "F-602"))
    await cli.json("pause", paused, "--reason", "litige en cours")

    # The dev server is shared with the other tests of this module: look at this test's cases.
    mine = {paused, running}

    async def listed(*filters: str) -> list[str]:
        return sorted(mine & {case["case_id"] for case in await cli.json("list", *filters)})

    # Visibility follows the cases within moments.
    for _ in range(50):
        if await listed("--paused") == [paused]:
            break
        await asyncio.sleep(0.2)
    assert await listed("--paused") == [paused]
    assert await listed("--not-paused", "--creditor", "123456782") == [running]
    assert await listed("--stage", "formal_notice") == []
    assert await listed("--creditor", "111222337") == []
    assert await listed() == sorted(mine)
    code, _, err = await cli("list", "--creditor", "12' OR 'x")
    refusal = "erreur : --creditor : « 12' OR 'x » n'est pas un SIREN (neuf chiffres)"
    assert (code, err) == (2, f"{fr(refusal)}\n")

    # A promise to pay holds the other case until its date.
    by = (date.today() + timedelta(days=5)).isoformat()
    promised = await cli.json("promise", running, "50,00", "--by", by)
    on = date_fr(date.fromisoformat(by))
    assert promised["message"] == (
        f"promesse enregistrée : la relance attend le paiement de 50,00\xa0€ au plus tard le {on}"
    )
    assert promised["status"]["waiting_for"] == f"le paiement promis de 50,00\xa0€ au plus tard le {on}"
    code, _, err = await cli("promise", running, "50", "--by", by)
    assert code == 1 and "une promesse est déjà en cours" in err
    code, _, err = await cli("promise", running, "50", "--by", "demain")
    assert code == 2 and err.startswith(fr("erreur : --by : « demain » n'est pas une date"))


async def test_the_list_reads_visibility_alone_even_with_no_worker_to_answer(
    dev_server: WorkflowEnvironment, smtp_outbox: Any, tmp_path: Path, fork_servers: ForkServers
) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    async with running_cli(dev_server, smtp_outbox, tmp_path, "outbox", fork_servers) as cli:
        [row] = [CREDITOR + BUSINESS + f"F-700,{date.today().isoformat()},{due},321.00,0,BC-70"]
        await cli.json("import", str(cli.write_csv(row)))
        case_id = case_id_of(cli.settings, "F-700")
        status = await cli.json("status", case_id)

        async def listed() -> dict[str, Any]:
            return next(c for c in await cli.json("list") if c["case_id"] == case_id)

        for _ in range(50):
            if (await listed())["next_action"] is not None:
                break
            await asyncio.sleep(0.2)
    # The worker is gone: no case can answer a query, and the list still says how each stands.
    entry = await listed()
    assert (entry["state"], entry["stage"], entry["balance"]) == ("open", None, "321.00")
    assert entry["next_action"] == status["next_action"]
    assert entry["next_action_at"] == status["next_action_at"]
    assert entry["memo"]["invoice"] == "F-700"
