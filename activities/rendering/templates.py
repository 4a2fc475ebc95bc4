"""The Jinja environment of the templates in ``letter_templates/`` (a creditor's own folder over
ours), and a template rendered to PDF.

A template that fails fails the same way on every retry: ``template_errors`` turns its error into
one that fails the activity for good, saying which template failed where.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.loaders import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader
from jinja2.sandbox import SandboxedEnvironment
from stdnum import iban as iban_number
from temporalio.exceptions import ApplicationError

from activities.rendering.pdf import html_to_pdf
from models.enums import DebtorKind
from support.french import date_fr, de_fr, enumeration_fr, money_fr, percent_fr, words_fr

# A creditor's template reaches ours under this prefix, e.g. {% extends "relance/formal_notice.html.j2" %}.
OUR_TEMPLATES_PREFIX = "relance"


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
    # "… pour le compte {{ creditor.name | de }}": "de Bâtiments Martin", "d'Atelier Morel".
    environment.filters["de"] = de_fr
    # "{{ pay_within.days | words }} jours": "huit jours".
    environment.filters["words"] = words_fr
    environment.filters["iban"] = iban_number.format  # in groups of four: FR76 3000 6000 …
    return environment


def debtor_flags(kind: DebtorKind) -> dict[str, bool]:
    """How the templates tell the debtors apart, each flag by the rules it brings: ``business``
    (Code de commerce L441-10: pénalités de retard), ``consumer`` (Code civil 1231-6: the legal
    rate from the formal notice), ``public`` (Code de la commande publique R2192-31: intérêts
    moratoires), and ``professional``, a business or a public buyer (named by its SIREN, with its
    seat; owes the 40 EUR indemnity)."""
    return {
        "business": kind is DebtorKind.BUSINESS,
        "consumer": kind is DebtorKind.CONSUMER,
        "public": kind is DebtorKind.PUBLIC,
        "professional": kind.professional,
    }


@contextmanager
def template_errors(what: str) -> Iterator[None]:
    """A template's error inside, as a non-retryable ``TemplateError`` naming ``what`` failed."""
    try:
        yield
    except (TemplateError, ValueError, TypeError) as error:
        # The same values would fail the same way on every retry.
        raise ApplicationError(f"{what} failed: {error}", type="TemplateError", non_retryable=True) from error


def template_pdf(templates_dir: Path, template: str, values: dict[str, Any], what: str) -> bytes:
    """The PDF of one of our templates (``what`` says which kind, for its error) with ``values``."""
    with template_errors(f"{what} template {template!r} in {templates_dir}"):
        page = letter_environment(templates_dir).get_template(template).render(values)
    return html_to_pdf(page, templates_dir)
