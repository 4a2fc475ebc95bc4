"""Numbers and dates as people write them, in French or in ISO form: the invoice files, the back
office's forms and the command line read them alike."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from support.french import number_fr, words_fr
from support.typography import NARROW_NBSP, NBSP, typeset_text
from support.units import CENT, RATE_QUANTUM

# Digits 0-9 only (Decimal would read Arabic-Indic and other digits, and exponents such as 1e3),
# with a dot as the decimal separator once a comma has been turned into one.
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)
_EXPONENT = re.compile(r"[+-]?[0-9.]+[eE][+-]?[0-9]+", re.ASCII)
# Dates are written with the digits 0-9.
_DATE_CHARACTERS = re.compile(r"[0-9/-]+", re.ASCII)
# Spaces a quoted value shows as they are; any other invisible character is written as its escape.
_SHOWN_SPACES = f"{NBSP}{NARROW_NBSP}"


class Refusal(ValueError):
    """Why a value is refused, in French as the person who gave it reads it (an invoice file's
    problem, the command line, a web form), its no-break spaces set (``support.typography``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(typeset_text(reason))


def _parse_decimal(text: str, unit: str, quantum: Decimal) -> Decimal:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(unit, "")
    said = quoted(text)
    if "," in cleaned:
        if "." in cleaned:
            raise Refusal(f"{said} : une virgule ou un point avant les décimales, pas les deux")
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):
        raise _not_a_number(said, cleaned)
    number = Decimal(cleaned)
    try:
        exact = number == number.quantize(quantum)
    except InvalidOperation:
        # More digits than the decimal context holds (28).
        raise Refusal(f"{said} a trop de chiffres") from None
    if not exact:
        decimals = -quantum.as_tuple().exponent
        raise Refusal(f"{said} a plus de {words_fr(decimals)} décimales")
    # -0 is 0.
    return number.quantize(quantum) + 0


def _not_a_number(said: str, cleaned: str) -> Refusal:
    if any(character.isdigit() and character not in "0123456789" for character in cleaned):
        return Refusal(f"{said} a des chiffres autres que 0 à 9")
    if _EXPONENT.fullmatch(cleaned):
        return Refusal(f"{said} n'est pas un nombre écrit en entier (pas d'exposant comme 1e3)")
    return Refusal(f"{said} n'est pas un nombre")


def parse_amount(text: str) -> Decimal:
    """Amounts as written in France or in ISO form: ``1 234,56``, ``1234.56``, ``1234``."""
    return _parse_decimal(text, "€", CENT)


def parse_rate(text: str) -> Decimal:
    """A yearly rate in percent, French or ISO form, four decimals at most: ``12,15``, ``10.5 %``."""
    return _parse_decimal(text, "%", RATE_QUANTUM)


def parse_date(text: str) -> date:
    """ISO dates (2026-03-31) or French ones (31/03/2026)."""
    cleaned = text.strip()
    if _DATE_CHARACTERS.fullmatch(cleaned):
        for layout in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(cleaned, layout).date()
            except ValueError:
                continue
    raise Refusal(f"{quoted(text)} n'est pas une date (écrivez 2026-03-31 ou 31/03/2026)")


def quoted(text: str, longest: int = 40) -> str:
    """``text`` between French quotation marks for a message, an invisible character written as its
    escape (``\\x00``), cut after ``longest`` characters: a refusal never repeats a whole page of
    input."""
    shown = "".join(
        character if character.isprintable() or character in _SHOWN_SPACES else repr(character)[1:-1]
        for character in text[:longest]
    )
    if len(text) <= longest:
        return f"«{NBSP}{shown}{NBSP}»"
    return f"«{NBSP}{shown}…{NBSP}» ({number_fr(len(text))} caractères)"
