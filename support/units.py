"""The units amounts and rates are kept in."""

from __future__ import annotations

from decimal import Decimal

# Amounts are euros and cents.
CENT = Decimal("0.01")
# The late-payment rate is stored as NUMERIC(7, 4): percent a year, four decimals.
RATE_QUANTUM = Decimal("0.0001")
