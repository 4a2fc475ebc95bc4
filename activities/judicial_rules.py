"""The judicial rules and the court table an activity applies, read from the files the settings
name (``RELANCE_JUDICIAL_RULES``, ``RELANCE_COURTS_FILE``); a broken file fails the activity for good."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from config.courts import CourtTableError, load_court_table
from config.judicial import JudicialRulesError, load_judicial_rules
from config.settings import Settings
from law.courts import CourtTable
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


def configured_court_table(settings: Settings) -> CourtTable:
    """The court table of ``settings.courts_file`` (``RELANCE_COURTS_FILE``), read again when it
    changes. A broken table fails the activity for good, naming the file and the field, until an
    agent fixes it: a request must not be addressed to a court read from a half-written file."""
    try:
        return load_court_table(settings.courts_file)
    except CourtTableError as error:
        raise ApplicationError(str(error), type="CourtTableError", non_retryable=True) from error
