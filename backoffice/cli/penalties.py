"""``relance penalties``: the penalty engine from the command line, no server needed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Column, Table
from rich.text import Text

from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import JsonOption, console, failed, print_json, short_date, to_json, usage_error
from backoffice.inputs import BadOption
from backoffice.penalties import penalty_request, penalty_statement
from config.rates import RateTableError, load_rate_tables
from config.settings import load_settings
from law.penalties import PenaltyStatement
from support.french import date_fr, money_fr, percent_fr

app = CommandGroup()


@app.command(
    help="Calculer les pénalités de retard période par période, d'après les tables de taux (sans serveur)."
)
def penalties(
    amount: Annotated[
        str,
        typer.Option(metavar="MONTANT", help="Le principal de la facture, par exemple 1 234,56 ou 1234.56."),
    ],
    due: Annotated[str, typer.Option(metavar="DATE", help="L'échéance de la facture.")],
    until: Annotated[str, typer.Option(metavar="DATE", help="Le dernier jour compté, inclus.")],
    debtor: Annotated[
        str,
        typer.Option(
            metavar="DÉBITEUR",
            help="business, un professionnel (L441-10), consumer, un consommateur (Code civil 1231-6), "
            "ou public, un acheteur public (Code de la commande publique R2192-31).",
        ),
    ] = "business",
    contract_rate: Annotated[
        str | None,
        typer.Option(metavar="TAUX", help="Le taux de pénalité des conditions de vente, en % par an."),
    ] = None,
    notice: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="Le jour où la mise en demeure a été reçue (consommateur : obligatoire)."
        ),
    ] = None,
    payment: Annotated[
        list[str] | None,
        typer.Option(metavar="DATE:MONTANT", help="Un paiement reçu ; répéter l'option pour plusieurs."),
    ] = None,
    further_costs: Annotated[
        str,
        typer.Option(
            metavar="MONTANT", help="Les frais de recouvrement justifiés au-delà de l'indemnité de 40 €."
        ),
    ] = "0",
    as_json: JsonOption = False,
) -> None:
    try:
        request = penalty_request(
            amount, due, until, debtor, contract_rate, notice, payment or [], further_costs
        )
        statement = penalty_statement(request, load_rate_tables(load_settings().rates_dir))
    except BadOption as error:
        raise usage_error(error) from None
    except RateTableError as error:
        failed(error)
        raise typer.Exit(1) from None
    if as_json:
        print_json(to_json(statement))
    else:
        _print_penalties(statement)


def _print_penalties(statement: PenaltyStatement) -> None:
    # Only the rate's source wraps: a date, a number of days or an amount reads on one line.
    columns = [Column(header, no_wrap=True) for header in ("du", "au", "jours", "assiette", "taux")]
    table = Table(
        *columns,
        Column("source du taux", ratio=1),
        Column("intérêts", no_wrap=True),
        title=f"pénalités au {date_fr(statement.until)}",
    )
    for period in statement.periods:
        table.add_row(
            short_date(period.start),
            short_date(period.end),
            str(period.days),
            money_fr(period.base),
            percent_fr(period.rate_percent),
            Text(period.rate_source),
            money_fr(period.interest),
        )
    console.print(table)
    # The sums under the periods, each on its line whatever the terminal's width.
    sums = Table.grid(Column(), Column(justify="right"), padding=(0, 3))
    further = (
        [("frais de recouvrement supplémentaires", statement.further_costs)]
        if statement.further_costs
        else []
    )
    for label, amount in (
        ("intérêts", statement.interest),
        ("indemnité forfaitaire (D441-5)", statement.indemnity),
        *further,
        ("total des pénalités", statement.total),
    ):
        sums.add_row(label, money_fr(amount))
    console.print(sums)
    for warning in statement.warnings:
        console.print(Text(f"attention : {warning}"))
