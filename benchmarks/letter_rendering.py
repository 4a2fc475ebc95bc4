"""Letter rendering: Relance's ``render_letter`` next to a bare WeasyPrint render of the same HTML.

Run: ``.venv/bin/python -m benchmarks.letter_rendering [--n 200] [--rounds 5]``.

One run builds a formal notice to a business debtor, with its penalty statement and the creditor's
IBAN, renders its HTML once through Relance's templates (not timed), then times, round after round
in alternation (each going first every other round) so both see the same machine load:
- bare WeasyPrint: ``weasyprint.HTML(string=html).write_pdf()`` on that HTML — the baseline;
- ``render_letter``: what the worker runs for a step — choose the template (the creditor's folder
  first, then ours), render the letter, subject and email body with Jinja, render the PDF through
  the folder-bound URL fetcher, write it atomically (fsync) and hash it.

Target: render_letter ≥ 0.9 × bare WeasyPrint.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import weasyprint
from weasyprint import HTML

from activities.documents import DocumentActivities
from activities.rendering.letters import template_values
from activities.rendering.templates import letter_environment
from benchmarks.label_stamping import cpu_model
from config.judicial import load_judicial_rules
from config.rates import load_rate_tables
from config.settings import Settings
from law.penalties import PenaltyRequest, compute_penalties
from models.documents import LetterContext, RenderLetterRequest
from models.enums import DebtorKind, Stage
from models.invoices import InvoiceInfo
from models.parties import Address, CreditorInfo, DebtorInfo, Signatory

TEMPLATE = "formal_notice"


def formal_notice() -> LetterContext:
    due = date(2025, 3, 31)
    principal = Decimal("1234.56")
    return LetterContext(
        case_id="invoice-123456782-BENCH-2025-0042",
        step_key="formal_notice",
        stage=Stage.FORMAL_NOTICE,
        letter_date=date(2025, 5, 2),
        creditor=CreditorInfo(
            name="L'Atelier Dupont & Fils",
            siren="123456782",
            siret="12345678200002",
            vat_number="FR11123456782",
            iban="FR7630006000011234567890189",
            email="compta@atelier-dupont.fr",
            address=Address(street="12 rue des Artisans", postcode="69003", city="Lyon"),
            signatory=Signatory(name="Marie Dupont", title="gérante"),
        ),
        debtor=DebtorInfo(
            kind=DebtorKind.BUSINESS,
            name="Bâtiments Martin SAS",
            siren="987654324",
            email="factures@batiments-martin.fr",
            address=Address(street="4 avenue Jean Jaurès", postcode="75019", city="Paris"),
        ),
        invoice=InvoiceInfo(
            number="F-2025-0042",
            issue_date=date(2025, 3, 1),
            due_date=due,
            amount_due=principal,
            order_reference="BC-7781",
        ),
        balance=principal,
        pay_by=date(2025, 5, 12),
        penalties=compute_penalties(
            PenaltyRequest(
                principal=principal, due_date=due, until=date(2025, 5, 2), debtor_kind=DebtorKind.BUSINESS
            ), load_rate_tables(Settings().rates_dir)
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="letters each contender renders in all")
    parser.add_argument("--rounds", type=int, default=5, help="alternations between the contenders")
    arguments = parser.parse_args()
    per_round = max(1, arguments.n // arguments.rounds)
    letters = per_round * arguments.rounds

    with tempfile.TemporaryDirectory(prefix="relance-bench-") as folder:
        settings = Settings(data_dir=Path(folder))
        documents = DocumentActivities(settings)
        context = formal_notice()
        request = RenderLetterRequest(template=TEMPLATE, context=context)
        # The very HTML render_letter gives WeasyPrint.
        html = (
            letter_environment(settings.templates_dir)
            .get_template(f"{TEMPLATE}.html.j2")
            .render(
                template_values(
                    context, load_judicial_rules(settings.judicial_rules_file).small_claims.ceiling
                )
            )
        )
        contenders: dict[str, Callable[[], object]] = {
            "bare weasyprint": lambda: HTML(string=html).write_pdf(),
            "relance render_letter": lambda: documents.render_letter(request),
        }
        seconds = dict.fromkeys(contenders, 0.0)
        for action in contenders.values():
            action()  # warm-up: fonts, imports, template compilation
        for round_number in range(arguments.rounds):
            # Each contender goes first every other round: neither always follows the other.
            order = list(contenders.items())
            for name, action in order if round_number % 2 == 0 else reversed(order):
                started = time.perf_counter()
                for _ in range(per_round):
                    action()
                seconds[name] += time.perf_counter() - started

    print(
        f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
        f"WeasyPrint {weasyprint.__version__}; {letters} formal notices per contender "
        f"({arguments.rounds} rounds of {per_round})"
    )
    baseline = letters / seconds["bare weasyprint"]
    print("| contender | seconds | letters/s | vs bare |")
    print("|---|---:|---:|---:|")
    for name, total in seconds.items():
        throughput = letters / total
        print(f"| {name} | {total:.2f} | {throughput:.2f} | {throughput / baseline:.2f}× |")


if __name__ == "__main__":
    sys.exit(main())
