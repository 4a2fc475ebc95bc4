"""The filing dossier, ``<dossiers>/<case>/``: for an injonction de payer (CPC 1405 and following)
the request to the court, or for a small claim (CPCE L125-1) the request to the commissaire de
justice; the bordereau de pièces; every exhibit, numbered; the case's history export; and the
manifest, which also records the request the dossier was built from, so that a retry of the same
request finds it again and rebuilds nothing.

The dossier of several invoices of one debtor (``grouped_filing``) is built by the same code and the
same templates from its claims: one invoice's filing is a list of one claim."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from activities.dossiers.exhibits import ClaimExhibits, NumberedExhibit, exhibit_values, of_claim
from activities.dossiers.folders import MANIFEST, copy_verified, file_size, publish_folder
from activities.rendering.signatories import creditor_signatory
from activities.rendering.templates import debtor_flags, template_pdf
from law.courts import CourtEntry, in_alsace_moselle
from law.judicial import JudicialDecision, JudicialRoute
from models.court import FilingDossierRef, FilingRequest, GroupedFilingRequest
from models.documents import DocumentRef
from support.files import canonical_json, sha256_of, write_durably

HISTORY = "history.json"
# Each case's history in the dossier of several invoices, by its invoice's number.
CASE_HISTORY = "history-{}.json"
BORDEREAU = "bordereau_de_pieces"
# The request of each route: its template and the file it is rendered to.
REQUESTS = {
    "injonction_de_payer": ("injonction_de_payer_request.html.j2", "requete_injonction_de_payer.pdf"),
    "small_claims": ("small_claims_request.html.j2", "demande_petites_creances.pdf"),
}
# The official request forms of an injonction de payer, by court: to be checked at their current
# revision before filing, the dossier does not reproduce them.
CERFA = {"tribunal_de_commerce": "12946", "tribunal_judiciaire": "12948"}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Filing:
    """What a filing dossier is built from: its claims, one case's or several of one debtor's, under
    the decision of the route they take together, and what the dossier adds to them."""

    # Printed on every page: the case's id, or the account's dossier.
    reference: str
    claims: list[FilingRequest]
    decision: JudicialDecision
    filed_on: date
    # Each case's history export, under its file in the dossier.
    histories: dict[str, DocumentRef]
    # The manifest but its files, which the dossier lists.
    manifest: dict[str, Any]

    @property
    def route(self) -> JudicialRoute:
        route = self.decision.route
        if route is None:
            raise ValueError("an ineligible decision has no route")  # refused by the requests' models
        return route


def claim_exhibits(claim: FilingRequest) -> ClaimExhibits:
    return ClaimExhibits(invoice=claim.invoice, penalties=claim.penalties, exhibits=claim.exhibits)


def _claim_values(claim: FilingRequest, numbered: list[NumberedExhibit]) -> dict[str, Any]:
    """What the templates say of one claim (``c`` in ``_filing.html.j2``)."""
    exhibits = of_claim(claim_exhibits(claim), numbered)
    return {
        "invoice": claim.invoice,
        "principal": claim.principal,
        "interest": claim.interest,
        "indemnity": claim.indemnity,
        "total": claim.decision.claim_amount,
        "penalties": claim.penalties,
        "notice_received_on": claim.notice_received_on,
        "exhibits": exhibits,
        "notice": next((e for e in exhibits if e.kind == "formal_notice"), None),
        # None: the order is known by its reference only, and the request says it will be produced.
        "order": next((e for e in exhibits if e.kind == "order"), None),
        "reminders": [e for e in exhibits if e.kind == "reminder"],
        "disputed": claim.disputed,
        # Paid on the invoice so far: before the case started and since.
        "paid": claim.invoice.amount_due - claim.principal,
    }


def filing_values(
    filing: Filing, exhibits: dict[str, Any], small_claims_ceiling: Decimal, named_court: CourtEntry | None
) -> dict[str, Any]:
    """What the request and bordereau templates see: the parties, the route and the court, each
    claim (``claims``) and their sums; ``exhibits`` is ``exhibit_values`` of the claims,
    ``named_court`` the court of the debtor's postcode in the court table, None when the table does
    not serve it."""
    court, first = filing.decision.court, filing.claims[0]
    # The day every claim's penalties are counted to; None when they differ.
    until = {claim.penalties.until for claim in filing.claims if claim.penalties}
    return {
        "reference": filing.reference,
        "creditor": first.creditor,
        # Who signs the request and represents the company (CPC 54, 57); refused without one.
        "signatory": creditor_signatory(first.creditor),
        "debtor": first.debtor,
        **debtor_flags(first.debtor.kind),
        "route": filing.route,
        "court": court,
        "named_court": named_court,
        # No tribunal de commerce there: the chambre commerciale of the tribunal judiciaire.
        "alsace_moselle": in_alsace_moselle(first.debtor.address.postcode),
        "cerfa": CERFA[court] if court else None,
        "small_claims_ceiling": small_claims_ceiling,
        **exhibits,
        "claims": [_claim_values(claim, exhibits["exhibits"]) for claim in filing.claims],
        "currency": first.invoice.currency,
        **claims_sums(filing.claims),
        "total": filing.decision.claim_amount,
        "until": until.pop() if len(until) == 1 else None,
        "filed_on": filing.filed_on,
    }


def claims_sums(claims: list[FilingRequest]) -> dict[str, Decimal]:
    """The claims' principal, interest and indemnity, each summed: an indemnity per late invoice
    (Code de commerce D441-5), each in its claim."""
    return {
        "principal": sum((claim.principal for claim in claims), ZERO),
        "interest": sum((claim.interest for claim in claims), ZERO),
        "indemnity": sum((claim.indemnity for claim in claims), ZERO),
    }


def request_fingerprint(request: FilingRequest | GroupedFilingRequest) -> str:
    return sha256_of(request.model_dump_json().encode("utf-8"))


def claim_amounts(
    principal: Decimal, interest: Decimal, indemnity: Decimal, total: Decimal
) -> dict[str, str]:
    """A claim's amounts as its manifest records them."""
    amounts = {"principal": principal, "interest": interest, "indemnity": indemnity, "total": total}
    return {name: str(amount) for name, amount in amounts.items()}


def manifest_fields(
    request: FilingRequest | GroupedFilingRequest, named_court: CourtEntry | None
) -> dict[str, Any]:
    """What every filing's manifest says of the request it was built from."""
    return {
        # The same request finds its dossier again: a retry rebuilds nothing.
        "request_sha256": request_fingerprint(request),
        "filed_on": request.filed_on.isoformat(),
        "route": request.decision.route,
        "court": request.decision.court,
        # The court the request is addressed to, as the court table named it then (None: unknown).
        "competent_court": named_court.model_dump(mode="json", exclude={"serves"}) if named_court else None,
        "creditor": request.creditor.model_dump(mode="json"),
        "debtor": request.debtor.model_dump(mode="json"),
    }


def _dossier_ref(folder: Path, manifest: bytes, route: JudicialRoute) -> FilingDossierRef:
    listed = json.loads(manifest)["files"]
    files = [DocumentRef(path=str(folder / entry["file"]), sha256=entry["sha256"]) for entry in listed]
    manifest_sha256 = sha256_of(manifest)
    return FilingDossierRef(
        path=str(folder),
        manifest_sha256=manifest_sha256,
        route=route,
        files=[*files, DocumentRef(path=str(folder / MANIFEST), sha256=manifest_sha256)],
    )


def completed_filing(target: Path, request: FilingRequest | GroupedFilingRequest) -> FilingDossierRef | None:
    """The dossier at ``target`` when it was completed for this very request (a retry after the
    dossier was completed: its PDFs would not render byte for byte), else None."""
    if not (target / MANIFEST).is_file():
        return None
    existing = (target / MANIFEST).read_bytes()
    if json.loads(existing).get("request_sha256") != request_fingerprint(request):
        return None
    return _dossier_ref(target, existing, request.route)


def write_filing(
    target: Path,
    request: FilingRequest,
    templates_dir: Path,
    small_claims_ceiling: Decimal,
    named_court: CourtEntry | None,
) -> FilingDossierRef:
    """The case's filing dossier at ``target``, its request addressed to ``named_court``."""
    filing = Filing(
        reference=request.case_id,
        claims=[request],
        decision=request.decision,
        filed_on=request.filed_on,
        histories={HISTORY: request.history},
        manifest={
            **manifest_fields(request, named_court),
            "case_id": request.case_id,
            "claim": claim_amounts(
                request.principal, request.interest, request.indemnity, request.decision.claim_amount
            ),
            "invoice": request.invoice.model_dump(mode="json"),
        },
    )
    return write_dossier(target, filing, templates_dir, small_claims_ceiling, named_court)


def write_dossier(
    target: Path,
    filing: Filing,
    templates_dir: Path,
    small_claims_ceiling: Decimal,
    named_court: CourtEntry | None,
) -> FilingDossierRef:
    """Render the request of the filing's route, addressed to ``named_court``, and the bordereau, and
    publish them at ``target`` with the numbered exhibits, the history exports and the manifest."""
    template, request_file = REQUESTS[filing.route]
    exhibits = exhibit_values([claim_exhibits(claim) for claim in filing.claims])
    values = filing_values(filing, exhibits, small_claims_ceiling, named_court)
    produced = {
        request_file: template_pdf(templates_dir, template, values, "filing"),
        f"{BORDEREAU}.pdf": template_pdf(templates_dir, f"{BORDEREAU}.html.j2", values, "filing"),
    }
    numbered: list[NumberedExhibit] = exhibits["exhibits"]
    listed = _listed_files(produced, numbered, filing.histories, name_invoices=len(filing.claims) > 1)
    manifest = canonical_json({**filing.manifest, "files": listed})

    def write(building: Path) -> None:
        for name, content in produced.items():
            write_durably(building / name, content)
        for exhibit in numbered:
            copy_verified(exhibit.document, building / exhibit.file)
        for name, history in filing.histories.items():
            copy_verified(history, building / name)
        write_durably(building / MANIFEST, manifest)

    publish_folder(target, write)
    return _dossier_ref(target, manifest, filing.route)


def _listed_files(
    produced: dict[str, bytes],
    exhibits: list[NumberedExhibit],
    histories: dict[str, DocumentRef],
    name_invoices: bool,
) -> list[dict[str, Any]]:
    """The manifest's list of files: the rendered ones, the exhibits with their numbers (and, for
    several invoices, those each supports), the histories."""
    listed: list[dict[str, Any]] = [
        {"file": name, "sha256": sha256_of(content), "size": len(content)}
        for name, content in produced.items()
    ]
    for exhibit in exhibits:
        entry = {
            "file": exhibit.file,
            "sha256": exhibit.document.sha256,
            "size": file_size(Path(exhibit.document.path)),
            "exhibit": exhibit.number,
            "kind": exhibit.kind,
        }
        if name_invoices:
            entry["invoices"] = [invoice.number for invoice in exhibit.invoices]
        listed.append(entry)
    listed += [
        {"file": name, "sha256": history.sha256, "size": file_size(Path(history.path))}
        for name, history in histories.items()
    ]
    return listed
