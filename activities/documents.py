"""Documents: the activities rendering a step's letter to PDF, with the subject and body of the email
that carries it, or one letter for several invoices of a debtor, and making PDFs one. What the
templates see is ``activities.rendering.letters``'s (``grouped_letters``' for a grouped letter); the
label is stamped by ``activities.labels``.

Rendering is CPU-heavy and synchronous: the worker runs it on a thread pool, never on its event loop.
Outputs land at paths derived from case and step, written atomically, so a retry overwrites the
same file instead of adding one. The same input renders the same letter: its dates come from the
context, never the clock, and nothing is fetched from the network. (The bytes may still differ: the
font subsets carry the time they were made.)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment
from temporalio import activity

from activities.judicial_rules import configured_judicial_rules
from activities.paths import path_part
from activities.rendering.grouped_letters import combined_pdf, grouped_template, grouped_values
from activities.rendering.letters import TEMPLATE_NAME, letter_parts, template_values, unknown_template
from activities.rendering.pdf import html_to_pdf
from activities.rendering.templates import letter_environment, template_errors
from config.rates import RateTableError, load_rate_tables
from config.settings import Settings
from law.letters import letter_template
from law.rates import RateNotKnown, SourcedRate
from models.documents import DocumentRef, RenderedLetter, RenderLetterRequest
from models.grouped_sending import CombineRequest, GroupedLetterRequest
from models.parties import CreditorInfo
from support.files import sha256_of, write_atomically
from support.typography import typeset_text


class DocumentActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def creditor_templates(self, creditor: CreditorInfo) -> Path | None:
        """The creditor's own template folder, ``<creditor_templates_dir>/<SIREN>/``, if it has one."""
        folder = self._settings.creditor_templates_dir / creditor.siren
        return folder if folder.is_dir() else None

    def legal_rate(self, day: date) -> SourcedRate | None:
        """The legal interest rate of ``day``'s half-year; None while the rate tables lack it (the
        letter then names the rate without its figure)."""
        try:
            return load_rate_tables(self._settings.rates_dir).legal_rate(day)
        except (RateNotKnown, RateTableError):
            return None

    @activity.defn
    def render_letter(self, request: RenderLetterRequest) -> RenderedLetter:
        context = request.context
        folders = self._template_folders(request.template, context.creditor)
        template = letter_template(
            request.template,
            stage=context.stage,
            by_agency=context.agency is not None,
            first_letter=not context.previous_letters,
        )
        parts = letter_parts(folders.environment, template, folders.where)
        values = template_values(context, self._small_claims_ceiling(), self.legal_rate(context.letter_date))
        folder = self._settings.documents_dir / path_part(context.case_id)
        return _rendered(folders, template, parts, values, folder / f"{path_part(context.step_key)}.pdf")

    @activity.defn
    def render_grouped_letter(self, request: GroupedLetterRequest) -> RenderedLetter:
        """One letter for several invoices of a debtor, at a path of its account and communication."""
        context = request.context
        template = grouped_template(request)
        folders = self._template_folders(template, context.letters[0].creditor)
        parts = letter_parts(folders.environment, template, folders.where)
        values = grouped_values(context, self._small_claims_ceiling(), self.legal_rate(context.letter_date))
        folder = self._settings.documents_dir / path_part(context.account_id)
        path = folder / f"{path_part(context.communication_key)}.pdf"
        return _rendered(folders, template, parts, values, path)

    @activity.defn
    def combine_documents(self, request: CombineRequest) -> DocumentRef:
        """The documents in order made one PDF (a grouped claim's penalty statements, one statement)."""
        pdf = combined_pdf(request.documents)
        path = self._settings.documents_dir / path_part(request.account_id) / f"{path_part(request.name)}.pdf"
        write_atomically(path, pdf)
        return DocumentRef(path=str(path), sha256=sha256_of(pdf))

    def _template_folders(self, template: str, creditor: CreditorInfo) -> TemplateFolders:
        """The creditor's templates over ours; a name that is not a template's is refused."""
        templates_dir = self._settings.templates_dir
        creditor_dir = self.creditor_templates(creditor)
        folders = [templates_dir] if creditor_dir is None else [creditor_dir, templates_dir]
        where = " then ".join(str(folder) for folder in folders)
        if not TEMPLATE_NAME.match(template):
            raise unknown_template(template, where, "not a template name")
        return TemplateFolders(letter_environment(templates_dir, creditor_dir), folders, where)

    def _small_claims_ceiling(self) -> Decimal:
        return configured_judicial_rules(self._settings).small_claims.ceiling


class TemplateFolders(NamedTuple):
    """Where a letter's templates come from: their environment, the folders its files may be read
    from (the first resolves relative URLs) and how an error names them."""

    environment: SandboxedEnvironment
    folders: list[Path]
    where: str


def _rendered(
    folders: TemplateFolders, template: str, parts: list[Template], values: dict[str, Any], path: Path
) -> RenderedLetter:
    """The letter's three parts rendered with ``values``, its PDF written at ``path``."""
    with template_errors(f"letter template {template!r} in {folders.where}"):
        letter_html, subject, body = (part.render(values) for part in parts)
    # Relative URLs (a logo) resolve in the creditor's folder when it has one.
    pdf = html_to_pdf(letter_html, *folders.folders)
    write_atomically(path, pdf)
    return RenderedLetter(
        document=DocumentRef(path=str(path), sha256=sha256_of(pdf)),
        # Subject and body are set in French typography, as the letter; the subject on one
        # line (the mail folds it so that its no-break spaces survive: activities.smtp).
        email_subject=typeset_text(" ".join(subject.split())),
        email_body=typeset_text(body.strip() + "\n"),
    )
