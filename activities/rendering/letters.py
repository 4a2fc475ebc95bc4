"""A step's letter: its three templates (the PDF's HTML, the email's subject and body) and what
they see, the context's fields with the facts derived from them: the amount claimed, the small-claim
flag, the reference an agency's later letters recall (rules of ``law.letters``), and the penalty
engine's rate warnings dated by the late days they are about."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import Any, NamedTuple

from jinja2 import Template, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment
from temporalio.exceptions import ApplicationError

from activities.rendering.signatories import sender_signatory
from activities.rendering.templates import debtor_flags
from law.letters import (
    amount_claimed,
    announced_route,
    court_announced,
    letter_reference,
    penalties_from,
    recalled_letter,
)
from law.penalties import RECOVERY_INDEMNITY, PenaltyStatement
from law.rates import SourcedRate, half_year_fr, half_year_of
from models.documents import LetterContext
from models.enums import Stage

TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# A letter is three templates: the PDF's HTML, the email's subject and the email's body.
LETTER_PARTS = (".html.j2", ".subject.txt.j2", ".body.txt.j2")


def template_values(
    context: LetterContext, small_claims_ceiling: Decimal, legal_rate: SourcedRate | None = None
) -> dict[str, Any]:
    """What the templates see: the context's fields, plus the facts the letters derive from them
    (the rules among them are ``law.letters``'s). ``legal_rate`` is the legal interest rate of the
    letter's half-year, which a consumer's formal notice states before any interest has run."""
    letters = context.previous_letters
    notices = [letter for letter in letters if letter.stage == Stage.FORMAL_NOTICE]
    penalties = context.penalties
    by_agency = context.agency is not None
    agency_first = recalled_letter(letters, by_agency=by_agency)
    return {
        **dict(context),
        **debtor_flags(context.debtor.kind),
        "sender": context.agency or context.creditor,
        # Who signs it, by name and title; the step is refused without one.
        "signatory": sender_signatory(context.creditor, context.agency),
        # Whose account the debtor pays into: the agency's own (CPCE R124-2), else the creditor's.
        "payee": context.agency if context.agency and context.agency.iban else context.creditor,
        "reminders": [letter for letter in letters if letter.stage == Stage.AMICABLE_REMINDER],
        "notice": notices[-1] if notices else None,
        "penalties_from": penalties_from(context.invoice.due_date),
        "recovery_indemnity": RECOVERY_INDEMNITY,
        "small_claims_ceiling": small_claims_ceiling,
        "route": announced_route(
            context.balance,
            penalties.interest if penalties else Decimal("0.00"),
            small_claims_ceiling,
            interest_complete=penalties is not None and not penalties.rates_pending,
        ),
        # Without the signed quote or order, or against a public buyer, the case stays amicable
        # (law.judicial): no court is announced.
        "court_possible": court_announced(
            context.invoice.order_reference, bool(context.invoice.order_pdf_path), context.debtor.kind
        ),
        "rates_applied": rates_applied(penalties) if penalties is not None else [],
        "legal_rate": legal_rate,
        "half_year": half_year_fr(context.letter_date),
        "amount_claimed": amount_claimed(context.balance, penalties, by_agency=by_agency),
        "rate_notes": _rate_notes(penalties) if penalties is not None else [],
        "payment_reference": context.invoice.number,
        "letter_reference": letter_reference(context.case_id, context.step_key),
        "agency_first": agency_first,
        "agency_first_reference": (
            letter_reference(context.case_id, agency_first.step_key) if agency_first is not None else None
        ),
    }


class RateNote(NamedTuple):
    """A warning of the penalty engine about a half-year's rate, with that half-year's late days."""

    start: date
    end: date
    text: str


def _rate_notes(penalties: PenaltyStatement) -> list[RateNote]:
    """The engine's warnings (Code de commerce L441-10 II: a contract rate raised to three times the
    legal rate, a default rate below that floor), dated by the late days they are about.

    Each warning starts with its half-year, ``"2024-H1: "``: the letter prints the days instead.
    """
    warnings = {half_year: text for half_year, _, text in (w.partition(": ") for w in penalties.warnings)}
    notes = []
    for half_year, group in groupby(penalties.periods, key=lambda period: half_year_of(period.start)):
        if half_year in warnings:
            periods = list(group)
            notes.append(RateNote(periods[0].start, periods[-1].end, warnings[half_year]))
    return notes


class AppliedRate(NamedTuple):
    """A rate the penalties were computed at, over consecutive late days, with its source."""

    start: date
    end: date
    percent: Decimal
    source: str


def rates_applied(penalties: PenaltyStatement) -> list[AppliedRate]:
    """The rates of the statement's periods, consecutive periods at the same rate and source as one
    (a payment changes the base, not the rate): what the letter says the invoice bears."""
    applied: list[AppliedRate] = []
    for period in penalties.periods:
        last = applied[-1] if applied else None
        if last is not None and (last.percent, last.source) == (period.rate_percent, period.rate_source):
            applied[-1] = last._replace(end=period.end)
        else:
            applied.append(AppliedRate(period.start, period.end, period.rate_percent, period.rate_source))
    return applied


def letter_parts(environment: SandboxedEnvironment, template: str, where: str) -> list[Template]:
    """The letter's three templates, or UnknownTemplate naming those missing."""
    parts, missing = [], []
    for suffix in LETTER_PARTS:
        try:
            parts.append(environment.get_template(f"{template}{suffix}"))
        except TemplateNotFound:
            missing.append(f"{template}{suffix}")
        except TemplateError as error:
            raise ApplicationError(
                f"letter template {template}{suffix} in {where} failed: {error}",
                type="TemplateError",
                non_retryable=True,
            ) from error
    if missing:
        raise unknown_template(template, where, f"no {', '.join(missing)}")
    return parts


def unknown_template(template: str, where: str, why: str) -> ApplicationError:
    """The letter template named does not exist: it never will on a retry."""
    return ApplicationError(
        f"unknown letter template {template!r} in {where}: {why}",
        type="UnknownTemplate",
        non_retryable=True,
    )
