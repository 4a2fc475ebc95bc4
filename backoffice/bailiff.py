"""Reports of the commissaire de justice on a case's dossier, as an agent gives them: checked
before they reach the case, each refusal naming the input to correct."""

from __future__ import annotations

from decimal import Decimal

from backoffice.inputs import BadOption, amount_input, day_input, validated
from models.commands import BailiffReport, BailiffReportKind, CostBearer

# The report field each option fills: an error names the option to correct.
BAILIFF_OPTIONS = {
    "kind": "KIND",
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
        raise BadOption("KIND", f"{kind!r} is not accepted, recovered, failed or closed")
    recovered = kind == BailiffReportKind.RECOVERED
    value = amount_input("--amount", amount, zero_allowed=True) if amount is not None else None
    if recovered and not value:
        raise BadOption("--amount", "a recovery report needs the amount recovered")
    if not recovered and value is not None:
        raise BadOption("--amount", f"only a recovery report carries an amount, not {kind!r}")
    if received_on is not None and not recovered:
        raise BadOption("--date", f"only a recovery report has a date received, not {kind!r}")
    day = day_input("--date", received_on) if received_on is not None else None
    cost = amount_input("--costs", costs, zero_allowed=True) if costs is not None else Decimal("0.00")
    if borne_by is not None and borne_by not in {bearer.value for bearer in CostBearer}:
        raise BadOption("--borne-by", f"{borne_by!r} is not debtor or creditor")
    if cost and borne_by is None:
        raise BadOption(
            "--borne-by",
            "say who bears the costs: debtor (enforcement under a title, CPCE L111-8) or creditor",
        )
    if borne_by is not None and not cost:
        raise BadOption("--borne-by", "no --costs to bear")
    fields = {
        "kind": kind,
        "amount": value or Decimal("0.00"),
        "received_on": day,
        "costs": cost,
        "costs_borne_by": borne_by,
        "note": note,
    }
    return validated(BailiffReport, fields, BAILIFF_OPTIONS)
