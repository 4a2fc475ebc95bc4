"""How far an import has got: its three phases, each counted, and how a door stops one.

An import validates every invoice (``validating``, one step a CSV row or a PDF), stores them
(``storing``, one step an invoice) and starts their cases (``starting``, one step a case). The
command line draws the phases as progress bars, the web back office's import page as well; both
subclass :class:`ImportProgress`, which by itself tells nobody.
"""

from __future__ import annotations

import threading
from enum import StrEnum


class ImportPhase(StrEnum):
    VALIDATING = "validating"
    STORING = "storing"
    STARTING = "starting"


# Each phase as the doors name it.
PHASE_NAMES = {
    ImportPhase.VALIDATING: "vérification des factures",
    ImportPhase.STORING: "enregistrement des factures",
    ImportPhase.STARTING: "ouverture des dossiers",
}


class ImportStopped(Exception):
    """The door asked the import to stop (Ctrl-C, the back office shutting down)."""


class ImportProgress:
    """Receives each phase's size and steps; :meth:`stop` makes the next step raise
    :class:`ImportStopped`, so that a validation running on a thread stops too."""

    def __init__(self) -> None:
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    def begin(self, phase: ImportPhase, total: int) -> None:
        """``phase`` starts, with ``total`` steps ahead."""

    def advance(self, steps: int = 1) -> None:
        """``steps`` more of the current phase are done; raise :class:`ImportStopped` once stopped."""
        if self._stopped.is_set():
            raise ImportStopped
        self.advanced(steps)

    def advanced(self, steps: int) -> None:
        """What a door shows of ``steps`` more done."""
