"""The bounds of every value people and files give Relance, in one place.

The invoice files (CSV and Factur-X, ``backoffice/intake/fields.py``), the web forms, the command
line and the commands' models (``models/commands.py``) check the same limits, so a value refused at
one door is refused at every door, before anything is stored or sent to a case; and a case never
receives what it cannot hold: an amount whose cents overflow the balance's search attribute, a day
past the calendar's end, a text beyond Temporal's payload limit.

Each checker returns its value unchanged or raises ``ValueError`` (``support.parsing.Refusal``)
saying why, in one French sentence that never repeats a long input: the clerk reading an import's
problems, the agent at a web form or the command line read the same one. The checkers that need
today take it: the models' are static (they run in the workflow too, where only the workflow's clock
may be read).
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
from support.french import date_fr, money_fr, number_fr, percent_fr, words_fr
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
        raise Refusal(f"{said} n'est pas un montant")
    if value < 0:
        raise Refusal(f"{said} est négatif : un montant ne l'est jamais")
    if value == 0 and not zero_allowed:
        raise Refusal("montant nul : il doit être supérieur à 0")
    if value > MAX_AMOUNT:
        raise Refusal(f"{said} dépasse le plus grand montant que Relance conserve ({money_fr(MAX_AMOUNT)})")
    if value != value.quantize(CENT):
        raise Refusal(f"{said} a plus de deux décimales : arrondissez au centime")
    return value


def amount_from_text(text: str, *, zero_allowed: bool = False) -> Decimal:
    """An amount as people write it (``support.parsing.parse_amount``), within the bounds."""
    return bounded_amount(parse_amount(text), zero_allowed=zero_allowed)


def rate_from_text(text: str) -> Decimal:
    """A yearly rate in percent as people write it, from 0 to ``MAX_RATE``."""
    rate = parse_rate(text)
    if rate < 0:
        raise Refusal(f"{quoted(text)} est négatif : un taux ne l'est jamais")
    if rate > MAX_RATE:
        raise Refusal(
            f"{quoted(text)} n'est pas un taux annuel en pour cent (au plus {percent_fr(MAX_RATE)})"
        )
    return rate


# --- dates ------------------------------------------------------------------------------------------

# No invoice, payment or promise of Relance's is older than this.
EARLIEST_DAY = date(2000, 1, 1)
# Nor further ahead than this many years from today.
YEARS_AHEAD = 10


def not_before_earliest(day: date) -> date:
    if day < EARLIEST_DAY:
        raise Refusal(
            f"le {date_fr(day)} est avant le {date_fr(EARLIEST_DAY)}, la date la plus ancienne que "
            "Relance reçoit"
        )
    return day


def day_in_window(day: date, today: date) -> date:
    """A day from ``EARLIEST_DAY`` to ``YEARS_AHEAD`` years after ``today``."""
    not_before_earliest(day)
    latest = add_years(today, YEARS_AHEAD)
    if day > latest:
        raise Refusal(
            f"le {date_fr(day)} est à plus de {words_fr(YEARS_AHEAD)} ans d'ici (après le {date_fr(latest)})"
        )
    return day


def day_from_text(text: str, today: date) -> date:
    """A date as people write it (``support.parsing.parse_date``), within the window."""
    return day_in_window(parse_date(text), today)


def issue_day(day: date, today: date) -> date:
    """An invoice's issue date: within the window and not in the future."""
    day_in_window(day, today)
    if day > today:
        raise Refusal(
            f"le {date_fr(day)} est dans le futur : une facture est émise au plus tard aujourd'hui, "
            f"le {date_fr(today)}"
        )
    return day


def due_day(due: date, issued: date) -> date:
    """An invoice's due date, never before its issue date."""
    if due < issued:
        raise Refusal(f"le {date_fr(due)} est avant la date d'émission de la facture, le {date_fr(issued)}")
    return due


def within_max_hold(ahead: timedelta, longest: timedelta) -> timedelta:
    """How far ahead a promise to pay or a pause ends, at most ``longest`` (the policy's
    ``max_hold``)."""
    if ahead > longest:
        raise Refusal(
            f"est dans {ahead.days} jours : au plus {longest.days} (max_hold de la politique de relance)"
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
            f"échue le {date_fr(due)}, la créance est prescrite depuis le {date_fr(barred_from)} "
            f"({limit.basis}) : rien à recouvrer, sauf reconnaissance de la dette depuis "
            "(article 2240 du Code civil)"
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
        raise Refusal(f"compte {number_fr(len(text))} caractères : au plus {number_fr(limit)}")
    found = forbidden.search(text)
    if found:
        code, position = f"U+{ord(found.group()):04X}", found.start() + 1
        raise Refusal(f"contient un caractère de contrôle ({code}) en position {position} : retirez-le")
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
        raise Refusal(
            f"{quoted(text)} a trop de caractères autres que A-Z, a-z, 0-9, « . », « _ » et « - » : "
            f"chacun en prend de 3 à 12 dans les identifiants et noms de fichier qu'il forme, "
            f"{MAX_SAFE_INVOICE_NUMBER} au plus"
        )
    return text


def handled_currency(code: str) -> str:
    if code not in HANDLED_CURRENCIES:
        raise Refusal(
            f"{quoted(code)} : Relance ne recouvre que des euros (EUR), la monnaie de ses taux de "
            "pénalités, de l'indemnité de 40\u00a0€ (Code de commerce D441-5) et des plafonds des tribunaux"
        )
    return code


# A debtor of each kind, as a refusal names it.
_DEBTOR_KINDS_FR = {
    DebtorKind.BUSINESS: "un débiteur professionnel",
    DebtorKind.CONSUMER: "un consommateur",
    DebtorKind.PUBLIC: "un acheteur public",
}


def debtor_siren(kind: DebtorKind, siren: str | None) -> str | None:
    """A business debtor and a public buyer have their SIREN (every public body has one); a consumer
    has none."""
    if kind.professional and not siren:
        raise Refusal(f"{_DEBTOR_KINDS_FR[kind]} a un SIREN : donnez-le")
    if kind is DebtorKind.CONSUMER and siren:
        raise Refusal(
            f"{siren} : un consommateur n'a pas de SIREN (un débiteur immatriculé est un professionnel)"
        )
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
        raise Refusal(f"{quoted(text)} n'est ni Madame ni Monsieur (Mme, M.)")
    return consumer_civility(kind, civility)


def consumer_civility(kind: DebtorKind, civility: Civility) -> Civility:
    """A civility addresses a consumer; a business or a public buyer, by its name."""
    if kind is not DebtorKind.CONSUMER:
        raise Refusal(
            f"{civility.value.capitalize()} : une civilité s'adresse à un consommateur ; "
            f"{_DEBTOR_KINDS_FR[kind]} est désigné par son nom (laissez la civilité vide)"
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
