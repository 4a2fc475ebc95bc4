"""The commissaire de justice: the hand-off dossier and the filing dossier on disk (manifest, hashes,
the request and the bordereau read back from their PDFs), retries, documents that changed after they
were sent, and the dossier's delivery by email (a real SMTP server) or into a drop folder."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiosmtplib
import pytest
from pydantic import ValidationError
from pypdf import PdfReader
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.legal import LegalActivities
from config.settings import PROJECT_ROOT, Settings
from embedded.smtp_outbox import OutboxSMTPServer
from law.insolvency import claim_at_judgment
from law.penalties import PenaltyRequest, compute_penalties
from models.court import (
    BailiffDelivery,
    DossierRef,
    Exhibit,
    FilingDossierRef,
    FilingRequest,
    HandoffRequest,
    HistoryExportRequest,
    InvoiceDocumentRequest,
)
from models.documents import DocumentRef
from models.enums import DebtorKind, InsolvencyKind
from models.insolvency import ClaimDeclarationRequest
from models.parties import Address
from models.status import InsolvencyStatus
from storage.database import Database
from storage.journal import find_event
from tests.fixtures.filings import (
    CASE_ID,
    FILED_ON,
    HISTORY_JSON,
    checked_manifest,
    emailing_to_the_bailiff,
    filing_request,
    money,
    sha256,
    write_pdf,
)
from tests.fixtures.pdf import french_spacing_faults, pdf_text, raw_pdf_text
from tests.fixtures.rates import bundled_rates
from tests.fixtures.smtp import read_messages


def hand_off(legal: LegalActivities, request: HandoffRequest) -> DossierRef:
    return ActivityEnvironment().run(legal.handoff_to_bailiff, request)


def test_dossier_holds_every_document_and_a_manifest_of_their_hashes(
    settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    dossier = hand_off(legal, handoff_request)

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
    settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    first = hand_off(legal, handoff_request)
    manifest = Path(first.path) / "manifest.json"
    written = manifest.stat()

    assert hand_off(legal, handoff_request) == first
    assert manifest.stat().st_ino == written.st_ino
    assert manifest.stat().st_mtime_ns == written.st_mtime_ns
    assert [p.name for p in settings.dossiers_dir.iterdir()] == [CASE_ID]


def test_a_document_changed_since_it_was_sent_is_refused(
    settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    tampered = Path(handoff_request.documents[0].path)
    tampered.write_bytes(tampered.read_bytes() + b"%% one more line\n")

    with pytest.raises(ApplicationError) as refused:
        hand_off(legal, handoff_request)
    assert refused.value.non_retryable
    assert refused.value.type == "DocumentChanged"
    assert "formal_notice.red.pdf" in str(refused.value)
    # No dossier, and no half-built folder beside where it would be.
    assert list(settings.dossiers_dir.iterdir()) == []


def test_a_missing_document_is_refused(
    settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    Path(handoff_request.documents[1].path).unlink()

    with pytest.raises(ApplicationError, match=r"penalty_claim\.red\.pdf is missing") as refused:
        hand_off(legal, handoff_request)
    assert refused.value.non_retryable
    assert list(settings.dossiers_dir.iterdir()) == []


def test_a_different_request_replaces_the_dossier_and_keeps_the_old_one(
    settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    first = hand_off(legal, handoff_request)
    later = handoff_request.model_copy(
        update={"balance": Decimal("834.56"), "handed_off_at": datetime(2026, 6, 1, tzinfo=UTC)}
    )
    second = hand_off(legal, later)

    assert second.path == first.path
    assert second.manifest_sha256 != first.manifest_sha256
    assert json.loads((Path(second.path) / "manifest.json").read_text())["balance"] == "834.56"
    kept = settings.dossiers_dir / f"{CASE_ID}.replaced-{first.manifest_sha256[:12]}"
    assert sha256(kept / "manifest.json") == first.manifest_sha256


def test_documents_with_the_same_file_name_are_all_kept(
    settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest, tmp_path: Path
) -> None:
    other = write_pdf(tmp_path / "elsewhere" / "formal_notice.red.pdf", pages=4)
    listed_twice = handoff_request.documents[0]
    request = handoff_request.model_copy(
        update={"documents": [*handoff_request.documents, other, listed_twice]}
    )

    dossier = hand_off(legal, request)
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
    settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest, case_id: str
) -> None:
    with pytest.raises(ApplicationError, match="cannot name a dossier folder") as refused:
        hand_off(legal, handoff_request.model_copy(update={"case_id": case_id}))
    assert refused.value.non_retryable
    assert not settings.dossiers_dir.exists()


# --- the filing dossier --------------------------------------------------------------------------


def prepare(legal: LegalActivities, request: FilingRequest) -> FilingDossierRef:
    return ActivityEnvironment().run(legal.prepare_filing, request)


EXHIBIT_FILES = [
    "piece-01-F-2026-001.pdf",
    "piece-02-commande-F-2026-001.pdf",
    "piece-03-formal_notice.pdf",
    "piece-04-proof-received.pdf",
    "piece-05-statement.pdf",
    "piece-06-first_reminder.pdf",
    "piece-07-second_reminder.pdf",
]


def test_an_injonction_de_payer_dossier_holds_the_request_the_bordereau_and_every_exhibit(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="7034.56")
    assert request.decision.route == "injonction_de_payer"

    dossier = prepare(legal, request)

    assert dossier.path == str(settings.dossiers_dir / CASE_ID)
    assert dossier.route == "injonction_de_payer"
    manifest = checked_manifest(dossier)
    assert [entry["file"] for entry in manifest["files"]] == [
        "requete_injonction_de_payer.pdf",
        "bordereau_de_pieces.pdf",
        *EXHIBIT_FILES,
        "history.json",
    ]
    exhibits = [entry for entry in manifest["files"] if "exhibit" in entry]
    assert [(e["exhibit"], e["kind"]) for e in exhibits] == [
        (1, "invoice"),
        (2, "order"),
        (3, "formal_notice"),
        (4, "notice_receipt"),
        (5, "penalty_statement"),
        (6, "reminder"),
        (7, "reminder"),
    ]
    by_kind = {(e.kind, e.dated): e.document.sha256 for e in request.exhibits}
    assert exhibits[5]["sha256"] == by_kind[("reminder", date(2026, 2, 5))]
    assert exhibits[0]["sha256"] == by_kind[("invoice", date(2026, 1, 5))]
    folder = Path(dossier.path)
    assert (folder / "history.json").read_text(encoding="utf-8") == HISTORY_JSON
    assert manifest["route"] == "injonction_de_payer"
    assert manifest["court"] == "tribunal_de_commerce"
    assert manifest["competent_court"]["name"] == "Tribunal des activités économiques de Paris"
    assert manifest["claim"] == {
        "principal": "7034.56",
        "interest": str(request.interest),
        "indemnity": "40.00",
        "total": str(request.decision.claim_amount),
    }

    total = money(request.decision.claim_amount)
    text = pdf_text(folder / "requete_injonction_de_payer.pdf")
    for mention in (
        "REQUÊTE EN INJONCTION DE PAYER",
        "Articles 1405 et suivants du Code de procédure civile",
        "Cerfa n° 12946 (tribunal de commerce), à vérifier dans sa version en vigueur",
        # CPC 1406: the président of the court of the debtor's domicile, named, with its address.
        "À Madame, Monsieur le Président du Tribunal des activités économiques de Paris "
        "1 quai de la Corse, 75004 Paris",
        "Juridiction du lieu où demeure le débiteur, 75019 Paris (article 1406 du Code de procédure civile)",
        "Menuiserie Dupont SARL, SIREN 123456782",
        "12 rue des Artisans, 69003 Lyon",
        "Bâtiments Martin SAS, SIREN 987654324",
        "4 avenue Jean Jaurès, 75019 Paris",
        "7 034,56 €",
        f"Article L441-10 du Code de commerce {money(request.interest)}",
        "Articles L441-10 et D441-5 du Code de commerce 40,00 €",
        f"Total réclamé au 30 avril 2026 {total}",
        "En exécution de la commande n° BC-7781 acceptée par le débiteur (pièce n° 2)",
        "Contrat (commande n° BC-7781, pièce n° 2) — article 1103 du Code civil",
        "deux rappels amiables, les 5 février 2026 et 19 février 2026 (pièces n° 6 et 7)",
        "Par lettre recommandée du 6 mars 2026, reçue le 12 mars 2026",
        "(pièces n° 3 et 4)",
        f"soit au total {total}, ainsi que les dépens",
        # CPC 54, 57: dated, signed, and naming the person who represents the company.
        "dont le siège est 12 rue des Artisans, 69003 Lyon, représentée par Jean Dupont, en qualité de "
        "gérant",
        "Fait à Lyon, le 4 mai 2026 Pour Menuiserie Dupont SARL, Jean Dupont, gérant",
    ):
        assert mention in text, mention
    bordereau = pdf_text(folder / "bordereau_de_pieces.pdf")
    assert "BORDEREAU DE PIÈCES" in bordereau
    assert "requête en injonction de payer (article 1407 du Code de procédure civile)" in bordereau
    for number, title in enumerate(
        [
            "Facture n° F-2026-001 du 5 janvier 2026",
            "Devis ou bon de commande signé n° BC-7781",
            "Mise en demeure par lettre recommandée du 6 mars 2026",
            "Preuve de réception de la mise en demeure, reçue le 12 mars 2026",
            "Décompte des pénalités de retard établi le 30 avril 2026, arrêté au 30 avril 2026",
            "Rappel amiable du 5 février 2026",
            "Rappel amiable du 19 février 2026",
        ],
        start=1,
    ):
        assert f"{number} {title}" in bordereau
        assert EXHIBIT_FILES[number - 1] in bordereau
    assert [p.name for p in settings.dossiers_dir.iterdir()] == [CASE_ID]


def test_a_small_claim_dossier_asks_the_commissaire_de_justice_for_the_simplified_procedure(
    tmp_path: Path, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="1034.56")
    assert request.decision.route == "small_claims"

    dossier = prepare(legal, request)

    assert dossier.route == "small_claims"
    manifest = checked_manifest(dossier)
    assert [entry["file"] for entry in manifest["files"]][:2] == [
        "demande_petites_creances.pdf",
        "bordereau_de_pieces.pdf",
    ]
    text = pdf_text(Path(dossier.path) / "demande_petites_creances.pdf")
    principal_and_interest = money(request.principal + request.interest)
    for mention in (
        "PROCÉDURE SIMPLIFIÉE DE RECOUVREMENT DES PETITES CRÉANCES",
        "Articles L125-1 et R125-1 et suivants du Code des procédures civiles d'exécution",
        "commissaire de justice compétent dans le ressort de la cour d'appel de Paris, où demeure le "
        "débiteur, 75019 Paris",
        f"Son montant en principal et intérêts, {principal_and_interest}, n'excède pas 5 000,00 €",
        "Bâtiments Martin SAS, SIREN 987654324",
        "le débiteur dispose d'un mois à compter de l'envoi pour l'accepter ou la refuser",
        "frais de toute nature de cette procédure sont à sa charge exclusive",
        "article 750-1 du Code de procédure civile",
        "présentera au Président du Tribunal des activités économiques de Paris (1 quai de la Corse, "
        "75004 Paris) une requête en injonction de payer",
        f"Total réclamé au 30 avril 2026 {money(request.decision.claim_amount)}",
    ):
        assert mention in text, mention
    assert "Cerfa" not in text
    bordereau = pdf_text(Path(dossier.path) / "bordereau_de_pieces.pdf")
    assert "demande de procédure simplifiée de recouvrement des petites créances" in bordereau


def test_a_consumer_is_claimed_before_the_tribunal_judiciaire_with_legal_interest(
    tmp_path: Path, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="7034.56", kind=DebtorKind.CONSUMER)
    assert (request.decision.route, request.decision.court) == ("injonction_de_payer", "tribunal_judiciaire")

    dossier = prepare(legal, request)

    checked_manifest(dossier)
    text = pdf_text(Path(dossier.path) / "requete_injonction_de_payer.pdf")
    for mention in (
        "Cerfa n° 12948 (tribunal judiciaire)",
        "À Madame, Monsieur le Président du Tribunal judiciaire de Paris Parvis du Tribunal de Paris, 75017",
        "Bâtiments Martin SAS, particulier demeurant 4 avenue Jean Jaurès",
        "Intérêts au taux légal à compter du 12 mars 2026, date de réception de la mise en demeure, du "
        "13 mars 2026 au 30 avril 2026",
        "Articles 1231-6 et 1344-1 du Code civil ; article L313-2 du Code monétaire et financier",
        "intérêts au taux légal à compter du 12 mars 2026, date de réception de la mise en demeure "
        "(articles 1231-6 et 1344-1 du Code civil), arrêtés au 30 avril 2026, outre ceux courus depuis",
    ):
        assert mention in text, mention
    assert "D441-5" not in text
    assert "Décompte des intérêts de retard établi le 30 avril 2026, arrêté au 30 avril 2026" in pdf_text(
        Path(dossier.path) / "bordereau_de_pieces.pdf"
    )


def test_a_request_nobody_signs_is_refused_for_good_saying_how_to_name_the_signatory(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    """A request is dated and signed by the person who represents the company (CPC 54, 57): a case
    whose creditor has no signatory is held, never signed by a department."""
    request = filing_request(tmp_path, handoff_request, principal="7034.56")
    nobody = request.creditor.model_copy(update={"signatory": None})
    unsigned = request.model_copy(update={"creditor": nobody})
    with pytest.raises(ApplicationError) as refused:
        prepare(legal, unsigned)
    assert refused.value.non_retryable and refused.value.type == "SignatoryMissing"
    message = refused.value.message
    assert message.startswith("signataire manquant : aucune personne n'est enregistrée pour signer")
    assert "Menuiserie Dupont SARL (SIREN 123456782)" in message
    assert "creditor_signatory_name et creditor_signatory_title" in message
    assert not settings.dossiers_dir.exists()


def test_an_order_known_by_its_reference_only_is_said_to_be_produced(
    tmp_path: Path, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="7034.56", order_on_file=False)

    dossier = prepare(legal, request)

    manifest = checked_manifest(dossier)
    exhibits = [(entry["exhibit"], entry["kind"]) for entry in manifest["files"] if "exhibit" in entry]
    assert exhibits[:2] == [(1, "invoice"), (2, "formal_notice")]
    assert "order" not in {kind for _, kind in exhibits}
    produced = (
        "Le devis ou bon de commande signé n° BC-7781, qui fonde la créance, n'est pas joint : il sera "
        "produit à première demande."
    )
    text = request_text(dossier)
    for mention in (
        "Contrat (commande n° BC-7781) — article 1103 du Code civil",
        "En exécution de la commande n° BC-7781 acceptée par le débiteur (devis ou bon de commande signé, "
        "qui sera produit à première demande), le créancier a émis",
        "(pièce n° 1)",
        produced,
    ):
        assert mention in text, mention
    assert produced in pdf_text(Path(dossier.path) / "bordereau_de_pieces.pdf")
    for name in ("requete_injonction_de_payer.pdf", "bordereau_de_pieces.pdf"):
        assert french_spacing_faults(raw_pdf_text(Path(dossier.path) / name)) == [], name


def test_a_retry_finds_the_filing_dossier_it_built(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="7034.56")
    first = prepare(legal, request)
    written = (Path(first.path) / "requete_injonction_de_payer.pdf").stat()

    assert prepare(legal, request) == first
    again = (Path(first.path) / "requete_injonction_de_payer.pdf").stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert [p.name for p in settings.dossiers_dir.iterdir()] == [CASE_ID]

    # Another request (a later date) builds a new dossier and keeps the first beside it.
    later = prepare(legal, request.model_copy(update={"filed_on": date(2026, 5, 11)}))
    assert later.manifest_sha256 != first.manifest_sha256
    kept = settings.dossiers_dir / f"{CASE_ID}.replaced-{first.manifest_sha256[:12]}"
    assert sha256(kept / "manifest.json") == first.manifest_sha256


def test_an_exhibit_changed_since_it_was_sent_is_refused(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="7034.56")
    [notice] = [e for e in request.exhibits if e.kind == "formal_notice"]
    Path(notice.document.path).write_bytes(b"%PDF-1.4\n% another letter\n")

    with pytest.raises(ApplicationError) as refused:
        prepare(legal, request)
    assert refused.value.non_retryable and refused.value.type == "DocumentChanged"
    assert list(settings.dossiers_dir.iterdir()) == []


def test_a_history_changed_since_its_export_is_refused(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="7034.56")
    Path(request.history.path).write_text(HISTORY_JSON.replace("STARTED", "COMPLETED"), encoding="utf-8")

    with pytest.raises(ApplicationError) as refused:
        prepare(legal, request)
    assert refused.value.non_retryable and refused.value.type == "DocumentChanged"
    assert list(settings.dossiers_dir.iterdir()) == []


def test_a_filing_needs_an_eligible_decision_and_matching_amounts(
    tmp_path: Path, handoff_request: HandoffRequest
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="7034.56")
    refused = request.decision.model_copy(
        update={
            "eligible": False,
            "route": None,
            "court": None,
            "refusals": ["the debtor disputes the claim"],
        }
    )
    with pytest.raises(ValidationError, match="may not go to court: the debtor disputes the claim"):
        FilingRequest.model_validate({**dict(request), "decision": refused})
    with pytest.raises(ValidationError, match="differ from the decision's"):
        FilingRequest.model_validate({**dict(request), "principal": Decimal("7000.00")})
    without_notice = [e for e in request.exhibits if e.kind != "formal_notice"]
    with pytest.raises(ValidationError, match="needs the formal notice"):
        FilingRequest.model_validate({**dict(request), "exhibits": without_notice})
    with pytest.raises(ValidationError, match="history"):
        FilingRequest.model_validate({**dict(request), "history": None})


# --- the court, named, and statements true of the case ------------------------------------------

STRASBOURG = Address(street="3 place du Dôme", postcode="67000", city="Strasbourg")


def living_at(request: FilingRequest, address: Address) -> FilingRequest:
    return request.model_copy(update={"debtor": request.debtor.model_copy(update={"address": address})})


def request_text(dossier: FilingDossierRef) -> str:
    return pdf_text(Path(dossier.path) / "requete_injonction_de_payer.pdf")


def test_a_strasbourg_trader_is_claimed_before_the_chambre_commerciale_of_the_tribunal_judiciaire(
    tmp_path: Path, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    """Bas-Rhin has no tribunal de commerce (COJ L215-2): the request goes to the président of the
    chambre commerciale of the tribunal judiciaire of Strasbourg, named with its address (CPC 1406)."""
    request = living_at(filing_request(tmp_path, handoff_request, principal="7034.56"), STRASBOURG)

    dossier = prepare(legal, request)

    manifest = checked_manifest(dossier)
    assert manifest["court"] == "tribunal_de_commerce"  # the matter: between traders
    named = manifest["competent_court"]
    assert (named["kind"], named["name"]) == ("chambre_commerciale", "Tribunal judiciaire de Strasbourg")
    text = request_text(dossier)
    assert (
        "À Madame, Monsieur le Président de la chambre commerciale du Tribunal judiciaire de Strasbourg "
        "1 quai Finkmatt, 67000 Strasbourg"
    ) in text
    assert (
        "le créancier prie Madame, Monsieur le Président de la chambre commerciale du Tribunal judiciaire "
        "de Strasbourg de bien vouloir rendre une ordonnance"
    ) in text
    assert "auprès du greffe de la chambre commerciale" in text
    assert "Président du tribunal de commerce" not in text and "(tribunal de commerce)" not in text
    # In French typography, as every document: no ordinary space before : ; ! ? nor inside « ».
    for name in ("requete_injonction_de_payer.pdf", "bordereau_de_pieces.pdf"):
        assert french_spacing_faults(raw_pdf_text(Path(dossier.path) / name)) == [], name


def test_in_strasbourg_a_consumer_goes_to_the_tribunal_judiciaire_and_a_small_claim_to_colmar(
    tmp_path: Path, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    consumer = filing_request(tmp_path, handoff_request, principal="7034.56", kind=DebtorKind.CONSUMER)
    text = request_text(prepare(legal, living_at(consumer, STRASBOURG)))
    assert "À Madame, Monsieur le Président du Tribunal judiciaire de Strasbourg 1 quai Finkmatt" in text
    assert "chambre commerciale" not in text

    small = living_at(filing_request(tmp_path, handoff_request, principal="1034.56"), STRASBOURG)
    text = pdf_text(Path(prepare(legal, small).path) / "demande_petites_creances.pdf")
    # CPCE R125-1: a commissaire de justice of the appeal court's district; then, failing an
    # agreement, the injonction de payer before the court of the debtor's domicile.
    assert "dans le ressort de la cour d'appel de Colmar, où demeure le débiteur, 67000 Strasbourg" in text
    assert (
        "présentera au Président de la chambre commerciale du Tribunal judiciaire de Strasbourg "
        "(1 quai Finkmatt, 67000 Strasbourg) une requête en injonction de payer"
    ) in text


def test_a_postcode_the_court_table_does_not_serve_is_said_plainly(
    tmp_path: Path, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    brest = Address(street="2 rue de Siam", postcode="29200", city="Brest")
    dossier = prepare(legal, living_at(filing_request(tmp_path, handoff_request, principal="7034.56"), brest))

    assert checked_manifest(dossier)["competent_court"] is None
    text = request_text(dossier)
    assert (
        "Juridiction à compléter : le tableau des juridictions ne donne aucun tribunal pour le code postal "
        "29200 (Brest) du débiteur. Inscrivez le tribunal compétent et son adresse"
    ) in text
    assert "À Madame, Monsieur le Président du tribunal de commerce dans le ressort duquel demeure" in text


def test_the_court_table_is_the_configured_file_and_a_broken_one_fails_for_good(
    tmp_path: Path, settings: Settings, sqlite_database: Database, handoff_request: HandoffRequest
) -> None:
    table = tmp_path / "courts.toml"
    table.write_text(
        '[[court]]\nkind = "tribunal_de_commerce"\nname = "Tribunal de commerce de Brest"\n'
        'street = "32 rue de Denver"\npostcode = "29200"\ncity = "Brest"\n'
        'appeal_court = "cour d\'appel de Rennes"\nserves = ["29200"]\n'
        'source = "annuaire des juridictions"\n',
        encoding="utf-8",
    )
    brest = Address(street="2 rue de Siam", postcode="29200", city="Brest")
    request = living_at(filing_request(tmp_path, handoff_request, principal="7034.56"), brest)
    legal = LegalActivities(settings.model_copy(update={"courts_file": table}), sqlite_database)
    text = request_text(prepare(legal, request))
    assert "Président du Tribunal de commerce de Brest 32 rue de Denver, 29200 Brest" in text

    broken = tmp_path / "broken.toml"
    broken.write_text(table.read_text(encoding="utf-8").replace('["29200"]', '["Brest"]'), encoding="utf-8")
    legal = LegalActivities(settings.model_copy(update={"courts_file": broken}), sqlite_database)
    with pytest.raises(ApplicationError) as raised:
        prepare(legal, request.model_copy(update={"filed_on": date(2026, 5, 11)}))
    assert (raised.value.type, raised.value.non_retryable) == ("CourtTableError", True)
    assert str(broken) in str(raised.value) and "serves" in str(raised.value)


@pytest.mark.parametrize(
    ("disputed", "said"),
    [
        (False, "Le débiteur n'a pas contesté la créance."),
        (True, "Le débiteur a élevé une contestation, close depuis ; la créance reste due."),
        (None, None),
    ],
)
def test_the_request_says_the_claim_was_not_disputed_only_when_no_dispute_was_ever_opened(
    tmp_path: Path,
    legal: LegalActivities,
    handoff_request: HandoffRequest,
    disputed: bool | None,
    said: str | None,
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="7034.56")
    text = request_text(prepare(legal, request.model_copy(update={"disputed": disputed})))
    assert "Cette mise en demeure n'a pas été suivie du paiement intégral de la créance." in text
    for sentence in ("Le débiteur n'a pas contesté la créance.", "Le débiteur a élevé une contestation"):
        assert (sentence in text) == (said is not None and said.startswith(sentence)), sentence
    # A request recorded before the case said so parses, and says neither.
    assert FilingRequest.model_validate_json(request.model_dump_json(exclude={"disputed"})).disputed is None


def test_the_request_counts_every_payment_and_the_bordereau_dates_the_statement_as_it_is(
    tmp_path: Path, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    request = filing_request(tmp_path, handoff_request, principal="7034.56")
    # 200,00 € paid before the case, 500,00 € during it: 7 734,56 − 700,00 = 7 034,56.
    invoice = request.invoice.model_copy(update={"amount_due": Decimal("7734.56")})
    # The statement drawn up on the filing day, counted to the end of the published rates.
    exhibits = [
        e.model_copy(update={"dated": FILED_ON}) if e.kind == "penalty_statement" else e
        for e in request.exhibits
    ]
    dossier = prepare(legal, request.model_copy(update={"invoice": invoice, "exhibits": exhibits}))

    text = request_text(dossier)
    assert "de 7 734,56 €, sous déduction de 700,00 € réglés" in text
    assert "Le débiteur n'en a réglé que 700,00 €." in text
    bordereau = pdf_text(Path(dossier.path) / "bordereau_de_pieces.pdf")
    assert "5 Décompte des pénalités de retard établi le 4 mai 2026, arrêté au 30 avril 2026" in bordereau
    assert "établi le 4 mai 2026, arrêté au 30 avril 2026" in text


# --- delivery to the commissaire de justice ------------------------------------------------------


def delivery_of(dossier: FilingDossierRef) -> BailiffDelivery:
    return BailiffDelivery(
        case_id=CASE_ID,
        dossier=dossier,
        creditor_name="Menuiserie Dupont SARL",
        debtor_name="Bâtiments Martin SAS",
        invoice_number="F-2026-001",
    )


async def test_the_dossier_is_emailed_to_the_commissaire_de_justice_once(
    tmp_path: Path,
    settings: Settings,
    sqlite_database: Database,
    smtp_outbox: OutboxSMTPServer,
    handoff_request: HandoffRequest,
) -> None:
    legal = LegalActivities(emailing_to_the_bailiff(settings, smtp_outbox), sqlite_database)
    dossier = prepare(legal, filing_request(tmp_path, handoff_request, principal="7034.56"))

    first = await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery_of(dossier))
    again = await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery_of(dossier))

    [message] = read_messages(smtp_outbox)
    assert message["To"] == "etude@cdj-paris.fr"
    # A long Message-ID is folded on the wire; unfolded, it is the one the journal keeps.
    assert message["Message-ID"].strip() == first.reference == again.reference
    assert (first.channel, first.duplicate, again.duplicate) == ("email", False, True)
    assert "Bâtiments Martin SAS" in message["Subject"]
    assert "requête en injonction de payer" in message.get_body(("plain",)).get_content()
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert list(attached) == [Path(f.path).name for f in dossier.files]
    for document in dossier.files:
        assert hashlib.sha256(attached[Path(document.path).name]).hexdigest() == document.sha256
    assert await find_event(sqlite_database, f"email:{first.reference}") is not None


async def test_an_email_refused_for_a_while_is_delivered_once(
    tmp_path: Path, settings: Settings, sqlite_database: Database, handoff_request: HandoffRequest
) -> None:
    with OutboxSMTPServer(tmp_path / "outbox", port=0, fail_first=1) as server:
        by_email = settings.model_copy(
            update={"bailiff_email": "etude@cdj-paris.fr", "smtp_port": server.port}
        )
        legal = LegalActivities(by_email, sqlite_database)
        delivery = delivery_of(prepare(legal, filing_request(tmp_path, handoff_request, principal="1034.56")))
        with pytest.raises(aiosmtplib.SMTPResponseException):
            await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery)
        for _ in range(2):
            await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery)
        assert len(read_messages(server)) == 1


async def test_without_an_email_address_the_dossier_is_dropped_into_the_folder(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    dossier = prepare(legal, filing_request(tmp_path, handoff_request, principal="7034.56"))

    dropped = await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery_of(dossier))

    copy = settings.bailiff_drop_dir / CASE_ID
    assert (dropped.channel, dropped.reference, dropped.duplicate) == ("folder", str(copy), False)
    assert sorted(p.name for p in copy.iterdir()) == sorted(Path(f.path).name for f in dossier.files)
    for document in dossier.files:
        assert sha256(copy / Path(document.path).name) == document.sha256
    written = (copy / "manifest.json").stat()

    again = await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery_of(dossier))
    assert again.duplicate and again.reference == dropped.reference
    assert (copy / "manifest.json").stat().st_ino == written.st_ino
    assert [p.name for p in settings.bailiff_drop_dir.iterdir()] == [CASE_ID]


async def test_a_dossier_changed_since_it_was_built_is_never_delivered(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    dossier = prepare(legal, filing_request(tmp_path, handoff_request, principal="7034.56"))
    bordereau = Path(dossier.path) / "bordereau_de_pieces.pdf"
    bordereau.write_bytes(bordereau.read_bytes() + b"\n% edited\n")

    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(legal.deliver_to_bailiff, delivery_of(dossier))
    assert refused.value.non_retryable and refused.value.type == "DocumentChanged"
    assert list(settings.bailiff_drop_dir.iterdir()) == []


# --- what the workflow asks before filing --------------------------------------------------------


async def test_the_judicial_rules_come_from_the_configured_file(
    settings: Settings, sqlite_database: Database, tmp_path: Path
) -> None:
    rules_file = tmp_path / "judicial.toml"
    text = (PROJECT_ROOT / "config" / "judicial.toml").read_text(encoding="utf-8")
    rules_file.write_text(text.replace('ceiling = "5000.00"', 'ceiling = "4000.00"'), encoding="utf-8")
    legal = LegalActivities(settings.model_copy(update={"judicial_rules_file": rules_file}), sqlite_database)
    rules = await ActivityEnvironment().run(legal.judicial_rules)
    assert rules.small_claims.ceiling == Decimal("4000.00")

    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("consumer_years = 2", "consumer_years = 0"), encoding="utf-8")
    legal = LegalActivities(settings.model_copy(update={"judicial_rules_file": broken}), sqlite_database)
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(legal.judicial_rules)
    assert raised.value.non_retryable and "consumer_years" in str(raised.value)


def test_the_invoice_exhibit_carries_the_hash_of_the_kept_pdf(legal: LegalActivities, tmp_path: Path) -> None:
    invoice = write_pdf(tmp_path / "invoices" / "F-1.pdf", 2)
    request = InvoiceDocumentRequest(case_id=CASE_ID, path=invoice.path)
    assert ActivityEnvironment().run(legal.invoice_document, request) == invoice
    Path(invoice.path).unlink()
    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(legal.invoice_document, request)
    assert raised.value.type == "InvoiceMissing" and raised.value.non_retryable
    assert invoice.path in str(raised.value)


def test_the_order_exhibit_carries_the_hash_of_the_kept_pdf(legal: LegalActivities, tmp_path: Path) -> None:
    order = write_pdf(tmp_path / "invoices" / "orders" / "commande-F-1.pdf", 1)
    request = InvoiceDocumentRequest(case_id=CASE_ID, path=order.path, kind="order")
    assert ActivityEnvironment().run(legal.invoice_document, request) == order
    Path(order.path).unlink()
    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(legal.invoice_document, request)
    assert raised.value.type == "OrderMissing" and raised.value.non_retryable
    assert f"order PDF {order.path} of case {CASE_ID} is missing" in str(raised.value)


@workflow.defn(sandboxed=False)
class HistoryExportingWorkflow:
    """A case that exports its own history, as the judicial route does before filing."""

    @workflow.run
    async def run(self) -> DocumentRef:
        return await workflow.execute_activity_method(
            LegalActivities.export_history,
            HistoryExportRequest(case_id=workflow.info().workflow_id, step_key="judicial_filing"),
            start_to_close_timeout=timedelta(seconds=30),
        )


def event_types(content: bytes) -> list[str]:
    return [event["eventType"] for event in json.loads(content)["events"]]


async def test_the_history_export_is_the_case_history_as_the_worker_client_reads_it(
    time_skipping_env: WorkflowEnvironment, settings: Settings, legal: LegalActivities
) -> None:
    client = time_skipping_env.client
    task_queue = f"history-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client, task_queue=task_queue, workflows=[HistoryExportingWorkflow], activities=[legal.export_history]
    ):
        exported = await client.execute_workflow(
            HistoryExportingWorkflow.run, id=CASE_ID, task_queue=task_queue, result_type=DocumentRef
        )

    path = settings.documents_dir / CASE_ID / "history-judicial_filing.json"
    assert exported.path == str(path)
    content = path.read_bytes()
    assert exported.sha256 == hashlib.sha256(content).hexdigest()
    # The history as it stood while the activity ran: started, and the export scheduled.
    events = json.loads(content)["events"]
    assert events[0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    assert events[0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"] == (
        "HistoryExportingWorkflow"
    )
    scheduled = [e for e in events if e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"]
    assert [e["activityTaskScheduledEventAttributes"]["activityType"]["name"] for e in scheduled] == [
        "export_history"
    ]
    assert "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED" not in event_types(content)

    # A retry writes the later history in its place; the case's history then replays as it ran.
    again = await ActivityEnvironment(client=client).run(
        legal.export_history, HistoryExportRequest(case_id=CASE_ID, step_key="judicial_filing")
    )
    later = path.read_bytes()
    assert again == DocumentRef(path=str(path), sha256=hashlib.sha256(later).hexdigest())
    assert event_types(later)[: len(events)] == event_types(content)
    assert event_types(later)[-1] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    replayer = Replayer(workflows=[HistoryExportingWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(WorkflowHistory.from_json(CASE_ID, later.decode("utf-8")))


async def test_a_step_key_that_is_not_a_file_name_exports_nothing(
    settings: Settings, legal: LegalActivities
) -> None:
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(
            legal.export_history, HistoryExportRequest(case_id=CASE_ID, step_key="../x")
        )
    assert refused.value.non_retryable
    assert not settings.documents_dir.exists()


def test_the_declaration_of_claim_states_what_was_due_at_the_judgment_to_the_liquidateur(
    tmp_path: Path, settings: Settings, legal: LegalActivities, handoff_request: HandoffRequest
) -> None:
    """Code de commerce L622-25: the amount due at the opening judgment, interest stopped by it
    (L622-28), its nature; declared to the liquidateur in a liquidation (L641-3), with its exhibits
    (R622-23)."""
    invoice, opened = handoff_request.invoice, date(2026, 4, 15)
    late = PenaltyRequest(
        principal=invoice.balance, due_date=invoice.due_date, until=opened, debtor_kind=DebtorKind.BUSINESS
    )
    penalties = compute_penalties(late, bundled_rates())
    claim = claim_at_judgment(opened, invoice.due_date, invoice.balance, [], penalties)
    insolvency = InsolvencyStatus(
        kind=InsolvencyKind.LIQUIDATION,
        opened_on=opened,
        court="Tribunal de commerce de Lyon",
        recorded_by="bruno",
        bodacc_published_on=date(2026, 4, 24),
        deadline=date(2026, 6, 24),
        mandataire="SELARL MJ Synergie, Maître Claire Petit\n9 rue Servient\n69003 Lyon",
    )
    order = write_pdf(tmp_path / "imports" / "orders" / "commande-F-2026-001.pdf", 1)
    invoice_pdf = DocumentRef(path=str(invoice.pdf_path), sha256=sha256(Path(str(invoice.pdf_path))))
    request = ClaimDeclarationRequest(
        case_id=CASE_ID,
        number=2,
        creditor=handoff_request.creditor,
        debtor=handoff_request.debtor,
        invoice=invoice,
        insolvency=insolvency,
        claim=claim,
        penalties=penalties,
        exhibits=[
            Exhibit(kind="order", document=order, dated=None),
            Exhibit(kind="invoice", document=invoice_pdf, dated=invoice.issue_date),
        ],
        drawn_on=date(2026, 4, 20),
    )

    document = ActivityEnvironment().run(legal.draw_claim_declaration, request)

    path = Path(document.path)
    assert path == settings.documents_dir / CASE_ID / "declaration_de_creance-2.pdf"
    assert sha256(path) == document.sha256
    text = pdf_text(path)
    assert claim.principal == Decimal("1034.56") and claim.interest > 0
    for mention in (
        "article L641-3 du même code",
        "À SELARL MJ Synergie, Maître Claire Petit, liquidateur judiciaire 9 rue Servient 69003 Lyon",
        "Liquidation judiciaire ouverte par jugement du 15 avril 2026",
        "Publication au BODACC 24 avril 2026",
        "jusqu'au 24 juin 2026 inclus (article R622-24 du Code de commerce)",
        "échue le 4 février 2026, de 1 234,56 €, sous déduction de 200,00 € réglés",
        f"Pénalités de retard du 5 février 2026 au 15 avril 2026, arrêtées au jugement d'ouverture "
        f"Articles L441-10 et L622-28 du Code de commerce {money(claim.interest)}",
        f"Total déclaré {money(claim.total)}",
        "créance chirographaire, sans privilège ni sûreté, échue à la date du jugement d'ouverture",
        "Facture n° F-2026-001 du 5 janvier 2026",
        "Devis ou bon de commande signé n° BC-7781",
        "Fait à Lyon, le 20 avril 2026",
    ):
        assert mention in text, mention
    assert "à compléter" not in text and "sera produit" not in text and "Indemnité" not in text
    assert french_spacing_faults(raw_pdf_text(path)) == []
