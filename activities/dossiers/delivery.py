"""A filing dossier's way to the commissaire de justice (ex-huissier): the words of the email that
carries its files, for one invoice or several of one debtor, or a copy of the dossier dropped into a
folder, ``<drop>/<case>/`` (for several invoices, the dossier's reference)."""

from __future__ import annotations

from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path

from activities.dossiers.filing import CASE_HISTORY, HISTORY
from activities.dossiers.folders import MANIFEST, copy_verified, publish_folder
from models.court import BailiffDelivery, BailiffDeliveryReceipt
from support.files import sha256_of_file
from support.french import de_fr, enumeration_fr
from support.typography import typeset_text

# Each route in the words of the email that delivers its dossier.
ROUTE_FR = {
    "injonction_de_payer": "requête en injonction de payer (articles 1405 et suivants du Code de "
    "procédure civile)",
    "small_claims": "demande de mise en œuvre de la procédure simplifiée de recouvrement des petites "
    "créances (article L125-1 du Code des procédures civiles d'exécution)",
}
# The journal step of a dossier's email to the commissaire de justice.
DELIVERY_STEP = "bailiff_delivery"


def _invoices_fr(delivery: BailiffDelivery) -> str:
    """``facture n° F-1``, or for a dossier of several ``factures n° F-1, F-2 et F-3``."""
    if not delivery.invoice_numbers:
        return f"facture n° {delivery.invoice_number}"
    return f"factures n° {enumeration_fr(delivery.invoice_numbers)}"


def _histories_fr(delivery: BailiffDelivery) -> str:
    """Where the dossier's history is: one case's file, or each case's of a dossier of several."""
    names = [Path(document.path).name for document in delivery.dossier.files]
    histories = [name for name in names if fnmatch(name, CASE_HISTORY.format("*"))]
    if not histories:
        return f"l'historique du dossier figure dans {HISTORY}"
    return f"l'historique du dossier de chaque facture figure dans {enumeration_fr(histories)}"


def delivery_subject(delivery: BailiffDelivery) -> str:
    return (
        f"Dossier de recouvrement — {delivery.creditor_name} contre {delivery.debtor_name}, "
        f"{_invoices_fr(delivery)}"
    )


def delivery_body(delivery: BailiffDelivery) -> str:
    return typeset_text(
        "Maître,\n\n"
        f"Veuillez trouver ci-joint le dossier de recouvrement {de_fr(delivery.creditor_name)} contre "
        f"{delivery.debtor_name} ({_invoices_fr(delivery)}, référence {delivery.case_id}) : "
        f"{ROUTE_FR[delivery.dossier.route]}, bordereau de pièces et pièces numérotées.\n\n"
        f"Le fichier {MANIFEST} donne l'empreinte SHA-256 de chaque fichier ; {_histories_fr(delivery)}.\n\n"
        "Nous vous prions d'agréer, Maître, l'expression de nos salutations distinguées.\n\n"
        f"Pour {delivery.creditor_name}\n"
    )


def drop_copy(target: Path, delivery: BailiffDelivery) -> BailiffDeliveryReceipt:
    """Copy the dossier's files to ``target``; a copy already there with the same manifest is the
    first delivery, found again."""
    manifest = target / MANIFEST
    if manifest.is_file() and sha256_of_file(manifest) == delivery.dossier.manifest_sha256:
        dropped_at = datetime.fromtimestamp(manifest.stat().st_mtime, UTC)
        return BailiffDeliveryReceipt(
            channel="folder", reference=str(target), delivered_at=dropped_at, duplicate=True
        )

    def write(building: Path) -> None:
        for document in delivery.dossier.files:
            copy_verified(document, building / Path(document.path).name)

    publish_folder(target, write)
    return BailiffDeliveryReceipt(channel="folder", reference=str(target), delivered_at=datetime.now(UTC))
