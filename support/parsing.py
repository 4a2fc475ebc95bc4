"""Numbers and dates as people write them, in French or in ISO form: the invoice files, the back
office's forms and the command line read them alike."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from support.units import CENT, RATE_QUANTUM

# Digits 0-9 only (Decimal would read Arabic-Indic and other digits, and exponents such as 1e3),
# with a dot as the decimal separator once a comma has been turned into one.
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)
_EXPONENT = re.compile(r"[+-]?[0-9.]+[eE][+-]?[0-9]+", re.ASCII)
# Dates are written with the digits 0-9.
_DATE_CHARACTERS = re.compile(r"[0-9/-]+", re.ASCII)


class Refusal(ValueError):
    """Why a value is refused, in English (invoice files, the command line) and in French
    (``french``: the web pages' forms)."""

    def __init__(self, english: str, french: str) -> None:
        super().__init__(english)
        self.french = french


def in_french(error: ValueError) -> str:
    """The reason of ``error`` as a web page says it: its French when it has one."""
    return error.french if isinstance(error, Refusal) else str(error)


def _parse_decimal(text: str, unit: str, quantum: Decimal) -> Decimal:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(unit, "")
    said = quoted(text)
    if "," in cleaned:
        if "." in cleaned:
            raise Refusal(
                f"{said}: use either a comma or a dot as the decimal separator",
                f"{said} : une virgule ou un point avant les décimales, pas les deux",
            )
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):
        raise _not_a_number(said, cleaned)
    number = Decimal(cleaned)
    try:
        exact = number == number.quantize(quantum)
    except InvalidOperation:
        # More digits than the decimal context holds (28).
        raise Refusal(f"{said} has too many digits", f"{said} a trop de chiffres") from None
    if not exact:
        decimals = -quantum.as_tuple().exponent
        raise Refusal(f"{said} has more than {decimals} decimals", f"{said} a plus de {decimals} décimales")
    # -0 is 0.
    return number.quantize(quantum) + 0


def _not_a_number(said: str, cleaned: str) -> Refusal:
    if any(character.isdigit() and character not in "0123456789" for character in cleaned):
        return Refusal(f"{said} has digits other than 0-9", f"{said} a des chiffres autres que 0-9")
    if _EXPONENT.fullmatch(cleaned):
        return Refusal(
            f"{said} is not a number written in full (no exponent such as 1e3)",
            f"{said} n'est pas un nombre écrit en entier (pas d'exposant comme 1e3)",
        )
    return Refusal(f"{said} is not a number", f"{said} n'est pas un nombre")


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
    raise Refusal(
        f"{quoted(text)} is not a date (write 2026-03-31 or 31/03/2026)",
        f"{quoted(text)} n'est pas une date (écrivez 2026-03-31 ou 31/03/2026)",
    )


def quoted(text: str, longest: int = 40) -> str:
    """``text`` quoted for a message, cut after ``longest`` characters: a refusal never repeats a
    whole page of input."""
    return repr(text) if len(text) <= longest else f"{text[:longest]!r}… ({len(text)} characters)"
