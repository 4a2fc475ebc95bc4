"""``relance letter``: an agent records what the post says of a registered letter."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, date, datetime, timedelta

from activities.registered_mail.postal import PostalRegisteredMail, postal_pack_path
from models.documents import DocumentRef
from models.mail import RegisteredLetterRequest
from models.parties import Address
from support.french import moment_fr
from support.typography import typeset_text as fr
from tests.fixtures.cli import BUSINESS, CREDITOR, PARIS, Cli, blank_pdf, case_id_of, state_once_changed


def paris_time(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


async def test_an_agent_records_a_postal_letter_and_the_case_hears_of_it_at_once(postal_cli: Cli) -> None:
    cli = postal_cli
    due = (date.today() + timedelta(days=30)).isoformat()
    row = CREDITOR + BUSINESS + f"F-800,{date.today().isoformat()},{due},900.00,0,BC-80"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = case_id_of(cli.settings, "F-800")
    await cli.json("escalate", case_id, "--to", "formal_notice")
    for _ in range(100):
        status = await cli.json("status", case_id)
        if "lettre recommandée de mise en demeure PENDING-" in (status["waiting_for"] or ""):
            break
        await asyncio.sleep(0.2)
    assert "l'issue de la lettre recommandée de mise en demeure PENDING-" in status["waiting_for"]
    assert postal_pack_path(cli.settings, case_id, "formal_notice").is_file()
    record = cli.settings.registered_mail_dir / "postal" / case_id / "formal_notice.json"

    tracked = await cli.json("letter", "tracking", case_id, "formal_notice", "1A00123456789")
    assert tracked == {
        "case_id": case_id,
        "step": "formal_notice",
        "tracking_number": "1A00123456789",
        "case_told": True,
        "warning": None,
    }
    assert json.loads(record.read_text(encoding="utf-8"))["tracking_number"] == "1A00123456789"
    code, _, err = await cli("letter", "tracking", case_id, "formal_notice", "1A99999999999")
    refusal = "refusé : cette lettre a déjà le numéro de suivi 1A00123456789"
    assert code == 1 and refusal in " ".join(err.split())
    code, _, err = await cli("letter", "tracking", case_id, "penalty_claim", "1A00123456789")
    missing = f"pas de lettre recommandée postale pour {case_id}/penalty_claim"
    assert code == 1 and missing in " ".join(err.split())

    now = datetime.now(UTC)
    slip = blank_pdf(cli.folder / "bordereau.pdf")
    acknowledgment = cli.folder / "avis-de-reception.pdf"
    acknowledgment.write_bytes(b"%PDF-1.4\n% avis de reception signe\n%%EOF\n")
    deposited_at, received_at = now - timedelta(days=2), now - timedelta(hours=1)
    code, out, _ = await cli(
        "letter", "event", case_id, "formal_notice", "deposited", "--at", paris_time(deposited_at),
        "--proof", str(slip),
    )  # fmt: skip
    out = " ".join(out.split())
    assert code == 0 and f"recommandé pris en charge le {moment_fr(deposited_at)}, enregistré, preuve" in out
    assert out.endswith("; le dossier demande des nouvelles dès maintenant")
    received = await cli.json(
        "letter", "event", case_id, "formal_notice", "received", "--at", paris_time(received_at),
        "--proof", str(acknowledgment),
    )  # fmt: skip
    proof = hashlib.sha256(acknowledgment.read_bytes()).hexdigest()
    assert received["case_told"] is True and received["event"]["kind"] == "received"
    assert received["event"]["proof"]["sha256"] == proof

    # The default policy asks the post every 6 hours: only the signal makes the case look now.
    for _ in range(100):
        status = await cli.json("status", case_id)
        if "formal_notice_received" in {a["kind"] for a in status["actions"]}:
            break
        await asyncio.sleep(0.2)
    [receipt] = [a for a in status["actions"] if a["kind"] == "formal_notice_received"]
    assert receipt["document_sha256"] == proof
    # The journal names the post's tracking number, not the pack's provisional one.
    assert "lettre recommandée 1A00123456789 (postal) reçue le" in receipt["detail"]

    code, _, err = await cli(
        "letter",
        "event",
        case_id,
        "formal_notice",
        "received",
        "--at",
        paris_time(now - timedelta(minutes=5)),
    )
    assert code == 1 and "refusé : received est déjà enregistré" in " ".join(err.split())
    not_a_pdf = cli.write_csv()
    for args, message in [
        (["received", "--at", "2099-01-01T10:00"], "--at : « 2099-01-01T10:00 » est dans le futur"),
        (["received", "--at", "hier"], "--at : « hier » n'est pas une date"),
        (["lost", "--at", "2026-03-01"], "NATURE : « lost » n'est ni deposited, ni first_presentation"),
        (["refused", "--at", "2026-03-01", "--proof", str(cli.folder / "none.pdf")], "--proof : "),
        (["refused", "--at", "2026-03-01", "--proof", str(not_a_pdf)], f"--proof : {not_a_pdf} n'est pas"),
    ]:
        code, out, err = await cli("letter", "event", case_id, "formal_notice", *args)
        assert (code, out) == (2, ""), args
        assert err.startswith(fr(f"erreur : {message}")) and err.count("\n") == 1, (args, err)
    code, _, err = await cli("letter", "tracking", "../F-800", "formal_notice", "1A00123456789")
    assert code == 2 and err == fr("erreur : DOSSIER : « ../F-800 » n'est pas un nom de dossier\n")

    # A case that has ended is not told; what the post reports is kept all the same.
    await cli.json("pay", case_id, "900,00")
    assert (await state_once_changed(cli, case_id, "open"))["state"] == "paid"
    presented_at = deposited_at + timedelta(days=1)
    code, out, err = await cli(
        "letter", "event", case_id, "formal_notice", "first_presentation", "--at", paris_time(presented_at)
    )
    presented = f"recommandé présenté le {moment_fr(presented_at)}, enregistré"
    assert code == 0 and presented in " ".join(out.split())
    not_running = f"attention : enregistré, mais le dossier {case_id} n'est plus en cours (terminé)"
    assert not_running in " ".join(err.split())
    events = json.loads(record.read_text(encoding="utf-8"))["events"]
    assert [event["kind"] for event in events] == ["deposited", "first_presentation", "received"]


async def test_a_postal_letter_of_no_case_is_recorded_with_a_warning(postal_cli: Cli) -> None:
    cli = postal_cli
    case_id = "invoice-123456782-F-801"
    notice = blank_pdf(cli.folder / "formal_notice.red.pdf")
    address = Address(street="4 avenue Jean Jaurès", postcode="75019", city="Paris")
    letter = RegisteredLetterRequest(
        case_id=case_id,
        step_key="formal_notice",
        recipient_name="Bâtiments Martin",
        recipient_address=address,
        sender_name="Menuiserie Dupont",
        sender_address=Address(street="12 rue des Artisans", postcode="69003", city="Lyon"),
        document=DocumentRef(path=str(notice), sha256=hashlib.sha256(notice.read_bytes()).hexdigest()),
    )
    await PostalRegisteredMail(cli.settings.registered_mail_dir).post(letter, "key-F-801")

    code, out, err = await cli("letter", "tracking", case_id, "formal_notice", "1A00000000801")

    assert code == 0 and "numéro de suivi 1A00000000801 enregistré" in out
    nobody = f"attention : enregistré, mais aucun dossier « {case_id} » à prévenir"
    assert nobody in " ".join(err.split())
    record = cli.settings.registered_mail_dir / "postal" / case_id / "formal_notice.json"
    assert json.loads(record.read_text(encoding="utf-8"))["tracking_number"] == "1A00000000801"
