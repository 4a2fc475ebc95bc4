"""The back office's dashboard figures: cases by stage, amounts outstanding, aging and DSO.

Open cases are read from Temporal visibility (their search attributes: stage, state, balance in
cents, due date), so the figures need no query to each case; invoiced sales come from the database,
and so do the unpaid invoices whose case has not opened (an import stopped before starting them).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import select
from temporalio.client import Client

from backoffice.intake.unstarted import UnstartedInvoice, unstarted_invoices
from models.search_attributes import BALANCE_CENTS, DUE_DATE, NO_STAGE, STAGE, STATE, case_query
from storage.database import Database
from storage.tables import Invoice

# The aging buckets of a receivables report: days past the due date.
AGING_BUCKETS = ("not due", "0–30 days", "31–60 days", "61–90 days", "> 90 days")
# As the dashboard names them.
AGING_BUCKET_NAMES = dict(
    zip(
        AGING_BUCKETS,
        ("non échu", "échu de 0 à 30 jours", "31 à 60 jours", "61 à 90 jours", "plus de 90 jours"),
        strict=True,
    )
)
# DSO is measured over the sales of this many days (the usual quarter).
DSO_PERIOD_DAYS = 90


@dataclass(frozen=True)
class OpenCase:
    """What visibility tells of one running case."""

    stage: str
    state: str
    balance: Decimal
    due_date: date | None


@dataclass
class Portfolio:
    today: date
    open_cases: int = 0
    outstanding: Decimal = Decimal("0.00")
    by_stage: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    # Bucket name -> (number of cases, amount outstanding), in AGING_BUCKETS order.
    aging: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    sales_in_period: Decimal = Decimal("0.00")
    # Days sales outstanding; None without sales in the period (the ratio means nothing then).
    dso_days: Decimal | None = None
    # Unpaid invoices stored without an open case, until the worker starts them.
    unstarted: list[UnstartedInvoice] = field(default_factory=list)


def aging_bucket(due_date: date | None, today: date) -> str:
    if due_date is None or due_date >= today:
        return AGING_BUCKETS[0]
    late = (today - due_date).days
    if late <= 30:
        return AGING_BUCKETS[1]
    if late <= 60:
        return AGING_BUCKETS[2]
    if late <= 90:
        return AGING_BUCKETS[3]
    return AGING_BUCKETS[4]


def portfolio(cases: list[OpenCase], sales_in_period: Decimal, today: date) -> Portfolio:
    """The figures of the open cases. DSO = outstanding / sales of the period x days of the period
    (the simple, "period" method of days sales outstanding)."""
    figures = Portfolio(today=today, sales_in_period=sales_in_period)
    counts: Counter[str] = Counter()
    amounts: dict[str, Decimal] = dict.fromkeys(AGING_BUCKETS, Decimal("0.00"))
    stages: Counter[str] = Counter()
    states: Counter[str] = Counter()
    for case in cases:
        bucket = aging_bucket(case.due_date, today)
        counts[bucket] += 1
        amounts[bucket] += case.balance
        stages[case.stage] += 1
        states[case.state] += 1
        figures.outstanding += case.balance
    figures.open_cases = len(cases)
    figures.by_stage = dict(stages.most_common())
    figures.by_state = dict(states.most_common())
    figures.aging = {bucket: (counts[bucket], amounts[bucket]) for bucket in AGING_BUCKETS}
    if sales_in_period > 0:
        dso = figures.outstanding / sales_in_period * DSO_PERIOD_DAYS
        figures.dso_days = dso.quantize(Decimal("0.1"))
    return figures


async def open_cases(client: Client, task_queue: str | None = None) -> list[OpenCase]:
    found = []
    async for execution in client.list_workflows(case_query(running_only=True, task_queue=task_queue)):
        attributes = execution.typed_search_attributes
        cents = attributes.get(BALANCE_CENTS)
        due = attributes.get(DUE_DATE)
        found.append(
            OpenCase(
                stage=attributes.get(STAGE) or NO_STAGE,
                state=attributes.get(STATE) or "open",
                balance=Decimal(cents or 0) / 100,
                due_date=due.date() if due else None,
            )
        )
    return found


async def sales_since(database: Database, since: date) -> Decimal:
    # Summed here, not by the database: SQLite would add the exact decimal strings as floats.
    async with database.sessions() as session:
        amounts = (await session.exec(select(Invoice.amount_due).where(Invoice.issue_date >= since))).all()
    return sum(amounts, Decimal("0.00"))


async def read_portfolio(
    client: Client, database: Database, today: date, task_queue: str | None = None
) -> Portfolio:
    cases = await open_cases(client, task_queue)
    sales = await sales_since(database, today - timedelta(days=DSO_PERIOD_DAYS))
    figures = portfolio(cases, sales, today)
    figures.unstarted = await unstarted_invoices(database)
    return figures


class RecentPortfolio:
    """The figures of the last few seconds, shared by every open dashboard: each reading walks every
    open case in visibility, and dashboards refresh every few seconds."""

    def __init__(
        self, client: Client, database: Database, task_queue: str, max_age_seconds: float = 3.0
    ) -> None:
        self._read = lambda today: read_portfolio(client, database, today, task_queue)
        self._max_age = max_age_seconds
        self._lock = asyncio.Lock()
        self._last: tuple[float, Portfolio] | None = None

    async def get(self, today: date) -> Portfolio:
        async with self._lock:
            now = time.monotonic()
            if self._last is None or now - self._last[0] > self._max_age or self._last[1].today != today:
                self._last = (now, await self._read(today))
            return self._last[1]
