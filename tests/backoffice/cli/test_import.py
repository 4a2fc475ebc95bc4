"""``relance import`` as a user runs it: one import, one transaction (a conflict with what is
stored names both and stores nothing), a line per file that cannot be read, progress a phase,
Ctrl-C while the cases start, and case ids that say nothing of the invoice."""

from __future__ import annotations

import asyncio
import io
import re
import signal
import sqlite3
import stat
from datetime import date
from decimal import Decimal

from pypdf import PdfWriter
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from config.case_id_key import case_id_key
from models.case_ids import case_id_for, legacy_case_id
from models.enums import DebtorKind
from storage.tables import Creditor, Debtor, Invoice
from support.typography import typeset_text as fr
from tests.fixtures.cli import BUSINESS, CREDITOR, HEADER, RELANCE, Cli, case_id_of, invoice_count
from tests.fixtures.facturx import basic_xml, facturx_pdf, plain_pdf

OTHER_DEBTOR = "business,Autre SA,732829320,compta@autre.fr,1 rue Haute,75001,Paris,"
CAFE = "business,Café du Port,222333445,gerance@cafe.fr,1 quai de la Fosse,44000,Nantes,"


def row(number: str, amount: str = "500.00", debtor: str = BUSINESS, creditor: str = CREDITOR) -> str:
    return creditor + debtor + f"{number},2026-01-10,2026-02-09,{amount},0,BC-{number}"


def debtor_count(cli: Cli) -> int:
    with sqlite3.connect(cli.settings.data_dir / "relance.db") as connection:
        return connection.execute("select count(*) from debtor").fetchone()[0]


async def test_a_conflict_with_stored_data_names_both_and_stores_nothing(cli: Cli) -> None:
    await cli.json("import", str(cli.write_csv(row("F-1"), row("F-5", "300.00"))))
    assert (invoice_count(cli.settings), debtor_count(cli)) == (2, 1)
    imported = re.compile(r" \(importée le [^)]+\)\u202f; ")

    # A known invoice with another debtor (it used to store that debtor and file the SIREN's later
    # invoices under it), another with another amount, and a new invoice of a new debtor.
    path = cli.write_csv(row("F-1", debtor=OTHER_DEBTOR), row("F-5", "350.00"), row("F-2", debtor=CAFE))
    code, out, err = await cli("import", str(path))

    assert (code, out) == (1, "")
    lines = [imported.sub(" (importée le JOUR)\u202f; ", line) for line in err.splitlines()]
    assert (
        f"{path}, ligne 2, colonne debtor_siren"
        + fr(
            " : la facture F-1 du SIREN 123456782 est enregistrée avec le débiteur « Bâtiments Martin » "
            "(SIREN 987654324) (importée le JOUR) ; cette ligne donne « Autre SA » (SIREN 732829320) : une "
            "importation ne modifie jamais une facture enregistrée"
        )
        in lines
    )
    assert (
        f"{path}, ligne 3, colonne amount_due"
        + fr(
            " : la facture F-5 du SIREN 123456782 est enregistrée avec un montant dû de 300,00\u00a0€ "
            "(importée le JOUR) ; cette ligne donne 350,00\u00a0€ : une importation ne modifie jamais une "
            "facture enregistrée"
        )
        in lines
    )
    assert "2 erreurs dans 1 fichier\u00a0: rien n'est importé" in err
    assert (invoice_count(cli.settings), debtor_count(cli)) == (2, 1)

    # A stored SIREN under another name, a debtor's and a creditor's: refused, naming the stored one.
    path = cli.write_csv(row("F-3", debtor=BUSINESS.replace("Bâtiments Martin", "Martin Frères")))
    code, _, err = await cli("import", str(path))
    assert code == 1
    assert (
        f"{path}, ligne 2, colonne debtor_name"
        + fr(
            " : le SIREN 987654324 est enregistré au nom de « Bâtiments Martin » par une importation "
            "précédente ; cette ligne donne « Martin Frères »"
        )
        in err.splitlines()
    )
    path = cli.write_csv(row("F-4", creditor=CREDITOR.replace("Menuiserie Dupont", "Dupont & Fils")))
    code, _, err = await cli("import", str(path))
    assert code == 1
    assert (
        f"{path}, ligne 2, colonne creditor_name"
        + fr(
            " : le SIREN 123456782 est enregistré au nom de « Menuiserie Dupont » par une importation "
            "précédente ; cette ligne donne « Dupont & Fils »"
        )
        in err.splitlines()
    )
    assert (invoice_count(cli.settings), debtor_count(cli)) == (2, 1)

    # The same names but for case and spaces are the same party.
    same = row("F-6", debtor=BUSINESS.replace("Bâtiments Martin", "BÂTIMENTS  MARTIN"))
    assert (await cli.json("import", str(cli.write_csv(same))))["invoices_stored"] == 1
    assert (invoice_count(cli.settings), debtor_count(cli)) == (3, 1)


def _pdf_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


async def test_each_file_that_cannot_be_read_is_one_line_saying_why(cli: Cli) -> None:
    folder = cli.folder / "unreadable"
    folder.mkdir()
    good = row("G-1")
    # A street on two lines, quoted as a spreadsheet writes it.
    two_lines = row("G-2").replace("4 av. Jaurès", '"4 av. Jaurès\nBâtiment B"')
    files = {
        "empty.csv": b"",
        "header_only.csv": f"{HEADER}\n".encode(),
        "tabs.csv": f"{HEADER}\n{good}\n".replace(",", "\t").encode(),
        "windows.csv": f"{HEADER}\n{good}\n".encode("cp1252"),
        "utf16.csv": f"{HEADER}\n{good}\n".encode("utf-16"),
        "twice.csv": f"{HEADER},amount_due\n{good},,500.00\n".encode(),
        "line_break.csv": f"{HEADER}\n{two_lines}\n".encode(),
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    broken = PdfWriter(clone_from=io.BytesIO(plain_pdf()))
    broken.add_attachment("factur-x.xml", b"<rsm:CrossIndustryInvoice><rsm:ExchangedDocument>")
    (folder / "malformed.pdf").write_bytes(_pdf_bytes(broken))
    locked = PdfWriter(clone_from=facturx_pdf(cli.folder / "plain", basic_xml(number="G-3")))
    locked.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    (folder / "protected.pdf").write_bytes(_pdf_bytes(locked))

    code, out, err = await cli("import", str(folder))

    assert (code, out) == (1, "")
    assert "Traceback" not in err
    utf8 = "enregistrez-le en UTF-8 (par exemple « CSV UTF-8 ») et importez-le à nouveau"
    # After the file's path, where in it (if not the whole file) and why.
    expected = {
        "empty.csv": " : le fichier est vide : un fichier de factures a une ligne d'en-tête, puis une "
        "facture par ligne",
        "header_only.csv": " : le fichier a un en-tête mais aucune facture",
        "tabs.csv": ", en-tête : les colonnes sont séparées par des tabulations ; un fichier de factures "
        "sépare ses colonnes par des virgules ou des points-virgules (enregistrez-le en CSV)",
        "windows.csv": " : le fichier n'est pas en UTF-8 (octet 0xe9 à la ligne 2), il semble enregistré "
        f"en Windows-1252 ou Latin-1 : {utf8}",
        "utf16.csv": f" : le fichier est en UTF-16 : {utf8}",
        "twice.csv": ", en-tête, colonne amount_due : 2 fois (colonnes 19 et 23) : donnez chaque colonne "
        "une fois",
        "line_break.csv": ", ligne 2, colonne debtor_street : retour à la ligne dans le champ entre "
        "guillemets (lignes 2 à 3 du fichier) : écrivez la valeur sur une seule ligne",
        # The XML parser's own words, after Relance's.
        "malformed.pdf": " : sa pièce jointe factur-x.xml n'est pas du XML bien formé : Namespace "
        "prefix rsm on CrossIndustryInvoice is not defined, line 1, column 26",
        "protected.pdf": " : le PDF est chiffré (protégé par un mot de passe) : une facture Factur-X ne "
        "l'est jamais ; importez le PDF tel que son émetteur l'a produit, sans protection",
    }
    lines = err.splitlines()
    for name, why in expected.items():
        assert f"{folder / name}{fr(why)}" in lines, (name, err)
    assert f"{len(expected)} erreurs dans {len(expected)} fichiers\u00a0: rien n'est importé" in err
    assert invoice_count(cli.settings) == 0


async def test_the_progress_of_each_phase_is_shown_on_stderr(cli: Cli) -> None:
    code, out, err = await cli(
        "import",
        str(cli.write_csv(row("P-1"), row("P-2"), row("P-3").replace("500.00,0,", "500.00,500.00,"))),
    )
    assert code == 0, err
    # The third invoice is paid: three invoices validated and stored, two cases started.
    for phase, count in (
        ("vérification des factures", "3/3"),
        ("enregistrement des factures", "3/3"),
        ("ouverture des dossiers", "2/2"),
    ):
        assert re.search(rf"{phase} .* {count}", err), err
    assert "3 factures" in out and "3 enregistrées" in out


async def test_ctrl_c_while_starting_says_how_far_and_the_same_import_starts_the_rest(cli: Cli) -> None:
    count = 400
    path = cli.write_csv(*(row(f"C-{index:04d}") for index in range(count)))
    process = await asyncio.create_subprocess_exec(
        str(RELANCE),
        "import",
        str(path),
        env=cli.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # The invoices are stored in one transaction: once they all are, the cases are starting.
    for _ in range(3000):
        if invoice_count(cli.settings) == count or process.returncode is not None:
            break
        await asyncio.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, err = (text.decode() for text in await process.communicate())

    assert process.returncode == 130, err
    assert "Traceback" not in err
    found = re.search(
        rf"interrompu : (\d+) dossiers? ouverts? sur {count} ; toutes les factures sont enregistrées : "
        "relancez la même importation pour ouvrir les autres",
        " ".join(err.split()),
    )
    assert found, err
    started = int(found.group(1))
    assert started < count

    again = await cli.json("import", str(path))
    assert again["invoices_known"] == count and again["invoices_stored"] == 0
    assert (again["cases_started"], again["cases_existing"]) == (count - started, started)


async def test_new_case_ids_carry_neither_siren_nor_number_and_are_stable(
    cli: Cli, dev_server: WorkflowEnvironment
) -> None:
    path = cli.write_csv(row("F-900"))
    await cli.json("import", str(path))
    case_id = case_id_of(cli.settings, "F-900")

    # No digit of base32 is 0, 1, 8 or 9: neither the SIREN nor the number can hide in the hash.
    assert re.fullmatch(r"case-[a-z2-7]{26}", case_id)
    assert case_id == case_id_for(case_id_key(cli.settings), "123456782", "F-900")
    key_file = cli.settings.embedded_case_id_key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (await cli.json("status", case_id))["invoice_number"] == "F-900"
    # What Temporal keeps in clear says nothing of the invoice either; the memo is sealed.
    described = await dev_server.client.get_workflow_handle(case_id).describe()
    memo = described.raw_description.workflow_execution_info.memo.fields
    assert set(memo) == {"invoice", "creditor", "debtor", "amount"}
    assert all(payload.metadata["encoding"] == b"binary/encrypted" for payload in memo.values())
    assert all(b"F-900" not in payload.data for payload in memo.values())

    again = await cli.json("import", str(path))
    assert (again["cases_started"], again["cases_existing"]) == (0, 1)
    assert case_id_of(cli.settings, "F-900") == case_id


async def test_an_invoice_stored_under_an_old_style_id_keeps_it_and_its_one_case(cli: Cli) -> None:
    """Imported by a version whose ids carried the SIREN and the number."""
    old_id = legacy_case_id("123456782", "F-OLD")
    async with cli.database.sessions() as session:
        creditor = Creditor(
            name="Menuiserie Dupont",
            siren="123456782",
            email="compta@dupont.fr",
            street="12 rue des Artisans",
            postcode="69003",
            city="Lyon",
        )
        debtor = Debtor(
            natural_key="siren:987654324",
            kind=DebtorKind.BUSINESS,
            name="Bâtiments Martin",
            siren="987654324",
            email="f@martin.fr",
            street="4 av. Jaurès",
            postcode="75019",
            city="Paris",
        )
        session.add_all([creditor, debtor])
        await session.flush()
        assert creditor.id is not None and debtor.id is not None
        session.add(
            Invoice(
                creditor_id=creditor.id,
                debtor_id=debtor.id,
                number="F-OLD",
                issue_date=date(2026, 1, 10),
                due_date=date(2026, 2, 9),
                amount_due=Decimal("500.00"),
                order_reference="BC-F-OLD",
                case_id=old_id,
            )
        )
        await session.commit()

    path = cli.write_csv(row("F-OLD"))
    first = await cli.json("import", str(path))
    second = await cli.json("import", str(path))

    assert (first["invoices_known"], first["cases_started"]) == (1, 1)
    assert (second["cases_started"], second["cases_existing"]) == (0, 1)
    assert (await cli.json("status", old_id))["invoice_number"] == "F-OLD"
    opaque = case_id_for(case_id_key(cli.settings), "123456782", "F-OLD")
    code, _, err = await cli("status", opaque)
    assert code == 1 and "aucun dossier" in err
    async with cli.database.sessions() as session:
        assert (await session.exec(select(Invoice.case_id))).all() == [old_id]
