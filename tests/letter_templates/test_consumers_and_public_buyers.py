"""Letters to a consumer addressed by civility, with the legal interest from the notice's receipt,
and letters to a public buyer, which owes the ECB rate + 8 points and the 40 EUR indemnity and is
never threatened with a court route: real PDFs read back with pypdf.

Amounts for the invoice of ``test_letters.py`` (1 234,56 € due 31 March 2025), each period
principal × rate × days / 36 500 rounded half-up to the cent:
- consumer, notice sent 2 May 2025 and received 6 May, as at 15 July: 7 May .. 30 June, 55 days at
  3,71 % = 6,90 €; 1 .. 15 July, 15 days at 2,76 % = 1,40 €; 8,30 €, sum due 1 242,86 €.
- public buyer, interest begun 1 April 2025 (2025-H1: ECB 3,15 + 8 = 11,15 % for the whole period):
  as at 2 May, 32 days = 12,07 € + 40,00 € = 52,07 €, sum due 1 286,63 €; as at 15 July, 91 days =
  34,32 € and 15 days = 5,66 € (still 11,15 %), 39,98 € + 40,00 €, sum due 1 314,54 €.
"""

from __future__ import annotations

from datetime import date

import pytest

from activities.documents import DocumentActivities
from config.settings import Settings
from models.documents import LetterContext, RenderedLetter
from models.enums import Civility
from tests.fixtures.pdf import flat, pdf_text
from tests.letter_templates.test_letters import AGENCY, CONSUMER, PUBLIC, context, render


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> DocumentActivities:
    return DocumentActivities(Settings(data_dir=tmp_path_factory.mktemp("kinds")))


def to_madame(letter: LetterContext) -> LetterContext:
    madame = letter.debtor.model_copy(update={"civility": Civility.MADAME})
    return letter.model_copy(update={"debtor": madame})


def text_and_body(letter: RenderedLetter) -> tuple[str, str]:
    return pdf_text(letter.document.path), flat(letter.email_body)


def letter_text(documents: DocumentActivities, step: str, letter: LetterContext) -> str:
    return pdf_text(render(documents, step, letter).document.path)


# --- a consumer ------------------------------------------------------------------------------------


def test_a_consumer_given_as_madame_is_addressed_so_in_the_letter_and_its_email(
    documents: DocumentActivities,
) -> None:
    for step in ("first_reminder", "formal_notice"):
        letter = to_madame(context(step, CONSUMER, variant="madame"))
        text, body = text_and_body(render(documents, step, letter))
        # The address block, the salutation and the closing formula, in the letter and its email.
        assert "Madame Claire Martin 4 avenue Jean Jaurès 75019 PARIS" in text
        assert "Madame, Sauf erreur" in text or "Madame, Malgré" in text
        assert "Nous vous prions d'agréer, Madame, l'expression de nos salutations distinguées." in text
        assert body.startswith("Madame, ")
        assert "Nous vous prions d'agréer, Madame, l'expression de nos salutations distinguées." in body
        assert "Madame, Monsieur" not in text + body
    madame = to_madame(context("formal_notice", CONSUMER, variant="m"))
    notice = letter_text(documents, "formal_notice", madame)
    assert "vous met en demeure, Madame Claire Martin, demeurant 4 avenue Jean Jaurès" in notice
    # Without a civility: both.
    plain = letter_text(documents, "first_reminder", context("first_reminder", CONSUMER, variant="plain"))
    assert "Madame, Monsieur, Sauf erreur" in plain


def test_a_consumer_s_interest_is_claimed_from_the_day_the_notice_was_received(
    documents: DocumentActivities,
) -> None:
    letter = context(
        "penalty_claim", CONSUMER, variant="received", notice_date=date(2025, 5, 6), notice_outcome="received"
    )
    text = pdf_text(render(documents, "penalty_claim", letter).document.path)
    assert (
        "les intérêts au taux légal courus depuis le 6 mai 2025, date de réception de la mise en demeure "
        "(articles 1231-6 et 1344-1 du Code civil), arrêtés au 15 juillet 2025"
    ) in text
    assert "du 7 mai 2025 au 30 juin 2025 55 1 234,56 € 3,71 % 6,90 €" in text
    assert "du 1er juillet 2025 au 15 juillet 2025 15 1 234,56 € 2,76 % 1,40 €" in text
    assert "Total dû au 15 juillet 2025 1 242,86 €" in text


def test_a_refused_notice_runs_a_consumer_s_interest_from_its_first_presentation(
    documents: DocumentActivities,
) -> None:
    letter = context(
        "penalty_claim", CONSUMER, variant="refused", notice_date=date(2025, 5, 5), notice_outcome="refused"
    )
    text = pdf_text(render(documents, "penalty_claim", letter).document.path)
    assert (
        "courus depuis le 5 mai 2025, date de première présentation de la mise en demeure, refusée par son "
        "destinataire (articles 1231-6 et 1344-1 du Code civil)"
    ) in text


# --- a public buyer --------------------------------------------------------------------------------


def test_the_formal_notice_to_a_public_buyer_claims_ecb_plus_8_and_threatens_no_court(
    documents: DocumentActivities,
) -> None:
    text = letter_text(documents, "formal_notice", context("formal_notice", PUBLIC, variant="own"))
    assert "vous met en demeure, Commune de Saint-Aubin, SIREN 216903542, dont le siège est situé" in text
    assert "Madame, Monsieur, Malgré" in text
    # Code de la commande publique R2192-31: one rate, that of the half-year the interest began in.
    assert (
        "des intérêts moratoires au taux appliqué par la Banque centrale européenne à ses opérations "
        "principales de refinancement, en vigueur au premier jour du semestre au cours duquel ils ont "
        "commencé à courir, majoré de huit points de pourcentage, et ce pour toute la durée du retard"
    ) in text
    assert (
        "11,15 % l'an du 1er avril 2025 au 2 mai 2025 : taux de refinancement de la BCE 3,15 % en vigueur "
        "le 1er janvier 2025, premier jour du semestre où les intérêts moratoires ont commencé à courir"
    ) in text
    assert (
        "Intérêts moratoires (article R2192-31 du Code de la commande publique), du 1er avril 2025 au "
        "2 mai 2025 12,07 €"
    ) in text
    # D2192-35: the 40 EUR indemnity, as between businesses.
    assert "(article D2192-35 du Code de la commande publique) 40,00 €" in text
    assert "Total dû au 2 mai 2025 1 286,63 €" in text
    # Public property cannot be seized: the letter announces no court route it will not take.
    assert (
        "À défaut de paiement intégral dans ce délai, nous nous réservons d'engager toute procédure "
        "propre au recouvrement de la créance."
    ) in text
    assert "injonction de payer" not in text and "commissaire de justice" not in text
    assert "L441-10" not in text and "D441-5" not in text and "1231-6" not in text


@pytest.mark.parametrize("agency", [None, AGENCY], ids=["creditor", "agency"])
def test_the_penalty_claim_to_a_public_buyer_keeps_one_rate_across_half_years(
    documents: DocumentActivities, agency: object
) -> None:
    letter = context("penalty_claim", PUBLIC, variant=f"claim-{bool(agency)}", agency=agency)
    rendered = render(documents, "penalty_claim", letter)
    text, body = text_and_body(rendered)
    assert "du 1er avril 2025 au 30 juin 2025 91 1 234,56 € 11,15 % 34,32 €" in text
    assert "du 1er juillet 2025 au 15 juillet 2025 15 1 234,56 € 11,15 % 5,66 €" in text
    assert "Total dû au 15 juillet 2025 1 314,54 €" in text
    assert (
        "les intérêts moratoires (article R2192-31 du Code de la commande publique) et l'indemnité "
        "forfaitaire pour frais de recouvrement (article D2192-35 du même code), arrêtés au 15 juillet 2025"
    ) in text
    assert "ne sont donc pas soumis à la TVA" in text
    assert "injonction de payer" not in text and "procédure simplifiée" not in text
    assert "des intérêts moratoires et de l'indemnité forfaitaire pour frais de recouvrement" in body


def test_the_second_reminder_tells_a_public_buyer_what_runs_of_right(documents: DocumentActivities) -> None:
    text = letter_text(documents, "second_reminder", context("second_reminder", PUBLIC, variant="own"))
    assert (
        "en application de l'article R2192-31 du Code de la commande publique, tout retard de paiement fait "
        "courir de plein droit des intérêts moratoires"
    ) in text
    assert "(article D2192-35 du même code)" in text and "L441-10" not in text
