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
    # A public buyer (State, local authority, hospital): Code de la commande publique L2192-10 ff.
    PUBLIC = "public"

    @property
    def professional(self) -> bool:
        """A business or a public buyer: named by its SIREN, and owes the fixed 40 EUR recovery
        indemnity (Code de commerce D441-5, Code de la commande publique D2192-35)."""
        return self is not DebtorKind.CONSUMER


class Civility(StrEnum):
    """How a consumer debtor is addressed, when the invoice file says."""

    MADAME = "madame"
    MONSIEUR = "monsieur"


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
    # Collective proceedings against the debtor: the ladder stopped (Code de commerce L622-21), the
    # claim is declared to the mandataire; the case stays open for what the proceedings pay.
    INSOLVENCY = "insolvency"

    @property
    def is_closed(self) -> bool:
        return self not in (CaseState.OPEN, CaseState.PAUSED, CaseState.WITH_BAILIFF, CaseState.INSOLVENCY)


class InsolvencyKind(StrEnum):
    """The collective proceedings of the Code de commerce, book VI."""

    SAUVEGARDE = "sauvegarde"  # L620-1
    REDRESSEMENT = "redressement"  # redressement judiciaire, L631-1
    LIQUIDATION = "liquidation"  # liquidation judiciaire, L640-1


class Role(StrEnum):
    """Who a back-office user is, and so what they may do (``backoffice/web/access.py``)."""

    BACK_OFFICE = "back_office"
    AGENT = "agent"
    AUDITOR = "auditor"
    ADMIN = "admin"
