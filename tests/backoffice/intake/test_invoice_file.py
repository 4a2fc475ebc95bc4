"""Reading an invoice file: every problem reported with its row and column, nothing accepted
from a file that has one."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from backoffice.intake.fields import ImportRules
from backoffice.intake.invoice_file import InvoiceFileError, read_invoice_file, read_invoices
from config.judicial import load_judicial_rules
from config.settings import PROJECT_ROOT
from models.bounds import MAX_AMOUNT
from models.enums import Civility, DebtorKind
from support.french import money_fr
from support.parsing import parse_amount
from support.typography import typeset_text as fr
from tests.fixtures.facturx import plain_pdf
from tests.fixtures.invoice_files import GOOD, HEADER


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "invoices.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_good_file_is_read_exactly(tmp_path: Path) -> None:
    consumer = (
        "123456782,Menuiserie Dupont,compta@dupont.fr,12 rue des Artisans,69003,Lyon,"
        "consumer,Claire Martin,,c@martin.fr,4 rue Haute,75019,Paris,"
        'F-002,10/01/2026,09/02/2026,"1 234,50",100,'
    )
    rows = read_invoice_file(write(tmp_path, GOOD, consumer)).rows
    assert [r.row for r in rows] == [2, 3]
    assert rows[0].invoice.amount_due == Decimal("1234.56")
    assert rows[0].debtor.kind == DebtorKind.BUSINESS
    assert rows[1].invoice.balance == Decimal("1134.50")
    assert rows[1].invoice.issue_date.isoformat() == "2026-01-10"
    assert rows[1].invoice.order_reference is None


def test_every_bad_field_is_reported_with_row_and_column(tmp_path: Path) -> None:
    bad = (
        "123456789,Menuiserie Dupont,not-an-email,12 rue des Artisans,6900,Lyon,"
        "business,Bâtiments Martin,,f@martin.fr,4 av. Jaurès,75019,Paris,"
        "F-003,2026-02-10,2026-01-09,12.345,0,BC-1"
    )
    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(write(tmp_path, GOOD, bad, GOOD))
    found = {(e.row, e.column) for e in failure.value.problems}
    assert found == {
        (3, "creditor_siren"),
        (3, "creditor_email"),
        (3, "creditor_postcode"),
        (3, "debtor_siren"),
        (3, "due_date"),
        (3, "amount_due"),
        (4, "invoice_number"),
    }
    messages = {e.column: e.message for e in failure.value.problems}
    assert "n'est pas un SIREN valide" in messages["creditor_siren"]
    assert messages["invoice_number"] == "même facture que la ligne 2"
    assert fr("« 12.345 » a plus de deux décimales") == messages["amount_due"]


def test_missing_and_unknown_columns_are_reported(tmp_path: Path) -> None:
    header = HEADER.replace("due_date,", "").replace("order_reference", "order_ref")
    path = write(tmp_path, header=header)
    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(path)
    assert {(e.row, e.column, e.message) for e in failure.value.problems} == {
        (0, "due_date", "colonne obligatoire absente"),
        (0, "order_ref", fr("colonne inconnue : vérifiez son nom")),
    }
    assert (
        str(failure.value.problems[0])
        == f"{path}, en-tête, colonne due_date\u00a0: colonne obligatoire absente"
    )


def test_a_path_that_holds_no_invoice_file_says_so_in_one_line(tmp_path: Path) -> None:
    notes, empty, missing = tmp_path / "notes.txt", tmp_path / "vide", tmp_path / "absent.csv"
    notes.write_text("à relancer", encoding="utf-8")
    empty.mkdir()
    with pytest.raises(InvoiceFileError) as failure:
        read_invoices([notes, empty, missing], tmp_path / "invoices")
    assert [str(problem) for problem in failure.value.problems] == [
        f"{notes}\u00a0: ce n'est ni un fichier CSV (.csv) ni une facture PDF Factur-X (.pdf)",
        f"{empty}\u00a0: le dossier n'a aucun fichier .csv ou .pdf",
        f"{missing}\u00a0: aucun fichier ni dossier à ce chemin",
    ]
    assert str(failure.value) == "3 erreurs dans 3 fichiers\u00a0: rien n'est importé"


def test_a_field_too_long_for_the_csv_reader_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, GOOD.replace("Bâtiments Martin", f'"{"B" * 200_000}"'))
    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(path)
    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}\u00a0: la ligne 3 du fichier n'est pas du CSV lisible\u00a0: un champ dépasse "
        "131\u202f072 caractères"
    ]


def test_amount_paid_above_amount_due_is_refused(tmp_path: Path) -> None:
    row = GOOD.replace("1234.56,0,", "100,150,")
    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(write(tmp_path, row))
    [error] = failure.value.problems
    assert (error.row, error.column) == (2, "amount_paid")
    assert error.message == f"{money_fr(Decimal(150))} dépasse le montant dû ({money_fr(Decimal(100))})"


def test_creditor_identifiers_and_contract_rate_are_read_in_compact_form(tmp_path: Path) -> None:
    header = f"{HEADER},creditor_siret,creditor_vat_number,creditor_iban,contract_rate"
    row = f'{GOOD},123 456 782 00002,fr 11 123456782,FR76 3000 6000 0112 3456 7890 189,"12,15 %"'

    [read] = read_invoice_file(write(tmp_path, row, header=header)).rows

    creditor = read.creditor
    assert (creditor.siret, creditor.vat_number, creditor.iban) == (
        "12345678200002",
        "FR11123456782",
        "FR7630006000011234567890189",
    )
    assert read.invoice.contract_rate_percent == Decimal("12.1500")


def test_bad_identifiers_and_contract_rates_are_reported_with_row_and_column(tmp_path: Path) -> None:
    header = f"{HEADER},creditor_siret,creditor_vat_number,creditor_iban,contract_rate"
    iban = "FR7630006000011234567890189"
    rows = [
        f"{GOOD.replace('F-001', 'F-2')},12345678200003,FR11123456782,{iban},10",
        f"{GOOD.replace('F-001', 'F-3')},12345678200002,FR12123456782,{iban},10",
        f"{GOOD.replace('F-001', 'F-4')},12345678200002,FR11123456782,FR7630006000011234567890180,10",
        f"{GOOD.replace('F-001', 'F-5')},,,,-1",
        f"{GOOD.replace('F-001', 'F-6')},,,,10.12345",
        f"{GOOD.replace('F-001', 'F-7')},,,,dix",
        f"{GOOD.replace('F-001', 'F-8')},,,,1000",
        # Valid numbers, but of another company than the creditor's SIREN.
        f"{GOOD.replace('F-001', 'F-9')},73282932000074,FR44732829320,,",
    ]
    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(write(tmp_path, *rows, header=header))
    found = {(e.row, e.column): e.message for e in failure.value.problems}
    assert found == {
        (2, "creditor_siret"): fr("« 12345678200003 » n'est pas un SIRET valide (14 chiffres, clé de Luhn)"),
        (3, "creditor_vat_number"): fr(
            "« FR12123456782 » n'est pas un numéro de TVA intracommunautaire français valide (FR, clé "
            "de 2 caractères, SIREN)"
        ),
        (4, "creditor_iban"): fr(
            "« FR7630006000011234567890180 » n'est pas un IBAN valide (format du pays ou clé de "
            "contrôle faux)"
        ),
        (5, "contract_rate"): fr("« -1 » est négatif : un taux ne l'est jamais"),
        (6, "contract_rate"): fr("« 10.12345 » a plus de quatre décimales"),
        (7, "contract_rate"): fr("« dix » n'est pas un nombre"),
        (8, "contract_rate"): fr("« 1000 » n'est pas un taux annuel en pour cent (au plus 999,9999\u00a0%)"),
        (9, "creditor_siret"): (
            "73282932000074 n'est pas un établissement du SIREN 123456782 (ses 9 premiers chiffres)"
        ),
        (9, "creditor_vat_number"): (
            "FR44732829320 n'est pas le numéro de TVA du SIREN 123456782 (FR, clé, puis le SIREN)"
        ),
    }


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1234.56", "1234.56"), ("1 234,56", "1234.56"), ("1\u202f234,5 €", "1234.50"), ("12", "12.00")],
)
def test_amounts_in_french_and_iso_forms(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["1.234,56", "abc", "NaN", "1,234.5"])
def test_ambiguous_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_the_bundled_demo_file_is_valid() -> None:
    rows = read_invoice_file(PROJECT_ROOT / "demo" / "invoices.csv").rows
    assert len(rows) == 7
    # One debtor with several invoices of one creditor: its account sends their letters together.
    martin = [row.invoice.number for row in rows if row.debtor.name == "Bâtiments Martin SAS"]
    assert martin == ["DEMO-2026-001", "DEMO-2026-004", "DEMO-2026-005"]


# The day these rows are read on, so that what is "future" or "time-barred" stays so.
READ_ON = ImportRules(date(2026, 12, 1), load_judicial_rules())
CONSUMER = {"debtor_kind": "consumer", "debtor_siren": ""}


def row_with(number: int, **values: str) -> str:
    """The good row under invoice number ``F-<number>``, with ``values`` instead of its own."""
    fields = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    fields |= {"invoice_number": f"F-{number}", "currency": "EUR"} | values
    line = io.StringIO()
    csv.writer(line, lineterminator="").writerow(fields.values())
    return line.getvalue()


# Each value beyond the bounds (models/bounds.py), as the issue found them accepted or crashing:
# the columns, and what the problem of each says (its no-break spaces set as ``fr`` sets them).
BEYOND_THE_BOUNDS: list[tuple[dict[str, str], dict[str, str]]] = [
    ({"amount_due": "1e309"}, {"amount_due": "« 1e309 » n'est pas un nombre écrit en entier"}),
    ({"amount_due": "1e3"}, {"amount_due": "« 1e3 » n'est pas un nombre écrit en entier"}),
    ({"amount_due": "1" * 29}, {"amount_due": f"« {'1' * 29} » a trop de chiffres"}),
    (
        {"amount_due": "99999999999999999999.99"},
        {"amount_due": f"dépasse le plus grand montant que Relance conserve ({money_fr(MAX_AMOUNT)})"},
    ),
    ({"amount_due": "١٢٣٤,٥٦"}, {"amount_due": "a des chiffres autres que 0 à 9"}),
    ({"amount_paid": "-1"}, {"amount_paid": "-1,00 est négatif"}),
    (
        {"issue_date": "1900-01-01", "due_date": "1900-01-31"},
        {
            "issue_date": "le 1er janvier 1900 est avant le 1er janvier 2000",
            "due_date": "le 31 janvier 1900 est avant le 1er janvier 2000",
        },
    ),
    (
        {"issue_date": "2031-01-10", "due_date": "2031-02-09"},
        {
            "issue_date": (
                "le 10 janvier 2031 est dans le futur : une facture est émise au plus tard aujourd'hui, "
                "le 1er décembre 2026"
            )
        },
    ),
    ({"due_date": "2040-01-01"}, {"due_date": "le 1er janvier 2040 est à plus de dix ans d'ici"}),
    (
        {"issue_date": "2021-01-10", "due_date": "2021-02-09"},
        {
            "due_date": (
                "la créance est prescrite depuis le 10 février 2026 (Code de commerce, art. L110-4 : cinq ans"
            )
        },
    ),
    (
        {**CONSUMER, "issue_date": "2024-01-10", "due_date": "2024-02-09"},
        {"due_date": "prescrite depuis le 10 février 2026 (Code de la consommation, art. L218-2 : deux ans"},
    ),
    ({"debtor_kind": "consumer"}, {"debtor_siren": "987654324 : un consommateur n'a pas de SIREN"}),
    ({"debtor_siren": ""}, {"debtor_siren": "un débiteur professionnel a un SIREN : donnez-le"}),
    ({"currency": "USD"}, {"currency": "« USD » : Relance ne recouvre que des euros (EUR)"}),
    (
        {"debtor_name": "Bâti\x00ments"},
        {"debtor_name": "contient un caractère de contrôle (U+0000) en position 5 : retirez-le"},
    ),
    ({"debtor_street": "4 av.\u202eJaurès"}, {"debtor_street": "contient un caractère de contrôle (U+202E)"}),
    ({"creditor_city": "L" * 201}, {"creditor_city": "compte 201 caractères : au plus 200"}),
    ({"debtor_email": "f" * 250 + "@martin.fr"}, {"debtor_email": "compte 260 caractères : au plus 254"}),
    ({"invoice_number": "F" * 2000}, {"invoice_number": "compte 2\u202f000 caractères : au plus 100"}),
    ({"invoice_number": "N°/" * 30}, {"invoice_number": "a trop de caractères autres que A-Z"}),
    ({"order_reference": "BC\x07"}, {"order_reference": "contient un caractère de contrôle (U+0007)"}),
    (
        {"debtor_postcode": "٧٥٠١٩"},
        {"debtor_postcode": "« ٧٥٠١٩ » n'est pas un code postal français (5 chiffres)"},
    ),
]


def test_every_value_beyond_the_bounds_is_a_problem_at_its_row_and_column(tmp_path: Path) -> None:
    rows = [row_with(number, **values) for number, (values, _) in enumerate(BEYOND_THE_BOUNDS, start=2)]
    path = write(tmp_path, *rows, header=f"{HEADER},currency")

    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(path, READ_ON)

    found = {(problem.row, problem.column): problem.message for problem in failure.value.problems}
    expected = {
        (number, column): reason
        for number, (_, reasons) in enumerate(BEYOND_THE_BOUNDS, start=2)
        for column, reason in reasons.items()
    }
    assert found.keys() == expected.keys()
    for place, reason in expected.items():
        assert fr(reason) in found[place], (place, found[place])
        assert len(found[place]) < 250, place


def test_the_last_values_within_the_bounds_are_read(tmp_path: Path) -> None:
    rows = [
        row_with(2, amount_due="999999999999.99", issue_date="2026-12-01", due_date="2036-12-01"),
        # Due five years ago today: the claim can still be brought today (Code civil 2229).
        row_with(3, issue_date="2021-11-01", due_date="2021-12-01"),
        # Time-barred, but paid: no claim, nothing to refuse.
        row_with(4, issue_date="2001-01-10", due_date="2001-02-09", amount_paid="1234.56"),
        row_with(5, **CONSUMER, invoice_number="F" * 100, debtor_name="Claire Martin"),
    ]
    path = write(tmp_path, *rows, header=f"{HEADER},currency")

    read = read_invoice_file(path, READ_ON).rows

    assert [row.invoice.number for row in read] == ["F-2", "F-3", "F-4", "F" * 100]
    assert read[0].invoice.amount_due == Decimal("999999999999.99")
    assert read[3].debtor.kind == DebtorKind.CONSUMER and read[3].debtor.siren is None


# --- consumers' civility, public buyers ------------------------------------------------------------

CONSUMER_ROW = (
    "123456782,Menuiserie Dupont,compta@dupont.fr,12 rue des Artisans,69003,Lyon,"
    "consumer,Claire Dubois,,c@dubois.fr,4 rue Haute,75019,Paris,"
    "F-{n},10/01/2026,09/02/2026,100,0,"
)
# The commune of Lyon, a public buyer: its SIREN, as a company's.
PUBLIC_ROW = (
    "123456782,Menuiserie Dupont,compta@dupont.fr,12 rue des Artisans,69003,Lyon,"
    "public,Ville de Lyon,216901231,factures@mairie-lyon.fr,1 place de la Comédie,69001,Lyon,"
    "F-{n},10/01/2026,09/02/2026,100,0,BC-9"
)


def test_a_consumer_s_civility_is_read_and_a_public_buyer_is_a_kind_of_debtor(tmp_path: Path) -> None:
    header = f"{HEADER},debtor_civility"
    rows = [
        f"{CONSUMER_ROW.format(n=1)},Madame",
        f"{CONSUMER_ROW.format(n=2)},M.",
        f"{CONSUMER_ROW.format(n=3)},",
        f"{PUBLIC_ROW.format(n=4)},",
    ]
    read = read_invoice_file(write(tmp_path, *rows, header=header)).rows
    assert [row.debtor.civility for row in read] == [Civility.MADAME, Civility.MONSIEUR, None, None]
    assert read[0].debtor.designation == "Madame Claire Dubois" and read[0].debtor.salutation == "Madame"
    assert read[2].debtor.salutation == "Madame, Monsieur"
    public = read[3].debtor
    assert (public.kind, public.siren) == (DebtorKind.PUBLIC, "216901231")
    assert public.designation == "Ville de Lyon"


def test_a_civility_for_a_company_and_a_public_buyer_without_siren_are_refused(tmp_path: Path) -> None:
    header = f"{HEADER},debtor_civility"
    rows = [
        f"{GOOD},Monsieur",
        f"{CONSUMER_ROW.format(n=2)},Mlle",
        f"{PUBLIC_ROW.format(n=3).replace('216901231', '')},",
        f"{PUBLIC_ROW.format(n=4).replace(',public,', ',state,')},",
    ]
    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(write(tmp_path, *rows, header=header))
    found = {(e.row, e.column): e.message for e in failure.value.problems}
    assert found == {
        (2, "debtor_civility"): fr(
            "Monsieur : une civilité s'adresse à un consommateur ; un débiteur professionnel est "
            "désigné par son nom (laissez la civilité vide)"
        ),
        (3, "debtor_civility"): fr("« Mlle » n'est ni Madame ni Monsieur (Mme, M.)"),
        (4, "debtor_siren"): fr("un acheteur public a un SIREN : donnez-le"),
        (5, "debtor_kind"): fr(
            "« state » n'est ni « business » (professionnel), ni « consumer » (consommateur), ni "
            "« public » (acheteur public)"
        ),
    }


def numbered(number: int) -> str:
    return GOOD.replace("F-001", f"F-{number}")


def write_pdf(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plain_pdf("Devis signé"))
    return path


def test_an_order_pdf_is_read_relative_to_the_file_with_or_without_a_reference(tmp_path: Path) -> None:
    order = write_pdf(tmp_path / "pdfs" / "DEVIS-118.pdf")
    header = f"{HEADER},order_pdf"
    rows = [
        f"{GOOD},pdfs/DEVIS-118.pdf",
        # The document proves the commitment by itself: its reference is not required.
        f"{numbered(2).removesuffix('BC-1')},{order}",
        f"{numbered(3)},",
    ]
    read = read_invoice_file(write(tmp_path, *rows, header=header)).rows
    assert [row.invoice.order_pdf_path for row in read] == [str(order.resolve()), str(order), None]
    assert [row.invoice.order_reference for row in read] == ["BC-1", None, "BC-1"]
    # Read where the file names it, as an invoice_pdf is: nothing to copy.
    assert {row.order_to_keep for row in read} == {None}
    assert [row.invoice.names_an_order for row in read] == [True, True, True]


def test_an_order_pdf_missing_or_not_a_pdf_is_refused_at_its_row_and_column(tmp_path: Path) -> None:
    notes = tmp_path / "notes.pdf"
    notes.write_text("Bon pour accord", encoding="utf-8")
    header = f"{HEADER},order_pdf"
    path = write(tmp_path, f"{GOOD},missing.pdf", f"{numbered(2)},notes.pdf", header=header)

    with pytest.raises(InvoiceFileError) as failure:
        read_invoice_file(path)

    assert [str(problem) for problem in failure.value.problems] == [
        f"{path}, ligne 2, colonne order_pdf\u00a0: {(tmp_path / 'missing.pdf').resolve()} n'existe pas",
        f"{path}, ligne 3, colonne order_pdf\u00a0: {notes.resolve()} n'est pas un PDF",
    ]
    assert str(failure.value) == "2 erreurs dans 1 fichier\u00a0: rien n'est importé"
