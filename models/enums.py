"""Closed vocabularies shared by tables, policies and the workflow boundary."""

from enum import StrEnum


class Stage(StrEnum):
    """The escalation ladder, in legal order."""

    AMICABLE_REMINDER = "amicable_reminder"
    FORMAL_NOTICE = "formal_notice"
    PENALTY_CLAIM = "penalty_claim"
    JUDICIAL_FILING = "judicial_filing"

    @property
    def rank(self) -> int:
        return list(Stage).index(self)


class Channel(StrEnum):
    EMAIL = "email"
    REGISTERED_LETTER = "registered_letter"
    BAILIFF = "bailiff"


class LabelColour(StrEnum):
    """The good-practice label: green on invoices, orange on reminders, red on coercive steps."""

    GREEN = "green"
    ORANGE = "orange"
    RED = "red"


class DebtorKind(StrEnum):
    BUSINESS = "business"
    CONSUMER = "consumer"


class CaseState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    PAID = "paid"
    READY_FOR_FILING = "ready_for_filing"
    KEPT_AMICABLE = "kept_amicable"
    # The filing dossier is with the commissaire de justice, who reports on it.
    WITH_BAILIFF = "with_bailiff"
    # The commissaire closed the file with a balance left, or found nothing to recover.
    CLOSED_BY_BAILIFF = "closed_by_bailiff"
    RECOVERY_FAILED = "recovery_failed"

    @property
    def is_closed(self) -> bool:
        return self not in (CaseState.OPEN, CaseState.PAUSED, CaseState.WITH_BAILIFF)


class Role(StrEnum):
    """Who a back-office user is, and so what they may do (``backoffice/web/access.py``)."""

    BACK_OFFICE = "back_office"
    AGENT = "agent"
    AUDITOR = "auditor"
    ADMIN = "admin"
