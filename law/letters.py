"""The rules a letter to the debtor follows, each a pure function named after what it decides.

- ``letter_template``: a collection agency's first letter carries the mentions of CPCE R124-4;
- ``letter_reference`` and ``recalled_letter``: an agency's later letters recall its first (R124-4);
- ``amount_claimed``: balance, interest and indemnity, and further costs except in an agency's
  letter (CPCE L111-8, R124-4 3°);
- ``court_announced``: whether a letter may announce a court at all (not without a signed quote or
  order, nor against a public buyer);
- ``announced_route``: what a letter says follows, by the small-claims ceiling (CPCE L125-1,
  R125-1; CPC 1405);
- ``penalties_from``: penalties run from the day after the due date (Code de commerce L441-10).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from law.judicial import JudicialRoute
from law.penalties import PenaltyStatement
from models.enums import DebtorKind, Stage

# A collection agency's first letter to the debtor, with the mentions of CPCE R124-4.
AGENCY_FIRST_LETTER = "agency_first_letter"
Letter = TypeVar("Letter")


def letter_template(template: str, *, stage: Stage, by_agency: bool, first_letter: bool) -> str:
    """The template a step's letter is rendered with.

    A collection agency's first letter to the debtor must carry the mentions of CPCE R124-4,
    whatever template the policy names for that step; the hand-off to the commissaire de justice
    is not a letter to the debtor.
    """
    if by_agency and first_letter and stage != Stage.JUDICIAL_FILING:
        return AGENCY_FIRST_LETTER
    return template


def letter_reference(case_id: str, step_key: str | None) -> str:
    """The reference of one letter of a case, which an agency's later letters recall (CPCE R124-4)."""
    return f"{case_id}/{step_key}"


def recalled_letter(earlier_letters: Sequence[Letter], *, by_agency: bool) -> Letter | None:
    """The letter a new one recalls: every later letter of an agency recalls the reference and date
    of its first one (CPCE R124-4); a creditor's letters, and an agency's first, recall none."""
    return earlier_letters[0] if by_agency and earlier_letters else None


def amount_claimed(balance: Decimal, penalties: PenaltyStatement | None, *, by_agency: bool) -> Decimal:
    """What a letter claims: the balance, plus the interest and the fixed indemnity accrued, plus
    the further recovery costs justified, except in an agency's letter: amicable collection costs
    stay with the creditor (CPCE L111-8, R124-4 3°)."""
    claimed = balance
    if penalties is not None:
        claimed += penalties.interest + penalties.indemnity
        if not by_agency:
            claimed += penalties.further_costs
    return claimed


def court_announced(order_reference: str | None, order_on_file: bool, debtor_kind: DebtorKind) -> bool:
    """Whether a letter may announce a court route, as the judicial decision will (``law.judicial``):
    not without the signed quote or order (its reference or its document), which the creditor must
    produce (Code civil 1353), nor against a public buyer, whose property cannot be seized (Code
    général de la propriété des personnes publiques L2311-1): no injonction de payer is threatened
    that will not be sought."""
    has_order = bool((order_reference or "").strip()) or order_on_file
    return has_order and debtor_kind is not DebtorKind.PUBLIC


def announced_route(
    principal: Decimal, interest: Decimal, ceiling: Decimal, *, interest_complete: bool = True
) -> JudicialRoute | None:
    """The court route a letter announces, as the judicial decision will weigh it: the small-claims
    procedure while principal and interest together stay within its ceiling (CPCE L125-1, R125-1),
    an injonction de payer above it (CPC 1405). Interest counted only as far as the published rates
    (``interest_complete`` false) can prove a claim over the ceiling, never under it: None, the
    route is not known yet. Interest keeps running: a later letter may announce the other route."""
    if principal + interest > ceiling:
        return "injonction_de_payer"
    return "small_claims" if interest_complete else None


def penalties_from(due_date: date) -> date:
    """The first day of penalties between businesses: the day after the due date (L441-10)."""
    return due_date + timedelta(days=1)
