"""Write the demo invoices: one PDF per row of ``invoices.csv``, in ``invoices/`` beside it.

The CSV gives the parties, numbers, dates and the amount due; this script adds what a real invoice
also shows (the lines sold, the VAT, the seller's legal mentions) and checks that the lines add up
to the amount due before writing anything. The invoices are fictitious: every company, person and
amount is made up for the demo.

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
class DemoInvoice:
    row: dict[str, str]
    seller: Seller
    sale: Sale
    issue_date: date
    due_date: date
    amount_due: Decimal
    contract_rate: Decimal | None

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
            )
            if invoice.total != invoice.amount_due:
                raise ValueError(
                    f"{number}: the lines come to {invoice.total} with VAT, the CSV says {invoice.amount_due}"
                )
            invoices.append(invoice)
    return invoices


def _number(value: Decimal) -> str:
    return format_decimal(value, locale=LOCALE)


TEMPLATE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>Facture {{ i.number }} — {{ row.creditor_name }}</title>
<meta name="author" content="{{ row.creditor_name }}">
<style>
  @page { size: A4; margin: 18mm 18mm 24mm;
    @bottom-center { content: element(footer); } }
  .footer { position: running(footer); font-size: 7pt; color: #555; text-align: center; }
  body { font: 9pt/1.4 "DejaVu Sans", sans-serif; color: #111; }
  .head { display: flex; justify-content: space-between; }
  .seller { width: 85mm; }
  .seller strong { font-size: 12pt; }
  .title { width: 70mm; text-align: right; }
  .title h1 { font-size: 18pt; margin: 0 0 2mm; letter-spacing: 1pt; }
  .buyer { margin: 10mm 0 8mm 95mm; padding: 3mm 4mm; border: 0.3mm solid #999; }
  .facts { margin-bottom: 6mm; }
  .facts td { padding: 0.5mm 4mm 0.5mm 0; }
  table.lines { width: 100%; border-collapse: collapse; }
  table.lines th { background: #eee; text-align: left; font-weight: bold; }
  table.lines th, table.lines td { padding: 1.5mm 2mm; border-bottom: 0.2mm solid #ccc; }
  .n { text-align: right; white-space: nowrap; }
  table.totals { margin: 5mm 0 0 auto; border-collapse: collapse; }
  table.totals td { padding: 1mm 2mm; }
  table.totals tr.due td { font-weight: bold; border-top: 0.3mm solid #111; font-size: 10.5pt; }
  .terms { margin-top: 8mm; font-size: 8pt; }
  .terms h2 { font-size: 9pt; margin: 3mm 0 1mm; }
  .terms p { margin: 0 0 1.5mm; }
  .demo { margin-top: 6mm; font-size: 7pt; color: #777; }
</style></head>
<body>
<div class="footer">{{ footer }}</div>
<div class="head">
  <div class="seller">
    <strong>{{ row.creditor_name }}</strong><br>
    {% if seller.legal_name != row.creditor_name %}{{ seller.legal_name }}<br>{% endif %}
    {{ row.creditor_street }}<br>{{ row.creditor_postcode }} {{ row.creditor_city }}<br>
    {{ row.creditor_email }}<br>
    SIREN {{ creditor_siren }}{% if creditor_siret %} — SIRET {{ creditor_siret }}{% endif %}<br>
    {% if row.creditor_vat_number %}N° TVA intracommunautaire {{ row.creditor_vat_number }}{% endif %}
  </div>
  <div class="title">
    <h1>FACTURE</h1>
    N° <strong>{{ i.number }}</strong><br>
    Date d'émission : {{ date_fr(i.issue_date) }}<br>
    Échéance : <strong>{{ date_fr(i.due_date) }}</strong>
  </div>
</div>

<div class="buyer">
  <strong>{{ row.debtor_name }}</strong><br>
  {{ row.debtor_street }}<br>{{ row.debtor_postcode }} {{ row.debtor_city }}<br>
  {% if debtor_siren %}SIREN {{ debtor_siren }}<br>{% endif %}
  {{ row.debtor_email }}
</div>

<table class="facts">
  <tr><td>Nature de l'opération</td><td>{{ i.sale.operation }}</td></tr>
  <tr><td>{{ i.sale.performed_label }}</td><td>{{ i.sale.performed }}</td></tr>
  {% if row.order_reference %}<tr><td>{{ order_label }}</td><td>{{ row.order_reference }}</td></tr>{% endif %}
  <tr><td>Référence à rappeler</td><td>{{ i.number }}</td></tr>
</table>

<table class="lines">
  <thead><tr><th>Désignation</th><th class="n">Quantité</th><th>Unité</th>
    <th class="n">Prix unitaire HT</th><th class="n">Montant HT</th></tr></thead>
  <tbody>
  {% for line in i.sale.lines %}
    <tr><td>{{ line.designation }}</td><td class="n">{{ number(line.quantity) }}</td><td>{{ line.unit }}</td>
      <td class="n">{{ money(line.unit_price) }}</td><td class="n">{{ money(line.amount) }}</td></tr>
  {% endfor %}
  </tbody>
</table>

<table class="totals">
  <tr><td>Total HT</td><td class="n">{{ money(i.total_excluding_vat) }}</td></tr>
  {% if seller.vat_rate is none %}
  <tr><td>TVA non applicable, art. 293 B du CGI</td><td class="n">{{ money(i.vat) }}</td></tr>
  {% else %}
  <tr><td>TVA {{ number(seller.vat_rate) }} %</td><td class="n">{{ money(i.vat) }}</td></tr>
  {% endif %}
  <tr><td>Total TTC</td><td class="n">{{ money(i.total) }}</td></tr>
  <tr class="due"><td>Net à payer</td><td class="n">{{ money(i.total) }}</td></tr>
</table>

<div class="terms">
  <h2>Conditions de paiement</h2>
  <p>Payable au plus tard le {{ date_fr(i.due_date) }},
  {% if iban %}par virement sur le compte IBAN {{ iban }}, en rappelant le numéro de la facture.
  {% else %}{{ seller.payment_without_iban }}, en rappelant le numéro de la facture.{% endif %}
  Pas d'escompte pour paiement anticipé.</p>
  {% if i.business_buyer %}
  <h2>Retard de paiement</h2>
  <p>Tout retard de paiement rend exigibles de plein droit, dès le jour suivant la date d'échéance et
  sans qu'un rappel soit nécessaire, des pénalités de retard au taux {{ penalty_rate }}
  (article L441-10 II du Code de commerce), ainsi qu'une indemnité forfaitaire pour frais de
  recouvrement de 40 euros (articles L441-10 II et D441-5 du Code de commerce). Lorsque les frais de
  recouvrement exposés dépassent ce montant, une indemnisation complémentaire peut être demandée sur
  justification.</p>
  {% else %}
  <h2>Retard de paiement</h2>
  <p>En cas de retard de paiement, les sommes dues portent intérêts au taux légal à compter de la mise
  en demeure (article 1231-6 du Code civil).</p>
  <p>En cas de litige, le client peut recourir gratuitement au médiateur de la consommation dont relève
  l'entreprise (article L612-1 du Code de la consommation), désigné dans nos conditions générales de
  vente.</p>
  {% endif %}
</div>

<p class="demo">Facture de démonstration de Relance : entreprises, personnes et montants fictifs.</p>
</body></html>
"""


def render_invoice(invoice: DemoInvoice) -> bytes:
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
    page = environment.from_string(TEMPLATE).render(
        i=invoice,
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
    """Render every demo invoice into ``target``, as ``<invoice number>.pdf``."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", FONT_SUBSET_EPOCH)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for invoice in demo_invoices(csv_path):
        path = target / f"{invoice.number}.pdf"
        path.write_bytes(render_invoice(invoice))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=INVOICES_DIR, help="folder to write the PDFs to")
    for path in write_demo_invoices(parser.parse_args().output):
        print(path)


if __name__ == "__main__":
    main()
