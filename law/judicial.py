"""Whether a case may go to court, by which route and before which court: pure rules, no I/O.

The rules' numbers (the small-claims ceiling, the prescription periods, when to warn) are data, read
from ``config/judicial.toml`` by ``config.judicial``; the decision is a function of the case's facts
and those rules, safe to call from workflow code.

Refusals keep the case amicable:
- no proof of the debtor's commitment (a signed quote or purchase order): weak grounds in court;
- the order known by its reference only, its document not on file, unless the policy lets the
  request say it will be produced;
- no formal notice received by the debtor;
- an open dispute;
- a time-barred claim;
- nothing left to claim;
- a public buyer: its property cannot be seized, so neither route leads anywhere; its remedies
  (référé-provision before the administrative court, mandatement d'office) are a lawyer's matter.

Route: the small-claims procedure (CPCE L125-1, R125-1) when principal and interest together stay
within the ceiling, an injonction de payer (CPC 1405 and following) otherwise. Court: the commercial
court between traders for their trade (Code de commerce L721-3), the tribunal judiciaire otherwise;
in either case the one of the debtor's domicile, whatever a contract says (CPC 1406). A business
debtor with a SIREN is taken as a trader acting for its trade (the agent checks a liberal profession
or an association, which go to the tribunal judiciaire). For a small claim the court is the one to
seize if the debtor does not agree.

Prescription convention: the period runs from the invoice's due date, the day the claim could first
be demanded; the claim can still be brought on the anniversary ``years`` later (a 29 February start
ends on 28 February) and is time-barred from the next day (Code civil 2228, 2229). A debtor's
acknowledgment interrupts it and a new period of the same length runs from that day (Code civil
2231, 2240); a formal notice interrupts nothing. For a consumer, courts may start the two years of
L218-2 earlier (at the end of the work or service): the warning period gives that margin.
Against a public buyer, the déchéance quadriennale (loi n° 68-1250 du 31 décembre 1968, art. 1 and
2): four years from 1 January of the year after the rights were acquired, or after an interruption,
so the claim lapses at the end of the fourth 31 December. Relance takes the year of the due date;
rights acquired a year earlier (work done in December, due in January) lapse a year sooner, which
the warning's basis tells the agent to check.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from models.enums import DebtorKind
from support.french import date_fr, words_fr
from support.units import CENT

JudicialRoute = Literal["small_claims", "injonction_de_payer"]
Court = Literal["tribunal_de_commerce", "tribunal_judiciaire"]
# Why a public buyer's case stays amicable, in French (the agent reads it): public property cannot be
# seized (Code général de la propriété des personnes publiques L2311-1), so neither an injonction de
# payer nor the small-claims procedure leads to payment.
PUBLIC_BUYER_REFUSAL = (
    "acheteur public : pas d'injonction de payer ni de procédure simplifiée de recouvrement des petites "
    "créances, ses biens étant insaisissables (Code général de la propriété des personnes publiques, "
    "art. L2311-1) ; référé-provision devant le tribunal administratif (Code de justice administrative, "
    "art. R541-1) ou mandatement d'office : affaire d'avocat"
)



class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


def _cents(value: Decimal, what: str) -> Decimal:
    if value < 0 or value != value.quantize(CENT):
        raise ValueError(f"{what} {value} is not an amount in euros and cents")
    return value.quantize(CENT)


# --- the rules, as data --------------------------------------------------------------------------


class SmallClaimsRules(_Frozen):
    # CPCE L125-1, R125-1: principal and interest included.
    ceiling: Decimal = Field(gt=0)

    @field_validator("ceiling", mode="before")
    @classmethod
    def _no_float(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError('write the amount as a string, e.g. "5000.00": a float is not exact')
        return value


class PrescriptionRules(_Frozen):
    # Code de commerce L110-4: obligations between traders, or trader and non-trader, for their trade.
    business_years: int = Field(gt=0)
    # Code de la consommation L218-2: a professional's claim against a consumer.
    consumer_years: int = Field(gt=0)
    # Loi n° 68-1250 du 31 décembre 1968, art. 1: a claim on a public buyer (déchéance quadriennale).
    # Rules recorded before it was read give the law's four years.
    public_years: int = Field(default=4, gt=0)
    # The agent is warned this many weeks before the claim is time-barred.
    warn_weeks_before: int = Field(ge=0)


class JudicialRules(_Frozen):
    small_claims: SmallClaimsRules
    prescription: PrescriptionRules


# --- the decision --------------------------------------------------------------------------------


class JudicialFacts(_Frozen):
    """What the decision rests on, as known on ``today``."""

    debtor_kind: DebtorKind
    creditor_siren: str
    debtor_siren: str | None = None
    # The proof of the debtor's commitment: the signed quote's or purchase order's reference, and
    # whether the document itself (its PDF) is on file, to be produced as an exhibit.
    order_reference: str | None = None
    order_on_file: bool = False
    # Whether the policy lets a case whose order is known by its reference only go to court, the
    # request saying the document will be produced.
    order_may_follow: bool = False
    # The day the debtor received the formal notice; None when not (yet) delivered.
    notice_received_on: date | None = None
    dispute_open: bool = False
    due_date: date
    # Principal still due, and the penalties accrued so far.
    principal: Decimal
    interest: Decimal = Decimal("0.00")
    # Code de commerce D441-5: 40 EUR per late invoice, business debtors only.
    indemnity: Decimal = Decimal("0.00")
    # The debtor's last acknowledgment of the debt (Code civil 2240), which restarts prescription.
    acknowledged_on: date | None = None
    # The invoice itself (its PDF) is on file, to be produced as the first exhibit.
    invoice_on_file: bool = True
    today: date

    @field_validator("principal", "interest", "indemnity")
    @classmethod
    def _amount(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        return _cents(value, info.field_name or "amount")

    @model_validator(mode="after")
    def _consistent(self) -> JudicialFacts:
        if self.debtor_kind is DebtorKind.CONSUMER and self.indemnity:
            raise ValueError("a consumer owes no recovery indemnity (Code de commerce D441-5)")
        for name in ("notice_received_on", "acknowledged_on"):
            day = getattr(self, name)
            if day is not None and day > self.today:
                raise ValueError(f"{name} {day.isoformat()} is after today {self.today.isoformat()}")
        return self


class JudicialDecision(_Frozen):
    eligible: bool
    # Each reason the case may not go to court, in English, with its legal basis.
    refusals: list[str]
    route: JudicialRoute | None
    court: Court | None
    # Principal + interest + indemnity.
    claim_amount: Decimal
    prescription_runs_from: date
    # The last day the claim can be brought; time-barred from the next day.
    prescription_ends_on: date
    warn_from: date


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _prescription_basis(kind: DebtorKind, years: int) -> str:
    if kind is DebtorKind.CONSUMER:
        return f"Code de la consommation, art. L218-2 : {words_fr(years)} ans contre un consommateur"
    if kind is DebtorKind.PUBLIC:
        return (
            f"loi n° 68-1250 du 31 décembre 1968, art. 1er : déchéance quadriennale, {words_fr(years)} ans "
            "à compter du 1er janvier suivant l'année de l'échéance (un an plus tôt si la prestation a été "
            "exécutée l'année précédente)"
        )
    return f"Code de commerce, art. L110-4 : {words_fr(years)} ans pour les obligations nées du commerce"


class Prescription(_Frozen):
    runs_from: date
    # The last day the claim can be brought; time-barred from the next day.
    ends_on: date
    warn_from: date
    basis: str


def prescription(
    debtor_kind: DebtorKind, due_date: date, rules: JudicialRules, acknowledged_on: date | None = None
) -> Prescription:
    """When the claim is time-barred, and from when the agent is warned (see the module's notes)."""
    latest = max(due_date, acknowledged_on or due_date)
    if debtor_kind is DebtorKind.PUBLIC:
        # Loi n° 68-1250, art. 1 and 2: from 1 January of the next year, to the fourth 31 December.
        years = rules.prescription.public_years
        runs_from = date(latest.year + 1, 1, 1)
        ends_on = add_years(runs_from, years) - timedelta(days=1)
    else:
        consumer = debtor_kind is DebtorKind.CONSUMER
        years = rules.prescription.consumer_years if consumer else rules.prescription.business_years
        runs_from = latest
        ends_on = add_years(runs_from, years)
    return Prescription(
        runs_from=runs_from,
        ends_on=ends_on,
        warn_from=ends_on - timedelta(weeks=rules.prescription.warn_weeks_before),
        basis=_prescription_basis(debtor_kind, years),
    )


def _commitment_unproven(facts: JudicialFacts) -> str | None:
    """Why the debtor's commitment (the signed quote or order) is not proven enough for court, if
    it is not: the creditor proves it (Code civil 1353), by the document, or by its reference alone
    when the policy lets the request say the document will be produced."""
    reference = (facts.order_reference or "").strip()
    if facts.order_on_file or (reference and facts.order_may_follow):
        return None
    if not reference:
        return (
            "aucun devis signé ni bon de commande au dossier : celui qui réclame l'exécution d'une "
            "obligation doit la prouver (article 1353 du Code civil) ; le dossier reste amiable"
        )
    return (
        f"devis ou bon de commande signé n° {reference} connu par sa seule référence, le document "
        "n'a pas été importé (colonne order_pdf) : le créancier doit prouver l'engagement du "
        "débiteur (article 1353 du Code civil) et la politique de relance ne permet pas de saisir "
        "le juge sans lui (file_without_order_document)"
    )


def judicial_decision(facts: JudicialFacts, rules: JudicialRules) -> JudicialDecision:
    """Whether the case may go to court on ``facts.today``, by which route and before which court."""
    consumer = facts.debtor_kind is DebtorKind.CONSUMER
    limit = prescription(facts.debtor_kind, facts.due_date, rules, facts.acknowledged_on)
    runs_from, ends_on = limit.runs_from, limit.ends_on
    refusals = [PUBLIC_BUYER_REFUSAL] if facts.debtor_kind is DebtorKind.PUBLIC else []
    if not facts.invoice_on_file:
        refusals.append(
            "la facture elle-même n'est pas au dossier : la requête doit s'appuyer sur elle (article "
            "1407 du Code de procédure civile) ; importez la facture avec son PDF"
        )
    if (unproven := _commitment_unproven(facts)) is not None:
        refusals.append(unproven)
    if facts.notice_received_on is None:
        refusals.append(
            "le débiteur n'a pas reçu de mise en demeure : pas de saisine avant qu'une mise en demeure "
            "lui soit remise (article 1344 du Code civil ; un consommateur ne doit d'intérêts qu'à "
            "compter de celle-ci, article 1231-6)"
        )
    if facts.dispute_open:
        refusals.append(
            "le débiteur conteste la créance : réglez d'abord le litige ; une injonction de payer se "
            "heurterait à une opposition (article 1416 du Code de procédure civile) et la procédure "
            "simplifiée des petites créances demande l'accord du débiteur (article L125-1 du Code des "
            "procédures civiles d'exécution)"
        )
    if facts.today > ends_on:
        refusals.append(
            f"la créance est prescrite depuis le {date_fr(ends_on + timedelta(days=1))} "
            f"({limit.basis}, à compter du {date_fr(runs_from)}) ; une mise en demeure n'interrompt "
            "pas la prescription, seuls le font une reconnaissance de dette (article 2240 du Code "
            "civil), une demande en justice (2241) ou un acte d'exécution forcée (2244)"
        )
    if facts.principal == 0:
        refusals.append("plus rien à réclamer : le principal est payé (article 1342 du Code civil)")
    eligible = not refusals
    small = facts.principal + facts.interest <= rules.small_claims.ceiling
    between_traders = not consumer and bool(facts.creditor_siren) and facts.debtor_siren is not None
    return JudicialDecision(
        eligible=eligible,
        refusals=refusals,
        route=("small_claims" if small else "injonction_de_payer") if eligible else None,
        court=("tribunal_de_commerce" if between_traders else "tribunal_judiciaire") if eligible else None,
        claim_amount=facts.principal + facts.interest + facts.indemnity,
        prescription_runs_from=runs_from,
        prescription_ends_on=ends_on,
        warn_from=limit.warn_from,
    )


def combined_decision(
    decisions: list[JudicialDecision], principal: Decimal, interest: Decimal, rules: JudicialRules
) -> JudicialDecision:
    """One request for several eligible claims of one creditor against one debtor: the route on
    the principal and interest of every claim put in it together (CPCE L125-1: the ceiling applies
    to the claim as filed; CPC 1407: one request with each claim's breakdown). ``principal`` and
    ``interest`` are the claims' sums; the court is the claims' own, the parties being the same;
    the dossier must be filed before its first claim is time-barred."""
    if not decisions or not all(decision.eligible for decision in decisions):
        raise ValueError("a combined request takes eligible claims only")
    if len({decision.court for decision in decisions}) != 1:
        raise ValueError("the claims of one request go before one court")
    first_barred = min(decisions, key=lambda decision: decision.prescription_ends_on)
    small = principal + interest <= rules.small_claims.ceiling
    return first_barred.model_copy(
        update={
            "route": "small_claims" if small else "injonction_de_payer",
            "court": decisions[0].court,
            # Each claim's indemnity stays due per late invoice (D441-5).
            "claim_amount": sum((decision.claim_amount for decision in decisions), Decimal("0.00")),
            "warn_from": min(decision.warn_from for decision in decisions),
        }
    )
