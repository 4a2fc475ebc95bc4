"""The filing dossier, ``<dossiers>/<case>/``: for an injonction de payer (CPC 1405 and following)
the request to the court, or for a small claim (CPCE L125-1) the request to the commissaire de
justice; the bordereau de pièces; every exhibit, numbered; the case's history export; and the
manifest, which also records the request the dossier was built from, so that a retry of the same
request finds it again and rebuilds nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from activities.dossiers.folders import MANIFEST, copy_verified, file_size, publish_folder
from activities.rendering.signatories import creditor_signatory
from activities.rendering.templates import debtor_flags, template_pdf
from law.courts import CourtEntry, in_alsace_moselle
from models.court import Exhibit, ExhibitKind, FilingDossierRef, FilingRequest
from models.documents import DocumentRef
from support.files import canonical_json, sha256_of, write_durably

HISTORY = "history.json"
BORDEREAU = "bordereau_de_pieces"
# The request of each route: its template and the file it is rendered to.
REQUESTS = {
    "injonction_de_payer": ("injonction_de_payer_request.html.j2", "requete_injonction_de_payer.pdf"),
    "small_claims": ("small_claims_request.html.j2", "demande_petites_creances.pdf"),
}
# The official request forms of an injonction de payer, by court: to be checked at their current
# revision before filing, the dossier does not reproduce them.
CERFA = {"tribunal_de_commerce": "12946", "tribunal_judiciaire": "12948"}
EXHIBIT_ORDER: tuple[str, ...] = get_args(ExhibitKind)


@dataclass(frozen=True)
class NumberedExhibit:
    """An exhibit as the bordereau lists it: its number and its file in the dossier."""

    number: int
    kind: str
    dated: date | None
    file: str
    document: DocumentRef


def numbered_exhibits(exhibits: list[Exhibit]) -> list[NumberedExhibit]:
    """Exhibits in the bordereau's order (invoice, order, notice and its receipt, statement,
    reminders; by date within a kind, undated first), numbered from 1; a document given twice is
    numbered once."""
    unique: dict[DocumentRef, Exhibit] = {}
    for exhibit in sorted(exhibits, key=lambda e: (EXHIBIT_ORDER.index(e.kind), e.dated or date.min)):
        unique.setdefault(exhibit.document, exhibit)
    return [
        NumberedExhibit(
            number=number,
            kind=exhibit.kind,
            dated=exhibit.dated,
            file=f"piece-{number:02d}-{Path(exhibit.document.path).name}",
            document=exhibit.document,
        )
        for number, exhibit in enumerate(unique.values(), start=1)
    ]


def filing_values(
    request: FilingRequest,
    exhibits: list[NumberedExhibit],
    small_claims_ceiling: Decimal,
    named_court: CourtEntry | None,
) -> dict[str, Any]:
    """What the request and bordereau templates see; ``named_court`` is the court of the debtor's
    postcode in the court table, None when the table does not serve it."""
    court = request.decision.court
    return {
        "case_id": request.case_id,
        "creditor": request.creditor,
        # Who signs the request and represents the company (CPC 54, 57); refused without one.
        "signatory": creditor_signatory(request.creditor),
        "debtor": request.debtor,
        "invoice": request.invoice,
        **debtor_flags(request.debtor.kind),
        "route": request.route,
        "court": court,
        "named_court": named_court,
        # No tribunal de commerce there: the chambre commerciale of the tribunal judiciaire.
        "alsace_moselle": in_alsace_moselle(request.debtor.address.postcode),
        "cerfa": CERFA[court] if court else None,
        "principal": request.principal,
        "interest": request.interest,
        "indemnity": request.indemnity,
        "total": request.decision.claim_amount,
        "penalties": request.penalties,
        "small_claims_ceiling": small_claims_ceiling,
        "notice_received_on": request.notice_received_on,
        "exhibits": exhibits,
        "notice": next((e for e in exhibits if e.kind == "formal_notice"), None),
        # None: the order is known by its reference only, and the request says it will be produced.
        "order": next((e for e in exhibits if e.kind == "order"), None),
        "reminders": [e for e in exhibits if e.kind == "reminder"],
        "filed_on": request.filed_on,
        "disputed": request.disputed,
        # Paid on the invoice so far: before the case started and since.
        "paid": request.invoice.amount_due - request.principal,
    }


def _request_fingerprint(request: FilingRequest) -> str:
    return sha256_of(request.model_dump_json().encode("utf-8"))


def _filing_manifest(
    request: FilingRequest, fingerprint: str, listed: list[dict[str, Any]], named_court: CourtEntry | None
) -> dict[str, Any]:
    return {
        "case_id": request.case_id,
        # The same request finds its dossier again: a retry rebuilds nothing.
        "request_sha256": fingerprint,
        "filed_on": request.filed_on.isoformat(),
        "route": request.decision.route,
        "court": request.decision.court,
        # The court the request is addressed to, as the court table named it then (None: unknown).
        "competent_court": named_court.model_dump(mode="json", exclude={"serves"}) if named_court else None,
        "claim": {
            "principal": str(request.principal),
            "interest": str(request.interest),
            "indemnity": str(request.indemnity),
            "total": str(request.decision.claim_amount),
        },
        "creditor": request.creditor.model_dump(mode="json"),
        "debtor": request.debtor.model_dump(mode="json"),
        "invoice": request.invoice.model_dump(mode="json"),
        "files": listed,
    }


def _dossier_ref(folder: Path, manifest: bytes, request: FilingRequest) -> FilingDossierRef:
    listed = json.loads(manifest)["files"]
    files = [DocumentRef(path=str(folder / entry["file"]), sha256=entry["sha256"]) for entry in listed]
    manifest_sha256 = sha256_of(manifest)
    return FilingDossierRef(
        path=str(folder),
        manifest_sha256=manifest_sha256,
        route=request.route,
        files=[*files, DocumentRef(path=str(folder / MANIFEST), sha256=manifest_sha256)],
    )


def completed_filing(target: Path, request: FilingRequest) -> FilingDossierRef | None:
    """The dossier at ``target`` when it was completed for this very request (a retry after the
    dossier was completed: its PDFs would not render byte for byte), else None."""
    if not (target / MANIFEST).is_file():
        return None
    existing = (target / MANIFEST).read_bytes()
    if json.loads(existing).get("request_sha256") != _request_fingerprint(request):
        return None
    return _dossier_ref(target, existing, request)


def write_filing(
    target: Path,
    request: FilingRequest,
    templates_dir: Path,
    small_claims_ceiling: Decimal,
    named_court: CourtEntry | None,
) -> FilingDossierRef:
    """Render the request of the case's route, addressed to ``named_court``, and the bordereau, and
    publish them at ``target`` with the numbered exhibits, the history export and the manifest."""
    template, request_file = REQUESTS[request.route]
    exhibits = numbered_exhibits(request.exhibits)
    values = filing_values(request, exhibits, small_claims_ceiling, named_court)
    produced = {
        request_file: template_pdf(templates_dir, template, values, "filing"),
        f"{BORDEREAU}.pdf": template_pdf(templates_dir, f"{BORDEREAU}.html.j2", values, "filing"),
    }
    listed = _listed_files(produced, exhibits, request.history)
    manifest = canonical_json(_filing_manifest(request, _request_fingerprint(request), listed, named_court))

    def write(building: Path) -> None:
        for name, content in produced.items():
            write_durably(building / name, content)
        for exhibit in exhibits:
            copy_verified(exhibit.document, building / exhibit.file)
        copy_verified(request.history, building / HISTORY)
        write_durably(building / MANIFEST, manifest)

    publish_folder(target, write)
    return _dossier_ref(target, manifest, request)


def _listed_files(
    produced: dict[str, bytes], exhibits: list[NumberedExhibit], history: DocumentRef
) -> list[dict[str, Any]]:
    """The manifest's list of files: the rendered ones, the exhibits with their numbers, the history."""
    listed: list[dict[str, Any]] = [
        {"file": name, "sha256": sha256_of(content), "size": len(content)}
        for name, content in produced.items()
    ]
    listed += [
        {
            "file": exhibit.file,
            "sha256": exhibit.document.sha256,
            "size": file_size(Path(exhibit.document.path)),
            "exhibit": exhibit.number,
            "kind": exhibit.kind,
        }
        for exhibit in exhibits
    ]
    listed.append({"file": HISTORY, "sha256": history.sha256, "size": file_size(Path(history.path))})
    return listed
