"""Write the demo invoices: one PDF per row of ``invoices.csv``, in ``invoices/`` beside it, and the
signed quote a row names in ``order_pdf`` (the order a court asks for, produced as its own exhibit).

The CSV gives the parties, numbers, dates and the amount due; this script adds what a real invoice
also shows (the lines sold, the VAT, the seller's legal mentions) and checks that the lines add up
to the amount due before writing anything. A quote shows the same lines, and the buyer's "bon pour
accord". The invoices are fictitious: every company, person and amount is made up for the demo.

Run it from the project's virtualenv after editing the CSV or the lines below, and commit the PDFs:

    .venv/bin/python -m demo.make_invoices

The same input gives the same bytes on the same system (no creation date; the font subsets are
dated ``SOURCE_DATE_EPOCH``, fixed below unless set); another WeasyPrint or other fonts may change
the bytes, not the text.
"""

from __future__ import annotations

import argparse
import csv
import os
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel.numbers import format_decimal
from jinja2 import Environment, StrictUndefined
from stdnum import iban
from stdnum.fr import siren, siret
from weasyprint import HTML

from config.settings import DEMO_INVOICES_FILE
from support.french import LOCALE, date_fr, money_fr
from support.parsing import parse_amount, parse_date, parse_rate

DEMO_FILE = DEMO_INVOICES_FILE
INVOICES_DIR = DEMO_FILE.parent / "invoices"
# 2026-01-01T00:00:00Z: the date the font subsets carry, so that a second run writes the same bytes.
FONT_SUBSET_EPOCH = "1767225600"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    designation: str
    quantity: Decimal
    unit: str
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Seller:
    """What the CSV does not say about a seller: its legal mentions and how its VAT works."""

    legal_name: str
    legal_mentions: str
    # None: franchise en base, no VAT charged (CGI 293 B).
    vat_rate: Decimal | None
    payment_without_iban: str = ""


@dataclass(frozen=True)
class Sale:
    operation: str
    # When the goods were delivered or the service done (Code de commerce L441-9), and its label.
    performed_label: str
    performed: str
    lines: tuple[Line, ...]


SELLERS = {
    "123456782": Seller(
        legal_name="Menuiserie Dupont SARL",
        legal_mentions="SARL au capital de 20 000 € — RCS Lyon 123 456 782",
        vat_rate=Decimal("20"),
    ),
    "111222337": Seller(
        legal_name="Julien Morel EI",
        legal_mentions="Entrepreneur individuel (EI) — immatriculé au Registre national des "
        "entreprises (activité artisanale)",
        vat_rate=None,
        payment_without_iban="par chèque à l'ordre de Julien Morel EI, ou par virement "
        "(coordonnées bancaires sur demande)",
    ),
}


def _line(designation: str, quantity: str, unit: str, unit_price: str) -> Line:
    return Line(designation, Decimal(quantity), unit, Decimal(unit_price))


SALES = {
    "DEMO-2026-001": Sale(
        operation="Livraison de biens",
        performed_label="Date de livraison",
        performed="27 février 2026",
        lines=(
            _line(
                "Bloc-porte intérieur chêne massif 83\u00a0×\u00a0204\u00a0cm, huisserie et quincaillerie",
                "6",
                "u",
                "385.00",
            ),
            _line("Plinthe chêne massif 100\u00a0×\u00a015\u00a0mm, vernie", "42", "m", "18.50"),
            _line("Tablette de fenêtre chêne sur mesure", "3", "u", "123.89"),
            _line("Façades de placard chêne sur mesure, 3 portes", "1", "ens.", "468.00"),
            _line("Livraison et déchargement, Paris 19e", "1", "forfait", "115.00"),
        ),
    ),
    "DEMO-2026-002": Sale(
        operation="Livraison de biens",
        performed_label="Date de livraison",
        performed="13 mars 2026",
        lines=(
            _line(
                "Fenêtre bois deux vantaux 115\u00a0×\u00a0135\u00a0cm, double vitrage", "2", "u", "412.00"
            ),
            _line("Pièce d'appui chêne, 120\u00a0cm", "2", "u", "38.21"),
            _line("Quincaillerie : crémone et paumelles, la fenêtre", "2", "jeu", "40.00"),
            _line("Livraison Grenoble", "1", "forfait", "120.00"),
        ),
    ),
    "DEMO-2026-003": Sale(
        operation="Livraison de biens",
        performed_label="Date de livraison",
        performed="30 mars 2026",
        lines=(
            _line(
                "Bibliothèque sur mesure pin massif 180\u00a0×\u00a0220\u00a0cm, six tablettes",
                "1",
                "u",
                "495.00",
            ),
            _line("Livraison à domicile", "1", "forfait", "80.00"),
        ),
    ),
    # Two more invoices of Bâtiments Martin SAS: the debtor's account sends their letters together,
    # and files this one with DEMO-2026-001.
    "DEMO-2026-004": Sale(
        operation="Livraison de biens et prestation de services",
        performed_label="Livraison et pose",
        performed="6 mars 2026",
        lines=(
            _line("Escalier quart tournant chêne massif, 15 marches, sur mesure", "1", "u", "2350.00"),
            _line("Pose de l'escalier", "1", "forfait", "450.00"),
        ),
    ),
    "DEMO-2026-005": Sale(
        operation="Livraison de biens et prestation de services",
        performed_label="Livraison et pose",
        performed="20 mars 2026",
        lines=(
            _line("Parquet chêne massif 14 mm, choix rustique", "18", "m²", "62.00"),
            _line("Pose collée du parquet", "18", "m²", "28.00"),
        ),
    ),
    "AM-0457": Sale(
        operation="Prestation de services",
        performed_label="Exécution",
        performed="du 26 janvier au 9 février 2026",
        lines=(
            _line("Réfection de chaise bistrot : décapage, recollage, vernis", "12", "u", "95.00"),
            _line("Restauration de table bistrot, plateau chêne", "4", "u", "210.00"),
            _line("Enlèvement et retour du mobilier", "1", "forfait", "180.00"),
        ),
    ),
    "AM-0461": Sale(
        operation="Livraison de biens et prestation de services",
        performed_label="Livraison et pose",
        performed="18 février 2026",
        lines=(
            _line("Présentoir à pains chêne massif, fabrication sur mesure", "1", "u", "420.00"),
            _line("Pose en boutique", "1", "forfait", "60.00"),
        ),
    ),
}


@dataclass(frozen=True)
class Quote:
    """The signed quote an invoice was issued on: its date, and who accepted it for the buyer."""

    quoted_on: date
    accepted_on: date
    signed_by: str


# The quotes of the rows whose order_pdf names one, by invoice number.
QUOTES = {
    "DEMO-2026-001": Quote(date(2026, 1, 19), date(2026, 1, 26), "Paul Martin, directeur des travaux"),
    "DEMO-2026-003": Quote(date(2026, 3, 2), date(2026, 3, 5), "Claire Lefèvre"),
    # Bâtiments Martin's second signed quote: its invoice and DEMO-2026-001 go to court in one
    # dossier; DEMO-2026-005, known by its order's reference only, stays out.
    "DEMO-2026-004": Quote(date(2026, 2, 16), date(2026, 2, 20), "Paul Martin, directeur des travaux"),
}


@dataclass(frozen=True)
class DemoInvoice:
    row: dict[str, str]
    seller: Seller
    sale: Sale
    issue_date: date
    due_date: date
    amount_due: Decimal
    contract_rate: Decimal | None
    # The signed quote the row names in order_pdf.
    quote: Quote | None = None

    @property
    def number(self) -> str:
        return self.row["invoice_number"]

    @property
    def business_buyer(self) -> bool:
        return self.row["debtor_kind"] == "business"

    @property
    def total_excluding_vat(self) -> Decimal:
        return sum((line.amount for line in self.sale.lines), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        if self.seller.vat_rate is None:
            return Decimal("0.00")
        return (self.total_excluding_vat * self.seller.vat_rate / 100).quantize(CENT, ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        return self.total_excluding_vat + self.vat


def demo_invoices(csv_path: Path = DEMO_FILE) -> list[DemoInvoice]:
    """The demo file's invoices with their lines; ValueError when lines and amount due disagree."""
    invoices = []
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            number = row["invoice_number"]
            invoice = DemoInvoice(
                row=row,
                seller=SELLERS[row["creditor_siren"]],
                sale=SALES[number],
                issue_date=parse_date(row["issue_date"]),
                due_date=parse_date(row["due_date"]),
                amount_due=parse_amount(row["amount_due"]),
                contract_rate=parse_rate(row["contract_rate"]) if row["contract_rate"] else None,
                quote=QUOTES[number] if row.get("order_pdf") else None,
            )
            if invoice.total != invoice.amount_due:
                raise ValueError(
                    f"{number}: the lines come to {invoice.total} with VAT, the CSV says {invoice.amount_due}"
                )
            invoices.append(invoice)
    return invoices


def _number(value: Decimal) -> str:
    return format_decimal(value, locale=LOCALE)


# The page of an invoice, and of the signed quote it was issued on (``quote``).
TEMPLATE = Path(__file__).resolve().parent / "invoice.html.j2"


def render_invoice(invoice: DemoInvoice, quote: bool = False) -> bytes:
    """The invoice's PDF, or with ``quote`` the PDF of the signed quote it was issued on."""
    row = invoice.row
    if invoice.contract_rate is not None:
        penalty_rate = (
            f"annuel de {_number(invoice.contract_rate)} % prévu par nos conditions générales de vente"
        )
    else:
        penalty_rate = (
            "d'intérêt appliqué par la Banque centrale européenne à son opération de refinancement la "
            "plus récente, majoré de 10 points de pourcentage"
        )
    reference = row["order_reference"]
    footer = " — ".join(
        part
        for part in (
            row["creditor_name"],
            invoice.seller.legal_mentions,
            f"SIRET {siret.format(row['creditor_siret'])}" if row["creditor_siret"] else "",
        )
        if part
    )
    environment = Environment(autoescape=True, undefined=StrictUndefined)
    page = environment.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        i=invoice,
        quote=invoice.quote if quote else None,
        row=row,
        seller=invoice.seller,
        creditor_siren=siren.format(row["creditor_siren"]),
        creditor_siret=siret.format(row["creditor_siret"]) if row["creditor_siret"] else "",
        debtor_siren=siren.format(row["debtor_siren"]) if row["debtor_siren"] else "",
        iban=iban.format(row["creditor_iban"]) if row["creditor_iban"] else "",
        order_label="Devis accepté n°" if reference.startswith("DEVIS") else "Votre bon de commande n°",
        penalty_rate=penalty_rate,
        footer=footer,
        date_fr=date_fr,
        money=money_fr,
        number=_number,
    )
    return HTML(string=page, base_url=str(DEMO_FILE.parent)).write_pdf()


def write_demo_invoices(target: Path = INVOICES_DIR, csv_path: Path = DEMO_FILE) -> list[Path]:
    """Render every demo invoice into ``target``, as ``<invoice number>.pdf``, each followed by the
    signed quote its row names in ``order_pdf``, under that file's name."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", FONT_SUBSET_EPOCH)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for invoice in demo_invoices(csv_path):
        path = target / f"{invoice.number}.pdf"
        path.write_bytes(render_invoice(invoice))
        written.append(path)
        if invoice.quote is not None:
            path = target / Path(invoice.row["order_pdf"]).name
            path.write_bytes(render_invoice(invoice, quote=True))
            written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=INVOICES_DIR, help="folder to write the PDFs to")
    for path in write_demo_invoices(parser.parse_args().output):
        print(path)


if __name__ == "__main__":
    main()
