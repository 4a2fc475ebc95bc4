"""Who signs a letter or a request: a person named with their title, never a department. A request
to a court is dated and signed, and names the person who represents the company (CPC 54, 57).

The creditor's signatory signs its own letters and its requests; the agency's signs the letters an
agency sends for the creditor. Without one, the step is refused for good (``SignatoryMissing``): the
case holds for an agent, whose fix the case reads once resumed (``activities/parties.py``).
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from models.parties import AgencyInfo, CreditorInfo, Signatory

# The error type of a step refused for want of a signatory: resumed, the case looks for one again.
SIGNATORY_MISSING = "SignatoryMissing"


def creditor_signatory(creditor: CreditorInfo) -> Signatory:
    """The person who signs for the creditor, or the refusal saying how to name them."""
    if creditor.signatory is not None:
        return creditor.signatory
    raise ApplicationError(
        f"signataire manquant : aucune personne n'est enregistrée pour signer les courriers et les "
        f"requêtes de {creditor.name} (SIREN {creditor.siren}). Importez de nouveau une facture de ce "
        "créancier (une facture déjà importée garde son dossier) avec les colonnes "
        "creditor_signatory_name et creditor_signatory_title (nom et qualité du signataire), puis "
        "reprenez le dossier",
        type=SIGNATORY_MISSING,
        non_retryable=True,
    )


def sender_signatory(creditor: CreditorInfo, agency: AgencyInfo | None) -> Signatory:
    """The person who signs a letter: the agency's when an agency sends it, else the creditor's."""
    if agency is None:
        return creditor_signatory(creditor)
    if agency.signatory is not None:
        return agency.signatory
    raise ApplicationError(
        f"signataire manquant : le fichier de l'agence de recouvrement {agency.name} "
        "(RELANCE_AGENCY_FILE) ne nomme pas la personne qui signe ses courriers. Ajoutez-y la table "
        "[signatory] (name, title), et son compte (iban) et son assurance (insurance) s'il ne les a "
        "pas, puis reprenez le dossier",
        type=SIGNATORY_MISSING,
        non_retryable=True,
    )
