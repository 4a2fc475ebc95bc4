"""Legal: hand a case over to the commissaire de justice (ex-huissier)."""

from __future__ import annotations

from temporalio import activity

from config.settings import Settings
from models.case import DossierRef, HandoffRequest


class LegalActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn
    def handoff_to_bailiff(self, request: HandoffRequest) -> DossierRef:
        raise NotImplementedError
