"""Who signs the letters, and what an agency's letters give besides (CPCE R124-2, R124-4 3°): real
PDFs rendered through ``render_letter`` and read back with pypdf.

Each letter is dated ("Lyon, le …") and signed by a person named with their title — the creditor's
signatory, or the agency's "pour le compte" of the creditor when an agency sends it — never by a
department; without one the step is refused for good, saying how to name them. Amounts as worked out
in ``test_letters.py``.
"""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from temporalio.exceptions import ApplicationError

from activities.documents import DocumentActivities
from config.settings import Settings
from models.enums import DebtorKind
from tests.fixtures.pdf import flat, pdf_text
from tests.letter_templates.test_letters import (
    AGENCY,
    AGENCY_IBAN_GROUPED,
    AGENCY_INSURANCE,
    BUSINESS,
    CONSUMER,
    CREDITOR,
    IBAN_GROUPED,
    context,
    render,
)

CLOSING = "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
CREDITOR_SIGNATURE = "Marie Dupont Gérante L'Atelier Dupont & Fils compta@atelier-dupont.fr"
AGENCY_SIGNATURE = (
    "Paul Girard Directeur du recouvrement Recouvrements du Rhône SAS pour le compte de "
    "L'Atelier Dupont & Fils contact@recouvrements-rhone.fr"
)
# CPCE R124-2, first paragraph: on every page of every letter an agency sends.
AGENCY_FOOTER = (
    "Recouvrements du Rhône SAS, recouvrement amiable de créances — assurance de responsabilité civile "
    f"professionnelle : {AGENCY_INSURANCE}"
)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> DocumentActivities:
    return DocumentActivities(Settings(data_dir=tmp_path_factory.mktemp("signatures")))


@pytest.mark.parametrize(
    ("step", "dated"), [("first_reminder", "1er avril 2025"), ("formal_notice", "2 mai 2025")]
)
def test_the_creditor_s_letters_are_dated_and_signed_by_its_signatory(
    documents: DocumentActivities, step: str, dated: str
) -> None:
    letter = render(documents, step, context(step, BUSINESS, variant="signed"))
    text = pdf_text(letter.document.path)
    assert f"Lyon, le {dated}" in text
    # After the closing formula: the person, their title, the company.
    assert f"{CLOSING} {CREDITOR_SIGNATURE}" in text
    assert "service" not in text.lower()
    assert flat(letter.email_body).endswith(
        f"{CLOSING} Marie Dupont, gérante L'Atelier Dupont & Fils compta@atelier-dupont.fr"
    )


@pytest.mark.parametrize("step", ["first_reminder", "formal_notice", "penalty_claim"])
def test_an_agency_s_letters_are_signed_by_its_signatory_and_give_its_insurance(
    documents: DocumentActivities, step: str
) -> None:
    """Its first letter (whatever the step) and the later ones alike."""
    letter = render(documents, step, context(step, BUSINESS, variant="agency-signed", agency=AGENCY))
    text = pdf_text(letter.document.path)
    assert f"{CLOSING} {AGENCY_SIGNATURE}" in text
    pages = [flat(page.extract_text()) for page in PdfReader(letter.document.path).pages]
    assert all(AGENCY_FOOTER in page for page in pages)
    assert "Marie Dupont" not in text
    assert "Paul Girard, directeur du recouvrement Recouvrements du Rhône SAS, pour le compte de" in flat(
        letter.email_body
    )


def test_the_agency_s_first_letter_splits_the_sum_and_gives_its_account(
    documents: DocumentActivities,
) -> None:
    """CPCE R124-4 3°: principal, interest and other accessories apart, the figures of the penalty
    statement as at the letter's date (1 April 2025: 1 day at 13,15 % = 0,44 €, the 40 € indemnity);
    no further costs (L111-8). R124-2: the account set aside for the funds it collects, its insurance."""
    letter = render(
        documents, "first_reminder", context("first_reminder", BUSINESS, variant="split", agency=AGENCY)
    )
    text = pdf_text(letter.document.path)
    assert "La somme due se décompose en principal, intérêts et autres accessoires" in text
    assert (
        "Décompte arrêté au 1er avril 2025 Montant Principal restant dû (facture n° F-2025-0042) 1 234,56 € "
        "Intérêts — Pénalités de retard (article L441-10 du Code de commerce), du 1er avril 2025 au "
        "1er avril 2025 0,44 € Autres accessoires — Indemnité forfaitaire pour frais de recouvrement "
        "(article D441-5 du Code de commerce) 40,00 € Total dû au 1er avril 2025 1 275,00 €"
    ) in text
    assert "régler la somme de 1 275,00 € dès réception du présent courrier" in text
    assert (
        "Recouvrements du Rhône SAS est assurée pour sa responsabilité civile professionnelle "
        f"({AGENCY_INSURANCE}) et titulaire d'un compte exclusivement affecté à la réception des fonds "
        "encaissés pour le compte des créanciers, sur lequel le paiement doit être effectué (article "
        "R124-2 du Code des procédures civiles d'exécution)"
    ) in text
    assert (
        "par virement bancaire au compte de Recouvrements du Rhône SAS, affecté à la réception des fonds "
        "encaissés pour le compte des créanciers (article R124-2 du Code des procédures civiles "
        f"d'exécution), IBAN {AGENCY_IBAN_GROUPED}, en indiquant la référence « F-2025-0042 »"
    ) in text
    assert IBAN_GROUPED not in text + letter.email_body


def test_the_agency_s_first_letter_to_a_consumer_says_no_interest_nor_accessory_is_due_yet(
    documents: DocumentActivities,
) -> None:
    """A consumer owes interest from the formal notice only (Code civil 1231-6), never the indemnity."""
    agency_letter = context("first_reminder", CONSUMER, variant="split", agency=AGENCY)
    text = pdf_text(render(documents, "first_reminder", agency_letter).document.path)
    assert (
        "Principal restant dû (facture n° F-2025-0042) 1 234,56 € Intérêts néant "
        "Autres accessoires néant Total dû au 1er avril 2025 1 234,56 €"
    ) in text


@pytest.mark.parametrize("kind", [BUSINESS, CONSUMER])
def test_a_letter_nobody_signs_is_refused_for_good_saying_how_to_name_the_signatory(
    documents: DocumentActivities, kind: DebtorKind
) -> None:
    unsigned = CREDITOR.model_copy(update={"signatory": None})
    letter = context("first_reminder", kind, variant="unsigned", creditor=unsigned)
    with pytest.raises(ApplicationError) as refused:
        render(documents, "first_reminder", letter)
    assert refused.value.non_retryable and refused.value.type == "SignatoryMissing"
    assert refused.value.message == (
        "signataire manquant : aucune personne n'est enregistrée pour signer les courriers et les requêtes "
        "de L'Atelier Dupont & Fils (SIREN 123456782). Importez de nouveau une facture de ce créancier (une "
        "facture déjà importée garde son dossier) avec les colonnes creditor_signatory_name et "
        "creditor_signatory_title (nom et qualité du signataire), puis reprenez le dossier"
    )

    # An agency's letter is signed by the agency's signatory: the creditor's is not needed there.
    by_agency = letter.model_copy(update={"agency": AGENCY, "step_key": f"agency-{kind.value}"})
    assert "Paul Girard" in pdf_text(render(documents, "first_reminder", by_agency).document.path)
    nobody = by_agency.model_copy(update={"agency": AGENCY.model_copy(update={"signatory": None})})
    with pytest.raises(ApplicationError) as refused:
        render(documents, "first_reminder", nobody)
    assert refused.value.non_retryable and refused.value.type == "SignatoryMissing"
    assert "le fichier de l'agence de recouvrement Recouvrements du Rhône SAS (RELANCE_AGENCY_FILE)" in (
        refused.value.message
    )
    assert "Ajoutez-y la table [signatory] (name, title)" in refused.value.message
