"""The litigation file of a case, on demand (``relance dossier``): what a lawyer, a court or a
commissaire de justice needs to see what was done on the case, when and why, in one folder.

- ``documents/``, ``registered/``, ``dossiers/``, ``invoice/``: the case's files as the data folder
  keeps them (letters and statements, registered letters and their proofs, the filing dossier, the
  imported invoice);
- ``history.json``: the Temporal history export, which auditors replay;
- ``timeline.json``: the actions that history proves, in order;
- ``journal.json``: the append-only journal's lines, each with the SHA-256 of its document;
- ``manifest.json``: every file with its SHA-256 and size, the journal lines naming each document,
  and the journal's documents found in none of the files.

The folder is built beside its target and moved into place in one rename; an existing target is
never overwritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select
from temporalio.client import Client

from activities.dossiers.folders import MANIFEST, publish_folder
from backoffice.audit import AuditEntry, actions_from_history, case_history
from config.settings import Settings
from storage.database import Database
from storage.journal import case_events
from storage.tables import CaseEvent, Invoice
from support.files import canonical_json, write_durably


class LitigationFileError(ValueError):
    """A litigation file that cannot be written where asked."""


@dataclass(frozen=True)
class LitigationFile:
    folder: Path
    # Each file's name in the folder and its SHA-256, the manifest's own included.
    files: dict[str, str]
    # SHA-256 of documents the journal records but no file of the case has.
    not_found: list[str]


def case_sources(settings: Settings, case_id: str, invoice_pdf: Path | None = None) -> dict[str, Path]:
    """Every file the data folder keeps for the case, under its name in the litigation file."""
    folders = {
        "documents": settings.documents_dir / case_id,
        "registered": settings.registered_mail_dir / case_id,
        "registered/postal": settings.registered_mail_dir / "postal" / case_id,
        "dossiers": settings.dossiers_dir / case_id,
    }
    sources = {}
    for prefix, folder in folders.items():
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                # A dot file is a write under way (activities.documents.write_atomically).
                if path.is_file() and not path.name.startswith("."):
                    sources[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path
    if invoice_pdf is not None and invoice_pdf.is_file():
        sources[f"invoice/{invoice_pdf.name}"] = invoice_pdf
    return sources


def write_litigation_file(
    target: Path,
    case_id: str,
    sources: Mapping[str, Path],
    history_json: str,
    timeline: list[AuditEntry],
    journal: list[CaseEvent],
    written_at: datetime,
) -> LitigationFile:
    """Write the litigation file into ``target``, which must not exist yet."""
    if target.exists():
        raise LitigationFileError(f"{target} existe déjà : choisissez un autre répertoire")
    contents = {name: path.read_bytes() for name, path in sources.items()}
    contents["history.json"] = history_json.encode("utf-8")
    contents["timeline.json"] = canonical_json(
        [{**asdict(entry), "at": entry.at.isoformat()} for entry in timeline]
    )
    contents["journal.json"] = canonical_json([event.model_dump(mode="json") for event in journal])
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in contents.items()}
    recorded: dict[str, list[str]] = {}
    for event in journal:
        if event.document_sha256:
            recorded.setdefault(event.document_sha256, []).append(
                f"{event.occurred_at.isoformat()} {event.kind} ({event.step_key or '-'})"
            )
    not_found = [sha256 for sha256 in recorded if sha256 not in hashes.values()]
    manifest = canonical_json(
        {
            "case_id": case_id,
            "written_at": written_at.isoformat(),
            "files": [
                {
                    "file": name,
                    "sha256": hashes[name],
                    "size": len(content),
                    "journal": recorded.get(hashes[name], []),
                }
                for name, content in contents.items()
            ],
            "journal_documents_not_found": [
                {"sha256": sha256, "journal": recorded[sha256]} for sha256 in not_found
            ],
        }
    )

    def write(building: Path) -> None:
        for name, content in contents.items():
            write_durably(building / name, content)
        write_durably(building / MANIFEST, manifest)

    publish_folder(target, write)
    return LitigationFile(
        folder=target,
        files={**hashes, MANIFEST: hashlib.sha256(manifest).hexdigest()},
        not_found=not_found,
    )


async def litigation_file(
    client: Client, database: Database, settings: Settings, case_id: str, target: Path
) -> LitigationFile:
    """Gather the case's history, journal and files, and write its litigation file into ``target``.

    Raises the server's RPCError when the case has no history.
    """
    history = await case_history(client, case_id)
    journal = await case_events(database, case_id)
    async with database.sessions() as session:
        invoice = (await session.exec(select(Invoice).where(Invoice.case_id == case_id))).first()
    invoice_pdf = Path(invoice.pdf_path) if invoice is not None and invoice.pdf_path else None
    return write_litigation_file(
        target,
        case_id,
        case_sources(settings, case_id, invoice_pdf),
        history.to_json(),
        actions_from_history(history),
        journal,
        datetime.now(UTC),
    )
