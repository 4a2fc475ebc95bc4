"""The label (without a code) as an image, PNG or SVG, for stickers, invoices and web pages."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from enum import StrEnum
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from config.labels import label_styles
from models.enums import LabelColour

# The label as an image: pixels per millimetre (254 dpi), the badge 7 mm high.
IMAGE_SCALE = 10
IMAGE_FONT = "DejaVuSans-Bold.ttf"


class LabelImageFormat(StrEnum):
    PNG = "png"
    SVG = "svg"


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
