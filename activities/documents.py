"""Documents: render a step's letter to PDF (its label is stamped by ``activities.labels``).

Rendering is CPU-heavy and synchronous: the worker runs it on a thread pool, never on its event loop.
Outputs land at paths derived from case and step, written atomically, so a retry overwrites the
same file instead of adding one. The same input renders the same letter: its dates come from the
context, never the clock, and nothing is fetched from the network. (The bytes may still differ: the
font subsets carry the time they were made.)
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import StrictUndefined, Template, TemplateError, TemplateNotFound
from jinja2.loaders import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader
from jinja2.sandbox import SandboxedEnvironment
from stdnum import iban as iban_number
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.pdf_rendering import html_to_pdf
from config.judicial import JudicialRulesError, load_judicial_rules
from config.settings import Settings
from law.judicial import JudicialRules
from law.penalties import RECOVERY_INDEMNITY, PenaltyStatement, half_year_of
from models.documents import DocumentRef, LetterContext, RenderedLetter, RenderLetterRequest
from models.enums import DebtorKind, Stage
from models.parties import CreditorInfo
from support.files import sha256_of, write_atomically
from support.french import date_fr, enumeration_fr, money_fr, percent_fr

TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# A letter is three templates: the PDF's HTML, the email's subject and the email's body.
LETTER_PARTS = (".html.j2", ".subject.txt.j2", ".body.txt.j2")
# A collection agency's first letter to the debtor, with the mentions of CPCE R124-4.
AGENCY_FIRST_LETTER = "agency_first_letter"
# A creditor's template reaches ours under this prefix, e.g. {% extends "relance/formal_notice.html.j2" %}.
OUR_TEMPLATES_PREFIX = "relance"


def configured_judicial_rules(settings: Settings) -> JudicialRules:
    """The judicial rules of ``settings.judicial_rules_file`` (``RELANCE_JUDICIAL_RULES``).

    A broken file stays broken until an agent fixes it (and restarts the worker): the activity fails
    for good, naming the file and the field, and the case waits for an agent instead of retrying.
    """
    try:
        return load_judicial_rules(settings.judicial_rules_file)
    except JudicialRulesError as error:
        raise ApplicationError(str(error), type="JudicialRulesError", non_retryable=True) from error






# --- letters -------------------------------------------------------------------------------------


@cache
def letter_environment(templates_dir: Path, creditor_dir: Path | None = None) -> SandboxedEnvironment:
    """The templates of one creditor: its own folder first (when it has one), then ours.

    A creditor's file replaces ours of the same name (a partial, ``base.html.j2`` or a whole
    letter); to change only part of one of ours it extends it as ``relance/<name>``, which always
    means our file. Cached per pair of folders: a worker sees a newly added override file once it
    restarts, and an edit to an existing one at once.
    """
    ours = FileSystemLoader(templates_dir)
    loaders: list[BaseLoader] = [PrefixLoader({OUR_TEMPLATES_PREFIX: ours})]
    if creditor_dir is not None:
        loaders.append(FileSystemLoader(creditor_dir))
    loaders.append(ours)
    environment = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        # The letter is HTML; the email subject and body are plain text and must not be escaped.
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        undefined=StrictUndefined,
    )
    environment.filters["money"] = money_fr
    environment.filters["percent"] = percent_fr
    environment.filters["date_fr"] = date_fr
    environment.filters["enumeration"] = enumeration_fr
    environment.filters["iban"] = iban_number.format  # in groups of four: FR76 3000 6000 …
    return environment


def letter_template(template: str, context: LetterContext) -> str:
    """The template a step's letter is rendered with.

    A collection agency's first letter to the debtor must carry the mentions of CPCE R124-4,
    whatever template the policy names for that step; the hand-off to the commissaire de justice
    is not a letter to the debtor.
    """
    if context.agency is not None and not context.previous_letters and context.stage != Stage.JUDICIAL_FILING:
        return AGENCY_FIRST_LETTER
    return template


def letter_reference(case_id: str, step_key: str | None) -> str:
    """The reference of one letter of a case, which an agency's later letters recall (CPCE R124-4)."""
    return f"{case_id}/{step_key}"


def template_values(context: LetterContext, small_claims_ceiling: Decimal) -> dict[str, Any]:
    """What the templates see: the context's fields, plus the facts the letters derive from them."""
    letters = context.previous_letters
    notices = [letter for letter in letters if letter.stage == Stage.FORMAL_NOTICE]
    penalties = context.penalties
    # Every later letter of an agency recalls the reference and date of its first one (CPCE R124-4).
    agency_first = letters[0] if context.agency is not None and letters else None
    claimed = context.balance
    if penalties is not None:
        claimed += penalties.interest + penalties.indemnity
        # Recovery costs beyond the indemnity are never claimed in an agency's letter: amicable
        # collection costs stay with the creditor (CPCE L111-8, R124-4 3°).
        if context.agency is None:
            claimed += penalties.further_costs
    return {
        **dict(context),
        "business": context.debtor.kind == DebtorKind.BUSINESS,
        "sender": context.agency or context.creditor,
        "reminders": [letter for letter in letters if letter.stage == Stage.AMICABLE_REMINDER],
        "notice": notices[-1] if notices else None,
        # Penalties between businesses run from the day after the due date (L441-10).
        "penalties_from": context.invoice.due_date + timedelta(days=1),
        "recovery_indemnity": RECOVERY_INDEMNITY,
        # CPCE L125-1 and R125-1: the small-claims procedure. The letter weighs the principal and
        # asks the commissaire to check that the total, interest included, stays under the ceiling.
        "small_claims_ceiling": small_claims_ceiling,
        "small_claim": context.balance <= small_claims_ceiling,
        "amount_claimed": claimed,
        "rate_notes": _rate_notes(penalties) if penalties is not None else [],
        "payment_reference": context.invoice.number,
        "letter_reference": letter_reference(context.case_id, context.step_key),
        "agency_first": agency_first,
        "agency_first_reference": (
            letter_reference(context.case_id, agency_first.step_key) if agency_first is not None else None
        ),
    }


class RateNote(NamedTuple):
    """A warning of the penalty engine about a half-year's rate, with that half-year's late days."""

    start: date
    end: date
    text: str


def _rate_notes(penalties: PenaltyStatement) -> list[RateNote]:
    """The engine's warnings (Code de commerce L441-10 II: a contract rate raised to three times the
    legal rate, a default rate below that floor), dated by the late days they are about.

    Each warning starts with its half-year, ``"2024-H1: "``: the letter prints the days instead.
    """
    warnings = {half_year: text for half_year, _, text in (w.partition(": ") for w in penalties.warnings)}
    notes = []
    for half_year, group in groupby(penalties.periods, key=lambda period: half_year_of(period.start)):
        if half_year in warnings:
            periods = list(group)
            notes.append(RateNote(periods[0].start, periods[-1].end, warnings[half_year]))
    return notes


# --- activities ----------------------------------------------------------------------------------


class DocumentActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def creditor_templates(self, creditor: CreditorInfo) -> Path | None:
        """The creditor's own template folder, ``<creditor_templates_dir>/<SIREN>/``, if it has one."""
        folder = self._settings.creditor_templates_dir / creditor.siren
        return folder if folder.is_dir() else None

    @activity.defn
    def render_letter(self, request: RenderLetterRequest) -> RenderedLetter:
        context = request.context
        templates_dir = self._settings.templates_dir
        creditor_dir = self.creditor_templates(context.creditor)
        folders = [templates_dir] if creditor_dir is None else [creditor_dir, templates_dir]
        where = " then ".join(str(folder) for folder in folders)
        if not TEMPLATE_NAME.match(request.template):
            raise _unknown_template(request.template, where, "not a template name")
        template = letter_template(request.template, context)
        environment = letter_environment(templates_dir, creditor_dir)
        parts = _letter_parts(environment, template, where)
        values = template_values(context, configured_judicial_rules(self._settings).small_claims.ceiling)
        try:
            letter_html, subject, body = (part.render(values) for part in parts)
        except (TemplateError, ValueError, TypeError) as error:
            # The same context would fail the same way on every retry.
            raise ApplicationError(
                f"letter template {template!r} in {where} failed: {error}",
                type="TemplateError",
                non_retryable=True,
            ) from error
        # Relative URLs (a logo) resolve in the creditor's folder when it has one.
        pdf = html_to_pdf(letter_html, *folders)
        folder = self._settings.documents_dir / _path_part(context.case_id)
        path = folder / f"{_path_part(context.step_key)}.pdf"
        write_atomically(path, pdf)
        return RenderedLetter(
            document=DocumentRef(path=str(path), sha256=sha256_of(pdf)),
            email_subject=" ".join(subject.split()),
            email_body=body.strip() + "\n",
        )


def _letter_parts(environment: SandboxedEnvironment, template: str, where: str) -> list[Template]:
    """The letter's three templates, or UnknownTemplate naming those missing."""
    parts, missing = [], []
    for suffix in LETTER_PARTS:
        try:
            parts.append(environment.get_template(f"{template}{suffix}"))
        except TemplateNotFound:
            missing.append(f"{template}{suffix}")
        except TemplateError as error:
            raise ApplicationError(
                f"letter template {template}{suffix} in {where} failed: {error}",
                type="TemplateError",
                non_retryable=True,
            ) from error
    if missing:
        raise _unknown_template(template, where, f"no {', '.join(missing)}")
    return parts


def _unknown_template(template: str, where: str, why: str) -> ApplicationError:
    return ApplicationError(
        f"unknown letter template {template!r} in {where}: {why}",
        type="UnknownTemplate",
        non_retryable=True,
    )


def _path_part(name: str) -> str:
    """A case id or step key used as one path component, refused if it could leave its folder."""
    if name in ("", ".", "..") or Path(name).name != name:
        raise ApplicationError(f"{name!r} cannot name a document file or folder", non_retryable=True)
    return name
