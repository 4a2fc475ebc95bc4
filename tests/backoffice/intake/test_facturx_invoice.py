"""Factur-X PDFs imported like CSV rows: the CII XML read field by field, every missing or wrong
field reported with its file, a batch of files imported whole or not at all, a kept copy of each
invoice's PDF, and a creditor's identifiers filled but never silently replaced.

The PDFs are built here: a page rendered by WeasyPrint, with a CII XML written from the templates
below embedded by the ``factur-x`` library.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from backoffice.intake.facturx_invoice import read_facturx_fields
from backoffice.intake.fields import InvoiceProblem
from backoffice.intake.invoice_file import InvoiceFileError, read_invoices
from backoffice.intake.store import store_invoices

# Private: how a case opens from what is stored, without Temporal.
from backoffice.intake.unstarted import _case_input, _unstarted
from config.policy import load_policy
from config.settings import PROJECT_ROOT
from models.bounds import MAX_AMOUNT
from models.enums import DebtorKind
from storage.database import Database
from storage.tables import Creditor, Invoice
from support.french import money_fr
from support.typography import typeset_text as fr
from tests.fixtures.cases import TEST_CASE_ID_KEY
from tests.fixtures.cli import Cli
from tests.fixtures.facturx import DUE_DATE, NAMESPACES, basic_xml, facturx_pdf, plain_pdf
from tests.fixtures.invoice_files import GOOD, HEADER

SAMPLES = PROJECT_ROOT.parent / "shared" / "samples" / "facturx"
IBAN = "FR7630006000011234567890189"
OTHER_IBAN = "FR1420041010050500013M02606"
# The MINIMUM profile: no due date, no address but the country, no email, no IBAN.
MINIMUM = f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice {NAMESPACES}>
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:factur-x.eu:1p0:minimum</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>M-1</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20260110</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Menuiserie Dupont</ram:Name>
        <ram:SpecifiedLegalOrganization>
          <ram:ID schemeID="0002">123456782</ram:ID>
        </ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Bâtiments Martin</ram:Name>
        <ram:SpecifiedLegalOrganization>
          <ram:ID schemeID="0002">987654324</ram:ID>
        </ram:SpecifiedLegalOrganization>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
        <ram:GrandTotalAmount>120.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>120.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""


def refused(*paths: Path, invoices_dir: Path, default_terms: int | None = None) -> list[InvoiceProblem]:
    with pytest.raises(InvoiceFileError) as failure:
        read_invoices(paths, invoices_dir, default_terms)
    assert str(failure.value).endswith("\u00a0: rien n'est importé")
    return failure.value.problems


def test_a_basic_invoice_is_read_field_by_field(tmp_path: Path) -> None:
    path = facturx_pdf(tmp_path / "in", basic_xml())

    [row] = read_invoices([path], tmp_path / "invoices")

    assert (row.source, row.row, row.pdf_to_keep) == (path, None, path)
    creditor, debtor, invoice = row.creditor, row.debtor, row.invoice
    assert (creditor.name, creditor.siren, creditor.email) == (
        "Menuiserie Dupont",
        "123456782",
        "compta@dupont.fr",
    )
    assert (creditor.siret, creditor.vat_number, creditor.iban) == ("12345678200002", "FR11123456782", IBAN)
    assert creditor.address.lines() == ["12 rue des Artisans", "69003 Lyon", "FRANCE"]
    assert (debtor.kind, debtor.siren, debtor.email) == (DebtorKind.BUSINESS, "987654324", "f@martin.fr")
    assert debtor.address.street == "4 av. Jaurès, Bâtiment B"
    assert (invoice.number, invoice.issue_date, invoice.due_date) == (
        "F-1",
        date(2026, 1, 10),
        date(2026, 2, 9),
    )
    # DuePayableAmount is net of the prepaid amount: the invoice's total is their sum.
    assert (invoice.amount_due, invoice.amount_paid, invoice.balance) == (
        Decimal("1200.00"),
        Decimal("200.00"),
        Decimal("1000.00"),
    )
    assert (invoice.currency, invoice.order_reference, invoice.contract_rate_percent) == ("EUR", "BC-1", None)
    assert invoice.pdf_path == str((tmp_path / "invoices" / "123456782" / "F-1.pdf").resolve())


def test_a_buyer_without_siren_is_a_consumer(tmp_path: Path) -> None:
    path = facturx_pdf(tmp_path, basic_xml(buyer_name="Claire Martin", buyer_siren=""))

    [row] = read_invoices([path], tmp_path / "invoices")

    assert (row.debtor.kind, row.debtor.siren, row.debtor.name) == (
        DebtorKind.CONSUMER,
        None,
        "Claire Martin",
    )


def test_every_missing_field_names_the_file_and_how_to_give_it(tmp_path: Path) -> None:
    path = facturx_pdf(tmp_path, basic_xml(buyer_email=""))

    [problem] = refused(path, invoices_dir=tmp_path / "invoices")

    assert (problem.source, problem.row, problem.column) == (path, None, "debtor_email")
    assert str(problem).startswith(f"{path}, champ debtor_email\u00a0: absent du XML Factur-X")
    assert "ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID" in problem.message
    assert "invoice_pdf" in problem.message


def test_a_date_that_is_not_a_calendar_day_is_reported_once(tmp_path: Path) -> None:
    month = DUE_DATE.replace('format="102">20260209', 'format="610">202602')
    path = facturx_pdf(tmp_path, basic_xml(due_date=month))

    [problem] = refused(path, invoices_dir=tmp_path / "invoices", default_terms=30)

    assert problem.column == "due_date"
    assert problem.message.startswith(
        fr("« 202602 » (format 610) n'est pas un jour du calendrier (format 102)")
    )


def test_a_minimum_invoice_needs_default_terms_for_its_due_date(tmp_path: Path) -> None:
    path = facturx_pdf(tmp_path, MINIMUM, name="M-1.pdf")
    invoices = tmp_path / "invoices"

    problems = {problem.column: problem.message for problem in refused(path, invoices_dir=invoices)}

    assert "--default-terms JOURS, ou le délai par défaut du formulaire d'import" in problems["due_date"]
    assert "L441-10" in problems["due_date"]
    # What the MINIMUM profile cannot carry is named too, with the profile.
    assert {"creditor_email", "creditor_street", "debtor_email", "debtor_city"} <= problems.keys()
    assert "(profil MINIMUM)" in problems["debtor_email"]
    with_terms = {problem.column for problem in refused(path, invoices_dir=invoices, default_terms=30)}
    assert "due_date" not in with_terms
    assert with_terms == problems.keys() - {"due_date"}


def test_default_terms_date_an_invoice_without_due_date(tmp_path: Path) -> None:
    path = facturx_pdf(tmp_path, basic_xml(due_date=""))

    [row] = read_invoices([path], tmp_path / "invoices", default_terms=45)

    assert row.invoice.due_date == date(2026, 2, 24)  # 10 January + 45 days


def test_a_pdf_that_is_not_a_facturx_invoice_is_refused_by_name(tmp_path: Path) -> None:
    plain = tmp_path / "scan.pdf"
    plain.write_bytes(plain_pdf())
    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_text("not a PDF at all", encoding="utf-8")
    credit_note = facturx_pdf(tmp_path, basic_xml(type_code="381"), name="avoir.pdf")

    problems = refused(plain, not_pdf, credit_note, invoices_dir=tmp_path / "invoices")

    assert [str(problem) for problem in problems] == [
        f"{plain}\u00a0: le PDF ne porte pas de XML Factur-X (aucune pièce jointe factur-x.xml)\u00a0: ce "
        "n'est pas une facture Factur-X",
        f"{not_pdf}\u00a0: le fichier n'est pas un PDF",
        f"{credit_note}\u00a0: c'est un avoir (TypeCode 381)\u00a0: rien à recouvrer",
    ]


def test_a_folder_with_one_bad_file_imports_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    facturx_pdf(folder, basic_xml(number="F-1"), name="a.pdf")
    facturx_pdf(folder, basic_xml(number="F-2", iban="FR76 0000"), name="b.pdf")
    facturx_pdf(folder, basic_xml(number="F-3"), name="c.pdf")
    (folder / "readme.txt").write_text("not read", encoding="utf-8")

    [problem] = refused(folder, invoices_dir=tmp_path / "invoices")

    assert (problem.source, problem.column) == (folder / "b.pdf", "creditor_iban")
    assert "n'est pas un IBAN valide" in problem.message
    assert "ram:PayeePartyCreditorFinancialAccount/ram:IBANID" in problem.message


def test_values_beyond_the_bounds_are_refused_where_the_xml_has_them(tmp_path: Path) -> None:
    xml = (
        basic_xml()
        .replace("<ram:InvoiceCurrencyCode>EUR", "<ram:InvoiceCurrencyCode>USD")
        .replace("<ram:DuePayableAmount>1000.00", "<ram:DuePayableAmount>99999999999999999999.99")
        .replace('format="102">20260110', 'format="102">20310110')
    )
    path = facturx_pdf(tmp_path, xml)

    problems = {
        problem.column: problem.message for problem in refused(path, invoices_dir=tmp_path / "invoices")
    }

    assert problems.keys() == {"amount_due", "currency", "issue_date"}
    # The amount as the XML writes it, not rounded into a total with the prepaid amount.
    assert problems["amount_due"].startswith(
        f"99999999999999999999,99 dépasse le plus grand montant que Relance conserve ({money_fr(MAX_AMOUNT)})"
    )
    assert "ram:DuePayableAmount" in problems["amount_due"]
    assert problems["currency"].startswith(fr("« USD » : Relance ne recouvre que des euros (EUR)"))
    assert problems["issue_date"].startswith(fr("le 10 janvier 2031 est dans le futur :"))
    assert "ram:IssueDateTime" in problems["issue_date"]


def test_csv_and_pdf_mixed_share_one_validation(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    csv = folder / "invoices.csv"
    csv.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    pdf = facturx_pdf(folder, basic_xml(number="F-2"))

    rows = read_invoices([folder], tmp_path / "invoices")
    # A folder's files are read in name order.
    assert [(row.source, row.invoice.number) for row in rows] == [(pdf, "F-2"), (csv, "F-001")]

    # The same invoice twice, and one SIREN under two names, across the files of a batch.
    twice = facturx_pdf(tmp_path / "more", basic_xml(number="F-001"))
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(
        f"{HEADER}\n{GOOD.replace('F-001', 'F-9').replace('Dupont,', 'Durand,')}\n", encoding="utf-8"
    )
    problems = refused(csv, twice, renamed, invoices_dir=tmp_path / "invoices")
    assert [str(problem) for problem in problems] == [
        f"{twice}, champ invoice_number\u00a0: même facture que la ligne 2 de {csv}",
        f"{renamed}, ligne 2, colonne creditor_name\u00a0: le SIREN 123456782 est celui de "
        f"«\u00a0Menuiserie Dupont\u00a0» d'après la ligne 2 de {csv}",
    ]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"the shared Factur-X samples are not at {SAMPLES}")
def test_the_public_en16931_sample_is_read_and_its_invalid_buyer_siren_refused(tmp_path: Path) -> None:
    sample = SAMPLES / "invoice_EN16931.pdf"

    fields = read_facturx_fields(sample)
    [problem] = refused(sample, invoices_dir=tmp_path / "invoices")

    assert fields.profile == "EN16931"
    values = fields.values
    assert (values["invoice_number"], values["issue_date"], values["due_date"]) == (
        "F20260023",
        "2026-01-31",
        "2026-03-02",
    )
    assert (values["amount_due"], values["amount_paid"], values["currency"]) == ("104.90", "0.00", "EUR")
    assert (values["creditor_siren"], values["creditor_email"]) == ("123456782", "moi@seller.com")
    assert values["creditor_street"] == "35 rue d'ici, Seller line 2, Seller line 3"
    assert (values["debtor_email"], values["debtor_kind"]) == ("me@buyer.com", "business")
    assert values["order_reference"] == "PO201925478"
    # Both parties carry an email; what refuses the sample is the buyer's SIREN, whose Luhn key is wrong.
    assert (problem.source, problem.column) == (sample, "debtor_siren")
    assert fr("« 987654321 » n'est pas un SIREN valide") in problem.message


# --- storage -------------------------------------------------------------------------------------


async def invoices_and_creditor(database: Database) -> tuple[list[Invoice], Creditor | None]:
    async with database.sessions() as session:
        invoices = list((await session.exec(select(Invoice).order_by(Invoice.number))).all())
        creditor = (await session.exec(select(Creditor))).first()
        return invoices, creditor


async def test_a_stored_pdf_invoice_keeps_its_own_copy_once(database: Database, tmp_path: Path) -> None:
    invoices_dir = tmp_path / "invoices"
    first = facturx_pdf(tmp_path / "first", basic_xml(), page="Facture F-1")

    stored = await store_invoices(database, read_invoices([first], invoices_dir), "default", TEST_CASE_ID_KEY)

    [invoice], creditor = await invoices_and_creditor(database)
    kept = invoices_dir / "123456782" / "F-1.pdf"
    assert (stored.new, stored.known) == (1, 0)
    assert invoice.pdf_path == str(kept.resolve())
    assert kept.read_bytes() == first.read_bytes()
    assert (invoice.amount_due, invoice.amount_paid) == (Decimal("1200.00"), Decimal("200.00"))
    assert creditor is not None
    assert (creditor.siret, creditor.vat_number, creditor.iban) == ("12345678200002", "FR11123456782", IBAN)

    # The same invoice again, even in another PDF: known, and its kept copy stays the first one.
    again = facturx_pdf(tmp_path / "again", basic_xml(), page="Une autre page")
    stored = await store_invoices(database, read_invoices([again], invoices_dir), "default", TEST_CASE_ID_KEY)
    assert (stored.new, stored.known) == (0, 1)
    assert kept.read_bytes() == first.read_bytes() != again.read_bytes()
    assert [path.name for path in kept.parent.iterdir()] == ["F-1.pdf"]


async def test_the_signed_order_a_facturx_invoice_carries_is_kept_as_its_own_document(
    database: Database, tmp_path: Path
) -> None:
    invoices_dir = tmp_path / "invoices"
    order = plain_pdf("Bon de commande BC-1, signé")
    path = facturx_pdf(
        tmp_path / "in",
        basic_xml(),
        attachments={
            # Named by the order's reference (BC-1), as the XML gives it.
            "scan-bc-1.pdf": (order, ""),
            # Neither named nor described as the order; nor a PDF.
            "cgv.pdf": (plain_pdf("Conditions générales de vente"), "Conditions générales de vente"),
            "heures.csv": (b"jour,heures\n", "Relevé d'heures du devis"),
        },
    )

    [row] = read_invoices([path], invoices_dir)

    kept = (invoices_dir / "123456782" / "orders" / "commande-F-1.pdf").resolve()
    assert (row.invoice.order_pdf_path, row.order_to_keep) == (str(kept), order)
    await store_invoices(database, [row], "default", TEST_CASE_ID_KEY)
    [invoice], _ = await invoices_and_creditor(database)
    assert invoice.order_pdf_path == str(kept)
    assert "Bon de commande BC-1, signé" in PdfReader(kept).pages[0].extract_text()
    # A case opened from what is stored (an import interrupted) produces it in court.
    [case] = [_case_input(*stored, load_policy("default"), None) for stored in await _unstarted(database)]
    assert case.invoice.order_pdf_path == str(kept)


def test_an_order_attachment_is_one_pdf_named_or_described_so(tmp_path: Path) -> None:
    described = facturx_pdf(
        tmp_path / "described", basic_xml(), attachments={"scan.pdf": (plain_pdf("Devis"), "Devis signé")}
    )
    terms_only = facturx_pdf(
        tmp_path / "terms",
        basic_xml(number="F-2"),
        attachments={"cgv.pdf": (plain_pdf("CGV"), "Conditions de vente")},
    )
    two = facturx_pdf(
        tmp_path / "two",
        basic_xml(),
        attachments={"devis.pdf": (plain_pdf("Devis"), ""), "order.pdf": (plain_pdf("Order"), "")},
    )

    rows = read_invoices([described, terms_only], tmp_path / "invoices")
    assert [row.order_to_keep is not None for row in rows] == [True, False]
    assert rows[1].invoice.order_pdf_path is None
    [problem] = refused(two, invoices_dir=tmp_path / "invoices")
    assert (problem.source, problem.row, problem.column) == (two, None, "order_pdf")
    assert problem.message.startswith(
        "les pièces jointes devis.pdf et order.pdf pourraient chacune être le devis ou le bon de commande "
        "signé\u00a0: importez la facture d'une ligne CSV qui la nomme dans invoice_pdf, et la commande "
        "dans order_pdf"
    )


async def test_a_creditor_identifier_is_filled_but_never_replaced(database: Database, tmp_path: Path) -> None:
    invoices_dir = tmp_path / "invoices"
    csv = tmp_path / "invoices.csv"
    csv.write_text(f'{HEADER},contract_rate\n{GOOD},"10,5"\n', encoding="utf-8")
    await store_invoices(database, read_invoices([csv], invoices_dir), "default", TEST_CASE_ID_KEY)
    _, creditor = await invoices_and_creditor(database)
    assert creditor is not None and creditor.iban is None

    # A later invoice brings the IBAN the creditor lacked; the case of the first one gets it too.
    pdf = facturx_pdf(tmp_path, basic_xml(number="F-2"))
    both = read_invoices([csv, pdf], invoices_dir)
    stored = await store_invoices(database, both, "default", TEST_CASE_ID_KEY)
    assert (stored.new, stored.known) == (1, 1)
    assert {row.creditor.iban for row in stored.rows} == {IBAN}
    invoices, creditor = await invoices_and_creditor(database)
    assert creditor is not None and creditor.iban == IBAN
    assert [invoice.contract_rate_percent for invoice in invoices] == [Decimal("10.5000"), None]

    # Another IBAN for the same creditor: refused with every conflict, and nothing stored.
    other = tmp_path / "other.csv"
    rows = "\n".join(GOOD.replace("F-001", number) + f",{OTHER_IBAN}" for number in ("F-3", "F-4"))
    other.write_text(f"{HEADER},creditor_iban\n{rows}\n", encoding="utf-8")
    with pytest.raises(InvoiceFileError) as failure:
        await store_invoices(database, read_invoices([other], invoices_dir), "default", TEST_CASE_ID_KEY)
    assert [str(problem) for problem in failure.value.problems] == [
        f"{other}, ligne {number}, colonne creditor_iban\u00a0: {OTHER_IBAN} diffère de {IBAN}, l'IBAN "
        "du SIREN 123456782 d'après une importation précédente\u00a0: une importation ne remplace jamais "
        "l'IBAN d'un créancier"
        for number in (2, 3)
    ]
    invoices, creditor = await invoices_and_creditor(database)
    assert [invoice.number for invoice in invoices] == ["F-001", "F-2"]
    assert creditor is not None and creditor.iban == IBAN


# --- the command line ----------------------------------------------------------------------------


async def test_relance_imports_a_folder_of_csv_and_pdf_once(cli: Cli) -> None:
    folder = cli.folder / "in"
    folder.mkdir()
    (folder / "invoices.csv").write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    pdf = facturx_pdf(folder, basic_xml(number="F-2", due_date=""))

    code, _, err = await cli("import", str(folder))
    assert code == 1
    assert f"{pdf}, champ due_date\u00a0: la facture n'a pas de date d'échéance" in err
    assert "1 erreur dans 1 fichier\u00a0: rien n'est importé" in err

    first = await cli.json("import", str(folder), "--default-terms", "30")
    second = await cli.json("import", str(folder / "invoices.csv"), str(pdf), "--default-terms", "30")

    assert first == {
        "rows": 2,
        "invoices_stored": 2,
        "invoices_known": 0,
        "already_paid": 0,
        "cases_started": 2,
        "cases_existing": 0,
    }
    assert second == {
        **first,
        "invoices_stored": 0,
        "invoices_known": 2,
        "cases_started": 0,
        "cases_existing": 2,
    }
    kept = cli.settings.data_dir / "invoices" / "123456782" / "F-2.pdf"
    assert kept.read_bytes() == pdf.read_bytes()
    with sqlite3.connect(cli.settings.data_dir / "relance.db") as connection:
        stored = connection.execute(
            "select number, due_date, pdf_path from invoice order by number"
        ).fetchall()
    assert stored == [("F-001", "2026-02-09", None), ("F-2", "2026-02-09", str(kept.resolve()))]
