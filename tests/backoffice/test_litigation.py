"""The litigation file writer behind ``relance dossier``: which files it gathers, the manifest of
their hashes, the history and the journal beside them, and a folder it never overwrites."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from backoffice.audit import actions_from_history
from backoffice.litigation import LitigationFileError, case_sources, write_litigation_file
from config.settings import Settings
from storage.tables import CaseEvent
from tests.fixtures.temporal import HISTORIES

CASE_ID = "invoice-123456782-F-2026-001"
# A real history of an earlier version of the workflow (see tests/workflows/test_replay.py).
HISTORY_JSON = (HISTORIES / "full_ladder.json").read_text(encoding="utf-8")
WRITTEN_AT = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def put(path: Path, content: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return sha256(content)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


def event(kind: str, document_sha256: str | None, step_key: str | None = None) -> CaseEvent:
    return CaseEvent(
        case_id=CASE_ID,
        kind=kind,
        step_key=step_key,
        actor="relance",
        occurred_at=datetime(2026, 3, 6, 9, 0, tzinfo=UTC),
        detail=f"{kind} for the test",
        document_sha256=document_sha256,
        idempotency_key=f"{kind}:{step_key}",
    )


def test_the_case_files_are_gathered_from_every_folder_of_the_data(
    settings: Settings, tmp_path: Path
) -> None:
    put(settings.documents_dir / CASE_ID / "formal_notice.red.pdf", b"%PDF notice")
    put(settings.registered_mail_dir / CASE_ID / "formal_notice" / "receipt.json", b"{}")
    put(settings.registered_mail_dir / "postal" / CASE_ID / "formal_notice.pdf", b"%PDF pack")
    put(settings.dossiers_dir / CASE_ID / "manifest.json", b"{}")
    # A write under way, another case's letter: not this case's files.
    put(settings.documents_dir / CASE_ID / ".formal_notice.red.pdf.x.part", b"half")
    put(settings.documents_dir / "invoice-123456782-OTHER" / "first_reminder.pdf", b"%PDF other")
    invoice = tmp_path / "invoices" / "F-2026-001.pdf"
    put(invoice, b"%PDF invoice")

    sources = case_sources(settings, CASE_ID, invoice)

    assert sorted(sources) == [
        "documents/formal_notice.red.pdf",
        "dossiers/manifest.json",
        "invoice/F-2026-001.pdf",
        "registered/formal_notice/receipt.json",
        "registered/postal/formal_notice.pdf",
    ]
    assert sources["invoice/F-2026-001.pdf"] == invoice
    assert case_sources(settings, "invoice-123456782-NONE") == {}


def test_the_litigation_file_lists_every_file_with_its_hash_and_the_journal_naming_it(
    settings: Settings, tmp_path: Path
) -> None:
    notice = put(settings.documents_dir / CASE_ID / "formal_notice.red.pdf", b"%PDF notice")
    receipt = put(settings.registered_mail_dir / CASE_ID / "formal_notice" / "receipt.json", b'{"id": 1}')
    gone = sha256(b"a reminder deleted since")
    journal = [
        event("case_opened", None),
        event("reminder_sent", gone, "first_reminder"),
        event("formal_notice_sent", notice, "formal_notice"),
    ]
    history = WorkflowHistory.from_json(CASE_ID, HISTORY_JSON)
    target = tmp_path / "out" / "dossier"

    written = write_litigation_file(
        target,
        CASE_ID,
        case_sources(settings, CASE_ID),
        HISTORY_JSON,
        actions_from_history(history),
        journal,
        WRITTEN_AT,
    )

    assert written.folder == target
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["file"]: entry for entry in manifest["files"]}
    assert sorted(listed) == [
        "documents/formal_notice.red.pdf",
        "history.json",
        "journal.json",
        "registered/formal_notice/receipt.json",
        "timeline.json",
    ]
    on_disk = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert on_disk == sorted([*listed, "manifest.json"])
    for name, entry in listed.items():
        content = (target / name).read_bytes()
        assert entry["sha256"] == sha256(content) == written.files[name]
        assert entry["size"] == len(content)
    assert written.files["manifest.json"] == sha256((target / "manifest.json").read_bytes())
    assert listed["documents/formal_notice.red.pdf"]["sha256"] == notice
    assert listed["documents/formal_notice.red.pdf"]["journal"] == [
        "2026-03-06T09:00:00+00:00 formal_notice_sent (formal_notice)"
    ]
    assert listed["registered/formal_notice/receipt.json"]["sha256"] == receipt
    assert manifest["journal_documents_not_found"] == [
        {"sha256": gone, "journal": ["2026-03-06T09:00:00+00:00 reminder_sent (first_reminder)"]}
    ]
    assert written.not_found == [gone]
    assert manifest["case_id"] == CASE_ID
    assert manifest["written_at"] == "2026-05-04T08:30:00+00:00"

    assert (target / "history.json").read_text(encoding="utf-8") == HISTORY_JSON
    timeline = json.loads((target / "timeline.json").read_text(encoding="utf-8"))
    assert [entry["kind"] for entry in timeline] == [
        "case_opened",
        "reminder_sent",
        "reminder_sent",
        "formal_notice_sent",
        "penalty_claim_sent",
        "handed_off_to_bailiff",
        "case_closed",
    ]
    assert all(entry["confirmed"] for entry in timeline)
    stored = json.loads((target / "journal.json").read_text(encoding="utf-8"))
    assert [(line["kind"], line["document_sha256"]) for line in stored] == [
        ("case_opened", None),
        ("reminder_sent", gone),
        ("formal_notice_sent", notice),
    ]
    # Built beside its target and moved into place: nothing else is left there.
    assert [p.name for p in target.parent.iterdir()] == ["dossier"]


def test_an_existing_folder_is_never_overwritten(settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "dossier"
    put(target / "notes.txt", b"an agent's notes")

    with pytest.raises(LitigationFileError, match="existe déjà"):
        write_litigation_file(target, CASE_ID, {}, HISTORY_JSON, [], [], WRITTEN_AT)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
