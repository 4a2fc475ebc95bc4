"""Parties: a case's creditor and agency read again where an agent completes them — the creditor's
signatory from the database (an import names it), the agency's account, insurance and signatory from
the agency file (``RELANCE_AGENCY_FILE``) — once a step refused for want of a signatory is resumed.

The case's input is frozen when it starts: this is how a signatory given afterwards reaches it. Only
what the case lacks is filled; what it has is kept, and an agency file now naming another agency
changes nothing.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from config.agency import AgencyError, load_agency
from config.settings import Settings
from models.parties import AgencyInfo, CaseParties
from storage.creditors import stored_signatory
from storage.database import Database

# What an agency file gives that cases started before it held it lack (CPCE R124-2).
AGENCY_COMPLETIONS = ("iban", "insurance", "signatory")


class PartyActivities:
    def __init__(self, settings: Settings, database: Database) -> None:
        self._settings = settings
        self._database = database

    @activity.defn
    async def current_parties(self, parties: CaseParties) -> CaseParties:
        """The case's creditor with the signatory stored for it, and its agency completed from the
        agency file, when they had none."""
        creditor = parties.creditor
        if creditor.signatory is None:
            signatory = await stored_signatory(self._database, creditor.siren)
            creditor = creditor.model_copy(update={"signatory": signatory})
        return CaseParties(creditor=creditor, agency=self._completed(parties.agency))

    def _completed(self, agency: AgencyInfo | None) -> AgencyInfo | None:
        path = self._settings.agency_file
        if agency is None or path is None or all(getattr(agency, name) for name in AGENCY_COMPLETIONS):
            return agency
        try:
            current = load_agency(path)
        except AgencyError as error:
            # The agent's fix itself is wrong: the same file fails the same way on a retry.
            raise ApplicationError(
                f"fichier de l'agence de recouvrement inutilisable : {error}",
                type="AgencyFileInvalid",
                non_retryable=True,
            ) from error
        if current.siren != agency.siren:
            return agency
        lacking = [name for name in AGENCY_COMPLETIONS if getattr(agency, name) is None]
        return agency.model_copy(update={name: getattr(current, name) for name in lacking})
