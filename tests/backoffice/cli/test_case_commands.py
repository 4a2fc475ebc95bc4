"""The case commands of the command line: the filing decided by a second agent, disputes, the
reports of the commissaire de justice."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import date, timedelta

from backoffice.accounts import add_user
from models.enums import Role
from tests.fixtures.cli import (
    BUSINESS,
    CREDITOR,
    PASSWORD,
    Cli,
    case_before_the_court,
    case_id_of,
    state_once_changed,
)


async def test_a_judicial_filing_is_decided_by_a_second_agent_from_the_cli(cli: Cli) -> None:
    case_id, status = await case_before_the_court(cli, "F-400")
    assert status["waiting_for"] == "approval of the judicial filing by an agent other than alice"
    code, out, _ = await cli("status", case_id)
    assert "waiting for: approval of the judicial filing" in " ".join(out.split())

    code, _, err = await cli("decide", case_id)
    assert code == 1 and "four-eyes rule: alice asked for this filing" in " ".join(err.split())
    # Signed in, but in a role that does not steer cases: refused before the case is asked.
    await add_user(cli.database, "carla", PASSWORD, Role.BACK_OFFICE)
    code, out, err = await (await cli.signed_in_as("carla"))("decide", case_id)
    assert (code, out, " ".join(err.split())) == (1, "", "error: carla (back_office) may not steer")
    assert "approval" in (await cli.json("status", case_id))["waiting_for"]
    bruno = await cli.signed_in_as("bruno")
    code, _, err = await bruno("decide", case_id, "--reject")
    assert code == 1 and "needs a reason" in err

    decided = await bruno.json("decide", case_id)
    assert decided["message"].startswith("judicial filing approved")
    status = await state_once_changed(cli, case_id, "open")
    assert status["state"] == "with_bailiff"
    assert [a["actor"] for a in status["actions"] if a["kind"] == "filing_approved"] == ["bruno"]


async def test_an_agent_opens_and_closes_a_dispute_from_the_cli(cli: Cli) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    row = CREDITOR + BUSINESS + f"F-700,{date.today().isoformat()},{due},900.00,0,BC-70"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = case_id_of(cli.settings, "F-700")

    opened = await cli.json("dispute", case_id, "--reason", "livraison incomplète")
    assert opened["message"] == (
        "dispute opened: the ladder holds, no filing goes to court until it is closed"
    )
    assert opened["status"]["dispute_reason"] == "livraison incomplète"
    code, out, _ = await cli("status", case_id)
    assert code == 0 and "dispute open: livraison incomplète" in out
    code, _, err = await cli("dispute", case_id, "--reason", "autre grief")
    assert code == 1 and "refused: a dispute is already open (livraison incomplète)" in " ".join(err.split())
    code, _, err = await cli("escalate", case_id)
    assert code == 1 and "a dispute is open" in err

    bruno = await cli.signed_in_as("bruno")
    closed = await bruno.json("dispute", case_id, "--close", "--reason", "avoir accepté")
    assert closed["message"] == "dispute closed: the ladder goes on"
    assert closed["status"]["dispute_reason"] is None
    code, _, err = await cli("dispute", case_id, "--close", "--reason", "déjà réglé")
    assert code == 1 and "refused: no dispute is open" in err
    code, _, err = await cli("dispute", case_id, "--reason", " ")
    assert code == 1 and "refused: opening or closing a dispute needs a reason" in " ".join(err.split())

    history = await cli.json("audit", "history", case_id)
    assert [(e["kind"], e["actor"], e["detail"]) for e in history[1:]] == [
        ("dispute_opened", "alice", "livraison incomplète"),
        ("dispute_closed", "bruno", "avoir accepté"),
    ]

    # Another key than the one the case was sealed with: one line, no traceback; listed without memo.
    stranger = "other-1:" + base64.b64encode(bytes(range(32))).decode()
    wrong = dataclasses.replace(cli, env={**cli.env, "RELANCE_PAYLOAD_KEYS": stranger})
    code, _, err = await wrong("status", case_id)
    assert code == 1 and "payload keys" in err
    assert "Traceback" not in err
    code, out, err = await wrong("list", "--all", "--json")
    assert code == 0, err
    assert case_id in {entry["case_id"] for entry in json.loads(out)}
    code, _, err = await cli("dispute", "invoice-000000000-nope", "--reason", "litige")
    assert code == 1 and "no case" in err


async def test_the_reports_of_the_commissaire_de_justice_are_recorded_from_the_cli(cli: Cli) -> None:
    case_id, _ = await case_before_the_court(cli, "F-410")
    code, _, err = await cli("bailiff", case_id, "accepted")
    assert code == 1
    assert "refused: no dossier of this case is with a commissaire de justice" in " ".join(err.split())
    await (await cli.signed_in_as("bruno")).json("decide", case_id)
    assert (await state_once_changed(cli, case_id, "open"))["state"] == "with_bailiff"

    accepted = await cli.json("bailiff", case_id, "accepted", "--note", "dossier reçu")
    assert accepted["message"] == "report recorded (accepted); balance 900.00 EUR"
    recovered = await cli.json(
        "bailiff", case_id, "recovered", "--amount", "300,00", "--date", date.today().isoformat(),
        "--costs", "45,60", "--borne-by", "debtor", "--note", "saisie-attribution",
    )  # fmt: skip
    assert recovered["message"] == "report recorded (recovered); balance 600.00 EUR"
    status = recovered["status"]
    assert status["recovered"] == "300.00"
    assert [(c["amount"], c["borne_by"], c["note"]) for c in status["costs"]] == [
        ("45.60", "debtor", "saisie-attribution")
    ]
    assert [(p["amount"], p["reference"]) for p in status["payments"]] == [
        ("300.00", "commissaire de justice")
    ]
    code, out, _ = await cli("status", case_id)
    assert "recovered by the commissaire de justice: 300.00 EUR; costs: 45.60 EUR borne by the debtor" in (
        " ".join(out.split())
    )
    code, _, err = await cli("bailiff", case_id, "recovered", "--amount", "700")
    assert code == 1 and "exceeds the balance of 600.00" in err

    closed = await cli.json("bailiff", case_id, "closed", "--note", "débiteur insolvable")
    assert closed["message"] == "report recorded (closed); balance 600.00 EUR"
    assert closed["status"]["state"] == "closed_by_bailiff"
    code, _, err = await cli("bailiff", case_id, "accepted")
    assert code == 1 and "case is closed (closed_by_bailiff)" in err

    history = await cli.json("audit", "history", case_id)
    reports = [(e["kind"], e["actor"]) for e in history if e["kind"].startswith("bailiff_")]
    assert reports == [
        ("bailiff_accepted", "alice"),
        ("bailiff_recovered", "alice"),
        ("bailiff_closed", "alice"),
    ]


async def test_a_command_beyond_the_bounds_is_one_line_naming_the_option(cli: Cli) -> None:
    """Refused before anything is sent: no traceback (the amounts ended in decimal.InvalidOperation)."""
    case = "invoice-123456782-F-1"
    for args, message in [
        (["pay", case, "1e309"], "AMOUNT: '1e309' is not a number written in full"),
        (["pay", case, "1" * 29], "has too many digits"),
        (["pay", case, "99999999999999999999.99"], "99999999999999999999.99 is more than the largest"),
        (["pay", case, "١٠٠"], "AMOUNT: '١٠٠' has digits other than 0-9"),
        (["pay", case, "100", "--date", "1900-01-01"], "--date: 1900-01-01 is before 2000-01-01"),
        (["pay", case, "100", "--reference", "VIR\x07"], "--reference: has a control character (U+0007)"),
        (["promise", case, "100", "--by", "9999-12-31"], "--by: 9999-12-31 is more than 10 years ahead"),
        (["pause", case, "--reason", "x", "--until", "9999-12-31"], "--until: 9999-12-31 is more than 10"),
        (["dispute", case, "--reason", "x" * 100_000], "--reason: is 100000 characters long: at most 2000"),
        (["decide", case, "--reject", "--reason", "non\x1b[2J"], "--reason: has a control character"),
    ]:
        code, out, err = await cli(*args)
        assert (code, out) == (2, ""), (args[:3], err)
        assert err.startswith("error: ") and message in err and err.count("\n") == 1, (args[:3], err)


async def test_a_promise_beyond_the_policy_is_refused_by_the_case(cli: Cli) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    row = CREDITOR + BUSINESS + f"F-720,{date.today().isoformat()},{due},900.00,0,BC-72"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = case_id_of(cli.settings, "F-720")
    far = (date.today() + timedelta(days=400)).isoformat()

    code, _, err = await cli("promise", case_id, "300", "--by", far)

    assert code == 1
    assert f"refused: the promised date {far} is 400 days ahead: at most 365" in " ".join(err.split())
    assert (await cli.json("status", case_id))["promise"] is None


async def test_a_bad_bailiff_report_is_one_line_naming_the_option(cli: Cli) -> None:
    for args, message in [
        (["recovered"], "--amount: a recovery report needs the amount recovered"),
        (["recovered", "--amount", "1.234,50"], "--amount: '1.234,50': use either a comma or a dot"),
        (["recovered", "--amount", "-5"], "--amount: -5.00 is negative"),
        (["recovered", "--amount", "1e309"], "--amount: '1e309' is not a number written in full"),
        (["recovered", "--amount", "5", "--date", "9999-12-31"], "--date: 9999-12-31 is more than 10 years"),
        (["accepted", "--note", "saisie\x07"], "--note: has a control character (U+0007) at position 7"),
        (["accepted", "--amount", "5"], "--amount: only a recovery report carries an amount, not 'accepted'"),
        (["failed", "--date", "2026-03-01"], "--date: only a recovery report has a date received"),
        (["recovered", "--amount", "5", "--date", "demain"], "--date: 'demain' is not a date"),
        (["accepted", "--costs", "45,60"], "--borne-by: say who bears the costs"),
        (["accepted", "--costs", "4", "--borne-by", "huissier"], "--borne-by: 'huissier' is not debtor or"),
        (["accepted", "--borne-by", "debtor"], "--borne-by: no --costs to bear"),
        (["lost"], "KIND: 'lost' is not accepted, recovered, failed or closed"),
    ]:
        code, out, err = await cli("bailiff", "invoice-123456782-F-1", *args)
        assert (code, out) == (2, ""), args
        assert err.startswith(f"error: {message}") and err.count("\n") == 1, (args, err)
