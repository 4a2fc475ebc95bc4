"""Letters rendered by WeasyPrint, read back with pypdf."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from temporalio.exceptions import ApplicationError

from activities.documents import DocumentActivities
from activities.rendering.pdf import template_folder_fetcher
from config.judicial import JUDICIAL_FILE
from config.settings import Settings
from law.penalties import PenaltyRequest, compute_penalties
from models.documents import LetterContext, RenderedLetter, RenderLetterRequest
from models.enums import DebtorKind, Stage
from models.invoices import InvoiceInfo
from models.parties import Address, CreditorInfo, DebtorInfo, Signatory
from models.status import ActionRecord
from support.french import date_fr, enumeration_fr, money_fr
from support.typography import NBSP
from tests.fixtures.pdf import MM, flat, pdf_text, sha256_file, text_runs
from tests.fixtures.rates import bundled_rates

CASE_ID = "invoice-123456782-F-2026-0042"
TEMPLATE_STAGES = {
    "first_reminder": Stage.AMICABLE_REMINDER,
    "second_reminder": Stage.AMICABLE_REMINDER,
    "formal_notice": Stage.FORMAL_NOTICE,
    "penalty_claim": Stage.PENALTY_CLAIM,
    "judicial_filing": Stage.JUDICIAL_FILING,
}
# What each step has behind it when it goes out (the journal's times are UTC).
HISTORY = [
    ("first_reminder", Stage.AMICABLE_REMINDER, datetime(2026, 2, 1, 8, 0, tzinfo=UTC)),
    ("second_reminder", Stage.AMICABLE_REMINDER, datetime(2026, 2, 16, 8, 0, tzinfo=UTC)),
    ("formal_notice", Stage.FORMAL_NOTICE, datetime(2026, 3, 3, 8, 0, tzinfo=UTC)),
    ("penalty_claim", Stage.PENALTY_CLAIM, datetime(2026, 3, 18, 8, 0, tzinfo=UTC)),
]

DEBTOR_NAMES = {
    DebtorKind.BUSINESS: "Bâtiments Martin SAS",
    DebtorKind.CONSUMER: "Claire Martin",
    DebtorKind.PUBLIC: "Commune de Saint-Aubin",
}


def letter_context(
    template: str, kind: DebtorKind, *, balance: str = "1234.56", pay_by: date | None = date(2026, 3, 11)
) -> LetterContext:
    step_index = list(TEMPLATE_STAGES).index(template)
    return LetterContext(
        case_id=CASE_ID,
        step_key=f"{template}-{kind.value}",
        stage=TEMPLATE_STAGES[template],
        letter_date=date(2026, 3, 3),
        creditor=CreditorInfo(
            name="L'Atelier Dupont & Fils",
            siren="123456782",
            email="compta@atelier-dupont.fr",
            address=Address(street="12 rue des Artisans", postcode="69003", city="Lyon"),
            signatory=Signatory(name="Marie Dupont", title="gérante"),
        ),
        debtor=DebtorInfo(
            kind=kind,
            name=DEBTOR_NAMES[kind],
            email="factures@batiments-martin.fr",
            address=Address(street="4 avenue Jean Jaurès", postcode="75019", city="Paris"),
            siren={DebtorKind.BUSINESS: "987654324", DebtorKind.PUBLIC: "216903542"}.get(kind),
        ),
        invoice=InvoiceInfo(
            number="F-2026-0042",
            issue_date=date(2026, 1, 2),
            due_date=date(2026, 1, 31),
            amount_due=Decimal(balance),
            order_reference="BC-7781",
        ),
        balance=Decimal(balance),
        pay_by=pay_by if TEMPLATE_STAGES[template] != Stage.AMICABLE_REMINDER else None,
        previous_letters=[
            ActionRecord(at=at, kind="step", actor="system", detail=key, step_key=key, stage=stage)
            for key, stage, at in HISTORY[:step_index]
        ],
    )


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("documents"))


@pytest.fixture(scope="module")
def documents(settings: Settings) -> DocumentActivities:
    return DocumentActivities(settings)


@pytest.fixture(scope="module")
def letters(documents: DocumentActivities) -> dict[tuple[str, DebtorKind], RenderedLetter]:
    """Every template, for a business and for a consumer debtor: ten real renders, made once."""
    return {
        (template, kind): documents.render_letter(
            RenderLetterRequest(template=template, context=letter_context(template, kind))
        )
        for template in TEMPLATE_STAGES
        for kind in DebtorKind
    }


def text_of(letters: dict[tuple[str, DebtorKind], RenderedLetter], template: str, kind: DebtorKind) -> str:
    return pdf_text(letters[template, kind].document.path)


# --- French formatting ---------------------------------------------------------------------------


def test_french_amounts_dates_and_lists() -> None:
    assert money_fr(Decimal("1234.56")) == "1\u202f234,56\xa0€"
    assert flat(money_fr(Decimal("1234567.5"))) == "1 234 567,50 €"
    assert date_fr(date(2026, 3, 3)) == "3 mars 2026"
    assert date_fr(date(2026, 3, 1)) == "1er mars 2026"
    # 23:30 UTC on 28 February is already 1 March in Paris.
    assert date_fr(datetime(2026, 2, 28, 23, 30, tzinfo=UTC)) == "1er mars 2026"
    assert enumeration_fr(["a", "b", "c"]) == "a, b et c"
    assert enumeration_fr(["a"]) == "a"
    with pytest.raises(TypeError):
        money_fr(12.5)  # type: ignore[arg-type]


# --- letters -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(DebtorKind))
@pytest.mark.parametrize("template", list(TEMPLATE_STAGES))
def test_every_letter_carries_parties_invoice_and_amount(
    letters: dict[tuple[str, DebtorKind], RenderedLetter], settings: Settings, template: str, kind: DebtorKind
) -> None:
    letter = letters[template, kind]
    path = Path(letter.document.path)
    assert path == settings.documents_dir / CASE_ID / f"{template}-{kind.value}.pdf"
    assert letter.document.sha256 == sha256_file(path)
    text = pdf_text(path)
    assert "Lyon, le 3 mars 2026" in text
    assert "Objet :" in text
    assert "F-2026-0042" in text and CASE_ID in text
    assert "1 234,56 €" in text
    assert "L'Atelier Dupont & Fils" in text  # escaped for HTML, shown as written
    assert DEBTOR_NAMES[kind] in text
    reader = PdfReader(path)
    assert reader.metadata is not None
    assert reader.metadata.author == "L'Atelier Dupont & Fils"
    assert "F-2026-0042" in (reader.metadata.title or "")

    # The email carries the same facts in plain text, without HTML escapes.
    assert "\n" not in letter.email_subject and "F-2026-0042" in letter.email_subject
    body = flat(letter.email_body)
    assert "F-2026-0042" in body and "1 234,56 €" in body
    assert "pièce jointe" in body
    assert letter.email_body.rstrip().endswith("L'Atelier Dupont & Fils\ncompta@atelier-dupont.fr")
    assert "&amp;" not in letter.email_body and "&#39;" not in letter.email_body


def test_first_reminder_is_courteous(letters: dict[tuple[str, DebtorKind], RenderedLetter]) -> None:
    text = text_of(letters, "first_reminder", DebtorKind.BUSINESS)
    assert "Sauf erreur ou omission de notre part" in text
    assert "arrivée à échéance le 31 janvier 2026" in text
    assert "2 janvier 2026" in text  # the invoice date, in the table
    assert "L441-10" not in text and "mise en demeure" not in text.lower()
    subject = letters["first_reminder", DebtorKind.BUSINESS].email_subject
    # Set as the body: a no-break space before the colon (activities.smtp keeps it on the wire).
    assert subject == f"Rappel{NBSP}: facture n° F-2026-0042 arrivée à échéance le 31 janvier 2026"


def test_second_reminder_recalls_the_first_and_the_law_for_businesses_only(
    letters: dict[tuple[str, DebtorKind], RenderedLetter],
) -> None:
    business = text_of(letters, "second_reminder", DebtorKind.BUSINESS)
    consumer = text_of(letters, "second_reminder", DebtorKind.CONSUMER)
    for text in (business, consumer):
        assert "Malgré notre rappel du 1er février 2026" in text
    assert "L441-10" in business and "D441-5" in business and "40,00 €" in flat(business)
    assert "L441-10" not in consumer and "D441-5" not in consumer and "40,00 €" not in consumer


def test_formal_notice_for_a_business(letters: dict[tuple[str, DebtorKind], RenderedLetter]) -> None:
    text = text_of(letters, "formal_notice", DebtorKind.BUSINESS)
    assert "MISE EN DEMEURE" in text
    assert "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION" in text
    assert "lettre recommandée avec accusé de réception" in text
    assert "met en demeure" in text
    assert "SIREN 123456782" in text and "SIREN 987654324" in text
    assert "Malgré nos rappels des 1er février 2026 et 16 février 2026" in text
    # The invoice table: number, date, due date, amount, balance.
    assert "F-2026-0042 2 janvier 2026 31 janvier 2026 1 234,56 € 1 234,56 €" in text
    assert "principal restant dû s'élève à 1 234,56 €" in text
    assert "L441-10" in text and "D441-5" in text and "40,00 €" in text
    assert "à compter du 1er février 2026" in text  # penalties run from the day after the due date
    assert "1231-6" not in text
    assert "au plus tard le 11 mars 2026" in text
    assert "injonction de payer" in text and "1405" in text


def test_formal_notice_for_a_consumer(letters: dict[tuple[str, DebtorKind], RenderedLetter]) -> None:
    text = text_of(letters, "formal_notice", DebtorKind.CONSUMER)
    assert "MISE EN DEMEURE" in text and "lettre recommandée avec accusé de réception" in text
    assert "1231-6" in text and "taux légal" in text
    assert "L441-10" not in text and "D441-5" not in text and "40,00 €" not in text
    assert "SIREN 987654324" not in text
    assert "Claire Martin, demeurant 4 avenue Jean Jaurès" in text
    assert "au plus tard le 11 mars 2026" in text
    assert "au plus tard le 11 mars 2026" in flat(letters["formal_notice", DebtorKind.CONSUMER].email_body)


def test_penalty_claim_refers_to_the_notice_and_carries_no_vat(
    letters: dict[tuple[str, DebtorKind], RenderedLetter],
) -> None:
    business = text_of(letters, "penalty_claim", DebtorKind.BUSINESS)
    consumer = text_of(letters, "penalty_claim", DebtorKind.CONSUMER)
    for text in (business, consumer):
        assert "lettre recommandée avec accusé de réception du 3 mars 2026" in text
        assert "le principal restant dû, soit 1 234,56 €" in text
        assert "pas soumis" in text and "TVA" in text
        assert "au plus tard le 11 mars 2026" in text
    assert "L441-10" in business and "D441-5" in business and "40,00 €" in business
    assert "1231-6" in consumer and "1344-1" in consumer
    # Without a statement, from the notice's receipt (or first presentation), whose day is not known.
    assert "courus depuis la réception de notre mise en demeure du 3 mars 2026 ou" in consumer
    assert "L441-10" not in consumer and "40,00 €" not in consumer


@pytest.mark.parametrize("template", ["formal_notice", "penalty_claim"])
def test_the_email_states_the_total_its_letter_claims(documents: DocumentActivities, template: str) -> None:
    # Penalties as at the letter's date: the letter's total is principal + interest + indemnity,
    # and the email that carries it says the same, not the principal alone.
    context = letter_context(template, DebtorKind.BUSINESS)
    penalties = compute_penalties(
        PenaltyRequest(
            principal=context.balance,
            due_date=context.invoice.due_date,
            until=context.letter_date,
            debtor_kind=DebtorKind.BUSINESS,
        ),
        bundled_rates(),
    )
    total = context.balance + penalties.interest + penalties.indemnity
    assert penalties.interest > 0 and penalties.indemnity == Decimal("40.00")
    rendered = documents.render_letter(
        RenderLetterRequest(template=template, context=context.model_copy(update={"penalties": penalties}))
    )

    letter = pdf_text(rendered.document.path)
    assert f"Total dû au 3 mars 2026 {flat(money_fr(total))}" in letter
    body = flat(rendered.email_body)
    assert f"Principal restant dû : {flat(money_fr(context.balance))}" in body
    assert f"Total dû au 3 mars 2026 : {flat(money_fr(total))}" in body
    assert "Montant restant dû" not in body


@pytest.mark.parametrize("template", ["first_reminder", "second_reminder"])
def test_a_reminder_email_states_the_balance_as_its_letter(
    documents: DocumentActivities, template: str
) -> None:
    context = letter_context(template, DebtorKind.BUSINESS)
    rendered = documents.render_letter(RenderLetterRequest(template=template, context=context))
    assert "1 234,56 €" in pdf_text(rendered.document.path)
    body = flat(rendered.email_body)
    assert "Montant restant dû : 1 234,56 €" in body and "Total dû" not in body


def test_judicial_filing_hands_the_dossier_to_the_commissaire(
    letters: dict[tuple[str, DebtorKind], RenderedLetter],
) -> None:
    text = text_of(letters, "judicial_filing", DebtorKind.BUSINESS)
    assert "BORDEREAU DE TRANSMISSION" in text
    assert "commissaire de justice" in text and "Maître," in text
    assert "SIREN 987654324" in text and "BC-7781" in text
    for listed in (
        "1er février 2026 — rappel amiable",
        "16 février 2026 — rappel amiable",
        "3 mars 2026 — mise en demeure par lettre recommandée avec accusé de réception",
        "18 mars 2026 — réclamation des pénalités de retard",
    ):
        assert listed in text
    # 1 234,56 € is a small claim (CPCE L125-1); injonction de payer if no agreement.
    assert "L125-1" in text and "injonction de payer" in text
    consumer = text_of(letters, "judicial_filing", DebtorKind.CONSUMER)
    assert "(particulier)" in consumer and "1231-6" in consumer and "L441-10" not in consumer
    assert "18 mars 2026 — réclamation des intérêts de retard" in consumer


def test_judicial_filing_above_the_small_claims_ceiling(documents: DocumentActivities) -> None:
    context = letter_context("judicial_filing", DebtorKind.BUSINESS, balance="12000.00")
    letter = documents.render_letter(RenderLetterRequest(template="judicial_filing", context=context))
    text = pdf_text(letter.document.path)
    assert "12 000,00 €" in text
    assert "L125-1" not in text
    assert "injonction de payer" in text and "1405" in text


def test_the_small_claims_ceiling_is_the_judicial_rules_one(settings: Settings, tmp_path: Path) -> None:
    rules = JUDICIAL_FILE.read_text(encoding="utf-8")
    assert 'ceiling = "5000.00"' in rules
    lower = tmp_path / "judicial.toml"
    lower.write_text(rules.replace('ceiling = "5000.00"', 'ceiling = "1000.00"'), encoding="utf-8")
    documents = DocumentActivities(settings.model_copy(update={"judicial_rules_file": lower}))
    # 1 234,56 € is a small claim under the embedded rules (see above), not under these.
    context = letter_context("judicial_filing", DebtorKind.BUSINESS).model_copy(update={"step_key": "lower"})
    text = pdf_text(
        documents.render_letter(
            RenderLetterRequest(template="judicial_filing", context=context)
        ).document.path
    )
    assert "L125-1" not in text and "injonction de payer" in text

    broken = tmp_path / "broken.toml"
    broken.write_text(rules.replace('ceiling = "5000.00"', 'ceiling = "cinq mille"'), encoding="utf-8")
    documents = DocumentActivities(settings.model_copy(update={"judicial_rules_file": broken}))
    with pytest.raises(ApplicationError) as raised:
        documents.render_letter(RenderLetterRequest(template="first_reminder", context=context))
    assert raised.value.non_retryable and raised.value.type == "JudicialRulesError"
    assert str(broken) in str(raised.value) and "ceiling" in str(raised.value)


def test_recipient_address_sits_in_the_envelope_window(
    letters: dict[tuple[str, DebtorKind], RenderedLetter],
) -> None:
    page = PdfReader(letters["formal_notice", DebtorKind.BUSINESS].document.path).pages[0]
    page_height = float(page.mediabox.height)
    [(x, y)] = [
        (origin[0], origin[1]) for text, origin, _ in text_runs(page) if text.startswith("Bâtiments Martin")
    ]
    # A DL envelope's window shows 100 to 200 mm from the left, about 45 to 95 mm from the top.
    assert 100 * MM <= x <= 110 * MM
    assert 45 * MM <= page_height - y <= 95 * MM


def test_rendering_again_overwrites_the_same_file(
    letters: dict[tuple[str, DebtorKind], RenderedLetter], documents: DocumentActivities
) -> None:
    first = letters["second_reminder", DebtorKind.CONSUMER]
    first_text = pdf_text(first.document.path)
    context = letter_context("second_reminder", DebtorKind.CONSUMER)
    again = documents.render_letter(RenderLetterRequest(template="second_reminder", context=context))
    assert again.document.path == first.document.path
    assert again.document.sha256 == sha256_file(again.document.path)
    assert pdf_text(again.document.path) == first_text
    assert (again.email_subject, again.email_body) == (first.email_subject, first.email_body)
    # Atomic writes leave no temporary file behind.
    folder = Path(again.document.path).parent
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_unknown_template_is_refused(documents: DocumentActivities, settings: Settings) -> None:
    context = letter_context("first_reminder", DebtorKind.BUSINESS)
    with pytest.raises(ApplicationError) as raised:
        documents.render_letter(RenderLetterRequest(template="final_warning", context=context))
    assert raised.value.non_retryable
    assert "final_warning" in str(raised.value) and str(settings.templates_dir) in str(raised.value)
    assert not (settings.documents_dir / CASE_ID / "first_reminder-business.pdf.part").exists()


@pytest.mark.parametrize("name", ["../letter_templates/formal_notice", "Formal_Notice"])
def test_a_template_name_is_never_a_path(documents: DocumentActivities, name: str) -> None:
    context = letter_context("formal_notice", DebtorKind.BUSINESS)
    with pytest.raises(ApplicationError) as raised:
        documents.render_letter(RenderLetterRequest(template=name, context=context))
    assert raised.value.non_retryable and name in str(raised.value)


def test_letters_use_files_of_their_template_folder_only(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("not for letters")
    fetcher = template_folder_fetcher(templates)
    response = fetcher.fetch((templates / "logo.svg").as_uri())
    assert response.read().startswith(b"<svg")
    response.close()
    for url in ((tmp_path / "secret.txt").as_uri(), (templates / ".." / "secret.txt").as_uri()):
        with pytest.raises(ValueError, match="only use files under"):
            fetcher.fetch(url)
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("https://example.org/logo.png")


def test_a_template_that_cannot_render_fails_for_good(documents: DocumentActivities) -> None:
    # A formal notice without a deadline would be worthless: the template refuses it.
    context = letter_context("formal_notice", DebtorKind.BUSINESS, pay_by=None).model_copy(
        update={"step_key": "formal_notice-no-deadline"}
    )
    with pytest.raises(ApplicationError) as raised:
        documents.render_letter(RenderLetterRequest(template="formal_notice", context=context))
    assert raised.value.non_retryable
    assert "formal_notice" in str(raised.value)


def test_a_formal_notice_counts_its_deadline_from_receipt(documents: DocumentActivities) -> None:
    # The workflow gives the deadline as a number of days from receipt, the date being unknown.
    context = letter_context("formal_notice", DebtorKind.BUSINESS).model_copy(
        update={"step_key": "formal_notice-from-receipt", "pay_within": timedelta(days=8)}
    )
    rendered = documents.render_letter(RenderLetterRequest(template="formal_notice", context=context))
    text = flat(pdf_text(rendered.document.path))
    # A small number in words, as French prose writes it.
    assert "dans un délai de huit jours à compter de la réception de la présente" in text
    assert "au plus tard le" not in text
    assert "dans un délai de huit jours à compter de sa réception" in flat(rendered.email_body)
