"""Payment terms between businesses: Code de commerce L441-10 I.

Unless the parties agreed otherwise, an invoice is payable on the thirtieth day after the goods were
received or the service performed; the terms they agree may not exceed sixty days from the invoice's
issue date. An import gives terms to an invoice that carries no due date (a Factur-X MINIMUM
invoice); these are the bounds it is held to.
"""

from __future__ import annotations

from datetime import date, timedelta

# Code de commerce L441-10 I, first paragraph: the terms when nothing was agreed.
DEFAULT_TERMS_DAYS = 30
# Code de commerce L441-10 I, second paragraph: agreed terms never exceed 60 days after the issue date.
MAX_AGREED_TERMS_DAYS = 60


def agreed_terms(days: int) -> int:
    """``days`` when they are payment terms two businesses may agree; ValueError otherwise."""
    if not 0 <= days <= MAX_AGREED_TERMS_DAYS:
        raise ValueError(
            f"payment terms of {days} days: 0 to {MAX_AGREED_TERMS_DAYS} (Code de commerce L441-10 I)"
        )
    return days


def due_date_after(issue_date: date, terms_days: int) -> date:
    """The due date of an invoice issued on ``issue_date`` with these agreed terms."""
    return issue_date + timedelta(days=agreed_terms(terms_days))
