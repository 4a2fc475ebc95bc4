"""What a case needs from a person, if anything: the agents' work queue lists these cases, and the
case publishes whether it has any need (search attribute ``RelanceNeedsPerson``).

Pure: the workflow computes it from its own state, so it must stay deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from law.insolvency import receiver_title
from models.status import CaseStatus, InsolvencyStatus
from support.french import date_fr

# Who acts for the system in journals and histories (the case itself, not a person).
SYSTEM_ACTOR = "relance"


class Need(StrEnum):
    APPROVAL = "approval"
    CLAIM_DECLARATION = "claim_declaration"
    HELD = "held"
    BROKEN_PROMISE = "broken_promise"
    PRESCRIPTION = "prescription"


@dataclass(frozen=True)
class Attention:
    need: Need
    text: str


def needs_of(status: CaseStatus) -> list[Attention]:
    """What a person must do on the case, most pressing first; empty when it runs by itself."""
    needs = []
    if status.approval_pending:
        needs.append(
            Attention(
                Need.APPROVAL,
                f"saisine judiciaire demandée par {status.filing_requested_by} : "
                "un autre agent l'approuve ou la rejette",
            )
        )
    declaration = _declaration_to_send(status.insolvency)
    if declaration is not None:
        needs.append(Attention(Need.CLAIM_DECLARATION, declaration))
    if status.held_by_case:
        needs.append(Attention(Need.HELD, status.pause_reason or "en attente d'un agent"))
    broken = _unanswered_broken_promise(status)
    if broken is not None:
        needs.append(Attention(Need.BROKEN_PROMISE, broken))
    if status.prescription_warned and status.prescription_ends_on is not None:
        needs.append(
            Attention(
                Need.PRESCRIPTION,
                f"prescription après le {date_fr(status.prescription_ends_on)} : saisissez le tribunal "
                "ou obtenez une reconnaissance de la dette",
            )
        )
    return needs


def _unanswered_broken_promise(status: CaseStatus) -> str | None:
    """A broken promise no person has acted on since."""
    for action in reversed(status.actions):
        if action.actor != SYSTEM_ACTOR:
            return None
        if action.kind == "promise_broken":
            return action.detail
    return None


def _declaration_to_send(insolvency: InsolvencyStatus | None) -> str | None:
    """The declaration of claim still to send, once its deadline is unknown or near (Code de
    commerce R622-24: two months from the BODACC publication)."""
    if insolvency is None or insolvency.declaration_sent_on is not None:
        return None
    receiver = receiver_title(insolvency.kind)
    if insolvency.deadline is None:
        return (
            "procédure collective : renseignez la date de publication du jugement d'ouverture au "
            f"BODACC, dont part le délai de deux mois pour déclarer la créance au {receiver} (R622-24)"
        )
    if not insolvency.reminded:
        return None
    return (
        f"déclaration de créance à envoyer au {receiver} au plus tard le "
        f"{insolvency.deadline:%d/%m/%Y} (R622-24), puis à enregistrer comme envoyée"
    )
