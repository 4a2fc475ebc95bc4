"""The hand-off to the commissaire de justice: the dossier folder on disk, its manifest and hashes,
retries, and documents that changed after they were sent."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.legal import LegalActivities
from config.settings import Settings
from models.case import (
    ActionRecord,
    Address,
    CreditorInfo,
    DebtorInfo,
    DocumentRef,
    DossierRef,
    HandoffRequest,
    InvoiceInfo,
)
from models.enums import DebtorKind, Stage

CASE_ID = "invoice-123456782-F-2026-001"


def write_pdf(path: Path, pages: int) -> DocumentRef:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = BytesIO()
    writer.write(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return DocumentRef(path=str(path), sha256=hashlib.sha256(buffer.getvalue()).hexdigest())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def handoff_request(tmp_path: Path) -> HandoffRequest:
    letters = tmp_path / "data" / "documents" / CASE_ID
    invoice_pdf = write_pdf(tmp_path / "imports" / "F-2026-001.pdf", pages=1)
    notice = write_pdf(letters / "formal_notice.red.pdf", pages=2)
    penalties = write_pdf(letters / "penalty_claim.red.pdf", pages=3)
    sent = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    return HandoffRequest(
        case_id=CASE_ID,
        creditor=CreditorInfo(
            name="Menuiserie Dupont SARL",
            siren="123456782",
            email="compta@menuiserie-dupont.fr",
            address=Address(street="12 rue des Artisans", postcode="69003", city="Lyon"),
            charter_accepted_on=date(2026, 1, 5),
        ),
        debtor=DebtorInfo(
            kind=DebtorKind.BUSINESS,
            name="Bâtiments Martin SAS",
            email="factures@batiments-martin.fr",
            address=Address(street="4 avenue Jean Jaurès", postcode="75019", city="Paris"),
            siren="987654324",
        ),
        invoice=InvoiceInfo(
            number="F-2026-001",
            issue_date=date(2026, 1, 5),
            due_date=date(2026, 2, 4),
            amount_due=Decimal("1234.56"),
            amount_paid=Decimal("200.00"),
            order_reference="BC-7781",
            pdf_path=invoice_pdf.path,
        ),
        balance=Decimal("1034.56"),
        documents=[notice, penalties],
        actions=[
            ActionRecord(
                at=sent,
                kind="letter_sent",
                actor="workflow",
                detail="registered letter 1A00012345678 (outbox) and copy by email",
                step_key="formal_notice",
                stage=Stage.FORMAL_NOTICE,
                document_sha256=notice.sha256,
            )
        ],
        handed_off_at=datetime(2026, 5, 4, 8, 30, tzinfo=UTC),
    )


def hand_off(settings: Settings, request: HandoffRequest) -> DossierRef:
    return ActivityEnvironment().run(LegalActivities(settings).handoff_to_bailiff, request)


def test_dossier_holds_every_document_and_a_manifest_of_their_hashes(
    settings: Settings, handoff_request: HandoffRequest
) -> None:
    dossier = hand_off(settings, handoff_request)

    folder = Path(dossier.path)
    assert folder == settings.dossiers_dir / CASE_ID
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-F-2026-001.pdf",
        "02-formal_notice.red.pdf",
        "03-penalty_claim.red.pdf",
        "manifest.json",
    ]
    assert dossier.manifest_sha256 == sha256(folder / "manifest.json")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for listed in manifest["documents"]:
        copy = folder / listed["file"]
        assert listed["sha256"] == sha256(copy)
        assert listed["size"] == copy.stat().st_size
    sources = [
        Path(handoff_request.invoice.pdf_path or ""),
        *(Path(d.path) for d in handoff_request.documents),
    ]
    assert [d["sha256"] for d in manifest["documents"]] == [sha256(source) for source in sources]
    assert [len(PdfReader(folder / d["file"]).pages) for d in manifest["documents"]] == [1, 2, 3]

    assert manifest["case_id"] == CASE_ID
    assert manifest["balance"] == "1034.56"
    assert manifest["handed_off_at"] == "2026-05-04T08:30:00+00:00"
    assert manifest["invoice"]["amount_due"] == "1234.56"
    assert manifest["invoice"]["due_date"] == "2026-02-04"
    assert manifest["creditor"]["siren"] == "123456782"
    assert manifest["debtor"]["name"] == "Bâtiments Martin SAS"
    assert manifest["actions"][0]["document_sha256"] == handoff_request.documents[0].sha256
    assert manifest["actions"][0]["stage"] == "formal_notice"
    # Nothing is left of the folder the dossier was built in.
    assert [p.name for p in settings.dossiers_dir.iterdir()] == [CASE_ID]


def test_a_retry_returns_the_same_dossier_untouched(
    settings: Settings, handoff_request: HandoffRequest
) -> None:
    first = hand_off(settings, handoff_request)
    manifest = Path(first.path) / "manifest.json"
    written = manifest.stat()

    assert hand_off(settings, handoff_request) == first
    assert manifest.stat().st_ino == written.st_ino
    assert manifest.stat().st_mtime_ns == written.st_mtime_ns
    assert [p.name for p in settings.dossiers_dir.iterdir()] == [CASE_ID]


def test_a_document_changed_since_it_was_sent_is_refused(
    settings: Settings, handoff_request: HandoffRequest
) -> None:
    tampered = Path(handoff_request.documents[0].path)
    tampered.write_bytes(tampered.read_bytes() + b"%% one more line\n")

    with pytest.raises(ApplicationError) as refused:
        hand_off(settings, handoff_request)
    assert refused.value.non_retryable
    assert refused.value.type == "DocumentChanged"
    assert "formal_notice.red.pdf" in str(refused.value)
    # No dossier, and no half-built folder beside where it would be.
    assert list(settings.dossiers_dir.iterdir()) == []


def test_a_missing_document_is_refused(settings: Settings, handoff_request: HandoffRequest) -> None:
    Path(handoff_request.documents[1].path).unlink()

    with pytest.raises(ApplicationError, match=r"penalty_claim\.red\.pdf is missing") as refused:
        hand_off(settings, handoff_request)
    assert refused.value.non_retryable
    assert list(settings.dossiers_dir.iterdir()) == []


def test_a_different_request_replaces_the_dossier_and_keeps_the_old_one(
    settings: Settings, handoff_request: HandoffRequest
) -> None:
    first = hand_off(settings, handoff_request)
    later = handoff_request.model_copy(
        update={"balance": Decimal("834.56"), "handed_off_at": datetime(2026, 6, 1, tzinfo=UTC)}
    )
    second = hand_off(settings, later)

    assert second.path == first.path
    assert second.manifest_sha256 != first.manifest_sha256
    assert json.loads((Path(second.path) / "manifest.json").read_text())["balance"] == "834.56"
    kept = settings.dossiers_dir / f"{CASE_ID}.replaced-{first.manifest_sha256[:12]}"
    assert sha256(kept / "manifest.json") == first.manifest_sha256


def test_documents_with_the_same_file_name_are_all_kept(
    settings: Settings, handoff_request: HandoffRequest, tmp_path: Path
) -> None:
    other = write_pdf(tmp_path / "elsewhere" / "formal_notice.red.pdf", pages=4)
    listed_twice = handoff_request.documents[0]
    request = handoff_request.model_copy(
        update={"documents": [*handoff_request.documents, other, listed_twice]}
    )

    dossier = hand_off(settings, request)
    manifest = json.loads((Path(dossier.path) / "manifest.json").read_text())
    assert [d["file"] for d in manifest["documents"]] == [
        "01-F-2026-001.pdf",
        "02-formal_notice.red.pdf",
        "03-penalty_claim.red.pdf",
        "04-formal_notice.red.pdf",
    ]
    assert manifest["documents"][3]["sha256"] == other.sha256


@pytest.mark.parametrize("case_id", ["..", "../elsewhere", "a/b", ""])
def test_a_case_id_that_is_not_a_folder_name_is_refused(
    settings: Settings, handoff_request: HandoffRequest, case_id: str
) -> None:
    with pytest.raises(ApplicationError, match="cannot name a dossier folder") as refused:
        hand_off(settings, handoff_request.model_copy(update={"case_id": case_id}))
    assert refused.value.non_retryable
    assert not settings.dossiers_dir.exists()
