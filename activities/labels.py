"""The good-practice label: the badge stamped on documents with its verification code, the green
label on the invoices of a creditor who accepted the charter, the charter attestation, and the label
as an image (PNG or SVG).

Stamping is CPU work and synchronous: the worker runs it on its thread pool. The badge of each
colour is rendered once by WeasyPrint; each call only adds its verification code to it, as a few
PDF operators in a standard font, and merges the result once per page. A label's code derives from
what it labels (case, step, colour): a retry prints the same code, and the journal keeps it so that
anyone holding the document can have it checked (``relance label verify CODE``).
"""

from __future__ import annotations

import hashlib
import html
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import cache
from io import BytesIO
from pathlib import Path

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import _path_part, letter_environment
from activities.pdf_rendering import html_to_pdf
from config.labels import label_styles
from config.settings import Settings
from models.case_ids import case_id_for
from models.documents import AttestationRequest, DocumentRef, InvoiceLabelRequest, LabelRequest
from models.enums import LabelColour
from models.parties import CreditorInfo
from support.files import sha256_of, write_atomically

ATTESTATION_TEMPLATE = "label_attestation.html.j2"
# Room between the label and the edges of the visible page, in PDF points (about 5 mm).
LABEL_MARGIN = 14.0
BADGE_WIDTH_MM, BADGE_HEIGHT_MM = 92, 10
POINTS_PER_MM = 72 / 25.4
# Verification codes: RL-XXXX-XXXX over 32 characters that cannot be misread (no 0/O, no 1/I).
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
LABEL_CODE = re.compile(rf"^RL-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")
# The code line under the label's text, in a monospaced font (every glyph about 0.6 em wide), embedded.
CODE_FONT_SIZE = 6.0
CODE_BASELINE = 2.4 * POINTS_PER_MM
CODE_CAPTION = "Code de vérification"
CODE_FONT_FILE = "DejaVuSansMono-Bold.ttf"
# Every character a code line may show, and the single-byte codes the font covers (WinAnsi).
CODE_CHARACTERS = f"{CODE_CAPTION} RL-{CODE_ALPHABET}"
FIRST_CHAR, LAST_CHAR = 32, 255
FONT_FOLDERS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("~/.fonts"))
# The label as an image: pixels per millimetre (254 dpi), the badge 7 mm high.
IMAGE_SCALE = 10
IMAGE_FONT = "DejaVuSans-Bold.ttf"
# Step keys of the green labels issued outside the ladder.
INVOICE_STEP = "invoice"
ATTESTATION_STEP = "attestation"


class PdfRefused(ValueError):
    """A PDF that cannot be stamped: encrypted or unreadable."""


class CharterNotAccepted(ValueError):
    """The green label and the attestation belong to creditors who accepted the charter."""


class LabelImageFormat(StrEnum):
    PNG = "png"
    SVG = "svg"




# --- verification codes --------------------------------------------------------------------------


def label_code(subject: str, step_key: str, colour: LabelColour) -> str:
    """The verification code of the label put on ``subject``'s document for ``step_key``."""
    digest = hashlib.sha256(f"{subject}\n{step_key}\n{colour.value}".encode()).digest()
    number = int.from_bytes(digest[:5])  # 40 bits: 8 characters of 5 bits
    characters = "".join(CODE_ALPHABET[(number >> (5 * index)) & 31] for index in range(CODE_LENGTH))
    return f"RL-{characters[:4]}-{characters[4:]}"


def normalise_label_code(text: str) -> str | None:
    """The code as printed (``RL-7K3M-Q9TD``) from what a person typed, or None if it is not one.

    Case, spaces, dashes and the ``RL`` prefix do not matter. Codes have no 0, 1, O or I: one typed
    with them was mistyped, and is refused rather than guessed.
    """
    compact = re.sub(r"[\s-]", "", text.upper())
    if len(compact) == CODE_LENGTH + 2 and compact.startswith("RL"):
        compact = compact[2:]
    code = f"RL-{compact[:4]}-{compact[4:]}"
    return code if LABEL_CODE.match(code) else None


# --- stamping ------------------------------------------------------------------------------------


@cache
def label_badge(colour: LabelColour) -> bytes:
    """A one-page PDF the size of the badge, its text on top and room for the code below.

    The page also carries the font the code is written in (``/RelanceCode``), embedded: an archival
    PDF (PDF/A, which a Factur-X invoice is) must embed every font it uses.
    """
    text, css = label_styles()[colour]
    page = f"""<html><head><style>
      @page {{ size: {BADGE_WIDTH_MM}mm {BADGE_HEIGHT_MM}mm; margin: 0; }}
      html, body {{ margin: 0; }}
      .badge {{ box-sizing: border-box; height: {BADGE_HEIGHT_MM}mm; padding-top: 1.3mm;
               text-align: center; white-space: nowrap; border: 0.5mm solid {css};
               border-radius: 3mm; background: white; color: {css};
               font: bold 7pt/1 "DejaVu Sans", sans-serif; }}
    </style></head><body><div class="badge">{html.escape(text)}</div></body></html>"""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(html_to_pdf(page))))
    resources = writer.pages[0]["/Resources"].get_object()
    fonts = resources.setdefault(NameObject("/Font"), DictionaryObject()).get_object()
    fonts[NameObject("/RelanceCode")] = _embedded_code_font(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _embedded_code_font(writer: PdfWriter) -> IndirectObject:
    """DejaVu Sans Mono Bold, cut down to the characters a code line uses, as a TrueType font
    with the WinAnsi encoding (the caption's "é" included)."""
    font = TTFont(_system_font(CODE_FONT_FILE))
    options = Options()
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: not needed, and not subsettable
    subsetter = Subsetter(options)
    subsetter.populate(text=CODE_CHARACTERS)
    subsetter.subset(font)
    program = BytesIO()
    font.save(program)
    scale = 1000 / font["head"].unitsPerEm
    unicode_map = font.getBestCmap()
    widths = []
    for code in range(FIRST_CHAR, LAST_CHAR + 1):
        glyph = unicode_map.get(ord(bytes([code]).decode("cp1252", errors="replace")))
        widths.append(NumberObject(round(font["hmtx"][glyph][0] * scale) if glyph else 0))
    name = NameObject(f"/RLCODE+{CODE_FONT_FILE.removesuffix('.ttf')}")
    font_file = StreamObject()
    font_file.set_data(program.getvalue())
    font_file[NameObject("/Length1")] = NumberObject(len(program.getvalue()))
    head, hhea = font["head"], font["hhea"]
    # Older OS/2 tables have no cap height: the height of "H" is what it means.
    cap_height = getattr(font["OS/2"], "sCapHeight", 0) or font["glyf"][unicode_map[ord("H")]].yMax
    descriptor = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): name,
            # Fixed pitch (1) and non-symbolic (32): the WinAnsi encoding applies.
            NameObject("/Flags"): NumberObject(33),
            NameObject("/FontBBox"): ArrayObject(
                NumberObject(round(value * scale)) for value in (head.xMin, head.yMin, head.xMax, head.yMax)
            ),
            NameObject("/ItalicAngle"): NumberObject(0),
            NameObject("/Ascent"): NumberObject(round(hhea.ascent * scale)),
            NameObject("/Descent"): NumberObject(round(hhea.descent * scale)),
            NameObject("/CapHeight"): NumberObject(round(cap_height * scale)),
            NameObject("/StemV"): NumberObject(120),
            NameObject("/FontFile2"): writer._add_object(font_file),
        }
    )
    return writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/TrueType"),
                NameObject("/BaseFont"): name,
                NameObject("/FirstChar"): NumberObject(FIRST_CHAR),
                NameObject("/LastChar"): NumberObject(LAST_CHAR),
                NameObject("/Widths"): ArrayObject(widths),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
                NameObject("/FontDescriptor"): writer._add_object(descriptor),
            }
        )
    )


def _system_font(file_name: str) -> Path:
    """A font file installed on the machine (the DejaVu family comes with WeasyPrint's needs)."""
    for folder in FONT_FOLDERS:
        found = sorted(folder.expanduser().rglob(file_name)) if folder.expanduser().is_dir() else []
        if found:
            return found[0]
    folders = ", ".join(str(folder) for folder in FONT_FOLDERS)
    raise FileNotFoundError(f"font {file_name} not found under {folders}: install the DejaVu fonts")


def label_stamp(colour: LabelColour, code: str) -> PageObject:
    """The badge with its code: a page of its own, to merge onto every page of a document."""
    badge = PdfReader(BytesIO(label_badge(colour))).pages[0]
    width, height = float(badge.mediabox.width), float(badge.mediabox.height)
    line = f"{CODE_CAPTION} {code}"
    red, green, blue = (int(label_styles()[colour][1][i : i + 2], 16) / 255 for i in (1, 3, 5))
    left = (width - 0.6 * CODE_FONT_SIZE * len(line)) / 2
    code_operators = (
        f"BT /RelanceCode {CODE_FONT_SIZE:g} Tf {red:.4f} {green:.4f} {blue:.4f} rg "
        f"{left:.2f} {CODE_BASELINE:.2f} Td ".encode("ascii")
        + _pdf_string(line)
        + b" Tj ET\n"
    )
    contents = DecodedStreamObject()
    contents.set_data(b"q\n" + badge.get_contents().get_data() + b"\nQ\n" + code_operators)
    stamp = PageObject.create_blank_page(width=width, height=height)
    stamp[NameObject("/Resources")] = badge["/Resources"]
    stamp[NameObject("/Contents")] = contents
    return stamp


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi encoding (the accented letters of French are single bytes)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("cp1252") + b")"


def stamp_pdf(source: bytes, colour: LabelColour, code: str) -> bytes:
    """Stamp the label and its code on every page, top right as the reader sees it; attachments kept."""
    try:
        reader = PdfReader(BytesIO(source))
        if reader.is_encrypted:
            raise PdfRefused("the PDF is encrypted: it cannot be stamped without its password")
        # Cloning keeps the whole catalog: embedded files (a Factur-X invoice's factur-x.xml),
        # metadata, outlines and form fields survive the stamping.
        writer = PdfWriter(clone_from=reader)
    except PyPdfError as error:
        raise PdfRefused(f"not a readable PDF ({error})") from error
    stamp = label_stamp(colour, code)
    drawing = stamp.get_contents().get_data()
    for page in writer.pages:
        page.merge_page(_placed(stamp, drawing, page), over=True)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _placed(stamp: PageObject, drawing: bytes, page: PageObject) -> PageObject:
    """The stamp already moved to its place on ``page``, as an overlay the size of the page.

    pypdf's ``merge_transformed_page`` would parse the stamp's drawing once more on every page to
    prefix the move; writing the move (and the stamp's clip) here keeps each page to one parse.
    """
    matrix = " ".join(f"{value:.4f}" for value in _stamp_placement(page, stamp).ctm)
    width, height = float(stamp.mediabox.width), float(stamp.mediabox.height)
    placed = PageObject.create_blank_page(width=1, height=1)
    placed[NameObject("/MediaBox")] = page.mediabox
    placed[NameObject("/Resources")] = stamp["/Resources"]
    contents = DecodedStreamObject()
    contents.set_data(f"{matrix} cm 0 0 {width:.4f} {height:.4f} re W n\n".encode("ascii") + drawing)
    placed[NameObject("/Contents")] = contents
    return placed


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


# --- the green label and the attestation ---------------------------------------------------------


def require_charter(creditor: CreditorInfo) -> None:
    """Refuse the green label and the attestation to a creditor who has not accepted the charter."""
    if creditor.charter_accepted_on is None:
        raise CharterNotAccepted(
            f"{creditor.name} (SIREN {creditor.siren}) has not accepted the good-practice charter: "
            "no green label nor attestation for its invoices"
        )


def green_invoice(content: bytes, creditor: CreditorInfo, case_id: str) -> tuple[bytes, str]:
    """The creditor's invoice with the green label, and the label's code."""
    require_charter(creditor)
    code = label_code(case_id, INVOICE_STEP, LabelColour.GREEN)
    return stamp_pdf(content, LabelColour.GREEN, code), code


def attestation_subject(request: AttestationRequest) -> str:
    """What the attestation is about: the invoice's case, or the creditor's charter when alone."""
    if request.invoice is not None:
        return case_id_for(request.creditor.siren, request.invoice.number)
    return f"charter-{request.creditor.siren}"


def attestation_pdf(templates_dir: Path, request: AttestationRequest) -> tuple[bytes, str]:
    """The attestation of the creditor's commitments, with the green label, and the label's code."""
    require_charter(request.creditor)
    code = label_code(attestation_subject(request), ATTESTATION_STEP, LabelColour.GREEN)
    template = letter_environment(templates_dir).get_template(ATTESTATION_TEMPLATE)
    page = template.render(
        creditor=request.creditor,
        invoice=request.invoice,
        issued_on=request.issued_on,
        case_id=attestation_subject(request) if request.invoice else None,
        code=code,
    )
    pdf = html_to_pdf(page, templates_dir)
    return stamp_pdf(pdf, LabelColour.GREEN, code), code


# --- the label as an image -----------------------------------------------------------------------


def label_image(colour: LabelColour, image_format: LabelImageFormat) -> bytes:
    """The label (without a code) as a PNG or SVG image, for stickers, invoices and web pages."""
    text, css = label_styles()[colour]
    try:
        font = ImageFont.truetype(IMAGE_FONT, round(7 * 25.4 / 72 * IMAGE_SCALE))
    except OSError as error:
        raise RuntimeError(f"the label's font {IMAGE_FONT} is not installed (fonts-dejavu-core)") from error
    text_width = font.getlength(text)
    width, height = round(text_width + 8 * IMAGE_SCALE), 7 * IMAGE_SCALE
    border = IMAGE_SCALE // 2
    if image_format == LabelImageFormat.SVG:
        return _label_svg(text, css, text_width, width, height, border)
    # Drawn four times larger, then reduced: smooth edges.
    big = 4
    image = Image.new("RGBA", (width * big, height * big), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (0, 0, width * big - 1, height * big - 1),
        radius=height * big // 2,
        fill="white",
        outline=css,
        width=border * big,
    )
    big_font = font.font_variant(size=font.size * big)
    draw.text((width * big / 2, height * big / 2), text, fill=css, font=big_font, anchor="mm")
    out = BytesIO()
    dpi = round(IMAGE_SCALE * 25.4)
    image.resize((width, height), Image.Resampling.LANCZOS).save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _label_svg(text: str, css: str, text_width: float, width: int, height: int, border: int) -> bytes:
    svg = ElementTree.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": f"{width / IMAGE_SCALE:g}mm",
            "height": f"{height / IMAGE_SCALE:g}mm",
            "viewBox": f"0 0 {width} {height}",
            "role": "img",
            "aria-label": text,
        },
    )
    ElementTree.SubElement(svg, "title").text = text
    inset = border / 2
    ElementTree.SubElement(
        svg,
        "rect",
        {
            "x": f"{inset:g}",
            "y": f"{inset:g}",
            "width": f"{width - border:g}",
            "height": f"{height - border:g}",
            "rx": f"{(height - border) / 2:g}",
            "fill": "#ffffff",
            "stroke": css,
            "stroke-width": f"{border:g}",
        },
    )
    # The text's length is the one measured with DejaVu Sans Bold: another font is fitted to it.
    ElementTree.SubElement(
        svg,
        "text",
        {
            "x": f"{width / 2:g}",
            "y": f"{height / 2:g}",
            "fill": css,
            "font-family": "'DejaVu Sans', Verdana, sans-serif",
            "font-weight": "bold",
            "font-size": f"{7 * 25.4 / 72 * IMAGE_SCALE:.2f}",
            "text-anchor": "middle",
            "dominant-baseline": "central",
            "textLength": f"{text_width:.1f}",
            "lengthAdjust": "spacingAndGlyphs",
        },
    ).text = text
    return ElementTree.tostring(svg, encoding="utf-8", xml_declaration=True)


# --- activities ----------------------------------------------------------------------------------


class LabelActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    # Running workflows and recorded histories call it by this name.
    @activity.defn(name="label_pdf")
    def label_pdf(self, request: LabelRequest) -> DocumentRef:
        """Stamp a step's letter with its label; the file must be the one that was rendered."""
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
        code = label_code(request.case_id, request.step_key, request.colour)
        with _fails_for_good(source):
            stamped = stamp_pdf(content, request.colour, code)
        path = source.with_name(f"{source.stem}.{request.colour.value}.pdf")
        write_atomically(path, stamped)
        return DocumentRef(path=str(path), sha256=sha256_of(stamped), label_code=code)

    @activity.defn
    def label_invoice(self, request: InvoiceLabelRequest) -> DocumentRef:
        """The creditor's own invoice with the green label, for a creditor who accepted the charter."""
        if request.invoice.pdf_path is None:
            raise ApplicationError(
                f"invoice {request.invoice.number} has no PDF to label",
                type="NoInvoicePdf",
                non_retryable=True,
            )
        source = Path(request.invoice.pdf_path)
        try:
            content = source.read_bytes()
        except FileNotFoundError as error:
            raise ApplicationError(
                f"{source} is missing: nothing to label", type="NoInvoicePdf", non_retryable=True
            ) from error
        with _fails_for_good(source):
            stamped, code = green_invoice(content, request.creditor, request.case_id)
        path = self._settings.documents_dir / _path_part(request.case_id) / "invoice.green.pdf"
        write_atomically(path, stamped)
        return DocumentRef(path=str(path), sha256=sha256_of(stamped), label_code=code)

    @activity.defn
    def render_attestation(self, request: AttestationRequest) -> DocumentRef:
        """The charter attestation, joined to an invoice when one is given."""
        with _fails_for_good():
            pdf, code = attestation_pdf(self._settings.templates_dir, request)
        path = self._settings.documents_dir / _path_part(attestation_subject(request)) / "attestation.pdf"
        write_atomically(path, pdf)
        return DocumentRef(path=str(path), sha256=sha256_of(pdf), label_code=code)


@contextmanager
def _fails_for_good(source: Path | None = None) -> Iterator[None]:
    """What would fail again on every retry fails the activity for good, saying why."""
    try:
        yield
    except PdfRefused as error:
        raise ApplicationError(f"{source}: {error}", type="PdfRefused", non_retryable=True) from error
    except CharterNotAccepted as error:
        raise ApplicationError(str(error), type="CharterNotAccepted", non_retryable=True) from error
