"""The filing dossier of several invoices of one debtor, ``<dossiers>/<account>-<key>/``: one request
of the route their combined principal and interest take (CPCE L125-1), with each invoice's breakdown
(CPC 1407), rendered by the templates of one invoice's request from every claim (``filing``); the
bordereau numbering every exhibit once; each case's history export; and the manifest listing each
claim and their total."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from activities.dossiers.filing import (
    CASE_HISTORY,
    Filing,
    claim_amounts,
    claims_sums,
    manifest_fields,
    write_dossier,
)
from activities.dossiers.folders import folder_name
from law.courts import CourtEntry
from models.court import FilingDossierRef, FilingRequest, GroupedFilingRequest
from models.documents import DocumentRef

# An invoice number that is a file name as it is, on every system a dossier is read on.
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def grouped_reference(request: GroupedFilingRequest) -> str:
    """The dossier's reference and folder name: the account's, with the dossier's key in it."""
    return f"{request.account_id}-{request.dossier_key}"


def history_files(claims: list[FilingRequest]) -> dict[str, DocumentRef]:
    """Each case's history export under ``history-<invoice number>.json``; under its case id instead
    when an invoice number is no plain file name, or when two would be one file (as a case-blind
    file system reads them)."""
    names = [
        claim.invoice.number if _FILE_NAME.fullmatch(claim.invoice.number) else folder_name(claim.case_id)
        for claim in claims
    ]
    if len({name.lower() for name in names}) != len(names):
        names = [folder_name(claim.case_id) for claim in claims]
    return {CASE_HISTORY.format(name): claim.history for name, claim in zip(names, claims, strict=True)}


def write_grouped_filing(
    target: Path,
    request: GroupedFilingRequest,
    templates_dir: Path,
    small_claims_ceiling: Decimal,
    named_court: CourtEntry | None,
) -> FilingDossierRef:
    """The dossier of the request's claims at ``target``, its request addressed to ``named_court``."""
    histories = history_files(request.claims)
    claims = [
        {
            "case_id": claim.case_id,
            "invoice_number": claim.invoice.number,
            **claim_amounts(claim.principal, claim.interest, claim.indemnity, claim.decision.claim_amount),
            "history": name,
        }
        for claim, name in zip(request.claims, histories, strict=True)
    ]
    filing = Filing(
        reference=grouped_reference(request),
        claims=request.claims,
        decision=request.decision,
        filed_on=request.filed_on,
        histories=histories,
        manifest={
            **manifest_fields(request, named_court),
            "account_id": request.account_id,
            "dossier_key": request.dossier_key,
            "claims": claims,
            "total": claim_amounts(**claims_sums(request.claims), total=request.decision.claim_amount),
        },
    )
    return write_dossier(target, filing, templates_dir, small_claims_ceiling, named_court)
