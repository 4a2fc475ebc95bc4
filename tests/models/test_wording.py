"""Every code a person reads has its French name: states, stages, steps of the policies shipped,
needs, roles, labels' colours, every kind of event the code writes in the journal, and every event of
a Temporal history the auditor reads."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from models import wording
from models.attention import Need
from models.commands import BailiffReportKind, CostBearer
from models.enums import CaseState, Channel, LabelColour, Role, Stage
from models.mail import DeliveryEventKind
from workflows.common import STEP_EVENT_KIND

ROOT = Path(__file__).resolve().parents[2]
# A kind given as the first argument of the journal or of a hold, as a record's kind, or as the
# reminders of a filing's approval (workflows/court.py).
_WRITTEN_KIND = re.compile(
    r'(?:_journal|_hold)\(\s*"([a-z_]+)"' r'|\bkind="([a-z_]+)"' r'|\(\s*"(approval_[a-z_]+)",'
)


def kinds_written() -> set[str]:
    """The kinds the workflow, the mail activities and the back office write, literally or by the
    enumerations they are built from."""
    found = set(STEP_EVENT_KIND.values())
    for folder in ("workflows", "activities", "backoffice"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in _WRITTEN_KIND.finditer(path.read_text(encoding="utf-8")):
                found.add(next(group for group in match.groups() if group))
    found |= {f"bailiff_{kind.value}" for kind in BailiffReportKind}
    found |= {f"delivery_{kind.value}" for kind in DeliveryEventKind}
    found |= {f"formal_notice_{kind.value}" for kind in DeliveryEventKind if kind.final}
    # Exhibits' kinds (kind="invoice"…) are the dossier's, not the journal's.
    return found - {"invoice", "order", "reminder", "formal_notice", "notice_receipt", "penalty_statement"}


def test_every_kind_of_event_journaled_has_its_french_name() -> None:
    written = kinds_written()
    assert {"case_opened", "promise_broken", "approval_to_supervisor", "email_sent"} <= written
    assert written - set(wording.EVENTS) == set()


def test_every_state_stage_need_role_and_cost_bearer_has_its_french_name() -> None:
    assert set(wording.STATES) == set(CaseState)
    assert set(wording.STAGES) == set(Stage)
    assert set(wording.NEEDS) == set(Need)
    assert set(wording.ROLES) == set(Role)
    assert set(wording.COST_BEARERS) == set(CostBearer)
    assert set(wording.LABEL_COLOURS) == set(LabelColour)
    assert set(wording.CHANNELS) == set(Channel)


def test_every_event_of_the_stored_histories_has_its_french_name() -> None:
    """What the audit page's timeline shows for each event of a case's history: none in English."""
    types = {
        event["eventType"].removeprefix("EVENT_TYPE_")
        for path in (ROOT / "tests" / "fixtures" / "histories").glob("*.json")
        for event in json.loads(path.read_text(encoding="utf-8"))["events"]
    }
    assert {"WORKFLOW_EXECUTION_STARTED", "ACTIVITY_TASK_SCHEDULED", "TIMER_FIRED"} <= types
    assert types - set(wording.HISTORY_EVENTS) == set()
    assert wording.history_event_fr("WORKFLOW_EXECUTION_STARTED") == "dossier ouvert"
    assert wording.history_event_fr("ACTIVITY_TASK_SCHEDULED") == "activité planifiée"
    assert wording.history_event_fr("NEXUS_OPERATION_STARTED") == "nexus operation started"


def test_the_steps_of_the_policies_shipped_have_their_french_names() -> None:
    for path in sorted((ROOT / "config" / "policies").glob("*.toml")):
        keys = {step["key"] for step in tomllib.loads(path.read_text(encoding="utf-8"))["steps"]}
        assert keys <= set(wording.STEPS), path.name


def test_codes_read_in_french_and_an_unknown_one_as_itself() -> None:
    assert wording.french("paused") == "en pause"  # the state
    assert wording.event_fr("paused") == "mise en pause"  # the journal's event
    assert wording.french("none") == wording.stage_fr(None) == "pas encore commencée"
    assert wording.french("formal_notice") == "mise en demeure"
    assert wording.french("terminated") == wording.ending_fr("TERMINATED") == "arrêté"
    assert wording.step_fr("first_reminder") == "premier rappel"
    assert wording.step_fr("courtesy_note") == "courtesy note"
    assert wording.event_fr("something_new") == "something new"
    assert wording.french("not a code") == "not a code"
