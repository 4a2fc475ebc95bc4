"""Every letter, for a business, a consumer and a public buyer, sent by the creditor and by a collection
agency, read back from its PDF with pypdf: French as a French reader expects it (no-break spaces,
elision, one closing formula, half-years in words, ``lang="fr"``), and the formal notice's and the
claim's mentions true of the case (the rate the invoice bears, the route that really follows).

Amounts as worked out in ``test_letters.py``; a formal notice as at 2 May 2025 counts 32 days late
from 1 April 2025 at 13,15 % (ECB 3,15 + 10).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from activities.documents import DocumentActivities
from config.settings import Settings
from models.documents import LetterContext, RenderedLetter
from models.enums import DebtorKind
from models.parties import AgencyInfo
from tests.fixtures.pdf import flat, french_spacing_faults, raw_pdf_text
from tests.letter_templates.test_letters import (
    AGENCY,
    BUSINESS,
    CONSUMER,
    CREDITOR,
    PUBLIC,
    STEPS,
    context,
    render,
)

SENDERS: dict[str, AgencyInfo | None] = {"creditor": None, "agency": AGENCY}
CLOSING = "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
CLOSING_TO_A_COMMISSAIRE = "Nous vous prions d'agréer, Maître, l'expression de nos salutations distinguées."


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> DocumentActivities:
    return DocumentActivities(Settings(data_dir=tmp_path_factory.mktemp("every-letter")))


@pytest.fixture(scope="module")
def letters(documents: DocumentActivities) -> dict[tuple[str, DebtorKind, str], RenderedLetter]:
    """Each step's letter; an agency's first step is its R124-4 letter (``agency_first_letter``)."""
    return {
        (step, kind, sender): render(documents, step, context(step, kind, variant=sender, agency=agency))
        for step in STEPS
        for kind in KINDS
        for sender, agency in SENDERS.items()
    }


KINDS = (BUSINESS, CONSUMER, PUBLIC)
EVERY_LETTER = [(step, kind, sender) for step in STEPS for kind in KINDS for sender in SENDERS]


def letter_text(letter: RenderedLetter) -> str:
    return flat(raw_pdf_text(letter.document.path))


@pytest.mark.parametrize(("step", "kind", "sender"), EVERY_LETTER)
def test_every_letter_and_its_email_read_as_french(
    letters: dict[tuple[str, DebtorKind, str], RenderedLetter], step: str, kind: DebtorKind, sender: str
) -> None:
    letter = letters[step, kind, sender]
    raw = raw_pdf_text(letter.document.path)
    # No ordinary space before : ; ! ? nor inside « », in the letter, its email's body and subject
    # (which the mail sends encoded whole: activities/smtp.py).
    for where, text in (("letter", raw), ("body", letter.email_body), ("subject", letter.email_subject)):
        assert french_spacing_faults(text) == [], where
    assert "Objet\xa0:" in raw
    if "«" in raw:
        assert "«\xa0" in raw and "\xa0»" in raw
    # Half-years in words, never the rate tables' codes.
    assert not re.search(r"\d{4}-H[12]", raw + letter.email_body)
    # One closing formula, the same in the letter and in the email that carries it.
    closing = CLOSING_TO_A_COMMISSAIRE if step == "judicial_filing" else CLOSING
    text, body = flat(raw), flat(letter.email_body)
    assert text.count("agréer") == 1 and closing in text
    assert body.count("agréer") == 1 and closing in body
    assert "Veuillez agréer" not in text + body
    # The document says it is French: date fields, hyphenation and readers go by it.
    assert PdfReader(letter.document.path).trailer["/Root"]["/Lang"] == "fr"


def notice(kind: DebtorKind, variant: str, **changes: object) -> LetterContext:
    return context("formal_notice", kind, variant=variant, **changes)


def test_the_formal_notice_to_a_business_states_its_rate_and_the_small_claims_procedure(
    letters: dict[tuple[str, DebtorKind, str], RenderedLetter],
) -> None:
    text = letter_text(letters["formal_notice", BUSINESS, "creditor"])
    # Code de commerce L441-10 II: no contract rate, so the ECB rate + 10 points, with its source.
    assert "faute d'autre taux prévu par les conditions générales de vente" in text
    assert (
        "Taux appliqué à la présente facture : 13,15 % l'an du 1er avril 2025 au 2 mai 2025 : taux de "
        "refinancement de la BCE 3,15 % (décision de la BCE en vigueur le 18 décembre 2024) + 10 points."
    ) in text
    # 1 234,56 € + 14,23 € stay within 5 000 €: the small-claims procedure, then the injonction.
    assert (
        "À défaut de paiement intégral dans ce délai, nous serons contraints, sans autre avis, de demander "
        "à un commissaire de justice de mettre en œuvre la procédure simplifiée de recouvrement des "
        "petites créances (articles L125-1 et R125-1 du Code des procédures civiles d'exécution), la "
        "créance n'excédant pas 5 000,00 € en principal et intérêts, puis, à défaut d'accord, présenter "
        "une requête en injonction de payer"
    ) in text


def test_the_formal_notice_to_a_consumer_states_the_legal_rate_of_the_half_year(
    letters: dict[tuple[str, DebtorKind, str], RenderedLetter],
) -> None:
    text = letter_text(letters["formal_notice", CONSUMER, "creditor"])
    # Code civil 1231-6: no interest has run yet, the rate it will run at is the legal rate.
    assert (
        "Taux appliqué : le taux de l'intérêt légal, soit 3,71 % l'an pour le premier semestre 2025 "
        "(arrêté du 17 décembre 2024 relatif à la fixation du taux de l'intérêt légal), puis celui de "
        "chaque semestre suivant (article L313-2 du Code monétaire et financier)."
    ) in text
    assert "conditions générales de vente" not in text and "BCE" not in text
    assert "demander à un commissaire de justice de mettre en œuvre la procédure simplifiée" in text


def test_a_contract_rate_is_the_rate_the_notice_states(documents: DocumentActivities) -> None:
    # 15 % is above 3 × 3,71 % = 11,13 %: it applies as agreed (L441-10 II).
    letter = notice(BUSINESS, "contract", contract_rate_percent=Decimal("15"))
    text = letter_text(render(documents, "formal_notice", letter))
    assert "au taux prévu par les conditions générales de vente, 15,00 % l'an" in text
    assert (
        "15,00 % l'an du 1er avril 2025 au 2 mai 2025 : taux contractuel (conditions générales de vente)."
    ) in text
    assert "BCE" not in text


def test_a_claim_over_the_ceiling_with_its_interest_is_announced_as_an_injonction(
    documents: DocumentActivities,
) -> None:
    # 4 990,00 € of principal is under 5 000 €; with 32 days at 13,15 %
    # (4990 × 13.15 × 32 / 36500 = 57.528… → 57,53 €) the claim is 5 047,53 €: over it.
    letter = notice(BUSINESS, "over-ceiling", principal=Decimal("4990.00"))
    letter = letter.model_copy(
        update={
            "balance": Decimal("4990.00"),
            "invoice": letter.invoice.model_copy(update={"amount_due": Decimal("4990.00")}),
        }
    )
    text = letter_text(render(documents, "formal_notice", letter))
    assert "57,53 €" in text
    assert (
        "nous serons contraints, sans autre avis, de présenter au président du tribunal compétent une "
        "requête en injonction de payer (articles 1405 et suivants du Code de procédure civile), la "
        "créance excédant 5 000,00 € en principal et intérêts."
    ) in text
    assert "procédure simplifiée" not in text


def test_while_the_rates_of_today_are_unpublished_the_route_is_not_announced_as_settled(
    documents: DocumentActivities,
) -> None:
    """Interest counted short of today may keep a claim under the ceiling that is over it today."""
    letter = notice(BUSINESS, "rates-pending")
    assert letter.penalties is not None
    pending = letter.penalties.model_copy(update={"rates_pending": True})
    letter = letter.model_copy(update={"penalties": pending})
    text = letter_text(render(documents, "formal_notice", letter))
    assert (
        "de demander à un commissaire de justice de mettre en œuvre la procédure simplifiée de "
        "recouvrement des petites créances (articles L125-1 et R125-1 du Code des procédures civiles "
        "d'exécution) si la créance n'excède pas 5 000,00 € en principal et intérêts, ou sinon présenter "
        "une requête en injonction de payer"
    ) in text
    assert "la créance n'excédant pas" not in text


def test_without_a_signed_order_no_court_is_announced(documents: DocumentActivities) -> None:
    """Relance keeps such a case amicable (Code civil 1353): the letters say only what may follow."""
    letter = notice(BUSINESS, "no-order")
    without_order = letter.invoice.model_copy(update={"order_reference": None})
    letter = letter.model_copy(update={"invoice": without_order})
    text = letter_text(render(documents, "formal_notice", letter))
    assert (
        "À défaut de paiement intégral dans ce délai, nous nous réservons d'engager toute procédure "
        "propre au recouvrement de la créance."
    ) in text
    assert "injonction de payer" not in text and "commissaire de justice" not in text


@pytest.mark.parametrize("step", ["formal_notice", "penalty_claim"])
def test_an_agency_never_writes_that_it_will_sue(
    letters: dict[tuple[str, DebtorKind, str], RenderedLetter], step: str
) -> None:
    """An agency collects amicably for the creditor (CPCE L124-1): the creditor goes to court."""
    for kind in (BUSINESS, CONSUMER):
        text = letter_text(letters[step, kind, "agency"])
        assert (
            "nous en rendrons compte à L'Atelier Dupont & Fils, qui pourra demander à un commissaire de "
            "justice de mettre en œuvre la procédure simplifiée"
        ) in text
        for suing in ("nous serons contraints", "nous transmettrons le dossier", "nous saisirons"):
            assert suing not in text
    own = letter_text(letters["penalty_claim", BUSINESS, "creditor"])
    assert "À défaut de paiement à cette date, nous serons contraints, sans autre avis, de demander" in own


def test_de_is_elided_before_a_vowel(documents: DocumentActivities) -> None:
    creditor = CREDITOR.model_copy(
        update={"name": "Atelier Morel", "siren": "443061841", "siret": None, "vat_number": None}
    )
    for step in STEPS:
        letter = render(
            documents, step, context(step, BUSINESS, variant="elision", agency=AGENCY, creditor=creditor)
        )
        text, body = letter_text(letter), flat(letter.email_body)
        assert "de Atelier" not in text + body + letter.email_subject, step
        # The agency signs for the creditor (the debtor pays into the agency's own account).
        assert "pour le compte d'Atelier Morel" in text, step
        assert "Recouvrements du Rhône SAS, pour le compte d'Atelier Morel" in body, step
    first = context("first_reminder", BUSINESS, variant="elision-first", agency=AGENCY, creditor=creditor)
    assert render(documents, "first_reminder", first).email_subject == (
        "Recouvrement amiable pour le compte d'Atelier Morel\xa0: facture n° F-2025-0042"
    )


def test_a_creditor_s_name_keeps_de_before_a_consonant_or_an_article(
    letters: dict[tuple[str, DebtorKind, str], RenderedLetter],
) -> None:
    text = letter_text(letters["first_reminder", BUSINESS, "agency"])
    assert "demande de paiement pour le compte de L'Atelier Dupont & Fils" in text
