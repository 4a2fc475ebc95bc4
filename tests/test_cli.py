"""The ``relance`` command line, run as a user runs it (the installed console script), against a
real Temporal dev server with a real worker, SQLite and aiosmtpd."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfWriter
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.registered_mail.postal import PostalRegisteredMail, postal_pack_path
from config.settings import Settings
from models.documents import DocumentRef
from models.mail import RegisteredLetterRequest
from models.parties import Address
from storage.database import Database
from worker import build_worker, ensure_search_attributes

RELANCE = Path(sys.executable).parent / "relance"
TEMPORAL_CLI = Path(sys.executable).parent / "temporal"

HEADER = (
    "creditor_siren,creditor_name,creditor_email,creditor_street,creditor_postcode,creditor_city,"
    "debtor_kind,debtor_name,debtor_siren,debtor_email,debtor_street,debtor_postcode,debtor_city,"
    "invoice_number,issue_date,due_date,amount_due,amount_paid,order_reference,invoice_pdf"
)
CREDITOR = "123456782,Menuiserie Dupont,compta@dupont.fr,12 rue des Artisans,69003,Lyon,"
BUSINESS = "business,Bâtiments Martin,987654324,f@martin.fr,4 av. Jaurès,75019,Paris,"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL_CLI), data_converter=pydantic_data_converter
    )
    yield env
    await env.shutdown()


@dataclass
class Cli:
    env: dict[str, str]
    settings: Settings
    folder: Path

    async def __call__(self, *args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            str(RELANCE),
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    async def json(self, *args: str) -> Any:
        code, out, err = await self(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    def write_csv(self, *rows: str) -> Path:
        path = self.folder / f"invoices-{uuid.uuid4().hex[:6]}.csv"
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        return path


@asynccontextmanager
async def running_cli(
    dev_server: WorkflowEnvironment, smtp_outbox: Any, tmp_path: Path, registered_mail_provider: str
) -> AsyncIterator[Cli]:
    """A worker on the dev server, and the command line configured as it is."""
    settings = Settings(
        data_dir=tmp_path / "var",
        temporal_address=dev_server.client.service_client.config.target_host,
        temporal_task_queue=f"cli-{uuid.uuid4().hex[:8]}",
        smtp_port=smtp_outbox.port,
        registered_mail_provider=registered_mail_provider,
        # Registered letters are received as soon as they are posted (outbox provider).
        outbox_presentation_delay_seconds=0,
        outbox_delivery_delay_seconds=0,
    )
    env = {
        **os.environ,
        "RELANCE_DATA_DIR": str(settings.data_dir),
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "SMTP_PORT": str(smtp_outbox.port),
        "REGISTERED_MAIL_PROVIDER": registered_mail_provider,
        "RELANCE_AGENT": "alice",
        "COLUMNS": "200",
    }
    database = Database(settings.effective_database_url)
    await database.migrate()
    with ThreadPoolExecutor(settings.activity_slots) as executor:
        await ensure_search_attributes(dev_server.client, settings.temporal_namespace)
        async with build_worker(dev_server.client, settings, database, executor):
            yield Cli(env, settings, tmp_path)
    await database.dispose()


@pytest.fixture
async def cli(dev_server: WorkflowEnvironment, smtp_outbox: Any, tmp_path: Path) -> AsyncIterator[Cli]:
    async with running_cli(dev_server, smtp_outbox, tmp_path, "outbox") as running:
        yield running


@pytest.fixture
async def postal_cli(dev_server: WorkflowEnvironment, smtp_outbox: Any, tmp_path: Path) -> AsyncIterator[Cli]:
    """Registered letters go by post: an agent records the post's number and events."""
    async with running_cli(dev_server, smtp_outbox, tmp_path, "postal") as running:
        yield running


def invoice_count(settings: Settings) -> int:
    path = settings.data_dir / "relance.db"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as connection:
        return connection.execute("select count(*) from invoice").fetchone()[0]


async def test_import_with_bad_rows_imports_nothing(cli: Cli) -> None:
    good = CREDITOR + BUSINESS + "F-100,2026-01-10,2026-02-09,500.00,0,BC-1"
    bad_siren = good.replace("987654324", "987654321").replace("F-100", "F-101")
    bad_date = good.replace("2026-02-09", "2026-02-30").replace("F-100", "F-102")
    code, _, err = await cli("import", str(cli.write_csv(good, bad_siren, bad_date)))

    assert code == 1
    assert "row 3, column debtor_siren" in err
    assert "row 4, column due_date" in err
    assert "nothing imported" in err
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
    case_id = "invoice-123456782-F-300"

    listed = await cli.json("list")
    assert case_id in {c["case_id"] for c in listed}

    paused = await cli.json("pause", case_id, "--reason", "litige sur la livraison", "--until", "2099-01-01")
    assert paused["status"]["paused"] is True
    code, _, err = await cli("escalate", case_id)
    assert code == 1 and "refused: case is paused" in err
    assert (await cli.json("resume", case_id))["status"]["paused"] is False

    code, _, err = await cli("escalate", case_id, "--to", "judicial_filing")
    assert code == 1 and "formal notice" in err
    code, _, err = await cli("pay", case_id, "1000")
    assert code == 1 and "exceeds the balance" in err

    partial = await cli.json("pay", case_id, "400,00", "--reference", "VIR-88")
    assert partial["status"]["balance"] == "500.00"
    status = await cli.json("status", case_id)
    assert status["state"] == "open" and status["balance"] == "500.00"

    code, out, _ = await cli("status", case_id)
    assert code == 0 and "balance 500.00 EUR" in out

    history = await cli.json("audit", "history", case_id)
    assert [e["kind"] for e in history] == ["case_opened", "paused", "resumed", "payment_recorded"]
    assert {e["actor"] for e in history[1:]} == {"alice"}

    replay = await cli.json("audit", "replay", case_id)
    assert replay == [
        {"case_id": case_id, "run_id": replay[0]["run_id"], "deterministic": True, "failure": None}
    ]
    code, out, _ = await cli("audit", "replay", "--all")
    assert code == 0 and "0 not deterministic" in out

    code, _, err = await cli("status", "invoice-000000000-nope")
    assert code == 1 and "no case" in err


def blank_pdf(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


async def case_before_the_court(cli: Cli, number: str) -> tuple[str, dict[str, Any]]:
    """A case of 900.00 whose judicial filing, asked by alice, waits for another agent's approval;
    its id and status."""
    due = (date.today() + timedelta(days=30)).isoformat()
    invoice = blank_pdf(cli.folder / f"{number}.pdf")
    row = CREDITOR + BUSINESS + f"{number},{date.today().isoformat()},{due},900.00,0,BC-{number},{invoice}"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = f"invoice-123456782-{number}"
    # The formal notice must be received before the case may go to court.
    done = {"formal_notice": "formal_notice_received", "penalty_claim": "penalty_claim_sent"}
    for stage in ("formal_notice", "penalty_claim", "judicial_filing"):
        await cli.json("escalate", case_id, "--to", stage)
        for _ in range(100):
            status = await cli.json("status", case_id)
            kinds = {a["kind"] for a in status["actions"]}
            if done.get(stage) in kinds or "approval" in (status["waiting_for"] or ""):
                break
            await asyncio.sleep(0.2)
    return case_id, status


async def state_once_changed(cli: Cli, case_id: str, state: str) -> dict[str, Any]:
    """The case's status once its state is no longer ``state`` (or after 20 seconds)."""
    for _ in range(100):
        status = await cli.json("status", case_id)
        if status["state"] != state:
            break
        await asyncio.sleep(0.2)
    return status


async def test_a_judicial_filing_is_decided_by_a_second_agent_from_the_cli(cli: Cli) -> None:
    case_id, status = await case_before_the_court(cli, "F-400")
    assert status["waiting_for"] == "approval of the judicial filing by an agent other than alice"
    code, out, _ = await cli("status", case_id)
    assert "waiting for: approval of the judicial filing" in " ".join(out.split())

    code, _, err = await cli("decide", case_id)
    assert code == 1 and "four-eyes rule: alice asked for this filing" in " ".join(err.split())
    code, _, err = await cli("decide", case_id, "--agent", "bruno", "--reject")
    assert code == 1 and "needs a reason" in err

    decided = await cli.json("decide", case_id, "--agent", "bruno")
    assert decided["message"].startswith("judicial filing approved")
    status = await state_once_changed(cli, case_id, "open")
    assert status["state"] == "with_bailiff"
    assert [a["actor"] for a in status["actions"] if a["kind"] == "filing_approved"] == ["bruno"]


async def test_the_litigation_file_of_a_case_is_written_on_demand(cli: Cli) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    row = CREDITOR + BUSINESS + f"F-500,{date.today().isoformat()},{due},900.00,0,BC-50"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = "invoice-123456782-F-500"
    await cli.json("escalate", case_id, "--to", "formal_notice")
    for _ in range(100):
        status = await cli.json("status", case_id)
        if "formal_notice" in {a["stage"] for a in status["actions"]}:
            break
        await asyncio.sleep(0.2)
    target = cli.folder / "litigation"

    written = await cli.json("dossier", case_id, "-o", str(target))

    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    files = {entry["file"]: entry for entry in manifest["files"]}
    assert written["files"] == {
        **{name: entry["sha256"] for name, entry in files.items()},
        "manifest.json": hashlib.sha256((target / "manifest.json").read_bytes()).hexdigest(),
    }
    for name, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((target / name).read_bytes()).hexdigest()
    # The letter sent, wherever a copy of it is kept, as the journal names it by its SHA-256.
    sent = [name for name, entry in files.items() if any("formal_notice_sent" in j for j in entry["journal"])]
    assert "documents/formal_notice.red.pdf" in sent
    assert any(name.startswith("registered/formal_notice/") for name in files)
    history = json.loads((target / "history.json").read_text(encoding="utf-8"))
    assert history["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    kinds = [entry["kind"] for entry in json.loads((target / "timeline.json").read_text(encoding="utf-8"))]
    assert kinds[0] == "case_opened" and "escalated" in kinds

    code, _, err = await cli("dossier", case_id, "-o", str(target))
    assert code == 1 and "already exists" in err
    code, _, err = await cli("dossier", "invoice-000000000-nope", "-o", str(cli.folder / "none"))
    assert code == 1 and "no case" in err


async def test_cases_are_listed_and_filtered_through_visibility(cli: Cli) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    rows = [
        CREDITOR + BUSINESS + f"F-60{n},{date.today().isoformat()},{due},100.00,0,BC-6{n}" for n in (1, 2)
    ]
    await cli.json("import", str(cli.write_csv(*rows)))
    await cli.json("pause", "invoice-123456782-F-601", "--reason", "litige en cours")

    # The dev server is shared with the other tests of this module: look at this test's cases.
    mine = {"invoice-123456782-F-601", "invoice-123456782-F-602"}

    async def listed(*filters: str) -> list[str]:
        return sorted(mine & {case["case_id"] for case in await cli.json("list", *filters)})

    # Visibility follows the cases within moments.
    for _ in range(50):
        if await listed("--paused") == ["invoice-123456782-F-601"]:
            break
        await asyncio.sleep(0.2)
    assert await listed("--paused") == ["invoice-123456782-F-601"]
    assert await listed("--not-paused", "--creditor", "123456782") == ["invoice-123456782-F-602"]
    assert await listed("--stage", "formal_notice") == []
    assert await listed("--creditor", "111222337") == []
    assert await listed() == sorted(mine)
    code, _, err = await cli("list", "--creditor", "12' OR 'x")
    assert code == 2 and "not a SIREN" in err

    # A promise to pay holds the other case until its date.
    by = (date.today() + timedelta(days=5)).isoformat()
    promised = await cli.json("promise", "invoice-123456782-F-602", "50,00", "--by", by)
    assert promised["message"] == f"promise recorded: the ladder waits for 50.00 EUR by {by}"
    assert promised["status"]["waiting_for"] == f"the promised payment of 50.00 EUR by {by}"
    code, _, err = await cli("promise", "invoice-123456782-F-602", "50", "--by", by)
    assert code == 1 and "already open" in err
    code, _, err = await cli("promise", "invoice-123456782-F-602", "50", "--by", "demain")
    assert code == 2 and "not a date" in err


async def test_an_agent_opens_and_closes_a_dispute_from_the_cli(cli: Cli) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    row = CREDITOR + BUSINESS + f"F-700,{date.today().isoformat()},{due},900.00,0,BC-70"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = "invoice-123456782-F-700"

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

    closed = await cli.json("dispute", case_id, "--close", "--reason", "avoir accepté", "--agent", "bruno")
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
    wrong = Cli({**cli.env, "RELANCE_PAYLOAD_KEYS": stranger}, cli.settings, cli.folder)
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
    await cli.json("decide", case_id, "--agent", "bruno")
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


async def test_a_bad_bailiff_report_is_one_line_naming_the_option(cli: Cli) -> None:
    for args, message in [
        (["recovered"], "--amount: a recovery report needs the amount recovered"),
        (["recovered", "--amount", "1.234,50"], "--amount: '1.234,50': use either a comma or a dot"),
        (["recovered", "--amount", "-5"], "--amount: '-5' is negative"),
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


def paris_time(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


async def test_an_agent_records_a_postal_letter_and_the_case_hears_of_it_at_once(postal_cli: Cli) -> None:
    cli = postal_cli
    due = (date.today() + timedelta(days=30)).isoformat()
    row = CREDITOR + BUSINESS + f"F-800,{date.today().isoformat()},{due},900.00,0,BC-80"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = "invoice-123456782-F-800"
    await cli.json("escalate", case_id, "--to", "formal_notice")
    for _ in range(100):
        status = await cli.json("status", case_id)
        if "registered letter PENDING-" in (status["waiting_for"] or ""):
            break
        await asyncio.sleep(0.2)
    assert "the outcome of the formal notice's registered letter PENDING-" in status["waiting_for"]
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
    assert code == 1 and "refused: this letter already has the tracking number 1A00123456789" in err
    code, _, err = await cli("letter", "tracking", case_id, "penalty_claim", "1A00123456789")
    assert code == 1 and f"no postal registered letter for {case_id}/penalty_claim" in " ".join(err.split())

    now = datetime.now(UTC)
    slip = blank_pdf(cli.folder / "bordereau.pdf")
    acknowledgment = cli.folder / "avis-de-reception.pdf"
    acknowledgment.write_bytes(b"%PDF-1.4\n% avis de reception signe\n%%EOF\n")
    deposited_at, received_at = now - timedelta(days=2), now - timedelta(hours=1)
    code, out, _ = await cli(
        "letter", "event", case_id, "formal_notice", "deposited", "--at", paris_time(deposited_at),
        "--proof", str(slip),
    )  # fmt: skip
    assert code == 0 and "deposited at" in out and "the case asks for news now" in out
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
    assert "registered letter 1A00123456789 (postal) received on" in receipt["detail"]

    code, _, err = await cli(
        "letter",
        "event",
        case_id,
        "formal_notice",
        "received",
        "--at",
        paris_time(now - timedelta(minutes=5)),
    )
    assert code == 1 and "refused: received is already recorded" in err
    for args, message in [
        (["received", "--at", "2099-01-01T10:00"], "--at: 2099-01-01T10:00 is in the future"),
        (["received", "--at", "hier"], "--at: 'hier' is not a date"),
        (["lost", "--at", "2026-03-01"], "KIND: 'lost' is not deposited, first_presentation"),
        (["refused", "--at", "2026-03-01", "--proof", str(cli.folder / "none.pdf")], "--proof: "),
        (["refused", "--at", "2026-03-01", "--proof", str(cli.write_csv())], "is not a PDF"),
    ]:
        code, out, err = await cli("letter", "event", case_id, "formal_notice", *args)
        assert (code, out) == (2, ""), args
        assert err.startswith("error: ") and message in err and err.count("\n") == 1, (args, err)
    code, _, err = await cli("letter", "tracking", "../F-800", "formal_notice", "1A00123456789")
    assert code == 2 and "CASE: '../F-800' is not a case name" in err

    # A case that has ended is not told; what the post reports is kept all the same.
    await cli.json("pay", case_id, "900,00")
    assert (await state_once_changed(cli, case_id, "open"))["state"] == "paid"
    presented_at = deposited_at + timedelta(days=1)
    code, out, err = await cli(
        "letter", "event", case_id, "formal_notice", "first_presentation", "--at", paris_time(presented_at)
    )
    assert code == 0 and "first_presentation at" in out
    assert f"warning: recorded, but case {case_id} is not running (completed)" in " ".join(err.split())
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

    assert code == 0 and "tracking number 1A00000000801 recorded" in out
    assert f"warning: recorded, but no case '{case_id}' to tell" in " ".join(err.split())
    record = cli.settings.registered_mail_dir / "postal" / case_id / "formal_notice.json"
    assert json.loads(record.read_text(encoding="utf-8"))["tracking_number"] == "1A00000000801"
