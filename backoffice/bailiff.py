"""Reports of the commissaire de justice on a case's dossier, as an agent gives them: checked
before they reach the case, each refusal naming the input to correct."""

from __future__ import annotations

from decimal import Decimal

from backoffice.inputs import BadOption, amount_input, day_input, validated
from models.commands import BailiffReport, BailiffReportKind, CostBearer
from support.parsing import quoted

# The report field each option fills: an error names the option to correct.
BAILIFF_OPTIONS = {
    "kind": "NATURE",
    "amount": "--amount",
    "received_on": "--date",
    "costs": "--costs",
    "costs_borne_by": "--borne-by",
    "note": "--note",
}


def bailiff_report(
    kind: str,
    amount: str | None,
    received_on: str | None,
    costs: str | None,
    borne_by: str | None,
    note: str,
) -> BailiffReport:
    """The report the arguments describe, or ``BadOption`` naming the first one to correct."""
    if kind not in {item.value for item in BailiffReportKind}:
        raise BadOption("NATURE", f"{quoted(kind)} n'est ni accepted, ni recovered, ni failed, ni closed")
    recovered = kind == BailiffReportKind.RECOVERED
    value = amount_input("--amount", amount, zero_allowed=True) if amount is not None else None
    if recovered and not value:
        raise BadOption("--amount", "un compte rendu de recouvrement (recovered) donne la somme recouvrée")
    if not recovered and value is not None:
        raise BadOption(
            "--amount", f"seul un compte rendu de recouvrement (recovered) a un montant, pas {kind}"
        )
    if received_on is not None and not recovered:
        raise BadOption(
            "--date", f"seul un compte rendu de recouvrement (recovered) a une date de réception, pas {kind}"
        )
    day = day_input("--date", received_on) if received_on is not None else None
    cost = amount_input("--costs", costs, zero_allowed=True) if costs is not None else Decimal("0.00")
    if borne_by is not None and borne_by not in {bearer.value for bearer in CostBearer}:
        raise BadOption("--borne-by", f"{quoted(borne_by)} n'est ni debtor ni creditor")
    if cost and borne_by is None:
        raise BadOption(
            "--borne-by",
            "dites qui supporte les frais : debtor, le débiteur (exécution d'un titre, CPCE L111-8), ou "
            "creditor, le créancier",
        )
    if borne_by is not None and not cost:
        raise BadOption("--borne-by", "aucuns frais (--costs) à supporter")
    fields = {
        "kind": kind,
        "amount": value or Decimal("0.00"),
        "received_on": day,
        "costs": cost,
        "costs_borne_by": borne_by,
        "note": note,
    }
    return validated(BailiffReport, fields, BAILIFF_OPTIONS)
