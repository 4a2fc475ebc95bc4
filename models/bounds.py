"""The bounds of every value people and files give Relance, in one place.

The invoice files (CSV and Factur-X, ``backoffice/intake/fields.py``), the web forms, the command
line and the commands' models (``models/commands.py``) check the same limits, so a value refused at
one door is refused at every door, before anything is stored or sent to a case; and a case never
receives what it cannot hold: an amount whose cents overflow the balance's search attribute, a day
past the calendar's end, a text beyond Temporal's payload limit.

Each checker returns its value unchanged or raises ``ValueError`` saying why, in one sentence that
never repeats a long input; what the web forms check says it in French too (``Refusal``). The
checkers that need today take it: the models' are static (they run in the workflow too, where only
the workflow's clock may be read).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Annotated

from pydantic import AfterValidator

from law.judicial import JudicialRules, add_years, prescription
from models.case_ids import safe_name
from models.enums import Civility, DebtorKind
from support.french import date_fr
from support.parsing import Refusal, parse_amount, parse_date, parse_rate, quoted
from support.units import CENT

# --- amounts ----------------------------------------------------------------------------------------

# NUMERIC(14, 2) in the database (storage/tables.py): twelve digits before the decimal point. Its
# cents also fit the balance's Int search attribute (models/search_attributes.py).
MAX_AMOUNT = Decimal("999999999999.99")
# NUMERIC(7, 4): a late-payment rate in percent a year (Code de commerce L441-10 II).
MAX_RATE = Decimal("999.9999")


def bounded_amount(value: Decimal, *, zero_allowed: bool = False) -> Decimal:
    """An amount in euros and cents that the database and the case can hold, more than zero unless
    ``zero_allowed``."""
    said = str(value).replace(".", ",")
    if not value.is_finite():
        raise Refusal(f"{value} is not an amount", f"{said} n'est pas un montant")
    if value < 0:
        raise Refusal(f"{value} is negative", f"{said} est négatif")
    if value == 0 and not zero_allowed:
        raise Refusal("is zero: an amount must be more than 0", "est nul : un montant est supérieur à 0")
    if value > MAX_AMOUNT:
        raise Refusal(
            f"{value} is more than the largest amount Relance keeps ({MAX_AMOUNT})",
            f"{said} dépasse le plus grand montant que Relance conserve (999 999 999 999,99)",
        )
    if value != value.quantize(CENT):
        raise Refusal(f"{value} has more than two decimals", f"{said} a plus de deux décimales")
    return value


def amount_from_text(text: str, *, zero_allowed: bool = False) -> Decimal:
    """An amount as people write it (``support.parsing.parse_amount``), within the bounds."""
    return bounded_amount(parse_amount(text), zero_allowed=zero_allowed)


def rate_from_text(text: str) -> Decimal:
    """A yearly rate in percent as people write it, from 0 to ``MAX_RATE``."""
    rate = parse_rate(text)
    if rate < 0:
        raise ValueError(f"{quoted(text)} is negative")
    if rate > MAX_RATE:
        raise ValueError(f"{rate} is not a yearly rate in percent (below 1000)")
    return rate


# --- dates ------------------------------------------------------------------------------------------

# No invoice, payment or promise of Relance's is older than this.
EARLIEST_DAY = date(2000, 1, 1)
# Nor further ahead than this many years from today.
YEARS_AHEAD = 10


def _french(day: date) -> str:
    # Without Babel (support.french): this runs in the workflow too, as the commands' models are read.
    return day.strftime("%d/%m/%Y")


def not_before_earliest(day: date) -> date:
    if day < EARLIEST_DAY:
        raise Refusal(
            f"{day.isoformat()} is before {EARLIEST_DAY.isoformat()}",
            f"le {_french(day)} est avant le {_french(EARLIEST_DAY)}",
        )
    return day


def day_in_window(day: date, today: date) -> date:
    """A day from ``EARLIEST_DAY`` to ``YEARS_AHEAD`` years after ``today``."""
    not_before_earliest(day)
    latest = add_years(today, YEARS_AHEAD)
    if day > latest:
        raise Refusal(
            f"{day.isoformat()} is more than {YEARS_AHEAD} years ahead (after {latest.isoformat()})",
            f"le {_french(day)} est à plus de {YEARS_AHEAD} ans d'ici (après le {_french(latest)})",
        )
    return day


def day_from_text(text: str, today: date) -> date:
    """A date as people write it (``support.parsing.parse_date``), within the window."""
    return day_in_window(parse_date(text), today)


def issue_day(day: date, today: date) -> date:
    """An invoice's issue date: within the window and not in the future."""
    day_in_window(day, today)
    if day > today:
        raise ValueError(f"{day.isoformat()} is in the future: an invoice is issued on or before today")
    return day


def due_day(due: date, issued: date) -> date:
    """An invoice's due date, never before its issue date."""
    if due < issued:
        raise ValueError(f"{due.isoformat()} is before the issue date {issued.isoformat()}")
    return due


def within_max_hold(ahead: timedelta, longest: timedelta) -> timedelta:
    """How far ahead a promise to pay or a pause ends, at most ``longest`` (the policy's
    ``max_hold``)."""
    if ahead > longest:
        raise Refusal(
            f"is {ahead.days} days ahead: at most {longest.days} (the policy's max_hold)",
            f"est dans {ahead.days} jours : au plus {longest.days} (max_hold de la politique de relance)",
        )
    return ahead


def not_time_barred(kind: DebtorKind, due: date, today: date, rules: JudicialRules) -> date:
    """The due date of a claim that can still be brought today (Code de commerce L110-4, Code de la
    consommation L218-2, loi n° 68-1250 against a public buyer; counted as
    ``law.judicial.prescription`` counts)."""
    limit = prescription(kind, due, rules)
    if limit.ends_on < today:
        barred_from = limit.ends_on + timedelta(days=1)
        raise Refusal(
            f"due on {due.isoformat()}, the claim is time-barred since {barred_from.isoformat()} "
            f"({limit.basis}): nothing to collect, unless the debtor acknowledged the debt since "
            "(Code civil 2240)",
            f"échue le {date_fr(due)}, la créance est prescrite depuis le {date_fr(barred_from)} "
            f"({limit.basis}) : rien à recouvrer, sauf si le débiteur a reconnu la dette depuis "
            "(article 2240 du Code civil)",
        )
    return due


# --- texts ------------------------------------------------------------------------------------------

# Names of parties, streets and cities.
MAX_NAME = 200
# An email address (RFC 5321: 254 characters at most).
MAX_EMAIL = 254
# References (a signed order's, a payment's) and the name of whoever gives a command.
MAX_REFERENCE = 100
# Reasons and notes, kept in the journal and the workflow's history: well under Temporal's payload
# limit (2 MB), as long as a letter's paragraph needs.
MAX_NOTE = 2000
# Any other field of an invoice file.
MAX_FIELD = 300
# Control characters (Unicode's Cc), lone surrogates (Cs), line and paragraph separators (Zl, Zp),
# and the text-direction overrides and isolates that make a journal line read other than it is
# stored. A reason or a note may break lines and hold tabs.
_CONTROLS = "\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069"
_NOT_IN_A_LINE = re.compile(f"[{_CONTROLS}]")
_NOT_IN_A_NOTE = re.compile(f"(?![\t\n\r])[{_CONTROLS}]")


def _checked_text(text: str, limit: int, forbidden: re.Pattern[str]) -> str:
    if len(text) > limit:
        raise Refusal(
            f"is {len(text)} characters long: at most {limit}",
            f"compte {len(text)} caractères : au plus {limit}",
        )
    found = forbidden.search(text)
    if found:
        code, position = f"U+{ord(found.group()):04X}", found.start() + 1
        raise Refusal(
            f"has a control character ({code}) at position {position}: remove it",
            f"contient un caractère de contrôle ({code}) en position {position} : retirez-le",
        )
    return text


def checked_line(text: str, limit: int = MAX_FIELD) -> str:
    """One line of text: at most ``limit`` characters, no control character (NUL, line break…)."""
    return _checked_text(text, limit, _NOT_IN_A_LINE)


def checked_note(text: str, limit: int = MAX_NOTE) -> str:
    """A reason or a note: at most ``limit`` characters; line breaks and tabs, no other control."""
    return _checked_text(text, limit, _NOT_IN_A_NOTE)


# --- invoices and debtors ---------------------------------------------------------------------------

MAX_INVOICE_NUMBER = 100
# The number names the case's id and the kept PDF's file (``models.case_ids.safe_name``, which
# writes a character other than A-Z, a-z, 0-9, '.', '_' and '-' as 3 to 12): so that every id fits
# Temporal's limits and every file name the file system's (255 bytes).
MAX_SAFE_INVOICE_NUMBER = 200
# Until amounts in other currencies are handled: the rates, the 40 EUR indemnity (Code de commerce
# D441-5) and the small-claims ceiling (CPCE R125-1) are in euros.
HANDLED_CURRENCIES = frozenset({"EUR"})


def invoice_number(text: str) -> str:
    checked_line(text, MAX_INVOICE_NUMBER)
    if len(safe_name(text)) > MAX_SAFE_INVOICE_NUMBER:
        raise ValueError(
            f"{quoted(text)} has too many characters other than A-Z, a-z, 0-9, '.', '_' and '-' "
            f"(each takes 3 to 12 in the ids and file names it makes, {MAX_SAFE_INVOICE_NUMBER} at most)"
        )
    return text


def handled_currency(code: str) -> str:
    if code not in HANDLED_CURRENCIES:
        raise ValueError(
            f"{quoted(code)}: Relance collects amounts in euros (EUR) only: its late-payment rates, the "
            "40 EUR indemnity (Code de commerce D441-5) and the courts' ceilings are in euros"
        )
    return code


def debtor_siren(kind: DebtorKind, siren: str | None) -> str | None:
    """A business debtor and a public buyer have their SIREN; a consumer has none."""
    if kind is DebtorKind.BUSINESS and not siren:
        raise ValueError("a business debtor needs its SIREN")
    if kind is DebtorKind.PUBLIC and not siren:
        raise ValueError("a public buyer needs its SIREN (every public body has one)")
    if kind is DebtorKind.CONSUMER and siren:
        raise ValueError(f"{siren}: a consumer has no SIREN (a debtor registered with one is a business)")
    return siren


# How an invoice file may write a consumer's civility: in full or abbreviated, in any case.
_CIVILITIES = {
    "madame": Civility.MADAME,
    "mme": Civility.MADAME,
    "mme.": Civility.MADAME,
    "monsieur": Civility.MONSIEUR,
    "m.": Civility.MONSIEUR,
    "m": Civility.MONSIEUR,
}


def debtor_civility(kind: DebtorKind, text: str) -> Civility:
    """A consumer's civility, ``Madame`` or ``Monsieur`` (also ``Mme``, ``M.``, in any case); a
    business or a public buyer is addressed by its name, and a civility given for one is refused
    rather than printed before a company's name."""
    civility = _CIVILITIES.get(text.strip().lower())
    if civility is None:
        raise ValueError(f"{quoted(text)} is neither Madame nor Monsieur (Mme, M.)")
    if kind is not DebtorKind.CONSUMER:
        raise ValueError(
            f"{quoted(text)}: a civility addresses a consumer; a {kind.value} debtor is addressed by its "
            "name (leave it empty)"
        )
    return civility


# --- the models' types ------------------------------------------------------------------------------

# An amount more than zero, and one that may be zero.
PositiveAmount = Annotated[Decimal, AfterValidator(bounded_amount)]
Amount = Annotated[Decimal, AfterValidator(partial(bounded_amount, zero_allowed=True))]
# A day of a payment, a promise or a report.
Day = Annotated[date, AfterValidator(not_before_earliest)]
# A reason or a note, and a one-line reference or name (of a payment, of an agent).
Note = Annotated[str, AfterValidator(checked_note)]
ShortLine = Annotated[str, AfterValidator(partial(checked_line, limit=MAX_REFERENCE))]
# A name on one line (of a party, of a court).
NameLine = Annotated[str, AfterValidator(partial(checked_line, limit=MAX_NAME))]
