"""The escalation policy, as the workflow receives it.

The back office edits policies as TOML files under ``config/policies/``; a case carries the
policy it was started with in its input, so editing a file never changes a running case's history.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from law.business_calendar import HolidayCalendar, next_business_day
from models.enums import Channel, LabelColour, Stage

_DURATION = re.compile(r"^\s*(\d+)\s*(d|h|m|s)\s*$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str | int | timedelta) -> timedelta:
    """Parse ``"15d"``, ``"12h"``, ``"30m"`` or ``"10s"`` (policy files speak this way)."""
    if isinstance(text, timedelta):
        return text
    if isinstance(text, int):
        return timedelta(days=text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration: write a number and d, h, m or s, e.g. '15d'")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _policy_duration(value: object) -> object:
    """Policy files write ``"15d"``; serialised policies carry ISO 8601 (``"P15D"``), left to pydantic."""
    if isinstance(value, int) or (isinstance(value, str) and not value.startswith("P")):
        return parse_duration(value)
    return value


class PolicyStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    stage: Stage
    after_due: timedelta
    channel: Channel
    template: str
    label: LabelColour

    @field_validator("after_due", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return _policy_duration(value)


class EscalationPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    # "due_date": each step's delay counts from the invoice's due date (production).
    # "case_start": it counts from the moment the case starts (demo, delays in seconds).
    anchor: Literal["due_date", "case_start"] = "due_date"
    # Local hour at which day-based steps go out, in the creditor's time zone.
    send_hour: int = Field(default=9, ge=0, le=23)
    timezone: str = "Europe/Paris"
    # A case started late does not fire every overdue step at once: two actions are at least
    # this far apart, so the debtor always has time to answer the previous one.
    min_gap: timedelta = timedelta(days=8)
    # Deadline to pay given in the formal notice (commonly 8 days from receipt, see domain notes).
    notice_deadline: timedelta = timedelta(days=8)
    # After the debtor received the formal notice, the next step waits this long (by default the
    # notice's deadline itself; the demo shortens the wait, not the deadline its letters print).
    wait_after_receipt: timedelta | None = None
    # How often the registered-mail provider is asked what became of the formal notice, and how
    # long the case waits for its outcome before an agent is asked to look (a paper LRAR: up to
    # 15 days at the post office after the first presentation).
    delivery_check_every: timedelta = timedelta(hours=6)
    proof_of_receipt_wait: timedelta = timedelta(days=30)
    # A judicial filing waits for a second agent's approval; without a decision after this long the
    # agents are reminded, and after as long again a supervisor is asked.
    approval_timeout: timedelta = timedelta(days=5)
    # A case whose invoice names its signed quote or order (order_reference) without its document
    # (order_pdf) goes to court only when true, the request saying the document will be produced
    # (law/judicial.py). Cases started before order documents were kept file on the reference.
    file_without_order_document: bool = False
    # Without news from the commissaire de justice for this long, the agents are reminded to ask.
    bailiff_report_wait: timedelta = timedelta(days=30)
    # A promise to pay or a pause ends at most this far ahead: a longer hold is a new arrangement
    # with the debtor, made again when this one ends. Policies written before it have a year.
    max_hold: timedelta = timedelta(days=365)
    # Under collective proceedings, the agents are reminded this long before the last day to declare
    # the claim (Code de commerce R622-24) if it is not sent yet.
    declaration_reminder: timedelta = timedelta(days=15)
    # A step falling on a weekend or a public holiday: "next_business_day" moves it to the next
    # business morning, "keep" sends it anyway. Cases started before this setting existed keep.
    non_business_days: Literal["next_business_day", "keep"] = "keep"
    holiday_calendar: HolidayCalendar = HolidayCalendar.FRANCE
    # What goes to one debtor is sent by its account (workflows/debtor_account.py): the steps of its
    # invoices falling due in one send slot go out as one email, one registered letter, one penalty
    # claim. False: each invoice's letters go out alone. Cases started before accounts send alone.
    group_by_debtor: bool = True
    # Whether a grouped formal notice also covers the debtor's invoices whose amicable reminder falls
    # due in the same slot ("all_overdue"), or only the invoices whose own formal notice is due.
    formal_notice_covers: Literal["due_steps", "all_overdue"] = "due_steps"
    # A case asks its account this long before its step's slot, so that the account has every step
    # of the slot when the slot comes; steps within this margin of a slot go out in it.
    grouping_margin: timedelta = timedelta(minutes=2)
    steps: tuple[PolicyStep, ...]

    @field_validator(
        "min_gap",
        "notice_deadline",
        "wait_after_receipt",
        "delivery_check_every",
        "proof_of_receipt_wait",
        "approval_timeout",
        "bailiff_report_wait",
        "max_hold",
        "declaration_reminder",
        "grouping_margin",
        mode="before",
    )
    @classmethod
    def _durations(cls, value: object) -> object:
        return value if value is None else _policy_duration(value)

    @property
    def receipt_wait(self) -> timedelta:
        """How long the ladder waits after the formal notice was received."""
        return self.notice_deadline if self.wait_after_receipt is None else self.wait_after_receipt

    @model_validator(mode="after")
    def _ladder_in_order(self) -> EscalationPolicy:
        if not self.steps:
            raise ValueError("a policy needs at least one step")
        keys = [step.key for step in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError(f"step keys must be unique, got {keys}")
        for before, after in zip(self.steps, self.steps[1:], strict=False):
            if after.stage.rank < before.stage.rank:
                raise ValueError(
                    f"step {after.key!r} ({after.stage}) comes after {before.key!r} "
                    f"({before.stage}): stages must follow the legal order"
                )
            if after.after_due < before.after_due:
                raise ValueError(f"step {after.key!r} is scheduled before {before.key!r}")
        stages = [step.stage for step in self.steps]
        beyond_notice = [s for s in stages if s.rank > Stage.FORMAL_NOTICE.rank]
        if beyond_notice and Stage.FORMAL_NOTICE not in stages:
            raise ValueError("a penalty claim or a judicial filing needs a formal_notice step before it")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"{value!r} is not a time zone such as 'Europe/Paris'") from error
        return value

    # Time zone arithmetic lives here, outside the workflow sandbox, which would hand the
    # workflow a proxy instead of a real tzinfo.
    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def send_time(self, day: date) -> datetime:
        """The moment a step due on ``day`` goes out: the send hour, local time."""
        return datetime.combine(day, time(self.send_hour), tzinfo=ZoneInfo(self.timezone))

    def send_slot(self, planned: datetime) -> datetime:
        """The send slot a step planned at ``planned`` goes out in with the debtor's other steps:
        the first send hour at or after it, on a business day. Demo policies, counting in seconds
        from the case start, have no send hour: the step's own moment is its slot."""
        if self.anchor == "case_start":
            return planned
        day = self.local_date(planned)
        slot = self.send_time(day)
        if slot < planned:
            slot = self.send_time(day + timedelta(days=1))
        if self.non_business_days == "keep":
            return slot
        return self.send_time(next_business_day(self.local_date(slot), self.holiday_calendar))

    def on_business_day(self, planned: datetime) -> datetime:
        """``planned``, or the next business morning when the policy moves sends off rest days.

        Demo policies count in seconds from the case start: the calendar does not apply to them.
        """
        if self.non_business_days == "keep" or self.anchor == "case_start":
            return planned
        day = self.local_date(planned)
        business_day = next_business_day(day, self.holiday_calendar)
        return planned if business_day == day else self.send_time(business_day)
