"""The codes of the vocabulary as the people who read them say them, in French: a case's state and
stage, the step it takes next, the kinds of event its journal records, what it needs from a person,
who bears a cost, the roles, the judicial routes and courts, how a case's workflow ended. One place
for both doors (the web pages and the command line) and for the details the case writes in its
journal.

A code without a name here (a step of a policy of one's own, a kind of event added later) reads as
itself, its underscores as spaces: ``tests/models/test_wording.py`` checks that every kind of event
the code journals has its name.
"""

from __future__ import annotations

from models.attention import Need
from models.commands import CostBearer
from models.enums import CaseState, Channel, LabelColour, Role, Stage

STAGES: dict[Stage, str] = {
    Stage.AMICABLE_REMINDER: "relance amiable",
    Stage.FORMAL_NOTICE: "mise en demeure",
    Stage.PENALTY_CLAIM: "réclamation des pénalités",
    Stage.JUDICIAL_FILING: "saisine judiciaire",
}
# A case that has sent nothing yet (the dashboard's count of cases by stage says "none").
NO_STAGE = "pas encore commencée"

STATES: dict[CaseState, str] = {
    CaseState.OPEN: "en cours",
    CaseState.PAUSED: "en pause",
    CaseState.PAID: "payé",
    CaseState.READY_FOR_FILING: "prêt pour la saisine",
    CaseState.KEPT_AMICABLE: "resté amiable",
    CaseState.WITH_BAILIFF: "chez le commissaire de justice",
    CaseState.CLOSED_BY_BAILIFF: "clos par le commissaire de justice",
    CaseState.RECOVERY_FAILED: "recouvrement infructueux",
    CaseState.INSOLVENCY: "en procédure collective",
}

# The steps of the policies shipped in config/policies/, as their letters name them.
STEPS: dict[str, str] = {
    "first_reminder": "premier rappel",
    "second_reminder": "second rappel",
    "formal_notice": "mise en demeure",
    "penalty_claim": "réclamation des pénalités",
    "judicial_filing": "saisine judiciaire",
}

NEEDS: dict[Need, str] = {
    Need.APPROVAL: "validation",
    Need.CLAIM_DECLARATION: "déclaration de créance",
    Need.HELD: "bloqué",
    Need.BROKEN_PROMISE: "promesse non tenue",
    Need.PRESCRIPTION: "prescription",
}

COST_BEARERS: dict[CostBearer, str] = {
    CostBearer.DEBTOR: "à la charge du débiteur",
    CostBearer.CREDITOR: "à la charge du créancier",
}

ROLES: dict[Role, str] = {
    Role.BACK_OFFICE: "back-office",
    Role.AGENT: "agent",
    Role.AUDITOR: "auditeur",
    Role.ADMIN: "administrateur",
}

LABEL_COLOURS: dict[LabelColour, str] = {
    LabelColour.GREEN: "vert",
    LabelColour.ORANGE: "orange",
    LabelColour.RED: "rouge",
}

# How a step's letter goes, after "par": "par courriel", "par lettre recommandée".
CHANNELS: dict[Channel, str] = {
    Channel.EMAIL: "courriel",
    Channel.REGISTERED_LETTER: "lettre recommandée",
    Channel.BAILIFF: "commissaire de justice",
}

# The judicial routes and courts of law.judicial's decision.
ROUTES: dict[str, str] = {
    "small_claims": "procédure simplifiée de recouvrement des petites créances",
    "injonction_de_payer": "injonction de payer",
}
COURTS: dict[str, str] = {
    "tribunal_de_commerce": "tribunal de commerce",
    "tribunal_judiciaire": "tribunal judiciaire",
}

# What the journal records: the case's own events (workflows/), the mails sent and the registered
# letters followed (activities/mail.py), the labels issued by hand (backoffice/labels.py).
EVENTS: dict[str, str] = {
    "case_opened": "dossier ouvert",
    "case_closed": "dossier clos",
    "paused": "mise en pause",
    "resumed": "reprise",
    "escalated": "escalade",
    "payment_recorded": "paiement enregistré",
    "promise_recorded": "promesse de paiement enregistrée",
    "promise_kept": "promesse tenue",
    "promise_broken": "promesse non tenue",
    "dispute_opened": "litige ouvert",
    "dispute_closed": "litige clos",
    "invoice_labelled": "label apposé sur la facture",
    "attestation_issued": "attestation de la charte délivrée",
    "invoice_not_labelled": "label non apposé",
    "reminder_sent": "rappel envoyé",
    "formal_notice_sent": "mise en demeure envoyée",
    "penalty_claim_sent": "réclamation des pénalités envoyée",
    "handed_off_to_bailiff": "dossier remis au commissaire de justice",
    "penalties_not_stated": "pénalités non chiffrées",
    "penalty_statement_drawn": "justificatif de calcul établi",
    "step_failed": "étape en échec",
    "step_withdrawn": "étape reportée",
    "formal_notice_received": "mise en demeure reçue",
    "formal_notice_refused": "mise en demeure refusée",
    "formal_notice_not_claimed": "mise en demeure non réclamée",
    "notice_receipt_unproven": "réception de la mise en demeure non prouvée",
    "proof_of_receipt_missing": "preuve de réception manquante",
    "agent_task": "à traiter par un agent",
    "filing_approval_requested": "validation de la saisine demandée",
    "approval_reminder": "rappel de la validation",
    "approval_to_supervisor": "validation demandée à un superviseur",
    "filing_approved": "saisine approuvée",
    "filing_rejected": "saisine rejetée",
    "filing_deferred": "saisine différée",
    "route_waits_for_rates": "voie judiciaire en attente des taux",
    "bailiff_accepted": "dossier accepté par le commissaire de justice",
    "bailiff_recovered": "sommes recouvrées par le commissaire de justice",
    "bailiff_failed": "recouvrement impossible selon le commissaire de justice",
    "bailiff_closed": "dossier clos par le commissaire de justice",
    "bailiff_no_news": "sans nouvelles du commissaire de justice",
    "prescription_warning": "prescription proche",
    "insolvency_opened": "procédure collective enregistrée",
    "insolvency_updated": "procédure collective complétée",
    "claim_declaration_drawn": "déclaration de créance établie",
    "claim_declaration_not_drawn": "déclaration de créance non établie",
    "claim_declaration_reminder": "rappel du délai de déclaration de créance",
    "claim_declaration_sent": "déclaration de créance envoyée",
    "email_sent": "courriel envoyé",
    "registered_letter_posted": "lettre recommandée déposée",
    "delivery_deposited": "recommandé pris en charge",
    "delivery_first_presentation": "recommandé présenté",
    "delivery_received": "recommandé distribué",
    "delivery_refused": "recommandé refusé",
    "delivery_not_claimed": "recommandé non réclamé",
}


# The events of a Temporal history, by their type's name (``EVENT_TYPE_`` left out), as the auditor's
# timeline shows them (``backoffice.audit.readable_timeline``).
HISTORY_EVENTS: dict[str, str] = {
    "WORKFLOW_EXECUTION_STARTED": "dossier ouvert",
    "WORKFLOW_EXECUTION_COMPLETED": "dossier terminé",
    "WORKFLOW_EXECUTION_FAILED": "dossier en échec",
    "WORKFLOW_EXECUTION_TIMED_OUT": "dossier expiré",
    "WORKFLOW_EXECUTION_CANCEL_REQUESTED": "annulation du dossier demandée",
    "WORKFLOW_EXECUTION_CANCELED": "dossier annulé",
    "WORKFLOW_EXECUTION_TERMINATED": "dossier arrêté",
    "WORKFLOW_EXECUTION_CONTINUED_AS_NEW": "dossier poursuivi dans une nouvelle exécution",
    "WORKFLOW_EXECUTION_SIGNALED": "signal reçu",
    "WORKFLOW_TASK_SCHEDULED": "tâche de décision planifiée",
    "WORKFLOW_TASK_STARTED": "tâche de décision commencée",
    "WORKFLOW_TASK_COMPLETED": "tâche de décision terminée",
    "WORKFLOW_TASK_TIMED_OUT": "tâche de décision expirée",
    "WORKFLOW_TASK_FAILED": "tâche de décision en échec",
    "ACTIVITY_TASK_SCHEDULED": "activité planifiée",
    "ACTIVITY_TASK_STARTED": "activité commencée",
    "ACTIVITY_TASK_COMPLETED": "activité terminée",
    "ACTIVITY_TASK_FAILED": "activité en échec",
    "ACTIVITY_TASK_TIMED_OUT": "activité expirée",
    "ACTIVITY_TASK_CANCEL_REQUESTED": "annulation de l'activité demandée",
    "ACTIVITY_TASK_CANCELED": "activité annulée",
    "TIMER_STARTED": "attente commencée",
    "TIMER_FIRED": "attente écoulée",
    "TIMER_CANCELED": "attente interrompue",
    "MARKER_RECORDED": "marqueur enregistré",
    "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES": "attributs de recherche mis à jour",
    "WORKFLOW_PROPERTIES_MODIFIED": "propriétés du dossier modifiées",
    "WORKFLOW_EXECUTION_UPDATE_ADMITTED": "commande reçue",
    "WORKFLOW_EXECUTION_UPDATE_ACCEPTED": "commande acceptée",
    "WORKFLOW_EXECUTION_UPDATE_REJECTED": "commande refusée",
    "WORKFLOW_EXECUTION_UPDATE_COMPLETED": "commande exécutée",
    "START_CHILD_WORKFLOW_EXECUTION_INITIATED": "workflow enfant demandé",
    "CHILD_WORKFLOW_EXECUTION_STARTED": "workflow enfant commencé",
    "CHILD_WORKFLOW_EXECUTION_COMPLETED": "workflow enfant terminé",
    "CHILD_WORKFLOW_EXECUTION_FAILED": "workflow enfant en échec",
    "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED": "signal à un autre workflow demandé",
    "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED": "signal à un autre workflow en échec",
    "EXTERNAL_WORKFLOW_EXECUTION_SIGNALED": "signal à un autre workflow transmis",
}

# How a case's workflow ended, as the server says it (``backoffice.cases.how_it_ended``).
ENDINGS: dict[str, str] = {
    "running": "en cours d'exécution",
    "completed": "terminé",
    "failed": "en échec",
    "canceled": "annulé",
    "terminated": "arrêté",
    "continued_as_new": "poursuivi",
    "timed_out": "expiré",
    "ended": "terminé",
}


def _as_itself(code: str) -> str:
    return code.replace("_", " ")


def stage_fr(stage: Stage | None) -> str:
    """``Stage.FORMAL_NOTICE`` -> ``mise en demeure``; no stage yet -> ``pas encore commencée``."""
    return STAGES[stage] if stage is not None else NO_STAGE


def state_fr(state: CaseState) -> str:
    return STATES.get(state, _as_itself(state.value))


def step_fr(key: str) -> str:
    """A policy's step by its key: ``first_reminder`` -> ``premier rappel``."""
    return STEPS.get(key, _as_itself(key))


def event_fr(kind: str) -> str:
    """A kind of journal event: ``promise_broken`` -> ``promesse non tenue``."""
    return EVENTS.get(kind, _as_itself(kind))


def history_event_fr(event_type: str) -> str:
    """A Temporal history's event by its type's name: ``ACTIVITY_TASK_SCHEDULED`` -> ``activité
    planifiée``; one without a name here reads as itself, in lower case."""
    return HISTORY_EVENTS.get(event_type, _as_itself(event_type.lower()))


def ending_fr(ending: str) -> str:
    """How a case's workflow ended: ``terminated`` -> ``arrêté``."""
    return ENDINGS.get(ending.lower(), _as_itself(ending.lower()))


# Every code a page shows by its value: stages (and "none"), states, steps, needs, endings.
_BY_VALUE: dict[str, str] = {
    "none": NO_STAGE,
    **{stage.value: name for stage, name in STAGES.items()},
    **{state.value: name for state, name in STATES.items()},
    **STEPS,
    **{need.value: name for need, name in NEEDS.items()},
    **ENDINGS,
}


def french(code: object) -> str:
    """A state, a stage, a step or a need by its code (``paused`` -> ``en pause``); anything else
    as it is."""
    text = str(code)
    return _BY_VALUE.get(text, text)
