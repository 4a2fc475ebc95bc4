"""The case commands of the command line: the filing decided by a second agent, disputes, the
reports of the commissaire de justice."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import date, timedelta

from backoffice.accounts import add_user
from law.insolvency import declaration_deadline
from models.enums import Role
from support.french import date_fr
from support.typography import typeset_text as fr
from tests.fixtures.cli import (
    BUSINESS,
    CREDITOR,
    PASSWORD,
    Cli,
    case_before_the_court,
    case_id_of,
    state_once_changed,
)
from tests.fixtures.pdf import pdf_text


async def test_a_judicial_filing_is_decided_by_a_second_agent_from_the_cli(cli: Cli) -> None:
    case_id, status = await case_before_the_court(cli, "F-400")
    assert status["waiting_for"] == (
        "la validation, par un autre agent, de la saisine judiciaire demandée par alice"
    )
    code, out, _ = await cli("status", case_id)
    assert "attend : la validation, par un autre agent, de la saisine judiciaire" in " ".join(out.split())

    code, _, err = await cli("decide", case_id)
    assert code == 1 and "règle des quatre yeux : alice a demandé cette saisine" in " ".join(err.split())
    # Signed in, but in a role that does not steer cases: refused before the case is asked.
    await add_user(cli.database, "carla", PASSWORD, Role.BACK_OFFICE)
    code, out, err = await (await cli.signed_in_as("carla"))("decide", case_id)
    assert (code, out, " ".join(err.split())) == (
        1,
        "",
        "erreur : carla (back-office) n'a pas le droit de piloter les dossiers",
    )
    assert "la validation" in (await cli.json("status", case_id))["waiting_for"]
    bruno = await cli.signed_in_as("bruno")
    code, _, err = await bruno("decide", case_id, "--reject")
    assert code == 1 and "un rejet demande un motif" in err

    decided = await bruno.json("decide", case_id)
    assert decided["message"].startswith("saisine approuvée")
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
        "litige ouvert : la relance s'arrête, aucune saisine ne part au tribunal avant sa clôture"
    )
    assert opened["status"]["dispute_reason"] == "livraison incomplète"
    code, out, _ = await cli("status", case_id)
    assert code == 0 and "litige ouvert : livraison incomplète" in out
    code, _, err = await cli("dispute", case_id, "--reason", "autre grief")
    assert code == 1 and "refusé : un litige est déjà ouvert (livraison incomplète)" in " ".join(err.split())
    code, _, err = await cli("escalate", case_id)
    assert code == 1 and "un litige est ouvert" in err

    bruno = await cli.signed_in_as("bruno")
    closed = await bruno.json("dispute", case_id, "--close", "--reason", "avoir accepté")
    assert closed["message"] == "litige clos : la relance reprend"
    assert closed["status"]["dispute_reason"] is None
    code, _, err = await cli("dispute", case_id, "--close", "--reason", "déjà réglé")
    assert code == 1 and "refusé : aucun litige n'est ouvert" in " ".join(err.split())
    code, _, err = await cli("dispute", case_id, "--reason", " ")
    assert code == 1 and "refusé : ouvrir ou clore un litige demande un motif" in " ".join(err.split())

    history = await cli.json("audit", "history", case_id)
    assert [(e["kind"], e["actor"], e["detail"]) for e in history[1:]] == [
        ("dispute_opened", "alice", "livraison incomplète"),
        ("dispute_closed", "bruno", "avoir accepté"),
    ]

    # Another key than the one the case was sealed with: one line, no traceback; listed without memo.
    stranger = "other-1:" + base64.b64encode(bytes(range(32))).decode()
    wrong = dataclasses.replace(cli, env={**cli.env, "RELANCE_PAYLOAD_KEYS": stranger})
    code, _, err = await wrong("status", case_id)
    assert code == 1 and "clés de chiffrement (RELANCE_PAYLOAD_KEYS)" in err
    assert "Traceback" not in err
    code, out, err = await wrong("list", "--all", "--json")
    assert code == 0, err
    assert case_id in {entry["case_id"] for entry in json.loads(out)}
    code, _, err = await cli("dispute", "invoice-000000000-nope", "--reason", "litige")
    assert code == 1 and "aucun dossier « invoice-000000000-nope »" in " ".join(err.split())


async def test_the_reports_of_the_commissaire_de_justice_are_recorded_from_the_cli(cli: Cli) -> None:
    case_id, _ = await case_before_the_court(cli, "F-410")
    code, _, err = await cli("bailiff", case_id, "accepted")
    assert code == 1
    assert "refusé : le dossier n'est pas chez un commissaire de justice" in " ".join(err.split())
    await (await cli.signed_in_as("bruno")).json("decide", case_id)
    assert (await state_once_changed(cli, case_id, "open"))["state"] == "with_bailiff"

    accepted = await cli.json("bailiff", case_id, "accepted", "--note", "dossier reçu")
    assert accepted["message"] == (
        "compte rendu enregistré (dossier accepté par le commissaire de justice) ; solde 900,00\xa0€"
    )
    recovered = await cli.json(
        "bailiff", case_id, "recovered", "--amount", "300,00", "--date", date.today().isoformat(),
        "--costs", "45,60", "--borne-by", "debtor", "--note", "saisie-attribution",
    )  # fmt: skip
    assert recovered["message"] == (
        "compte rendu enregistré (sommes recouvrées par le commissaire de justice) ; solde 600,00\xa0€"
    )
    status = recovered["status"]
    assert status["recovered"] == "300.00"
    assert [(c["amount"], c["borne_by"], c["note"]) for c in status["costs"]] == [
        ("45.60", "debtor", "saisie-attribution")
    ]
    assert [(p["amount"], p["reference"]) for p in status["payments"]] == [
        ("300.00", "commissaire de justice")
    ]
    code, out, _ = await cli("status", case_id)
    assert "recouvré par le commissaire de justice : 300,00 € ; frais : 45,60 € à la charge du débiteur" in (
        " ".join(out.split())
    )
    code, _, err = await cli("bailiff", case_id, "recovered", "--amount", "700")
    assert code == 1 and "dépasse le solde de 600,00 €" in " ".join(err.split())

    closed = await cli.json("bailiff", case_id, "closed", "--note", "débiteur insolvable")
    assert closed["message"] == (
        "compte rendu enregistré (dossier clos par le commissaire de justice) ; solde 600,00\xa0€"
    )
    assert closed["status"]["state"] == "closed_by_bailiff"
    code, _, err = await cli("bailiff", case_id, "accepted")
    assert code == 1 and "le dossier est clos (clos par le commissaire de justice)" in " ".join(err.split())

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
        (["pay", case, "1e309"], "MONTANT : « 1e309 » n'est pas un nombre écrit en entier"),
        (["pay", case, "1" * 29], "MONTANT : « 11111111111111111111111111111 » a trop de chiffres"),
        (["pay", case, "99999999999999999999.99"], "MONTANT : 99999999999999999999,99 dépasse le plus grand"),
        (["pay", case, "١٠٠"], "MONTANT : « ١٠٠ » a des chiffres autres que 0 à 9"),
        (["pay", case, "100", "--date", "1900-01-01"], "--date : le 1er janvier 1900 est avant le"),
        (["pay", case, "100", "--reference", "VIR\x07"], "--reference : contient un caractère de contrôle"),
        (["promise", case, "100", "--by", "9999-12-31"], "--by : le 31 décembre 9999 est à plus de dix ans"),
        (["pause", case, "--reason", "x", "--until", "9999-12-31"], "--until : le 31 décembre 9999"),
        (["dispute", case, "--reason", "x" * 100_000], "--reason : compte 100\u202f000 caractères : au plus"),
        (["decide", case, "--reject", "--reason", "non\x1b[2J"], "--reason : contient un caractère"),
    ]:
        code, out, err = await cli(*args)
        assert (code, out) == (2, ""), (args[:3], err)
        assert err.startswith(fr(f"erreur : {message}")) and err.count("\n") == 1, (args[:3], err)


async def test_a_usage_error_is_one_line_in_french_naming_the_option(cli: Cli) -> None:
    """What the command line's parser refuses (a missing option, an unknown one, a value of the wrong
    kind, a command that does not exist) is said as the bounds' refusals are: one line, exit code 2."""
    case = "invoice-123456782-F-1"
    for args, message in [
        (["pause", case], "--reason : option obligatoire"),
        (["pay", case], "MONTANT : argument obligatoire"),
        (["pay", case, "100", "--bogus"], "--bogus : option inconnue"),
        (["pay", case, "100", "--date"], "--date : une valeur est attendue après l'option"),
        (["list", "--limit", "beaucoup"], "--limit : « beaucoup » n'est pas un nombre entier"),
        (["import", "--default-terms", "90", "x.csv"], "--default-terms : au plus 60, pas 90"),
        (["escalate", case, "--to", "tribunal"], "--to : « tribunal » n'est pas une valeur possible"),
        (["status", case, "de trop"], "argument(s) en trop : de trop"),
        (["statut", case], "commande inconnue : statut (peut-être 'status')"),
        (["label", "invoice", "absente.pdf", "--creditor", "1", "-o", "x.pdf"], "FACTURE : « absente.pdf »"),
        (["audit", "replay"], "DOSSIER : donnez un dossier, ou --all pour tous"),
    ]:
        code, out, err = await cli(*args)
        assert (code, out) == (2, ""), (args[:3], err)
        assert err.startswith(fr(f"erreur : {message}")) and err.count("\n") == 1, (args[:3], err)
    code, out, _ = await cli("pay", "--help")
    assert code == 0 and "Utilisation : relance pay [OPTIONS] {DOSSIER} {MONTANT}" in out
    assert "Enregistrer un paiement" in out and "Afficher cette aide." in out
    assert "Show this message" not in out and "Usage" not in out


async def test_a_promise_beyond_the_policy_is_refused_by_the_case(cli: Cli) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    row = CREDITOR + BUSINESS + f"F-720,{date.today().isoformat()},{due},900.00,0,BC-72"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = case_id_of(cli.settings, "F-720")
    far = (date.today() + timedelta(days=400)).isoformat()

    code, _, err = await cli("promise", case_id, "300", "--by", far)

    assert code == 1
    on = date_fr(date.fromisoformat(far))
    refusal = f"refusé : la date promise ({on}) est dans 400 jours : au plus 365"
    assert refusal in " ".join(err.split())
    assert (await cli.json("status", case_id))["promise"] is None


async def test_a_bad_bailiff_report_is_one_line_naming_the_option(cli: Cli) -> None:
    recovered_only = "seul un compte rendu de recouvrement (recovered) a"
    for args, message in [
        (["recovered"], "--amount : un compte rendu de recouvrement (recovered) donne la somme recouvrée"),
        (["recovered", "--amount", "1.234,50"], "--amount : « 1.234,50 » : une virgule ou un point"),
        (["recovered", "--amount", "-5"], "--amount : -5,00 est négatif"),
        (["recovered", "--amount", "1e309"], "--amount : « 1e309 » n'est pas un nombre écrit en entier"),
        (["recovered", "--amount", "5", "--date", "9999-12-31"], "--date : le 31 décembre 9999 est à plus"),
        (["accepted", "--note", "saisie\x07"], "--note : contient un caractère de contrôle (U+0007) en"),
        (["accepted", "--amount", "5"], f"--amount : {recovered_only} un montant, pas accepted"),
        (["failed", "--date", "2026-03-01"], f"--date : {recovered_only} une date de réception, pas failed"),
        (["recovered", "--amount", "5", "--date", "demain"], "--date : « demain » n'est pas une date"),
        (["accepted", "--costs", "45,60"], "--borne-by : dites qui supporte les frais"),
        (["accepted", "--costs", "4", "--borne-by", "huissier"], "--borne-by : « huissier » n'est ni debtor"),
        (["accepted", "--borne-by", "debtor"], "--borne-by : aucuns frais (--costs) à supporter"),
        (["lost"], "NATURE : « lost » n'est ni accepted, ni recovered, ni failed, ni closed"),
    ]:
        code, out, err = await cli("bailiff", "invoice-123456782-F-1", *args)
        assert (code, out) == (2, ""), args
        assert err.startswith(fr(f"erreur : {message}")) and err.count("\n") == 1, (args, err)


async def test_an_agent_records_insolvency_and_the_declaration_sent_from_the_cli(cli: Cli) -> None:
    day = date.today()
    due = (day + timedelta(days=30)).isoformat()
    await cli.json("import", str(cli.write_csv(CREDITOR + BUSINESS + f"F-900,{day},{due},900.00,0,BC-90")))
    case_id = case_id_of(cli.settings, "F-900")
    bruno = await cli.signed_in_as("bruno")
    court = "Tribunal de commerce de Lyon"
    declare = ("insolvency", case_id, "--opened", day.isoformat(), "--court", court, "--kind")

    code, _, err = await bruno(*declare, "faillite")
    assert code == 2 and "--kind" in err
    code, _, err = await bruno(*declare, "liquidation", "--published", str(day + timedelta(days=3)))
    assert code == 1 and "est dans le futur" in " ".join(err.split())

    opened = await bruno.json(*declare, "liquidation")
    assert opened["message"].startswith("liquidation judiciaire, jugement d'ouverture du ")
    assert "la relance est arrêtée (article L622-21 du Code de commerce)" in opened["message"]
    assert "renseignez la date de publication au BODACC" in opened["message"]
    status = opened["status"]
    assert status["state"] == "insolvency" and status["next_action"] is None
    # Not due yet at the judgment: declared all the same, to the liquidateur.
    declaration = pdf_text(status["insolvency"]["declaration_path"])
    assert "Liquidation judiciaire ouverte par jugement du" in declaration and court in declaration
    assert "Au liquidateur judiciaire de la procédure" in declaration
    assert "à échoir le" in declaration and "Total déclaré 900,00 €" in declaration
    code, out, _ = await cli("status", case_id)
    out = " ".join(out.split())
    assert f"procédure collective : liquidation judiciaire, jugement du {date_fr(day)} ({court})" in out
    assert "date de publication au BODACC à renseigner" in out
    code, _, err = await bruno("escalate", case_id)
    assert code == 1 and "la relance est arrêtée" in " ".join(err.split())

    mandataire = "Maître Paul Lefèvre, 3 quai Perrache, 69002 Lyon"
    completed = await bruno.json(*declare, "liquidation", "--published", str(day), "--mandataire", mandataire)
    deadline = declaration_deadline(day)
    assert completed["status"]["insolvency"]["deadline"] == deadline.isoformat()
    assert f"à déclarer au plus tard le {date_fr(deadline)}" in completed["message"]
    sent = await bruno.json("declaration-sent", case_id, "--reference", "1A 234 567 8901 2")
    assert sent["message"] == (
        f"déclaration de créance envoyée le {date_fr(day)} au liquidateur judiciaire "
        "(référence 1A 234 567 8901 2)"
    )
    assert sent["status"]["insolvency"]["declaration_sent_on"] == day.isoformat()
    history = await cli.json("audit", "history", case_id)
    proceedings = [(e["kind"], e["actor"]) for e in history if e["kind"].startswith(("insolvency", "claim"))]
    assert proceedings == [
        ("insolvency_opened", "bruno"),
        ("claim_declaration_drawn", "relance"),
        ("insolvency_updated", "bruno"),
        ("claim_declaration_drawn", "relance"),
        ("claim_declaration_sent", "bruno"),
    ]
