"""The judicial rules an activity applies, read from the file the settings name
(``RELANCE_JUDICIAL_RULES``); a broken file fails the activity for good."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from config.judicial import JudicialRulesError, load_judicial_rules
from config.settings import Settings
from law.judicial import JudicialRules


def configured_judicial_rules(settings: Settings) -> JudicialRules:
    """The judicial rules of ``settings.judicial_rules_file`` (``RELANCE_JUDICIAL_RULES``).

    A broken file stays broken until an agent fixes it (and restarts the worker): the activity fails
    for good, naming the file and the field, and the case waits for an agent instead of retrying.
    """
    try:
        return load_judicial_rules(settings.judicial_rules_file)
    except JudicialRulesError as error:
        raise ApplicationError(str(error), type="JudicialRulesError", non_retryable=True) from error
