"""Grouped letters, one for several invoices of a debtor, rendered by ``render_grouped_letter`` with
WeasyPrint and read back with pypdf; and PDFs made one by ``combine_documents``.

Amounts worked out by hand as in ``tests/letter_templates/test_letters.py`` (each period is
principal × rate × days / 36 500, rounded half-up to the cent; ECB 3,15 % until 30 June 2025, then
2,15 %; + 10 points between businesses):
- F-2025-0042, 1 234,56 € due 31 March 2025: as at 2 May, 32 days = 14,23 €; as at 15 July,
  91 days at 13,15 % = 40,47 € and 15 days at 12,15 % = 6,16 €: 46,63 €.
- F-2025-0051, 860,00 € due 10 April 2025: as at 2 May, 22 days at 13,15 % = 6,82 €; as at 15 July,
  81 days at 13,15 % = 25,10 € and 15 days at 12,15 % = 4,29 €: 29,39 €.
- F-2025-0063, 2 500,00 € due 20 April 2025: as at 2 May, 12 days at 13,15 % = 10,81 €.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from temporalio.exceptions import ApplicationError

from activities.documents import DocumentActivities
from activities.penalties import PenaltyActivities
from config.settings import Settings
from models.documents import DocumentRef, LetterContext, RenderedLetter
from models.enums import DebtorKind, Stage
from models.grouped_sending import CombineRequest, GroupedLetterContext, GroupedLetterRequest, OverdueInvoice
from models.parties import AgencyInfo
from support.typography import NBSP
from tests.activities.test_penalties import statement_request
from tests.fixtures.pdf import flat, french_spacing_faults, pdf_text, raw_pdf_text, sha256_file
from tests.letter_templates.test_letters import AGENCY, BUSINESS, CONSUMER, STEPS, context, statement

ACCOUNT_ID = "account-7q2mx4kd9c3vbn5h"
# Each invoice: its number, due date and amount.
INVOICES = {
    "F-2025-0042": (date(2025, 3, 31), Decimal("1234.56")),
    "F-2025-0051": (date(2025, 4, 10), Decimal("860.00")),
    "F-2025-0063": (date(2025, 4, 20), Decimal("2500.00")),
}
REMINDER_DATE = STEPS["second_reminder"][1]  # 15 April 2025
NOTICE_DATE = STEPS["formal_notice"][1]  # 2 May 2025
CLAIM_DATE = STEPS["penalty_claim"][1]  # 15 July 2025
OTHER = OverdueInvoice(
    invoice_number="F-2025-0030", due_date=date(2025, 3, 15), days_late=31, balance=Decimal("99.90")
)


def invoice_letter(
    step: str,
    number: str,
    kind: DebtorKind = BUSINESS,
    *,
    letter_date: date | None = None,
    agency: AgencyInfo | None = None,
    amount: Decimal | None = None,
) -> LetterContext:
    """The letter the invoice's own case would write for ``step``, with its penalties as at its date
    when the step claims them (a formal notice, a penalty claim)."""
    due, invoice_amount = INVOICES[number]
    amount = amount or invoice_amount
    letter = context(step, kind, variant="grouped", agency=agency, with_penalties=False)
    letter_date = letter_date or letter.letter_date
    penalties = None
    if letter.stage in (Stage.FORMAL_NOTICE, Stage.PENALTY_CLAIM):
        penalties = statement(kind, letter_date, principal=amount, due_date=due)
    return letter.model_copy(
        update={
            "case_id": f"case-{number}",
            "step_key": step,
            "letter_date": letter_date,
            "invoice": letter.invoice.model_copy(
                update={"number": number, "due_date": due, "amount_due": amount}
            ),
            "balance": amount,
            "penalties": penalties,
        }
    )


def grouped(
    template: str, letters: list[LetterContext], key: str, others: list[OverdueInvoice] | None = None
) -> GroupedLetterRequest:
    return GroupedLetterRequest(
        template=template,
        context=GroupedLetterContext(
            account_id=ACCOUNT_ID,
            communication_key=key,
            stage=letters[0].stage,
            letter_date=letters[0].letter_date,
            letters=letters,
            others=others or [],
        ),
    )


def reminder_request() -> GroupedLetterRequest:
    """F-2025-0042's second reminder and F-2025-0051's first, on 15 April 2025."""
    letters = [
        invoice_letter("second_reminder", "F-2025-0042"),
        invoice_letter("first_reminder", "F-2025-0051", letter_date=REMINDER_DATE),
    ]
    return grouped("grouped_reminder", letters, "20250415T090000-amicable_reminder", [OTHER])


def notice_request(kind: DebtorKind = BUSINESS, agency: AgencyInfo | None = None) -> GroupedLetterRequest:
    """The formal notice of the three invoices, eight days from its receipt to pay."""
    letters = [
        invoice_letter("formal_notice", number, kind, agency=agency).model_copy(
            update={"pay_within": timedelta(days=8)}
        )
        for number in INVOICES
    ]
    key = f"20250502T090000-formal_notice-{kind.value}{'-agency' if agency else ''}"
    return grouped("grouped_formal_notice", letters, key)


def claim_request() -> GroupedLetterRequest:
    letters = [invoice_letter("penalty_claim", number) for number in ("F-2025-0042", "F-2025-0051")]
    return grouped("grouped_penalty_claim", letters, "20250715T090000-penalty_claim")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("grouped-letters"))


@pytest.fixture(scope="module")
def documents(settings: Settings) -> DocumentActivities:
    return DocumentActivities(settings)


@pytest.fixture(scope="module")
def letters(documents: DocumentActivities) -> dict[str, RenderedLetter]:
    requests = {
        "reminder": reminder_request(),
        "notice": notice_request(),
        "consumer notice": notice_request(CONSUMER),
        "agency notice": notice_request(agency=AGENCY),
        "claim": claim_request(),
    }
    return {name: documents.render_grouped_letter(request) for name, request in requests.items()}


# Each page's footer (and the list markers pypdf reads at a page's end), which cut a sentence going
# on over two pages.
PAGE_FOOTER = re.compile(r"(?:• )*Réf\. \S+ — page \d+ / \d+ ?")


def text_of(letter: RenderedLetter) -> str:
    """The letter's text as it reads, its pages' footers left out."""
    return PAGE_FOOTER.sub("", pdf_text(letter.document.path)).strip()


def test_every_grouped_letter_is_french_signed_and_filed_under_its_account(
    letters: dict[str, RenderedLetter], settings: Settings
) -> None:
    for name, letter in letters.items():
        raw = raw_pdf_text(letter.document.path)
        for where, text in (("letter", raw), ("body", letter.email_body), ("subject", letter.email_subject)):
            assert french_spacing_faults(text) == [], (name, where)
        text, body = flat(raw), flat(letter.email_body)
        assert Path(letter.document.path).parent == settings.documents_dir / ACCOUNT_ID
        assert letter.document.sha256 == sha256_file(letter.document.path)
        assert f"Réf. {ACCOUNT_ID} — page 1 /" in text and f"notre référence : {ACCOUNT_ID}" in text
        # Every invoice named in the letter's references and in the email that carries it.
        assert "Factures n° F-2025-0042" in text and "F-2025-0051" in body
        assert text.count("agréer") == 1 and body.count("agréer") == 1
        # Paid by naming the invoices the payment settles (Code civil 1342-10).
        assert "1342-10" in text and "« F-2025-0042, F-2025-0051" in text
        assert "pièce jointe" in body
        assert PdfReader(letter.document.path).trailer["/Root"]["/Lang"] == "fr"
    for name in ("reminder", "notice", "consumer notice", "claim"):
        assert text_of(letters[name]).endswith(
            "Marie Dupont Gérante L'Atelier Dupont & Fils compta@atelier-dupont.fr"
        )
    assert "Paul Girard Directeur du recouvrement Recouvrements du Rhône SAS" in text_of(
        letters["agency notice"]
    )


def test_the_reminder_lists_each_invoice_with_its_days_late_and_reminder_then_the_others(
    letters: dict[str, RenderedLetter],
) -> None:
    letter = letters["reminder"]
    text = text_of(letter)
    assert "Objet : rappel de 2 factures arrivées à échéance" in text
    # Number, issue date, due date, days late as at 15 April 2025, amount, balance, reminder.
    assert "F-2025-0042 1er mars 2025 31 mars 2025 15 1 234,56 € 1 234,56 € second rappel" in text
    assert "F-2025-0051 1er mars 2025 10 avril 2025 5 860,00 € 860,00 € premier rappel" in text
    assert "Total restant dû (2 factures) 2 094,56 €" in text
    assert "s'élève au total à 2 094,56 €" in text
    # One invoice reminded already: the law recalled, the indemnity per invoice, the notice announced.
    assert "L441-10" in text and "40,00 € par facture (article D441-5" in text
    assert "mise en demeure par lettre recommandée" in text
    # The other overdue invoice, for information only: not in the total.
    assert "Pour information, la facture suivante est également échue et reste impayée" in text
    assert "F-2025-0030 15 mars 2025 31 99,90 €" in text
    assert letter.email_subject == f"Rappel{NBSP}: 2 factures arrivées à échéance"
    body = flat(letter.email_body)
    assert "Facture n° F-2025-0042 du 1er mars 2025, échue le 31 mars 2025 : reste dû 1 234,56 €" in body
    assert "Facture n° F-2025-0051 du 1er mars 2025, échue le 10 avril 2025 : reste dû 860,00 €" in body
    assert "Total restant dû : 2 094,56 €" in body
    assert "Pour information, également échues et impayées : Facture n° F-2025-0030" in body


def test_a_first_reminder_of_several_invoices_stays_courteous(documents: DocumentActivities) -> None:
    letters = [
        invoice_letter("first_reminder", number, letter_date=REMINDER_DATE)
        for number in ("F-2025-0042", "F-2025-0051")
    ]
    text = text_of(documents.render_grouped_letter(grouped("grouped_reminder", letters, "first-reminders")))
    assert "un simple oubli" in text and "premier rappel" in text
    assert "second rappel" not in text and "L441-10" not in text and "mise en demeure" not in text
    assert "Pour information" not in text


def test_the_formal_notice_claims_each_invoice_with_its_penalties_and_indemnity(
    letters: dict[str, RenderedLetter],
) -> None:
    letter = letters["notice"]
    text = text_of(letter)
    assert "MISE EN DEMEURE" in text and "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION" in text
    assert "vous met en demeure, Bâtiments Martin SAS, SIREN 987654324" in text
    assert "au titre des factures suivantes" in text
    assert "F-2025-0042 1er mars 2025 31 mars 2025 32 1 234,56 € 1 234,56 €" in text
    assert "F-2025-0051 1er mars 2025 10 avril 2025 22 860,00 € 860,00 €" in text
    assert "F-2025-0063 1er mars 2025 20 avril 2025 12 2 500,00 € 2 500,00 €" in text
    assert "Total restant dû (3 factures) 4 594,56 €" in text
    assert "à compter du lendemain de la date d'échéance de chaque facture" in text
    assert "due pour chacune des factures payées en retard, même lorsqu'elles sont réclamées ensemble" in text
    # Each invoice's own split: its penalties and its 40 € (Code de commerce L441-10, D441-5).
    for number, interest, total in (
        ("F-2025-0042", "14,23 €", "1 288,79 €"),
        ("F-2025-0051", "6,82 €", "906,82 €"),
        ("F-2025-0063", "10,81 €", "2 550,81 €"),
    ):
        section = text.split(f"Principal restant dû (facture n° {number})")[1]
        assert section.split("Total dû au 2 mai 2025")[0].count("40,00 €") == 1
        assert interest in section and section.split("Total dû au 2 mai 2025 ")[1].startswith(total)
    # 14,23 + 6,82 + 10,81 = 31,86 €; 3 × 40,00 € = 120,00 €; 4 594,56 + 31,86 + 120,00 = 4 746,42 €.
    assert "Pénalités de retard (article L441-10 du Code de commerce) 31,86 €" in text
    assert "40,00 € par facture en retard (article D441-5 du Code de commerce) 120,00 €" in text
    assert "Total dû au 2 mai 2025 4 746,42 €" in text
    assert "la somme totale de 4 746,42 € dans un délai de huit jours à compter de la réception" in text
    # 4 594,56 € + 31,86 € stay within 5 000 €: the small-claims procedure.
    assert "procédure simplifiée de recouvrement des petites créances" in text
    assert "la créance n'excédant pas 5 000,00 € en principal et intérêts" in text
    assert "article 1344 du Code civil" in text
    assert letter.email_subject == f"Mise en demeure{NBSP}: 3 factures impayées"
    body = flat(letter.email_body)
    assert "dans un délai de huit jours à compter de sa réception" in body
    assert "Principal restant dû : 4 594,56 € Total dû au 2 mai 2025 : 4 746,42 €" in body


def test_the_formal_notice_to_a_consumer_claims_the_legal_interest_from_its_receipt(
    letters: dict[str, RenderedLetter],
) -> None:
    text = text_of(letters["consumer notice"])
    assert "Claire Martin, demeurant 4 avenue Jean Jaurès" in text
    assert "Total restant dû (3 factures) 4 594,56 €" in text
    # Code civil 1231-6, 1344-1: no interest before the notice, the legal rate from its receipt.
    assert "produit intérêts au taux légal à compter de la réception de la présente mise en demeure" in text
    assert text.count("Taux appliqué : le taux de l'intérêt légal, soit 3,71 % l'an") == 1
    assert "Aucune indemnité forfaitaire" in text
    assert "L441-10" not in text and "D441-5" not in text and "40,00 €" not in text
    assert "régler ces sommes dans un délai de huit jours" in text


def test_an_agency_recalls_the_first_letter_of_each_invoice(letters: dict[str, RenderedLetter]) -> None:
    """CPCE R124-4: every later letter recalls the reference and date of the agency's first one."""
    text = text_of(letters["agency notice"])
    assert (
        f"Référence du présent courrier : {ACCOUNT_ID}/20250502T090000-formal_notice-business-agency" in text
    )
    for number in INVOICES:
        recalled = f"suite à notre courrier du 1er avril 2025, référence case-{number}/first_reminder"
        assert f"Facture n° {number} : {recalled}" in text
    assert "nous en rendrons compte à L'Atelier Dupont & Fils, qui pourra" in text
    assert "FR20 1027 8073 0000 0204 2350 151" in text  # the agency's account (CPCE R124-2)


def test_the_ceiling_weighs_every_invoice_together(documents: DocumentActivities) -> None:
    """CPCE L125-1: 2 600,00 € each is a small claim alone, 5 200,00 € together is not."""
    letters = [
        invoice_letter("formal_notice", number, amount=Decimal("2600.00"))
        for number in ("F-2025-0042", "F-2025-0051")
    ]
    text = text_of(documents.render_grouped_letter(grouped("grouped_formal_notice", letters, "over-ceiling")))
    assert "Total restant dû (2 factures) 5 200,00 €" in text
    assert (
        "requête en injonction de payer (articles 1405 et suivants du Code de procédure civile), la créance "
        "excédant 5 000,00 € en principal et intérêts"
    ) in text
    assert "procédure simplifiée" not in text
    assert "au plus tard le 12 mai 2025" in text  # the cases' own date when they give one


def test_the_penalty_claim_has_a_section_per_invoice_and_the_grand_total(
    letters: dict[str, RenderedLetter],
) -> None:
    letter = letters["claim"]
    text = text_of(letter)
    assert "RÉCLAMATION DES PÉNALITÉS DE RETARD" in text
    assert "lettre recommandée avec accusé de réception du 2 mai 2025" in text
    assert "la somme de 2 094,56 € demeure due" in text
    first, second = (
        text.split(f"Facture n° {number} du 1er mars 2025")[1] for number in ("F-2025-0042", "F-2025-0051")
    )
    assert "du 1er avril 2025 au 30 juin 2025 91 1 234,56 € 13,15 % 40,47 €" in first
    assert "du 1er juillet 2025 au 15 juillet 2025 15 1 234,56 € 12,15 % 6,16 €" in first
    assert "du 11 avril 2025 au 30 juin 2025 81 860,00 € 13,15 % 25,10 €" in second
    assert "du 1er juillet 2025 au 15 juillet 2025 15 860,00 € 12,15 % 4,29 €" in second
    assert "Total dû au 15 juillet 2025 1 321,19 €" in first
    assert "Total dû au 15 juillet 2025 929,39 €" in second
    for section in (first.split("Facture n° F-2025-0051")[0], second):
        indemnity = "Indemnité forfaitaire pour frais de recouvrement (article D441-5 du Code de commerce)"
        assert section.count(f"{indemnity} 40,00 €") == 1
    # 46,63 + 29,39 = 76,02 €; 2 094,56 + 76,02 + 80,00 = 2 250,58 €.
    assert "Pénalités de retard (article L441-10 du Code de commerce) 76,02 €" in text
    assert "par facture en retard (article D441-5 du Code de commerce) 80,00 €" in text
    assert "la somme totale de 2 250,58 € au plus tard le 25 juillet 2025" in text
    assert "ne sont donc pas soumises à la TVA" in text
    assert letter.email_subject == f"Réclamation des pénalités de retard{NBSP}: 2 factures"
    body = flat(letter.email_body)
    assert "reste dû 860,00 €, total dû au 15 juillet 2025 : 929,39 €" in body
    assert "Total dû au 15 juillet 2025 : 2 250,58 €" in body and "au plus tard le 25 juillet 2025" in body


def test_the_same_request_renders_at_the_same_path(
    letters: dict[str, RenderedLetter], documents: DocumentActivities, settings: Settings
) -> None:
    first = letters["claim"]
    again = documents.render_grouped_letter(claim_request())
    assert again.document.path == first.document.path
    assert (
        Path(again.document.path) == settings.documents_dir / ACCOUNT_ID / "20250715T090000-penalty_claim.pdf"
    )
    assert again.document.sha256 == sha256_file(again.document.path)
    assert text_of(again) == text_of(first)
    assert (again.email_subject, again.email_body) == (first.email_subject, first.email_body)
    assert not [p.name for p in Path(again.document.path).parent.iterdir() if p.name.startswith(".")]


def test_an_agency_first_letter_is_never_grouped(documents: DocumentActivities) -> None:
    """Its mentions (CPCE R124-4) are those of agency_first_letter: such a step goes alone."""
    letters = [
        invoice_letter("first_reminder", number, agency=AGENCY, letter_date=REMINDER_DATE)
        for number in ("F-2025-0042", "F-2025-0051")
    ]
    with pytest.raises(ApplicationError) as raised:
        documents.render_grouped_letter(grouped("grouped_reminder", letters, "agency-first"))
    assert raised.value.non_retryable and "F-2025-0042" in str(raised.value) and "R124-4" in str(raised.value)


def test_a_grouped_letter_follows_the_creditors_own_templates(tmp_path: Path) -> None:
    request = reminder_request()
    own = Settings(data_dir=tmp_path / "var", creditor_templates_dir=tmp_path / "creditors")
    folder = own.creditor_templates_dir / request.context.letters[0].creditor.siren
    folder.mkdir(parents=True)
    (folder / "grouped_reminder.subject.txt.j2").write_text(
        "Nos factures en attente : {{ invoices | length }}"
    )
    letter = DocumentActivities(own).render_grouped_letter(request)
    assert letter.email_subject == f"Nos factures en attente{NBSP}: 2"
    with pytest.raises(ApplicationError) as raised:
        DocumentActivities(own).render_grouped_letter(
            request.model_copy(update={"template": "../grouped_reminder"})
        )
    assert raised.value.non_retryable and raised.value.type == "UnknownTemplate"


# --- combining -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def statements(settings: Settings) -> list[DocumentRef]:
    """Two invoices' penalty statements, as their cases render them."""
    penalties = PenaltyActivities(settings)
    refs = []
    for number, due in (("F-2025-0042", date(2025, 3, 31)), ("F-2025-0051", date(2025, 4, 10))):
        computed = statement(BUSINESS, CLAIM_DATE, principal=Decimal("1000.00"), due_date=due)
        request = statement_request(
            computed, case_id=f"case-{number}", invoice_number=number, due_date=due, drawn_on=CLAIM_DATE
        )
        refs.append(penalties.render_penalty_statement(request).statement)
    return refs


def test_the_penalty_statements_are_made_one_in_order(
    documents: DocumentActivities, settings: Settings, statements: list[DocumentRef]
) -> None:
    request = CombineRequest(
        account_id=ACCOUNT_ID, name="20250715T090000-penalty_claim-decomptes", documents=statements
    )
    combined = documents.combine_documents(request)
    assert (
        Path(combined.path)
        == settings.documents_dir / ACCOUNT_ID / "20250715T090000-penalty_claim-decomptes.pdf"
    )
    assert combined.sha256 == sha256_file(combined.path)
    sources = [PdfReader(ref.path).pages for ref in statements]
    pages = PdfReader(combined.path).pages
    assert len(pages) == sum(len(source) for source in sources) >= 2
    texts = [flat(page.extract_text()) for page in pages]
    assert texts == [flat(page.extract_text()) for source in sources for page in source]
    assert "F-2025-0042" in texts[0] and "F-2025-0051" in texts[len(sources[0])]
    # Again: the same file, overwritten.
    assert documents.combine_documents(request).path == combined.path


def test_a_changed_source_is_never_combined(
    documents: DocumentActivities, settings: Settings, statements: list[DocumentRef], tmp_path: Path
) -> None:
    copy = tmp_path / "statement.pdf"
    copy.write_bytes(Path(statements[1].path).read_bytes())
    changed = DocumentRef(path=str(copy), sha256=statements[1].sha256)
    copy.write_bytes(copy.read_bytes() + b"%changed\n")
    request = CombineRequest(account_id=ACCOUNT_ID, name="changed", documents=[statements[0], changed])
    with pytest.raises(ApplicationError) as raised:
        documents.combine_documents(request)
    assert (
        raised.value.non_retryable
        and raised.value.type == "DocumentChanged"
        and str(copy) in str(raised.value)
    )
    copy.unlink()
    with pytest.raises(ApplicationError) as raised:
        documents.combine_documents(request)
    assert raised.value.non_retryable and raised.value.type == "DocumentChanged"
    assert not (settings.documents_dir / ACCOUNT_ID / "changed.pdf").exists()
