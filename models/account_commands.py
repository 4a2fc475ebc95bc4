"""Commands given on the debtor's account for all its cases at once (``workflows/account_commands.py``):
a pause, a resume, a promise to pay. The account sends each open case its own command under its own
key, and each case judges it as if the agent had given it there. A dispute is not one of them: it
stays per invoice and holds only that invoice (``InvoiceCollectionWorkflow.dispute``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field

from models.bounds import Day, Note, PositiveAmount, ShortLine
from models.commands import Command
from models.debtor_accounts import AccountCase
from models.frozen import Value


class AccountCommand(Command):
    """A command on the account. ``command_id`` is its key, one per command given (the form shown
    once, the command line run once): given again under it, no case takes it twice. ``cases`` are
    the account's invoices as the invoices table knows them (the back office fills them)."""

    command_id: ShortLine
    cases: list[AccountCase] = Field(default_factory=list)


class AccountPauseRequest(AccountCommand):
    reason: Note
    until: datetime | None = None


class AccountResumeRequest(AccountCommand):
    """Resume every paused case of the account."""


class AccountPromiseRequest(AccountCommand):
    """The debtor promises to pay ``amount`` on the account by ``by`` (the whole open balance when
    no amount is given).

    The promised sum is split on the open invoices as the payment will be when it comes: by Code
    civil 1342-10 (due debts first, the oldest first) on the day promised. Each case is promised its
    part by that day and judges its own promise, kept once its part is paid; an invoice the sum does
    not reach is promised nothing and goes on."""

    by: Day
    amount: PositiveAmount | None = None


class CaseUpdate(StrEnum):
    """The case workflow's updates an account sends (``workflows/commands.py``)."""

    PAUSE = "pause"
    RESUME = "resume"
    PROMISE = "promise_to_pay"
    PAYMENT = "record_payment"


class CaseCommand(Value):
    """One case's command from its account, sent once under ``key`` (the case's update id).
    ``request`` is the update's request (``models.commands``) as JSON: the case reads it as its
    update's own type."""

    case_id: str
    key: str
    update: CaseUpdate
    request: dict[str, Any]


class Outcome(StrEnum):
    DONE = "done"
    # The case took the command under this key before (a command given again, an attempt retried).
    ALREADY = "already"
    REFUSED = "refused"


class CaseOutcome(Value):
    """What a case answered its account: the case's own message, or why it refused."""

    outcome: Outcome
    message: str


class AccountCommandPart(Value):
    case_id: str
    invoice_number: str
    outcome: Outcome
    message: str
    # A promise: the part of the promised sum this invoice is promised.
    amount: Decimal | None = None


class AccountCommandResult(Value):
    """What the agent reads: which invoices took the command, which refused it and why."""

    message: str
    parts: list[AccountCommandPart]
