"""The label stamped on a PDF: the badge of each colour, rendered once by WeasyPrint, with its
verification code added as a few PDF operators in an embedded monospaced font, merged once per page
in the top-right corner as the reader sees it. Attachments, metadata and form fields are kept."""

from __future__ import annotations

import html
from functools import cache
from io import BytesIO
from pathlib import Path

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont
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

from activities.labelling.codes import CODE_ALPHABET
from activities.rendering.pdf import html_to_pdf
from config.labels import label_styles
from models.enums import LabelColour

# Room between the label and the edges of the visible page, in PDF points (about 5 mm).
LABEL_MARGIN = 14.0
BADGE_WIDTH_MM, BADGE_HEIGHT_MM = 92, 10
POINTS_PER_MM = 72 / 25.4
# The code line under the label's text, in a monospaced font (every glyph about 0.6 em wide), embedded.
CODE_FONT_SIZE = 6.0
CODE_BASELINE = 2.4 * POINTS_PER_MM
CODE_CAPTION = "Code de vérification"
CODE_FONT_FILE = "DejaVuSansMono-Bold.ttf"
# Every character a code line may show, and the single-byte codes the font covers (WinAnsi).
CODE_CHARACTERS = f"{CODE_CAPTION} RL-{CODE_ALPHABET}"
FIRST_CHAR, LAST_CHAR = 32, 255
FONT_FOLDERS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("~/.fonts"))


class PdfRefused(ValueError):
    """A PDF that cannot be stamped: encrypted or unreadable."""


@cache
def label_badge(colour: LabelColour) -> bytes:
    """A one-page PDF the size of the badge, its text on top and room for the code below.

    The page also carries the font the code is written in (``/RelanceCode``), embedded: an archival
    PDF (PDF/A, which a Factur-X invoice is) must embed every font it uses.
    """
    text, css = label_styles()[colour]
    page = f"""<html lang="fr"><head><style>
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
            raise PdfRefused("le PDF est chiffré : il ne peut pas recevoir le label sans son mot de passe")
        # Cloning keeps the whole catalog: embedded files (a Factur-X invoice's factur-x.xml),
        # metadata, outlines and form fields survive the stamping.
        writer = PdfWriter(clone_from=reader)
    except PyPdfError as error:
        raise PdfRefused(f"PDF illisible ({error})") from error
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
