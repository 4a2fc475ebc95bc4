"""The web back office at work, over HTTP: imports with their errors, the dashboard, an agent's
commands with the agent's name in the journal and the history, four-eyes approval, the work queue,
the auditor's pages and the codec endpoint."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from temporalio.client import WorkflowHistory

from backoffice.audit import replay_history
from backoffice.web import case_pages
from config.settings import DEMO_INVOICES_FILE
from law.rates import half_year_fr, half_year_of
from models.enums import CaseState, Role, Stage
from models.status import CaseStatus
from storage.tables import Invoice
from tests.fixtures.cases import RelanceUnderTest
from tests.fixtures.cli import CREDITOR
from tests.fixtures.temporal import converter_for_tests
from tests.fixtures.web import (
    DEBTOR,
    BackofficeUnderTest,
    WebUser,
    case_with_notice_received,
    csv_file,
    eventually,
    invoice_row,
    status_of,
)
from tests.fixtures.workflows import Handle


def flash(response: httpx.Response) -> str:
    return unescape(re.search(r'<p class="flash" role="status">(.*?)</p>', response.text, re.S).group(1))


async def follow(user: WebUser, response: httpx.Response) -> httpx.Response:
    assert response.status_code == 303, response.text[:500]
    return await user.get(response.headers["location"])






def payload_data(value: Any) -> list[bytes]:
    """The bytes of every payload in a history's JSON."""
    if isinstance(value, dict):
        if "metadata" in value and "data" in value:
            return [base64.b64decode(value["data"])]
        return [data for item in value.values() for data in payload_data(item)]
    if isinstance(value, list):
        return [data for item in value for data in payload_data(item)]
    return []


async def _finished(user: WebUser, job_url: str) -> dict[str, Any] | None:
    progress = (await user.get(job_url + "/progress")).json()
    return progress if progress["finished"] else None


async def invoices_stored(relance: RelanceUnderTest) -> int:
    async with relance.database.sessions() as session:
        return (await session.exec(select(func.count()).select_from(Invoice))).one()


async def test_an_upload_with_a_bad_row_imports_nothing_and_a_good_one_starts_the_cases(
    backoffice: BackofficeUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    relance = backoffice.relance
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    today = date.today()
    good = invoice_row("W-1", today + timedelta(days=10), "1000.00")
    late = invoice_row("W-2", today - timedelta(days=45), "250.50")
    bad = CREDITOR + DEBTOR + "W-3,2026-01-01,31/02/2026,100.00,0,BC-3,"

    form = (await clerk.get("/imports/new")).text
    assert 'type="file"' in form and 'value="default"' in form
    refused = await clerk.post(
        "/imports", files={"files": ("batch.csv", csv_file(good, bad, late), "text/csv")}
    )
    assert refused.status_code == 422
    problems = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", refused.text)
    assert [(file, row, column) for file, row, column, _ in problems] == [("batch.csv", "3", "due_date")]
    assert "1 erreur dans 1 fichier\u00a0: rien n'est importé" in unescape(refused.text)
    assert await invoices_stored(relance) == 0
    assert not any((relance.data_dir / "uploads").iterdir())

    nothing = await clerk.post("/imports", files={})
    assert nothing.status_code == 422 and "aucun fichier" in unescape(nothing.text)

    accepted = await clerk.post("/imports", files={"files": ("batch.csv", csv_file(good, late), "text/csv")})
    assert accepted.status_code == 303
    progress_url = accepted.headers["location"] + "/progress"

    async def finished() -> dict[str, Any] | None:
        progress = (await clerk.get(progress_url)).json()
        return progress if progress["finished"] else None

    progress = await eventually(finished, "the import finishes")
    assert progress["error"] is None
    assert progress["total"] == progress["done"] == 2
    assert progress["report"]["cases_started"] == 2
    page = await clerk.get(accepted.headers["location"])
    assert "2 dossier(s) démarré(s)" in unescape(page.text)
    assert await invoices_stored(relance) == 2

    # The dashboard follows: two open cases, 1,250.50 outstanding, one not due, one 31-60 days late.
    async def both_listed() -> str | None:
        panel = (await clerk.get("/dashboard/panel")).text
        return panel if '<span class="value" id="open-cases">2</span>' in panel else None

    panel = unescape(await eventually(both_listed, "the dashboard shows both cases"))
    assert "1\u202f250,50 €" in panel
    aging = dict(re.findall(r'<tr><td data-bucket="([^"]+)">[^<]+</td><td>(\d+)</td>', panel))
    assert aging == {"not due": "1", "0–30 days": "0", "31–60 days": "1", "61–90 days": "0", "> 90 days": "0"}
    assert "<svg" in (await clerk.get("/dashboard")).text

    # Importing the same file again changes nothing.
    again = await clerk.post("/imports", files={"files": ("batch.csv", csv_file(good, late), "text/csv")})
    progress_url = again.headers["location"] + "/progress"
    progress = await eventually(finished, "the second import finishes")
    assert progress["report"]["cases_started"] == 0 and progress["report"]["cases_existing"] == 2

    listing = await clerk.get("/cases")
    assert "W-1" in listing.text and "W-2" in listing.text
    # Page by page, newest first, the filters kept from one page to the next.
    monkeypatch.setattr(case_pages, "PAGE_SIZE", 1)
    first = unescape((await clerk.get("/cases?stage=&paused=no")).text)
    next_page = re.search(r'href="([^"]+)" id="next-page"', first)
    assert next_page is not None and "paused=no" in next_page.group(1)
    second = unescape((await clerk.get(next_page.group(1))).text)
    assert {"W-1", "W-2"} == {number for number in ("W-1", "W-2") if number in first + second}
    assert ("W-1" in first) != ("W-1" in second)
    mangled = await clerk.get("/cases?page=bm90LWEtdG9rZW4=")
    assert mangled.status_code == 200 and ("W-1" in mangled.text or "W-2" in mangled.text)
    assert (await clerk.get("/cases?creditor=123")).status_code == 400
    assert "n&#39;est pas un SIREN" in (await clerk.get("/cases?creditor=123")).text
    filtered = await clerk.get(f"/cases?due_before={today.isoformat()}")
    assert "W-2" in filtered.text and "W-1" not in filtered.text


async def test_an_agent_steers_a_case_and_every_action_carries_their_name(
    backoffice: BackofficeUnderTest,
) -> None:
    case_id, handle = await backoffice.case(amount="600.00")
    alice = await backoffice.user("alice", Role.AGENT)
    page = await alice.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert 'id="pause-form"' in page.text and 'id="promise-form"' in page.text

    paused = await follow(alice, await alice.post(f"/cases/{case_id}/pause", {"reason": "debtor on holiday"}))
    assert flash(paused) == "dossier mis en pause"
    assert "debtor on holiday" in paused.text
    status = await status_of(handle)
    assert status.paused and status.pause_reason == "debtor on holiday"
    assert [action.actor for action in status.actions if action.kind == "paused"] == ["alice"]
    resumed = await follow(alice, await alice.post(f"/cases/{case_id}/resume"))
    assert not (await status_of(handle)).paused and flash(resumed) == "dossier repris"

    by = date.today() + timedelta(days=20)
    too_much = await follow(
        alice, await alice.post(f"/cases/{case_id}/promise", {"amount": "9000", "by": by.isoformat()})
    )
    assert f"{case_id} : refusé : 9\u202f000,00\xa0€ dépasse le solde de 600,00\xa0€" == flash(too_much)
    promised = await follow(
        alice, await alice.post(f"/cases/{case_id}/promise", {"amount": "300,00", "by": by.isoformat()})
    )
    assert 'id="case-promise"' in promised.text
    status = await status_of(handle)
    assert status.promise is not None and status.promise.amount == Decimal("300.00")
    assert status.promise.recorded_by == "alice"

    bad_amount = await alice.post(f"/cases/{case_id}/payment", {"amount": "abc", "paid_on": ""})
    assert bad_amount.status_code == 400 and flash(bad_amount).startswith("refusé : montant")
    paid = await follow(
        alice,
        await alice.post(
            f"/cases/{case_id}/payment",
            {"amount": "100.00", "paid_on": date.today().isoformat(), "reference": "VIR-1"},
        ),
    )
    assert (await status_of(handle)).balance == Decimal("500.00")
    assert "500,00 €" in unescape(paid.text)

    opened = await follow(
        alice, await alice.post(f"/cases/{case_id}/dispute", {"open": "true", "reason": "lot 3"})
    )
    assert 'id="case-dispute"' in opened.text and (await status_of(handle)).dispute_reason == "lot 3"
    await alice.post(f"/cases/{case_id}/dispute", {"open": "false", "reason": "credit note agreed"})
    assert (await status_of(handle)).dispute_reason is None

    # Each command is in the journal under alice's name, and in the history as the update she sent.
    status = await status_of(handle)
    by_alice = [action.kind for action in status.actions if action.actor == "alice"]
    assert len(by_alice) >= 6
    history = await handle.fetch_history()
    updates = [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.input
        for event in history.events
        if event.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert [update.name for update in updates] == [
        "pause",
        "resume",
        "promise_to_pay",
        "record_payment",
        "dispute",
        "dispute",
    ]
    converter = backoffice.relance.client.data_converter
    for update in updates:
        [request] = await converter.decode(list(update.args.payloads))
        assert request["agent"] == "alice"


async def to_the_court(agent: WebUser, case_id: str, handle: Handle) -> CaseStatus:
    """Escalate through the web forms up to the filing, which then waits for approval."""
    reached = {
        Stage.FORMAL_NOTICE: "formal_notice_received",
        Stage.PENALTY_CLAIM: "penalty_claim_sent",
    }
    for stage in (Stage.FORMAL_NOTICE, Stage.PENALTY_CLAIM, Stage.JUDICIAL_FILING):
        response = await agent.post(f"/cases/{case_id}/escalate", {"to_stage": stage.value})
        assert response.status_code == 303

        async def done(stage: Stage = stage) -> CaseStatus | None:
            status = await status_of(handle)
            kinds = {action.kind for action in status.actions}
            return status if reached.get(stage) in kinds or status.approval_pending else None

        status = await eventually(done, f"{stage} done")
    return status


async def test_a_filing_is_approved_by_a_second_agent_and_the_queue_shows_it_meanwhile(
    backoffice: BackofficeUnderTest,
) -> None:
    case_id, handle = await backoffice.case(
        invoice_pdf=backoffice.relance.invoice_pdf, order_pdf=backoffice.relance.order_pdf
    )
    alice = await backoffice.user("alice", Role.AGENT)
    bruno = await backoffice.user("bruno", Role.AGENT)
    status = await to_the_court(alice, case_id, handle)
    assert status.approval_pending and status.filing_requested_by == "alice"

    queue = unescape((await bruno.get("/queue")).text)
    assert case_id in queue
    assert "saisine judiciaire demandée par alice : un autre agent l'approuve ou la rejette" in queue
    page = await bruno.get(f"/cases/{case_id}")
    assert 'id="filing-form"' in page.text

    own = await follow(alice, await alice.post(f"/cases/{case_id}/filing", {"approve": "true"}))
    assert "règle des quatre yeux : alice a demandé cette saisine" in flash(own)
    no_reason = await bruno.post(f"/cases/{case_id}/filing", {"approve": "false"})
    assert no_reason.status_code == 400 and flash(no_reason) == "refusé : motif : requis pour rejeter"
    approved = await follow(bruno, await bruno.post(f"/cases/{case_id}/filing", {"approve": "true"}))
    assert flash(approved) == "saisine approuvée : le dossier part chez le commissaire de justice"

    async def handed_off() -> CaseStatus | None:
        status = await status_of(handle)
        return status if status.state == CaseState.WITH_BAILIFF else None

    status = await eventually(handed_off, "the dossier goes to the commissaire de justice")
    assert [a.actor for a in status.actions if a.kind == "filing_approved"] == ["bruno"]
    # Approved: the filing no longer waits in anyone's queue.
    assert "saisine judiciaire demandée par alice" not in unescape((await bruno.get("/queue")).text)


async def test_an_auditor_reads_replays_and_checks_the_documents_of_a_case(
    backoffice: BackofficeUnderTest,
) -> None:
    relance = backoffice.relance
    case_id, handle, alice = await case_with_notice_received(backoffice)
    await alice.post(f"/cases/{case_id}/pause", {"reason": "audit me"})

    auditor = await backoffice.user("audrey", Role.AUDITOR)
    page = unescape((await auditor.get(f"/audit/cases/{case_id}")).text)
    # The timeline says each event in French (models/wording.py), what it carried as it is.
    assert "<td>dossier ouvert</td>" in page and "<td>commande acceptée</td>" in page
    assert "<td>activité planifiée</td>" in page and "<td>activité terminée</td>" in page
    assert " a rendu " in page and "<td>attente commencée</td>" in page
    assert "workflow execution" not in page and " returned " not in page
    assert '"agent": "alice"' in page and "audit me" in page
    checks = re.findall(r'<td class="verdict-(\w+)">', page)
    assert checks and set(checks) == {"intact"}

    replayed = unescape((await auditor.post(f"/audit/cases/{case_id}/replay")).text)
    assert 'id="replay-verdict">Rejeu déterministe' in replayed

    # The raw export is Temporal's JSON of the history, payloads decoded (a replayer reads it back);
    # the server keeps them encrypted.
    exported = await auditor.get(f"/audit/cases/{case_id}/history.json")
    assert exported.headers["content-type"] == "application/json"
    assert any(b"audit me" in data for data in payload_data(json.loads(exported.text)))
    exported_history = WorkflowHistory.from_json(case_id, exported.text)
    outcome = await replay_history(exported_history, converter_for_tests())
    assert outcome.deterministic, outcome.failure
    kept = (await handle.fetch_history()).to_json()
    assert not any(b"audit me" in data for data in payload_data(json.loads(kept)))

    # Documents open from the case page, and a file changed since is shown as altered.
    case_page = (await alice.get(f"/cases/{case_id}")).text
    # The agent reads the journal in French, and no path of the server's.
    timeline = unescape(case_page)
    assert "<td>mise en demeure envoyée</td>" in timeline and "<td>mise en demeure reçue</td>" in timeline
    assert "lettre recommandée" in timeline and "formal_notice_sent" not in timeline
    assert str(relance.settings.data_dir) not in timeline
    links = re.findall(rf'href="(/cases/{case_id}/documents/([0-9a-f]{{64}}))"', case_page)
    assert links
    url, recorded = links[0]
    document = await alice.get(url)
    assert document.status_code == 200 and hashlib.sha256(document.content).hexdigest() == recorded
    assert document.content.startswith(b"%PDF")
    paths = [
        p
        for p in relance.settings.documents_dir.rglob("*.pdf")
        if hashlib.sha256(p.read_bytes()).hexdigest() == recorded
    ]
    assert paths
    paths[0].write_bytes(paths[0].read_bytes() + b"\n% altered\n")
    page = unescape((await auditor.get(f"/audit/cases/{case_id}")).text)
    assert "MODIFIÉ" in page and 'class="mismatch"' in page
    assert (await alice.get(f"/cases/{case_id}/documents/{'f' * 64}")).status_code == 404

    # The export of the day holds this case's history and a manifest of their SHA-256.
    day = date.today().isoformat()
    archive = await auditor.get(f"/audit/export?start={day}&end={day}")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        assert manifest["exported_by"] == "audrey"
        [entry] = [item for item in manifest["histories"] if item["file"].startswith(case_id)]
        assert hashlib.sha256(zipped.read(entry["file"])).hexdigest() == entry["sha256"]
    assert not any((relance.data_dir / "exports").iterdir())
    bad = await auditor.get(f"/audit/export?start={day}&end=2020-01-01")
    assert bad.status_code == 400


async def test_the_codec_endpoint_decodes_for_signed_in_users_and_seals_for_nobody(
    backoffice: BackofficeUnderTest,
) -> None:
    case_id, handle = await backoffice.case()
    auditor = await backoffice.user("audrey", Role.AUDITOR)
    kept = await handle.fetch_history()
    started = kept.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert started.metadata["encoding"] != b"json/plain"
    body = {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in started.metadata.items()},
                "data": base64.b64encode(started.data).decode(),
            }
        ]
    }
    origin = "http://127.0.0.1:8233"
    decoded = await auditor.http.post(
        "/codec/decode", json=body, headers={"Origin": origin, "X-Namespace": "default"}
    )
    assert decoded.status_code == 200
    assert decoded.headers["access-control-allow-origin"] == origin
    assert decoded.headers["access-control-allow-credentials"] == "true"
    [payload] = decoded.json()["payloads"]
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"json/plain"
    assert json.loads(base64.b64decode(payload["data"]))["case_id"] == case_id

    # It seals nothing: a payload sealed for anyone signed in would be a command the worker takes.
    admin = await backoffice.user("root", Role.ADMIN)
    for who in (auditor, admin):
        refused = await who.http.post("/codec/encode", json=decoded.json(), headers={"Origin": origin})
        assert refused.status_code == 404 and "payloads" not in refused.text

    preflight = await auditor.http.options(
        "/codec/decode", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == origin
    elsewhere = await auditor.http.post(
        "/codec/decode", json=body, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in elsewhere.headers
    garbage = await auditor.http.post("/codec/decode", content=b"not json")
    assert garbage.status_code == 400
    anonymous = await backoffice.browser().post("/codec/decode", json=body)
    assert anonymous.status_code == 401


async def test_the_demo_invoices_are_imported_in_the_browser_with_the_pdfs_their_file_names(
    backoffice: BackofficeUnderTest,
) -> None:
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    demo_csv = DEMO_INVOICES_FILE.read_bytes()
    pdfs = sorted((DEMO_INVOICES_FILE.parent / "invoices").glob("*.pdf"))
    attachments = [("attachments", (pdf.name, pdf.read_bytes(), "application/pdf")) for pdf in pdfs]
    upload = [("files", ("demo_invoices.csv", demo_csv, "text/csv"))]

    # Without the PDFs it names, the file is refused row by row, saying which PDF to attach.
    missing = await clerk.post("/imports", {"policy": "demo"}, files=upload + attachments[1:])
    assert missing.status_code == 422
    assert f"joignez {pdfs[0].name} à l'envoi" in unescape(missing.text)
    # An upload never reaches a file of the server.
    sneaky = invoice_row("W-9", date.today()).rstrip(",") + "," + str(pdfs[0].resolve())
    refused = await clerk.post("/imports", files={"files": ("x.csv", csv_file(sneaky), "text/csv")})
    assert refused.status_code == 422 and f"joignez {pdfs[0].name} à l'envoi" in unescape(refused.text)

    accepted = await clerk.post("/imports", {"policy": "demo"}, files=upload + attachments)
    assert accepted.status_code == 303, unescape(accepted.text)[-2000:]

    async def finished() -> dict[str, Any] | None:
        progress = (await clerk.get(accepted.headers["location"] + "/progress")).json()
        return progress if progress["finished"] else None

    progress = await eventually(finished, "the demo import finishes")
    # The demo's cases have fixed ids: on the tests' shared Temporal server another test may have
    # started them already.
    report = progress["report"]
    assert progress["error"] is None and report["cases_started"] + report["cases_existing"] == 6
    # The page's demo button imports the same bundled files: nothing new.
    button = await clerk.post("/imports/demo")
    assert button.status_code == 303
    again = await eventually(
        lambda: _finished(clerk, button.headers["location"]), "the demo button's import finishes"
    )
    assert again["report"]["cases_started"] == 0 and again["report"]["cases_existing"] == 6
    async with backoffice.relance.database.sessions() as session:
        kept = (await session.exec(select(Invoice.pdf_path).where(Invoice.number == "DEMO-2026-001"))).one()
    assert kept is not None
    assert (
        Path(kept).read_bytes() == (DEMO_INVOICES_FILE.parent / "invoices" / "DEMO-2026-001.pdf").read_bytes()
    )


async def test_an_import_that_would_change_a_creditors_iban_is_refused_whole_on_its_page(
    backoffice: BackofficeUnderTest,
) -> None:
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    first = await clerk.post("/imports/demo")
    await eventually(lambda: _finished(clerk, first.headers["location"]), "the demo import finishes")
    stored = await invoices_stored(backoffice.relance)

    # The same creditors, one IBAN slipped in: how payments get diverted. Nothing is stored.
    text = DEMO_INVOICES_FILE.read_text(encoding="utf-8")
    text = re.sub(r"invoices/[A-Z0-9-]+\.pdf", "", text).replace("DEMO-2026-00", "NEW-2026-00")
    text = text.replace("FR7630004000031234567890143", "FR1420041010050500013M02606")
    changed = await clerk.post("/imports", files={"files": ("changed.csv", text.encode(), "text/csv")})
    assert changed.status_code == 303
    progress = await eventually(lambda: _finished(clerk, changed.headers["location"]), "the import ends")
    assert progress["error"] is not None and "rien n'est importé" in progress["error"]
    page = unescape((await clerk.get(changed.headers["location"])).text)
    assert "creditor_iban" in page and "une importation ne remplace jamais l'IBAN d'un créancier" in page
    assert await invoices_stored(backoffice.relance) == stored


async def test_a_banner_names_the_rate_tables_to_complete_while_a_half_year_is_missing(
    backoffice: BackofficeUnderTest,
) -> None:
    agent = await backoffice.user("alice", Role.AGENT)
    for page in ("/dashboard", "/queue"):
        assert 'id="rates-banner"' not in (await agent.get(page)).text
    current = half_year_of(date.today())
    rates_dir = backoffice.relance.settings.rates_dir
    for name in ("ecb_main_refinancing.csv", "legal_interest.csv"):
        path = rates_dir / name
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.startswith("half_year") or line[:7] < current]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    for page in ("/dashboard", "/queue"):
        text = unescape((await agent.get(page)).text)
        banner = text.split('id="rates-banner"')[1].split("</p>")[0]
        assert f"{half_year_fr(date.today())}" in banner
        assert "ecb_main_refinancing.csv et legal_interest.csv" in banner
        # The file names, never the server's folders.
        assert str(rates_dir) not in text
