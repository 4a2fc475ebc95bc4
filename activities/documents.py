"""Documents: render a step's letter to PDF and stamp the good-practice label on a PDF.

Both are CPU-heavy and synchronous: the worker runs them on a thread pool, never on its event loop.
Outputs land at paths derived from case and step, written atomically, so a retry overwrites the
same file instead of adding one. The same input renders the same letter: its dates come from the
context, never the clock, and nothing is fetched from the network. (The bytes may still differ: the
font subsets carry the time they were made.)
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import tempfile
import tomllib
from datetime import timedelta
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from jinja2 import StrictUndefined, TemplateError
from jinja2.loaders import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError
from temporalio import activity
from temporalio.exceptions import ApplicationError
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from activities.french_format import date_fr, enumeration_fr, money_fr
from config.settings import PROJECT_ROOT, Settings
from models.case import DocumentRef, LabelRequest, LetterContext, RenderedLetter, RenderLetterRequest
from models.enums import DebtorKind, LabelColour, Stage

LABELS_FILE = PROJECT_ROOT / "config" / "labels.toml"
TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Code de commerce D441-5: fixed indemnity per late invoice, business debtors only.
RECOVERY_INDEMNITY = Decimal("40.00")
# CPCE L125-1 and R125-1: the small-claims procedure, principal and interest included.
SMALL_CLAIMS_CEILING = Decimal("5000.00")
# Room between the label and the edges of the visible page, in PDF points (about 5 mm).
LABEL_MARGIN = 14.0
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class PdfRefused(ValueError):
    """A PDF that cannot be stamped: encrypted or unreadable."""


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a unique temporary file beside ``path``, then rename it over ``path``.

    A unique name matters: an attempt that timed out may still be writing when its retry starts.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- letters -------------------------------------------------------------------------------------


@cache
def letter_environment(templates_dir: Path) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(templates_dir),
        # The letter is HTML; the email subject and body are plain text and must not be escaped.
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        undefined=StrictUndefined,
    )
    environment.filters["money"] = money_fr
    environment.filters["date_fr"] = date_fr
    environment.filters["enumeration"] = enumeration_fr
    return environment


def template_values(context: LetterContext) -> dict[str, Any]:
    """What the templates see: the context's fields, plus the facts the letters derive from them."""
    letters = context.previous_letters
    notices = [letter for letter in letters if letter.stage == Stage.FORMAL_NOTICE]
    return {
        **dict(context),
        "business": context.debtor.kind == DebtorKind.BUSINESS,
        "reminders": [letter for letter in letters if letter.stage == Stage.AMICABLE_REMINDER],
        "notice": notices[-1] if notices else None,
        # Penalties between businesses run from the day after the due date (L441-10).
        "penalties_from": context.invoice.due_date + timedelta(days=1),
        "recovery_indemnity": RECOVERY_INDEMNITY,
        "small_claims_ceiling": SMALL_CLAIMS_CEILING,
        "small_claim": context.balance <= SMALL_CLAIMS_CEILING,
    }


class TemplateFolderFetcher(URLFetcher):
    """Lets a letter use files of its template folder (a logo, a font) and nothing else: no network."""

    def __init__(self, templates_dir: Path) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self._root = templates_dir.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self._root):
                raise ValueError(f"letters may only use files under {self._root}, not {path}")
        return super().fetch(url, headers)


# --- labels --------------------------------------------------------------------------------------


@cache
def label_styles() -> dict[LabelColour, tuple[str, str]]:
    """Each colour's text and CSS colour, from ``config/labels.toml``."""
    table = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))
    styles = {}
    for colour in LabelColour:
        entry = table.get(colour.value, {})
        text, css = entry.get("text"), entry.get("colour")
        if not isinstance(text, str) or not text or not isinstance(css, str) or not _HEX_COLOUR.match(css):
            raise ValueError(f"{LABELS_FILE}: [{colour.value}] needs a text and a colour like '#2e7d32'")
        styles[colour] = (text, css)
    return styles


@cache
def label_stamp(colour: LabelColour) -> bytes:
    """A one-page PDF the size of the badge, rendered once per colour."""
    text, css = label_styles()[colour]
    page = f"""<html><head><style>
      @page {{ size: 92mm 7mm; margin: 0; }}
      html, body {{ margin: 0; }}
      .badge {{ box-sizing: border-box; height: 7mm; display: flex; align-items: center;
               justify-content: center; white-space: nowrap; border: 0.5mm solid {css};
               border-radius: 3.5mm; background: white; color: {css};
               font: bold 7pt/1 "DejaVu Sans", sans-serif; }}
    </style></head><body><div class="badge">{html.escape(text)}</div></body></html>"""
    return HTML(string=page).write_pdf()


def stamp_pdf(source: bytes, colour: LabelColour) -> bytes:
    """Stamp the label on every page, top right as the reader sees it; attachments kept."""
    try:
        reader = PdfReader(BytesIO(source))
        if reader.is_encrypted:
            raise PdfRefused("the PDF is encrypted: it cannot be stamped without its password")
        # Cloning keeps the whole catalog: embedded files (a Factur-X invoice's factur-x.xml),
        # metadata, outlines and form fields survive the stamping.
        writer = PdfWriter(clone_from=reader)
    except PyPdfError as error:
        raise PdfRefused(f"not a readable PDF ({error})") from error
    stamp = PdfReader(BytesIO(label_stamp(colour))).pages[0]
    for page in writer.pages:
        page.merge_transformed_page(stamp, _stamp_placement(page, stamp), over=True)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _stamp_placement(page: PageObject, stamp: PageObject) -> Transformation:
    """Put the stamp upright in the top-right corner of the page as displayed.

    A viewer turns the page clockwise by its /Rotate and shows its crop box: place the stamp in
    those displayed coordinates, then turn it back counter-clockwise onto the page's own. The
    page's content is left untouched (its links and form fields keep their places).
    """
    box = page.cropbox
    rotation = page.rotation % 360
    width, height = float(box.width), float(box.height)
    shown_width, shown_height = (height, width) if rotation in (90, 270) else (width, height)
    stamp_width, stamp_height = float(stamp.mediabox.width), float(stamp.mediabox.height)
    # A page narrower than the badge gets a smaller badge.
    scale = min(1.0, shown_width / (stamp_width + 2 * LABEL_MARGIN))
    x = shown_width - (stamp_width + LABEL_MARGIN) * scale
    y = shown_height - (stamp_height + LABEL_MARGIN) * scale
    # Turning the displayed box about the origin moves it off the page's box: bring it back.
    turn = Transformation().rotate(rotation)
    corners = [turn.apply_on((0.0, 0.0)), turn.apply_on((shown_width, shown_height))]
    shift_x = float(box.left) - min(corner[0] for corner in corners)
    shift_y = float(box.bottom) - min(corner[1] for corner in corners)
    return Transformation().scale(scale).translate(x, y).rotate(rotation).translate(shift_x, shift_y)


# --- activities ----------------------------------------------------------------------------------


class DocumentActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn
    def render_letter(self, request: RenderLetterRequest) -> RenderedLetter:
        context = request.context
        templates_dir = self._settings.templates_dir
        if not TEMPLATE_NAME.match(request.template):
            raise _unknown_template(request.template, templates_dir, "not a template name")
        names = [f"{request.template}{suffix}" for suffix in (".html.j2", ".subject.txt.j2", ".body.txt.j2")]
        missing = [name for name in names if not (templates_dir / name).is_file()]
        if missing:
            raise _unknown_template(request.template, templates_dir, f"no {', '.join(missing)}")
        environment = letter_environment(templates_dir)
        values = template_values(context)
        try:
            letter_html, subject, body = (environment.get_template(name).render(values) for name in names)
        except (TemplateError, ValueError, TypeError) as error:
            # The same context would fail the same way on every retry.
            raise ApplicationError(
                f"letter template {request.template!r} in {templates_dir} failed: {error}",
                type="TemplateError",
                non_retryable=True,
            ) from error
        fetcher = TemplateFolderFetcher(templates_dir)
        base_url = f"{templates_dir.resolve()}/"
        pdf = HTML(string=letter_html, base_url=base_url, url_fetcher=fetcher).write_pdf()
        folder = self._settings.documents_dir / _path_part(context.case_id)
        path = folder / f"{_path_part(context.step_key)}.pdf"
        write_atomically(path, pdf)
        return RenderedLetter(
            document=DocumentRef(path=str(path), sha256=sha256_of(pdf)),
            email_subject=" ".join(subject.split()),
            email_body=body.strip() + "\n",
        )

    @activity.defn
    def label_pdf(self, request: LabelRequest) -> DocumentRef:
        source = Path(request.source.path)
        try:
            content = source.read_bytes()
        except FileNotFoundError as error:
            raise ApplicationError(
                f"{source} is missing: nothing to label", type="DocumentChanged", non_retryable=True
            ) from error
        if sha256_of(content) != request.source.sha256:
            raise ApplicationError(
                f"{source} changed since it was produced (sha256 {sha256_of(content)}, "
                f"expected {request.source.sha256}): not labelling it",
                type="DocumentChanged",
                non_retryable=True,
            )
        try:
            stamped = stamp_pdf(content, request.colour)
        except PdfRefused as error:
            raise ApplicationError(f"{source}: {error}", type="PdfRefused", non_retryable=True) from error
        path = source.with_name(f"{source.stem}.{request.colour.value}.pdf")
        write_atomically(path, stamped)
        return DocumentRef(path=str(path), sha256=sha256_of(stamped))


def _unknown_template(template: str, templates_dir: Path, why: str) -> ApplicationError:
    return ApplicationError(
        f"unknown letter template {template!r} in {templates_dir}: {why}",
        type="UnknownTemplate",
        non_retryable=True,
    )


def _path_part(name: str) -> str:
    """A case id or step key used as one path component, refused if it could leave its folder."""
    if name in ("", ".", "..") or Path(name).name != name:
        raise ApplicationError(f"{name!r} cannot name a document file or folder", non_retryable=True)
    return name
