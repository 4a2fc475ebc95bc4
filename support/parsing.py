"""Numbers and dates as people write them, in French or in ISO form: the invoice files, the back
office's forms and the command line read them alike."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from support.units import CENT, RATE_QUANTUM


def _parse_decimal(text: str, unit: str, quantum: Decimal) -> Decimal:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(unit, "")
    if "," in cleaned:
        if "." in cleaned:
            raise ValueError(f"{text!r}: use either a comma or a dot as the decimal separator")
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not a number") from error
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a number")
    if number != number.quantize(quantum):
        raise ValueError(f"{text!r} has more than {-quantum.as_tuple().exponent} decimals")
    return number.quantize(quantum)


def parse_amount(text: str) -> Decimal:
    """Amounts as written in France or in ISO form: ``1 234,56``, ``1234.56``, ``1234``."""
    return _parse_decimal(text, "€", CENT)


def parse_rate(text: str) -> Decimal:
    """A yearly rate in percent, French or ISO form, four decimals at most: ``12,15``, ``10.5 %``."""
    return _parse_decimal(text, "%", RATE_QUANTUM)


def parse_date(text: str) -> date:
    """ISO dates (2026-03-31) or French ones (31/03/2026)."""
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (write 2026-03-31 or 31/03/2026)")
