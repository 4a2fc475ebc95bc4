"""The letters' amounts, payment details, collection agency and creditor overrides: real PDFs
rendered with WeasyPrint through ``render_letter`` and read back with pypdf.

Amounts worked out by hand (config/rates), for an invoice of 1 234,56 € due 31 March 2025; each
period is principal × rate × days / 36 500, rounded half-up to the cent:
- business as at 1 April 2025: 1 day at 13,15 % (ECB 3,15 + 10) = 0.4448… → 0,44 €; + 40,00 € = 40,44 €;
  sum due 1 275,00 €.
- business as at 2 May 2025: 1 April .. 2 May, 32 days at 13,15 % = 14.2329… → 14,23 €; + 40,00 € =
  54,23 €; sum due 1 288,79 €.
- business as at 15 July 2025: 1 April .. 30 June, 91 days at 13,15 % = 40.4749… → 40,47 €; 1 .. 15 July,
  15 days at 12,15 % (ECB 2,15 + 10) = 6.1643… → 6,16 €; interest 46,63 €, + 40,00 € = 86,63 €; sum due
  1 321,19 €.
- consumer, formal notice of 2 May 2025, as at 15 July 2025: 3 May .. 30 June, 59 days at 3,71 % (legal
  rate) = 7.4036… → 7,40 €; 1 .. 15 July, 15 days at 2,76 % = 1.4003… → 1,40 €; interest 8,80 €, no
  indemnity; sum due 1 243,36 €. As at the notice itself: nothing yet.
"""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from temporalio.exceptions import ApplicationError

from activities.documents import DocumentActivities
from activities.rendering.pdf import template_folder_fetcher
from config.settings import Settings
from law.penalties import PenaltyRequest, PenaltyStatement, compute_penalties
from models.documents import LetterContext, RenderedLetter, RenderLetterRequest
from models.enums import DebtorKind, Stage
from models.invoices import InvoiceInfo
from models.parties import Address, AgencyInfo, CreditorInfo, DebtorInfo, Signatory
from models.status import ActionRecord
from support.french import percent_fr
from tests.fixtures.pdf import flat, pdf_text
from tests.fixtures.rates import bundled_rates

BUSINESS, CONSUMER, PUBLIC = DebtorKind.BUSINESS, DebtorKind.CONSUMER, DebtorKind.PUBLIC
DEBTOR_NAMES = {BUSINESS: "Bâtiments Martin SAS", CONSUMER: "Claire Martin", PUBLIC: "Commune de Saint-Aubin"}
# A public buyer has its SIREN as a company has (test data).
PUBLIC_SIREN = "216903542"
CASE_ID = "invoice-123456782-F-2025-0042"
PRINCIPAL = Decimal("1234.56")
DUE = date(2025, 3, 31)
NOTICE_DATE = date(2025, 5, 2)
IBAN_GROUPED = "FR76 3000 6000 0112 3456 7890 189"
CREDITOR = CreditorInfo(
    name="L'Atelier Dupont & Fils",
    siren="123456782",
    siret="12345678200002",
    vat_number="FR11123456782",
    iban="fr76 3000 6000 0112 3456 7890 189",
    email="compta@atelier-dupont.fr",
    address=Address(street="12 rue des Artisans", postcode="69003", city="Lyon"),
    signatory=Signatory(name="Marie Dupont", title="gérante"),
)
# The agency's dedicated account (CPCE R124-2), where its letters ask the debtor to pay.
AGENCY_IBAN_GROUPED = "FR20 1027 8073 0000 0204 2350 151"
AGENCY_INSURANCE = "MMA IARD, contrat n° 145 879 332"
AGENCY = AgencyInfo(
    name="Recouvrements du Rhône SAS",
    siren="732829320",
    email="contact@recouvrements-rhone.fr",
    address=Address(street="8 quai de la Pêcherie", postcode="69001", city="Lyon"),
    iban=AGENCY_IBAN_GROUPED,
    insurance=AGENCY_INSURANCE,
    signatory=Signatory(name="Paul Girard", title="directeur du recouvrement"),
)
# Each step: its stage, the letter's date, the deadline it gives.
STEPS = {
    "first_reminder": (Stage.AMICABLE_REMINDER, date(2025, 4, 1), None),
    "second_reminder": (Stage.AMICABLE_REMINDER, date(2025, 4, 15), None),
    "formal_notice": (Stage.FORMAL_NOTICE, NOTICE_DATE, date(2025, 5, 12)),
    "penalty_claim": (Stage.PENALTY_CLAIM, date(2025, 7, 15), date(2025, 7, 25)),
    "judicial_filing": (Stage.JUDICIAL_FILING, date(2025, 8, 1), date(2025, 8, 11)),
}
# CPCE L111-8, second and third paragraphs, which an agency's first letter reproduces (R124-4 5°).
L111_8 = (
    "« Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du créancier, sauf "
    "s'ils concernent un acte dont l'accomplissement est prescrit par la loi au créancier. Toute "
    "stipulation contraire est réputée non écrite, sauf disposition législative contraire. "
    "Cependant, le créancier qui justifie du caractère nécessaire des démarches entreprises pour "
    "recouvrer sa créance peut demander au juge de l'exécution de laisser tout ou partie des frais ainsi "
    "exposés à la charge du débiteur de mauvaise foi. »"
)
FIRST_LETTER_RECALLED = f"Suite à notre courrier du 1er avril 2025, référence {CASE_ID}/first_reminder"


def statement(kind: DebtorKind, until: date, **fields: object) -> PenaltyStatement:
    """The penalties as the engine computes them, as at ``until``."""
    return compute_penalties(
        PenaltyRequest.model_validate(
            {
                "principal": PRINCIPAL,
                "due_date": DUE,
                "until": until,
                "debtor_kind": kind,
                "notice_date": NOTICE_DATE if kind is CONSUMER else None,
                **fields,
            }
        ), bundled_rates()
    )


def context(
    step: str,
    kind: DebtorKind,
    *,
    variant: str,
    agency: AgencyInfo | None = None,
    with_penalties: bool = True,
    creditor: CreditorInfo = CREDITOR,
    **penalty_fields: object,
) -> LetterContext:
    """The context of ``step``'s letter, with the letters sent before it and the penalties as at its date.

    A consumer owes nothing before the formal notice (Code civil 1231-6): reminders carry no penalties.
    """
    stage, letter_date, pay_by = STEPS[step]
    before = list(STEPS)[: list(STEPS).index(step)]
    penalties = None
    if with_penalties and (kind.professional or stage.rank >= Stage.FORMAL_NOTICE.rank):
        penalties = statement(kind, letter_date, **penalty_fields)
    return LetterContext(
        case_id=CASE_ID,
        step_key=f"{step}-{kind.value}-{variant}",
        stage=stage,
        letter_date=letter_date,
        creditor=creditor,
        debtor=DebtorInfo(
            kind=kind,
            name=DEBTOR_NAMES[kind],
            email="factures@batiments-martin.fr",
            address=Address(street="4 avenue Jean Jaurès", postcode="75019", city="Paris"),
            siren={BUSINESS: "987654324", PUBLIC: PUBLIC_SIREN}.get(kind),
        ),
        invoice=InvoiceInfo(
            number="F-2025-0042",
            issue_date=date(2025, 3, 1),
            due_date=DUE,
            amount_due=PRINCIPAL,
            order_reference="BC-7781",
            contract_rate_percent=penalty_fields.get("contract_rate_percent"),
        ),
        balance=PRINCIPAL,
        pay_by=pay_by,
        previous_letters=[
            ActionRecord(
                at=datetime.combine(STEPS[key][1], time(7), tzinfo=UTC),
                kind="step",
                actor="relance",
                detail=key,
                step_key=key,
                stage=STEPS[key][0],
            )
            for key in before
        ],
        penalties=penalties,
        agency=agency,
    )


def render(documents: DocumentActivities, template: str, letter: LetterContext) -> RenderedLetter:
    return documents.render_letter(RenderLetterRequest(template=template, context=letter))


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("letters"))


@pytest.fixture(scope="module")
def documents(settings: Settings) -> DocumentActivities:
    return DocumentActivities(settings)


# Every template for a business and a consumer debtor. The agency's first letter is what
# render_letter makes of the policy's first step when an agency sends it.
MATRIX = [*STEPS, "agency_first_letter"]


@pytest.fixture(scope="module")
def letters(documents: DocumentActivities) -> dict[tuple[str, DebtorKind], RenderedLetter]:
    rendered = {}
    for kind in DebtorKind:
        for step in STEPS:
            rendered[step, kind] = render(documents, step, context(step, kind, variant="own"))
        agency_letter = context("first_reminder", kind, variant="agency", agency=AGENCY)
        rendered["agency_first_letter", kind] = render(documents, "first_reminder", agency_letter)
    return rendered


def text_of(letters: dict[tuple[str, DebtorKind], RenderedLetter], template: str, kind: DebtorKind) -> str:
    return pdf_text(letters[template, kind].document.path)


# --- payment details ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(DebtorKind))
@pytest.mark.parametrize("template", MATRIX)
def test_every_letter_says_how_to_pay(
    letters: dict[tuple[str, DebtorKind], RenderedLetter], template: str, kind: DebtorKind
) -> None:
    letter = letters[template, kind]
    text = pdf_text(letter.document.path)
    # The creditor's identifiers in the sender block.
    assert "SIREN 123456782" in text and "SIRET 12345678200002" in text
    assert "TVA intracommunautaire FR11123456782" in text
    assert "F-2025-0042" in text and "1 234,56 €" in text
    body = flat(letter.email_body)
    if template == "judicial_filing":
        # The commissaire de justice pays the funds recovered over to the creditor's account.
        assert f"IBAN pour le reversement des fonds : {IBAN_GROUPED}" in text
        assert "IBAN" not in body
    else:
        # An agency's letter asks for payment into its own dedicated account (CPCE R124-2).
        by_agency = template == "agency_first_letter"
        payee = "Recouvrements du Rhône SAS" if by_agency else "L'Atelier Dupont & Fils"
        iban = AGENCY_IBAN_GROUPED if by_agency else IBAN_GROUPED
        assert f"virement bancaire au compte de {payee}" in text and f"IBAN {iban}, en indiquant" in text
        assert "en indiquant la référence « F-2025-0042 »" in text
        assert f"Règlement par virement : IBAN {iban}, référence à indiquer : F-2025-0042" in body
    # The email is plain text: nothing escaped.
    for part in (letter.email_subject, letter.email_body):
        assert "&amp;" not in part and "&#39;" not in part and "<" not in part


def test_percent_in_french() -> None:
    assert percent_fr(Decimal("12.15")) == "12,15\xa0%"
    assert percent_fr(Decimal("9")) == "9,00\xa0%"
    with pytest.raises(TypeError):
        percent_fr(12.15)  # type: ignore[arg-type]


# --- the formal notice ----------------------------------------------------------------------------


def test_formal_notice_to_a_business_states_the_penalties_so_far(
    letters: dict[tuple[str, DebtorKind], RenderedLetter],
) -> None:
    text = text_of(letters, "formal_notice", BUSINESS)
    assert "MISE EN DEMEURE" in text and "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION" in text
    assert "L'Atelier Dupont & Fils, SIREN 123456782, 12 rue des Artisans, 69003 Lyon" in text
    assert "vous met en demeure, Bâtiments Martin SAS, SIREN 987654324, dont le siège est situé" in text
    assert "Malgré nos rappels des 1er avril 2025 et 15 avril 2025" in text
    assert "F-2025-0042 1er mars 2025 31 mars 2025 1 234,56 € 1 234,56 €" in text
    assert "Le principal restant dû s'élève à 1 234,56 €" in text
    # The penalties and the indemnity accrued as at the notice's date, and their basis.
    assert "Décompte arrêté au 2 mai 2025" in text
    assert "Principal restant dû (facture n° F-2025-0042) 1 234,56 €" in text
    assert (
        "Pénalités de retard (article L441-10 du Code de commerce), du 1er avril 2025 au 2 mai 2025 14,23 €"
        in text
    )
    assert (
        "Indemnité forfaitaire pour frais de recouvrement (article D441-5 du Code de commerce) 40,00 €"
        in text
    )
    assert "Total dû au 2 mai 2025 1 288,79 €" in text
    assert "à compter du 1er avril 2025, lendemain de la date d'échéance" in text
    assert "majoré de 10 points de pourcentage" in text
    # The deadline and what follows if it is missed.
    assert "régler la somme de 1 288,79 € au plus tard le 12 mai 2025" in text
    assert "majorée des pénalités courues après le 2 mai 2025" in text
    assert "injonction de payer (articles 1405 et suivants du Code de procédure civile)" in text
    assert "vaut mise en demeure au sens de l'article 1344 du Code civil" in text
    assert "1231-6" not in text


def test_formal_notice_to_a_consumer_starts_the_legal_interest(
    letters: dict[tuple[str, DebtorKind], RenderedLetter],
) -> None:
    text = text_of(letters, "formal_notice", CONSUMER)
    assert (
        "MISE EN DEMEURE" in text and "met en demeure, Claire Martin, demeurant 4 avenue Jean Jaurès" in text
    )
    assert "L'Atelier Dupont & Fils, SIREN 123456782" in text
    assert "F-2025-0042 1er mars 2025 31 mars 2025 1 234,56 € 1 234,56 €" in text
    # Interest at the legal rate runs from this notice's receipt (Code civil 1231-6, 1344-1): none
    # is due yet.
    assert "articles 1231-6 et 1344-1 du Code civil" in text
    assert (
        "intérêts au taux légal à compter de la réception de la présente mise en demeure (ou de sa "
        "première présentation, si elle est refusée ou n'est pas réclamée)"
    ) in text
    assert "Décompte arrêté au 2 mai 2025" in text and "Total dû au 2 mai 2025 1 234,56 €" in text
    assert "Intérêts au taux légal (article" not in text
    assert "D441-5" not in text and "40,00 €" not in text and "L441-10" not in text
    assert "régler la somme de 1 234,56 € au plus tard le 12 mai 2025" in text
    assert "injonction de payer" in text


def test_without_a_statement_the_letters_give_the_basis_only(documents: DocumentActivities) -> None:
    """Callers that pass no penalties get the basis of what accrues, and no amount of it."""
    for step in ("formal_notice", "penalty_claim"):
        letter = render(documents, step, context(step, BUSINESS, variant="basis", with_penalties=False))
        text = pdf_text(letter.document.path)
        assert "L441-10" in text and "D441-5" in text and "40,00 €" in text
        assert "Décompte arrêté" not in text and "décompte détaillé" not in text
        assert "14,23 €" not in text and "46,63 €" not in text


# --- the penalty claim ----------------------------------------------------------------------------


def test_penalty_claim_to_a_business_claims_the_statement(
    letters: dict[tuple[str, DebtorKind], RenderedLetter],
) -> None:
    text = text_of(letters, "penalty_claim", BUSINESS)
    assert "RÉCLAMATION DES PÉNALITÉS DE RETARD" in text
    assert "lettre recommandée avec accusé de réception du 2 mai 2025" in text
    # Period by period: days, base, rate, interest.
    assert "du 1er avril 2025 au 30 juin 2025 91 1 234,56 € 13,15 % 40,47 €" in text
    assert "du 1er juillet 2025 au 15 juillet 2025 15 1 234,56 € 12,15 % 6,16 €" in text
    assert "du 1er avril 2025 au 15 juillet 2025 46,63 €" in text
    assert "(article D441-5 du Code de commerce) 40,00 €" in text
    # Principal + penalties = the sum claimed.
    assert "Total dû au 15 juillet 2025 1 321,19 €" in text
    assert "régler la somme totale de 1 321,19 € au plus tard le 25 juillet 2025" in text
    assert "Le décompte détaillé joint au présent courrier" in text
    assert "ne sont donc pas soumises à la TVA" in text
    assert "commissaire de justice" in text


def test_penalty_claim_to_a_consumer_claims_the_legal_interest(
    letters: dict[tuple[str, DebtorKind], RenderedLetter],
) -> None:
    text = text_of(letters, "penalty_claim", CONSUMER)
    assert "RÉCLAMATION DES INTÉRÊTS DE RETARD" in text
    # A statement given the notice's own day says so (a case follows its receipt: see below).
    assert (
        "courus depuis le 2 mai 2025, date de la mise en demeure (articles 1231-6 et 1344-1 du Code civil)"
    ) in text
    assert "du 3 mai 2025 au 30 juin 2025 59 1 234,56 € 3,71 % 7,40 €" in text
    assert "du 1er juillet 2025 au 15 juillet 2025 15 1 234,56 € 2,76 % 1,40 €" in text
    assert (
        "Intérêts au taux légal (article 1231-6 du Code civil), du 3 mai 2025 au 15 juillet 2025 8,80 €"
        in text
    )
    assert "Total dû au 15 juillet 2025 1 243,36 €" in text
    assert "Le décompte détaillé joint au présent courrier" in text
    assert "ils ne sont pas soumis à la TVA" in text
    assert "D441-5" not in text and "40,00 €" not in text


def test_penalty_claim_explains_a_contract_rate_raised_to_the_floor(documents: DocumentActivities) -> None:
    # 9 % is below 3 × 3,71 % = 11,13 % in 2025-H1 (raised), above 3 × 2,76 % = 8,28 % in 2025-H2.
    # 1234.56 × 11.13 × 91 / 36500 = 34.2575… → 34,26 €; 1234.56 × 9 × 15 / 36500 = 4.5662… → 4,57 €.
    letter = context("penalty_claim", BUSINESS, variant="contract", contract_rate_percent=Decimal("9"))
    text = pdf_text(render(documents, "penalty_claim", letter).document.path)
    assert "du 1er avril 2025 au 30 juin 2025 91 1 234,56 € 11,13 % 34,26 €" in text
    assert "du 1er juillet 2025 au 15 juillet 2025 15 1 234,56 € 9,00 % 4,57 €" in text
    assert "Total dû au 15 juillet 2025 1 313,39 €" in text
    note = text.split("Du 1er avril 2025 au 30 juin 2025 :", 1)[1][:200]
    assert "9,00 %" in note and "11,13 %" in note and "L441-10 II" in note
    assert "Du 1er juillet 2025" not in text  # no warning for the second half-year


def test_penalty_claim_explains_a_default_rate_below_the_floor(documents: DocumentActivities) -> None:
    # 2024-H1: ECB 4,50 + 10 = 14,50 %, below 3 × 5,07 % = 15,21 %, applies as it is (the floor binds
    # contract rates only). Due 31 March 2024, as at 31 May 2024: 61 days,
    # 1234.56 × 14.50 × 61 / 36500 = 29.9169… → 29,92 €.
    due = date(2024, 3, 31)
    letter = context("penalty_claim", BUSINESS, variant="default-2024", with_penalties=False)
    letter = letter.model_copy(
        update={
            "invoice": letter.invoice.model_copy(update={"issue_date": date(2024, 3, 1), "due_date": due}),
            "letter_date": date(2024, 5, 31),
            "penalties": compute_penalties(
                PenaltyRequest(
                    principal=PRINCIPAL, due_date=due, until=date(2024, 5, 31), debtor_kind=BUSINESS
                ), bundled_rates()
            ),
        }
    )
    text = pdf_text(render(documents, "penalty_claim", letter).document.path)
    assert "du 1er avril 2024 au 31 mai 2024 61 1 234,56 € 14,50 % 29,92 €" in text
    assert "Du 1er avril 2024 au 31 mai 2024 : le taux par défaut de 14,50 %" in text
    assert "15,21 %" in text and "tel quel" in text


# --- a collection agency --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(DebtorKind))
def test_agency_first_letter_carries_the_r124_4_mentions(
    letters: dict[tuple[str, DebtorKind], RenderedLetter], kind: DebtorKind
) -> None:
    letter = letters["agency_first_letter", kind]
    text = pdf_text(letter.document.path)
    assert "RECOUVREMENT AMIABLE" in text
    # 1° the agency, its address, and that it carries out amicable debt collection.
    assert (
        "Recouvrements du Rhône SAS, SIREN 732829320, dont le siège est situé 8 quai de la Pêcherie" in text
    )
    assert (
        "69001 Lyon, exerce une activité de recouvrement amiable de créances pour le compte d'autrui" in text
    )
    # 2° the creditor and its address.
    assert "chargée par L'Atelier Dupont & Fils, SIREN 123456782, dont le siège est situé 12 rue des" in text
    # 3° the basis and the amount, principal, interest and accessories apart, without collection costs.
    assert "a pour fondement la facture suivante, émise en exécution de la commande n° BC-7781" in text
    assert "Principal restant dû (facture n° F-2025-0042) 1 234,56 €" in text
    assert (
        "ne comprend aucuns frais de recouvrement amiable : ces frais restent à la charge du créancier"
        in text
    )
    # 4° the request to pay, and how: into the agency's dedicated account (R124-2).
    assert f"IBAN {AGENCY_IBAN_GROUPED}, en indiquant la référence « F-2025-0042 »" in text
    assert IBAN_GROUPED not in text
    assert "dès réception du présent courrier" in text
    assert "quittance" in text and "R124-6" in text
    # 5° the text of CPCE L111-8, second and third paragraphs.
    assert "Article L111-8 du Code des procédures civiles d'exécution, deuxième et troisième alinéas" in text
    assert L111_8 in text
    # Its own reference and date, for the later letters to recall.
    reference = f"{CASE_ID}/first_reminder-{kind.value}-agency"
    assert f"la référence du présent courrier, {reference}, du 1er avril 2025" in text
    # The agency sends it, for the creditor.
    assert "agissant pour le compte du créancier : L'Atelier Dupont & Fils" in text
    assert "Lyon, le 1er avril 2025" in text
    reader = PdfReader(letter.document.path)
    assert reader.metadata is not None and reader.metadata.author == "Recouvrements du Rhône SAS"
    if kind is BUSINESS:
        # 1 day late: 0,44 € of penalties, 40,00 € indemnity.
        assert "du 1er avril 2025 au 1er avril 2025 0,44 €" in text
        assert "(article D441-5 du Code de commerce) 40,00 €" in text
        assert "régler la somme de 1 275,00 €" in text
    elif kind is PUBLIC:
        # 1 day late at 3,15 + 8 = 11,15 % (R2192-31): 1234.56 × 11.15 / 36500 = 0.3771… → 0,38 €;
        # and the 40,00 € of D2192-35.
        assert (
            "Intérêts moratoires (article R2192-31 du Code de la commande publique), du 1er avril 2025 au "
            "1er avril 2025 0,38 €"
        ) in text
        assert "(article D2192-35 du Code de la commande publique) 40,00 €" in text
        assert "régler la somme de 1 274,94 €" in text
        assert "L441-10" not in text and "1231-6" not in text
    else:
        assert "Aucun intérêt n'est réclamé à ce jour" in text and "1231-6" in text
        assert "D441-5" not in text and "40,00 €" not in text
        assert "régler la somme de 1 234,56 €" in text

    assert letter.email_subject == (
        "Recouvrement amiable pour le compte de L'Atelier Dupont & Fils\xa0: facture n° F-2025-0042"
    )
    body = flat(letter.email_body)
    assert "Recouvrements du Rhône SAS, qui exerce une activité de recouvrement amiable" in body
    assert f"référence {reference} du 1er avril 2025" in body
    assert letter.email_body.rstrip().endswith(
        "Recouvrements du Rhône SAS, pour le compte de L'Atelier Dupont & Fils\n"
        "contact@recouvrements-rhone.fr"
    )


def test_agency_first_letter_whatever_the_policy_step(documents: DocumentActivities) -> None:
    """An agency whose first step is a formal notice still sends the R124-4 letter first, as a notice."""
    letter = context("formal_notice", BUSINESS, variant="agency-first", agency=AGENCY)
    letter = letter.model_copy(update={"previous_letters": []})
    rendered = render(documents, "formal_notice", letter)
    text = pdf_text(rendered.document.path)
    assert "RECOUVREMENT AMIABLE" in text and L111_8 in text
    assert "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION" in text
    assert "Le présent courrier vaut mise en demeure de payer au sens de l'article 1344 du Code civil" in text
    assert "régler la somme de 1 288,79 € au plus tard le 12 mai 2025" in text
    assert rendered.email_subject.startswith("Recouvrement amiable pour le compte de")


@pytest.mark.parametrize("step", ["second_reminder", "formal_notice", "penalty_claim"])
def test_later_agency_letters_recall_the_first(documents: DocumentActivities, step: str) -> None:
    letter = render(documents, step, context(step, BUSINESS, variant="agency", agency=AGENCY))
    text = pdf_text(letter.document.path)
    assert FIRST_LETTER_RECALLED in text
    assert FIRST_LETTER_RECALLED in flat(letter.email_body)
    assert f"Référence du présent courrier : {CASE_ID}/{step}-business-agency" in text
    assert "agissant pour le compte du créancier : L'Atelier Dupont & Fils" in text
    assert "Recouvrements du Rhône SAS pour le compte de L'Atelier Dupont & Fils" in text  # signature
    assert "RECOUVREMENT AMIABLE" not in text and "L111-8" not in text  # the policy's own letter
    if step == "formal_notice":
        assert (
            "L'Atelier Dupont & Fils, SIREN 123456782, 12 rue des Artisans, 69003 Lyon, représentée par"
            in text
        )
        assert "MISE EN DEMEURE" in text


def test_further_costs_are_never_claimed_by_an_agency(documents: DocumentActivities) -> None:
    """Recovery costs beyond the 40 € indemnity are claimed by the creditor itself (Code de commerce
    L441-10 II), never in an agency's letter: amicable collection costs stay with the creditor (L111-8)."""
    costs = {"further_costs": Decimal("25.00")}
    own = render(documents, "penalty_claim", context("penalty_claim", BUSINESS, variant="costs", **costs))
    own_text = pdf_text(own.document.path)
    assert "Frais de recouvrement complémentaires, sur justification" in own_text
    assert "25,00 €" in own_text and "Total dû au 15 juillet 2025 1 346,19 €" in own_text
    by_agency = context("penalty_claim", BUSINESS, variant="costs-agency", agency=AGENCY, **costs)
    agency_text = pdf_text(render(documents, "penalty_claim", by_agency).document.path)
    assert "complémentaires" not in agency_text and "25,00 €" not in agency_text
    assert "Total dû au 15 juillet 2025 1 321,19 €" in agency_text


# --- a creditor's own templates -------------------------------------------------------------------


def one_pixel_png() -> bytes:
    """A valid 1 × 1 red PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def override_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", creditor_templates_dir=tmp_path / "creditors")


def test_a_creditor_overrides_one_block_of_our_letter(override_settings: Settings) -> None:
    folder = override_settings.creditor_templates_dir / CREDITOR.siren
    folder.mkdir(parents=True)
    (folder / "logo.png").write_bytes(one_pixel_png())
    # Only the closing changes, and a logo is added; the rest is our formal notice.
    (folder / "formal_notice.html.j2").write_text(
        '{% extends "relance/formal_notice.html.j2" %}\n'
        '{% block body %}<img src="logo.png" alt="" style="width: 20mm">{{ super() }}{% endblock %}\n'
        "{% block closing %}Avec nos salutations les plus cordiales, l'équipe {{ creditor.name }}."
        "{% endblock %}\n",
        encoding="utf-8",
    )
    (folder / "formal_notice.subject.txt.j2").write_text(
        "{{ creditor.name }} : votre facture {{ invoice.number }} reste impayée", encoding="utf-8"
    )
    documents = DocumentActivities(override_settings)
    letter = render(documents, "formal_notice", context("formal_notice", BUSINESS, variant="override"))
    text = pdf_text(letter.document.path)
    assert "Avec nos salutations les plus cordiales, l'équipe L'Atelier Dupont & Fils." in text
    assert "Veuillez agréer" not in text
    assert "MISE EN DEMEURE" in text and "Total dû au 2 mai 2025 1 288,79 €" in text
    # The logo came from the creditor's folder, which the letter may read.
    assert len(PdfReader(letter.document.path).pages[0].images) == 1
    # Plain text, unescaped; the parts the creditor did not override are ours.
    assert letter.email_subject == "L'Atelier Dupont & Fils\xa0: votre facture F-2025-0042 reste impayée"
    assert "mise en demeure qui vous est adressée ce jour" in letter.email_body

    # A creditor without a folder of its own gets our letter.
    other = CreditorInfo(
        name="Menuiserie Durand",
        siren="443061841",
        email="compta@durand.fr",
        address=CREDITOR.address,
        signatory=CREDITOR.signatory,
    )
    ours = render(
        documents, "formal_notice", context("formal_notice", BUSINESS, variant="ours", creditor=other)
    )
    assert ours.email_subject == "Mise en demeure de payer\xa0: facture n° F-2025-0042"
    ours_text = pdf_text(ours.document.path)
    assert "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations" in ours_text
    assert not PdfReader(ours.document.path).pages[0].images


def test_a_creditor_replaces_a_partial_of_every_letter(override_settings: Settings) -> None:
    folder = override_settings.creditor_templates_dir / CREDITOR.siren
    folder.mkdir(parents=True)
    (folder / "_payment.html.j2").write_text(
        "<p>Paiement par carte sur https://paiement.atelier-dupont.fr, "
        "référence {{ payment_reference }}.</p>",
        encoding="utf-8",
    )
    documents = DocumentActivities(override_settings)
    for step in ("first_reminder", "penalty_claim"):
        text = pdf_text(render(documents, step, context(step, CONSUMER, variant="partial")).document.path)
        assert "Paiement par carte sur https://paiement.atelier-dupont.fr, référence F-2025-0042." in text
        assert IBAN_GROUPED not in text


def test_a_creditor_template_stays_in_the_sandbox(override_settings: Settings) -> None:
    folder = override_settings.creditor_templates_dir / CREDITOR.siren
    folder.mkdir(parents=True)
    (folder / "first_reminder.subject.txt.j2").write_text(
        "{{ creditor.__class__.__mro__ }}", encoding="utf-8"
    )
    documents = DocumentActivities(override_settings)
    with pytest.raises(ApplicationError) as raised:
        render(documents, "first_reminder", context("first_reminder", BUSINESS, variant="sandbox"))
    assert raised.value.non_retryable and raised.value.type == "TemplateError"
    assert str(folder) in str(raised.value)


def test_a_letter_reads_files_of_both_template_folders_only(tmp_path: Path) -> None:
    ours, creditor, elsewhere = (tmp_path / name for name in ("ours", "creditor", "elsewhere"))
    for folder in (ours, creditor, elsewhere):
        folder.mkdir()
        (folder / "logo.svg").write_text(
            f"<svg xmlns='http://www.w3.org/2000/svg'><!-- {folder.name} --></svg>"
        )
    fetcher = template_folder_fetcher(creditor, ours)
    for allowed in (ours, creditor):
        response = fetcher.fetch((allowed / "logo.svg").as_uri())
        assert allowed.name.encode() in response.read()
        response.close()
    for refused in ((elsewhere / "logo.svg").as_uri(), (creditor / ".." / "elsewhere" / "logo.svg").as_uri()):
        with pytest.raises(ValueError, match="only use files under"):
            fetcher.fetch(refused)


def test_creditor_templates_folder_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).creditor_templates_dir == tmp_path / "letter_templates"
    monkeypatch.setenv("RELANCE_CREDITOR_TEMPLATES_DIR", str(tmp_path / "theirs"))
    assert Settings(data_dir=tmp_path).creditor_templates_dir == tmp_path / "theirs"
