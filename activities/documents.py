"""Documents: render a step's letter to PDF and stamp the good-practice label on a PDF.

Both are CPU-heavy and synchronous: the worker runs them on a thread pool, never on its event loop.
"""

from __future__ import annotations

from temporalio import activity

from config.settings import Settings
from models.case import DocumentRef, LabelRequest, RenderedLetter, RenderLetterRequest


class DocumentActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn
    def render_letter(self, request: RenderLetterRequest) -> RenderedLetter:
        raise NotImplementedError

    @activity.defn
    def label_pdf(self, request: LabelRequest) -> DocumentRef:
        raise NotImplementedError
