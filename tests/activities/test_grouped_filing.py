"""The filing dossier of several invoices of one debtor, one request (CPC 1407: each claim's breakdown;
CPCE L125-1: the route on their principal and interest together): the request and the bordereau read
back from their PDFs, every exhibit numbered once, each case's history, the manifest, retries, an
exhibit changed since it was sent, and the dossier's delivery into the drop folder and by email."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.legal import LegalActivities
from config.judicial import load_judicial_rules
from config.settings import Settings
from embedded.smtp_outbox import OutboxSMTPServer
from law.judicial import combined_decision
from models.court import (
    BailiffDelivery,
    Exhibit,
    FilingDossierRef,
    FilingRequest,
    GroupedFilingRequest,
    HandoffRequest,
)
from models.documents import DocumentRef
from storage.database import Database
from support.french import date_fr
from tests.fixtures.filings import (
    FILED_ON,
    checked_manifest,
    emailing_to_the_bailiff,
    filing_request,
    money,
    sha256,
    write_pdf,
)
from tests.fixtures.pdf import french_spacing_faults, pdf_text, raw_pdf_text
from tests.fixtures.smtp import read_messages

ACCOUNT_ID = "account-k2m7q4x9t3b6w8r5n1c0d2f4h6"
DOSSIER_KEY = "1-judicial_filing"
REFERENCE = f"{ACCOUNT_ID}-{DOSSIER_KEY}"
NUMBERS = ["F-2026-001", "F-2026-002", "F/2026/003"]
CASE_IDS = ["invoice-123456782-F-2026-001", "invoice-123456782-F-2026-002", "invoice-123456782-F-2026-003"]


def grouped_notice(tmp_path: Path) -> tuple[Exhibit, Exhibit]:
    """One formal notice for several invoices, kept in the account's folder, and its receipt."""
    letters = tmp_path / "data" / "documents" / ACCOUNT_ID
    notice = write_pdf(letters / "grouped_formal_notice.pdf", 3)
    receipt = write_pdf(letters / "proof-grouped_formal_notice.pdf", 1)
    return (
        Exhibit(kind="formal_notice", document=notice, dated=date(2026, 3, 6)),
        Exhibit(kind="notice_receipt", document=receipt, dated=date(2026, 3, 12)),
    )


def with_own_history(claim: FilingRequest) -> FilingRequest:
    """The claim with the history export of its own case, unlike any other's."""
    content = json.dumps({"workflowId": claim.case_id, "events": [{"eventId": "1"}]}).encode("utf-8")
    path = Path(claim.history.path)
    path.write_bytes(content)
    return claim.model_copy(
        update={"history": DocumentRef(path=str(path), sha256=hashlib.sha256(content).hexdigest())}
    )


def account_claims(tmp_path: Path, handoff_request: HandoffRequest, *principals: str) -> list[FilingRequest]:
    """The debtor's eligible invoices: the first two put on notice by one letter; a third, when its
    principal is given, by its own, its order known by its reference only and its number no file
    name (``F/2026/003``)."""
    notice = grouped_notice(tmp_path)
    dates = [(date(2026, 1, 5), date(2026, 2, 4)), (date(2026, 1, 12), date(2026, 2, 11))]
    claims = [
        filing_request(
            tmp_path,
            handoff_request,
            principal,
            case_id=CASE_IDS[index],
            number=NUMBERS[index],
            issued_on=dates[index][0],
            due_on=dates[index][1],
            notice=notice,
        )
        for index, principal in enumerate(principals[:2])
    ]
    if len(principals) > 2:
        third = filing_request(
            tmp_path,
            handoff_request,
            principals[2],
            order_on_file=False,
            case_id=CASE_IDS[2],
            number=NUMBERS[2],
            issued_on=date(2026, 1, 20),
            due_on=date(2026, 2, 19),
        )
        claims.append(third)
    return [with_own_history(claim) for claim in claims]


def grouped(claims: list[FilingRequest], filed_on: date = FILED_ON) -> GroupedFilingRequest:
    principal = sum((claim.principal for claim in claims), Decimal("0.00"))
    interest = sum((claim.interest for claim in claims), Decimal("0.00"))
    decision = combined_decision(
        [claim.decision for claim in claims], principal, interest, load_judicial_rules()
    )
    return GroupedFilingRequest(
        account_id=ACCOUNT_ID, dossier_key=DOSSIER_KEY, decision=decision, claims=claims, filed_on=filed_on
    )


def flat_slashes(text: str) -> str:
    """A number with slashes as the PDF reads it back: a line may break after a slash."""
    return text.replace("/ ", "/")


def prepare(legal: LegalActivities, request: GroupedFilingRequest) -> FilingDossierRef:
    return ActivityEnvironment().run(legal.prepare_grouped_filing, request)


EXHIBITS = [
    (1, "invoice", ["F-2026-001"], "Facture n° F-2026-001 du 5 janvier 2026"),
    (2, "order", ["F-2026-001"], "Devis ou bon de commande signé n° BC-7781"),
    (3, "formal_notice", NUMBERS[:2], "Mise en demeure par lettre recommandée du 6 mars 2026"),
    (4, "notice_receipt", NUMBERS[:2], "Preuve de réception de la mise en demeure, reçue le 12 mars 2026"),
    (5, "penalty_statement", ["F-2026-001"], "Décompte des pénalités de retard établi le 30 avril 2026"),
    (6, "reminder", ["F-2026-001"], "Rappel amiable du 5 février 2026"),
    (7, "reminder", ["F-2026-001"], "Rappel amiable du 19 février 2026"),
    # The second invoice's own; its notice and receipt are numbers 3 and 4.
    (8, "invoice", ["F-2026-002"], "Facture n° F-2026-002 du 12 janvier 2026"),
    (9, "order", ["F-2026-002"], "Devis ou bon de commande signé n° BC-7781"),
    (10, "penalty_statement", ["F-2026-002"], "Décompte des pénalités de retard établi le 30 avril 2026"),
    (11, "reminder", ["F-2026-002"], "Rappel amiable du 12 février 2026"),
    (12, "reminder", ["F-2026-002"], "Rappel amiable du 26 février 2026"),
    # The third's, its order to be produced.
    (13, "invoice", ["F/2026/003"], "Facture n° F/2026/003 du 20 janvier 2026"),
    (14, "formal_notice", ["F/2026/003"], "Mise en demeure par lettre recommandée du 6 mars 2026"),
    (
        15,
        "notice_receipt",
        ["F/2026/003"],
        "Preuve de réception de la mise en demeure, reçue le 12 mars 2026",
    ),
    (16, "penalty_statement", ["F/2026/003"], "Décompte des pénalités de retard établi le 30 avril 2026"),
    (17, "reminder", ["F/2026/003"], "Rappel amiable du 20 février 2026"),
    (18, "reminder", ["F/2026/003"], "Rappel amiable du 6 mars 2026"),
]
HISTORIES = ["history-F-2026-001.json", "history-F-2026-002.json", f"history-{CASE_IDS[2]}.json"]


def test_three_small_claims_over_the_ceiling_together_are_one_request_for_an_injonction_de_payer(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    claims = account_claims(tmp_path, handoff_request, "3034.56", "2500.00", "1200.00")
    # Each within the ceiling alone; together over it (CPCE L125-1).
    assert {claim.decision.route for claim in claims} == {"small_claims"}
    request = grouped(claims)
    assert request.route == "injonction_de_payer"

    dossier = prepare(legal, request)

    folder = Path(dossier.path)
    assert folder == settings.dossiers_dir / REFERENCE
    assert dossier.route == "injonction_de_payer"
    manifest = checked_manifest(dossier)
    exhibits = [entry for entry in manifest["files"] if "exhibit" in entry]
    assert [entry["file"] for entry in manifest["files"]] == [
        "requete_injonction_de_payer.pdf",
        "bordereau_de_pieces.pdf",
        *(entry["file"] for entry in exhibits),
        *HISTORIES,
    ]
    assert [(e["exhibit"], e["kind"], e["invoices"]) for e in exhibits] == [
        (number, kind, invoices) for number, kind, invoices, _ in EXHIBITS
    ]
    # The one letter for two invoices, once, as it was sent.
    notice, receipt = grouped_notice(tmp_path)
    assert exhibits[2]["file"] == "piece-03-grouped_formal_notice.pdf"
    assert exhibits[2]["sha256"] == notice.document.sha256 == sha256(folder / exhibits[2]["file"])
    assert exhibits[3]["sha256"] == receipt.document.sha256
    assert [e["file"] for e in exhibits].count("piece-03-grouped_formal_notice.pdf") == 1
    for claim, name in zip(claims, HISTORIES, strict=True):
        assert sha256(folder / name) == claim.history.sha256
        assert json.loads((folder / name).read_text(encoding="utf-8"))["workflowId"] == claim.case_id

    assert (manifest["account_id"], manifest["dossier_key"]) == (ACCOUNT_ID, DOSSIER_KEY)
    assert (manifest["route"], manifest["court"]) == ("injonction_de_payer", "tribunal_de_commerce")
    assert manifest["competent_court"]["name"] == "Tribunal des activités économiques de Paris"
    assert manifest["claims"] == [
        {
            "case_id": claim.case_id,
            "invoice_number": claim.invoice.number,
            "principal": str(claim.principal),
            "interest": str(claim.interest),
            "indemnity": "40.00",
            "total": str(claim.decision.claim_amount),
            "history": name,
        }
        for claim, name in zip(claims, HISTORIES, strict=True)
    ]
    interest = sum((claim.interest for claim in claims), Decimal("0.00"))
    assert manifest["total"] == {
        "principal": "6734.56",
        "interest": str(interest),
        "indemnity": "120.00",
        "total": str(request.decision.claim_amount),
    }
    assert request.decision.claim_amount == Decimal("6734.56") + interest + Decimal("120.00")

    text = flat_slashes(pdf_text(folder / "requete_injonction_de_payer.pdf"))
    total = money(request.decision.claim_amount)
    for mention in (
        "REQUÊTE EN INJONCTION DE PAYER",
        "À Madame, Monsieur le Président du Tribunal des activités économiques de Paris 1 quai de la Corse",
        "Les créances, nées de trois factures, ont une cause contractuelle",
        "Leur décompte, facture par facture (article 1407 du même code)",
        f"Total réclamé au 30 avril 2026 {total}",
        f"Principal restant dû Contrats — article 1103 du Code civil {money(Decimal('6734.56'))}",
        f"Pénalités de retard Article L441-10 du Code de commerce {money(interest)}",
        "Indemnités forfaitaires pour frais de recouvrement, une par facture en retard Articles L441-10 et "
        "D441-5 du Code de commerce 120,00 €",
        # The facts: the notice of the first two is one letter; the third has its own.
        "le créancier a mis le débiteur en demeure de payer les factures n° F-2026-001 et F-2026-002 "
        "(pièces n° 3 et 4)",
        "le créancier a mis le débiteur en demeure de payer (pièces n° 14 et 15)",
        "acceptée par le débiteur (devis ou bon de commande signé, qui sera produit à première demande), le "
        "créancier a émis le 20 janvier 2026 la facture n° F/2026/003",
        "Restent dues à ce jour, au titre des trois factures, la somme de 6 734,56 € en principal, outre "
        f"{money(interest)} de pénalités de retard et les indemnités forfaitaires pour frais de "
        f"recouvrement, une par facture en retard, de 120,00 €, soit au total {total}.",
        # The demand: the sums of the three.
        "enjoignant à Bâtiments Martin SAS de lui payer : la somme de 6 734,56 € en principal, au titre des "
        "factures n° F-2026-001, F-2026-002 et F/2026/003 ;",
        f"la somme de {money(interest)} au titre des pénalités de retard (article L441-10 du Code de "
        "commerce) arrêtées au 30 avril 2026",
        "la somme de 120,00 € au titre des indemnités forfaitaires pour frais de recouvrement, une par "
        "facture en retard (article D441-5 du Code de commerce)",
        f"soit au total {total}, ainsi que les dépens",
        "Mise en demeure par lettre recommandée du 6 mars 2026 (factures n° F-2026-001 et F-2026-002)",
        "Le devis ou bon de commande signé n° BC-7781, qui fonde la créance de la facture n° F/2026/003, "
        "n'est pas joint : il sera produit à première demande.",
        "Fait à Lyon, le 4 mai 2026 Pour Menuiserie Dupont SARL, Jean Dupont, gérant",
    ):
        assert mention in text, mention
    # Each invoice's breakdown: its dates, principal, penalties and basis, its own indemnity (D441-5).
    contracts = {"F-2026-001": ", pièce n° 2", "F-2026-002": ", pièce n° 9", "F/2026/003": ""}
    statements = {"F-2026-001": 5, "F-2026-002": 10, "F/2026/003": 16}
    for claim in claims:
        invoice, amount = claim.invoice, money(claim.decision.claim_amount)
        assert claim.penalties is not None and claim.indemnity == Decimal("40.00")
        dated = f"n° {invoice.number} du {date_fr(invoice.issue_date)}, échue le {date_fr(invoice.due_date)}"
        for mention in (
            f"Facture {dated} Élément de la créance",
            f"Principal : facture {dated}, de {money(invoice.amount_due)}, sous déduction de 200,00 € réglés "
            f"Contrat (commande n° BC-7781{contracts[invoice.number]}) — article 1103 du Code civil "
            f"{money(claim.principal)}",
            f"Pénalités de retard du {date_fr(claim.penalties.periods[0].start)} au 30 avril 2026 (pièce n° "
            f"{statements[invoice.number]}) Article L441-10 du Code de commerce {money(claim.interest)}",
            f"Total de la facture n° {invoice.number} au 30 avril 2026 {amount}",
            f"Reste due à ce jour la somme de {money(claim.principal)} en principal, outre "
            f"{money(claim.interest)} de pénalités de retard et l'indemnité forfaitaire pour frais de "
            f"recouvrement de 40,00 €, soit au total {amount}.",
        ):
            assert mention in text, mention
    assert text.count("Articles L441-10 et D441-5 du Code de commerce 40,00 €") == 3
    # The parties, once.
    assert text.count("SIREN 987654324") == 1 and text.count("SIREN 123456782") == 1

    bordereau = flat_slashes(pdf_text(folder / "bordereau_de_pieces.pdf"))
    assert "requête en injonction de payer (article 1407 du Code de procédure civile)" in bordereau
    assert f"factures n° F-2026-001, F-2026-002 et F/2026/003 — total réclamé {total}" in bordereau
    files = [entry["file"] for entry in exhibits]
    for (number, _, invoices, title), file in zip(EXHIBITS, files, strict=True):
        supports = f"facture{'s' if len(invoices) > 1 else ''} n° {' et '.join(invoices)}"
        # Its row: number, title, the invoices it supports, its file (broken at a hyphen in its cell).
        row = bordereau[bordereau.index(f"{number} {title}") :][:400].replace("- ", "-")
        assert supports in row.split(file)[0] and file in row, file
    for name in ("requete_injonction_de_payer.pdf", "bordereau_de_pieces.pdf"):
        assert french_spacing_faults(raw_pdf_text(folder / name)) == [], name
    assert [p.name for p in settings.dossiers_dir.iterdir()] == [REFERENCE]


def test_two_claims_within_the_ceiling_together_ask_for_the_simplified_procedure(
    tmp_path: Path, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    claims = account_claims(tmp_path, handoff_request, "1034.56", "1500.00")
    request = grouped(claims)
    assert request.route == "small_claims"

    dossier = prepare(legal, request)

    assert dossier.route == "small_claims"
    manifest = checked_manifest(dossier)
    assert [entry["file"] for entry in manifest["files"]][:2] == [
        "demande_petites_creances.pdf",
        "bordereau_de_pieces.pdf",
    ]
    assert [entry["file"] for entry in manifest["files"]][-2:] == HISTORIES[:2]
    folder = Path(dossier.path)
    text = pdf_text(folder / "demande_petites_creances.pdf")
    principal_and_interest = money(sum((c.principal + c.interest for c in claims), Decimal("0.00")))
    total = money(request.decision.claim_amount)
    for mention in (
        "PROCÉDURE SIMPLIFIÉE DE RECOUVREMENT DES PETITES CRÉANCES",
        "commissaire de justice compétent dans le ressort de la cour d'appel de Paris",
        "Les créances, nées de deux factures, ont une cause contractuelle. Leur montant total en principal "
        f"et intérêts, {principal_and_interest}, n'excède pas 5 000,00 €",
        f"Total de la facture n° F-2026-001 au 30 avril 2026 {money(claims[0].decision.claim_amount)}",
        f"Total de la facture n° F-2026-002 au 30 avril 2026 {money(claims[1].decision.claim_amount)}",
        f"Total réclamé au 30 avril 2026 {total}",
        f"mettre en œuvre, pour le paiement de la somme totale de {total} due au titre des factures n° "
        "F-2026-001 et F-2026-002, la procédure simplifiée de",
        "frais de toute nature de cette procédure sont à sa charge exclusive",
        "présentera au Président du Tribunal des activités économiques de Paris",
    ):
        assert mention in text, mention
    assert "Cerfa" not in text
    bordereau = pdf_text(folder / "bordereau_de_pieces.pdf")
    assert "demande de procédure simplifiée de recouvrement des petites créances" in bordereau
    assert "3 Mise en demeure par lettre recommandée du 6 mars 2026 factures n° F-2026-001 et F-2026-002" in (
        bordereau
    )
    assert french_spacing_faults(raw_pdf_text(folder / "bordereau_de_pieces.pdf")) == []


def test_a_retry_finds_the_grouped_dossier_it_built(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    request = grouped(account_claims(tmp_path, handoff_request, "3034.56", "2500.00"))
    first = prepare(legal, request)
    written = (Path(first.path) / "requete_injonction_de_payer.pdf").stat()

    assert prepare(legal, request) == first
    again = (Path(first.path) / "requete_injonction_de_payer.pdf").stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert [p.name for p in settings.dossiers_dir.iterdir()] == [REFERENCE]

    # Another request (a later date) builds a new dossier and keeps the first beside it.
    later = prepare(legal, grouped(request.claims, filed_on=date(2026, 5, 11)))
    assert later.manifest_sha256 != first.manifest_sha256
    kept = settings.dossiers_dir / f"{REFERENCE}.replaced-{first.manifest_sha256[:12]}"
    assert sha256(kept / "manifest.json") == first.manifest_sha256


@pytest.mark.parametrize("changed", ["the shared notice", "a history"])
def test_a_document_changed_since_it_was_sent_is_refused(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest, changed: str
) -> None:
    request = grouped(account_claims(tmp_path, handoff_request, "3034.56", "2500.00"))
    notice, _ = grouped_notice(tmp_path)
    document = notice.document if changed == "the shared notice" else request.claims[1].history
    Path(document.path).write_bytes(Path(document.path).read_bytes() + b"\n% edited\n")

    with pytest.raises(ApplicationError) as refused:
        prepare(legal, request)
    assert refused.value.non_retryable and refused.value.type == "DocumentChanged"
    assert Path(document.path).name in str(refused.value)
    assert list(settings.dossiers_dir.iterdir()) == []


def test_a_grouped_request_claims_each_case_once_in_one_currency(
    tmp_path: Path, handoff_request: HandoffRequest
) -> None:
    claims = account_claims(tmp_path, handoff_request, "3034.56", "2500.00")
    request = grouped(claims)
    twice = [claims[0], claims[0].model_copy(update={"invoice": claims[1].invoice})]
    with pytest.raises(ValidationError, match="a case is claimed once"):
        GroupedFilingRequest.model_validate({**dict(request), "claims": twice})
    in_francs = claims[1].model_copy(
        update={"invoice": claims[1].invoice.model_copy(update={"currency": "CHF"})}
    )
    with pytest.raises(ValidationError, match="in one currency"):
        GroupedFilingRequest.model_validate({**dict(request), "claims": [claims[0], in_francs]})


# --- delivery to the commissaire de justice ------------------------------------------------------


def delivery_of(dossier: FilingDossierRef) -> BailiffDelivery:
    return BailiffDelivery(
        case_id=REFERENCE,
        dossier=dossier,
        creditor_name="Menuiserie Dupont SARL",
        debtor_name="Bâtiments Martin SAS",
        invoice_number=NUMBERS[0],
        invoice_numbers=NUMBERS,
    )


async def test_the_grouped_dossier_is_dropped_into_the_folder_once(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    dossier = prepare(
        legal, grouped(account_claims(tmp_path, handoff_request, "3034.56", "2500.00", "1200.00"))
    )

    dropped = await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery_of(dossier))

    copy = settings.bailiff_drop_dir / REFERENCE
    assert (dropped.channel, dropped.reference, dropped.duplicate) == ("folder", str(copy), False)
    assert sorted(p.name for p in copy.iterdir()) == sorted(Path(f.path).name for f in dossier.files)
    for document in dossier.files:
        assert sha256(copy / Path(document.path).name) == document.sha256
    again = await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery_of(dossier))
    assert again.duplicate and again.reference == dropped.reference


async def test_the_grouped_dossier_is_emailed_naming_every_invoice(
    tmp_path: Path,
    settings: Settings,
    sqlite_database: Database,
    smtp_outbox: OutboxSMTPServer,
    handoff_request: HandoffRequest,
) -> None:
    legal = LegalActivities(emailing_to_the_bailiff(settings, smtp_outbox), sqlite_database)
    dossier = prepare(
        legal, grouped(account_claims(tmp_path, handoff_request, "3034.56", "2500.00", "1200.00"))
    )

    first = await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery_of(dossier))
    again = await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery_of(dossier))

    [message] = read_messages(smtp_outbox)
    assert message["Message-ID"].strip() == first.reference == again.reference and again.duplicate
    assert message["Subject"] == (
        "Dossier de recouvrement — Menuiserie Dupont SARL contre Bâtiments Martin SAS, "
        "factures n° F-2026-001, F-2026-002 et F/2026/003"
    )
    body = " ".join(message.get_body(("plain",)).get_content().split())
    for mention in (
        "dossier de recouvrement de Menuiserie Dupont SARL contre Bâtiments Martin SAS (factures n° "
        f"F-2026-001, F-2026-002 et F/2026/003, référence {REFERENCE})",
        "requête en injonction de payer (articles 1405 et suivants du Code de procédure civile)",
        "l'historique du dossier de chaque facture figure dans "
        f"{HISTORIES[0]}, {HISTORIES[1]} et {HISTORIES[2]}.",
    ):
        assert mention in body, mention
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert list(attached) == [Path(f.path).name for f in dossier.files]
    for document in dossier.files:
        assert hashlib.sha256(attached[Path(document.path).name]).hexdigest() == document.sha256


def test_a_delivery_recorded_before_it_named_several_invoices_still_reads(
    tmp_path: Path, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    dossier = prepare(legal, grouped(account_claims(tmp_path, handoff_request, "3034.56", "2500.00")))
    recorded = delivery_of(dossier).model_dump_json(exclude={"invoice_numbers"})
    assert BailiffDelivery.model_validate_json(recorded).invoice_numbers == []
