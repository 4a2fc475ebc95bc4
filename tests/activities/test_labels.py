"""Good-practice labels stamped with pypdf and read back: badge and verification code on every page,
the green label on Factur-X invoices, the charter attestation, the label images, and the codes
checked against the journal (SQLite and PostgreSQL), from Python and from the command line."""

from __future__ import annotations

import asyncio
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import facturx
import pytest
from PIL import Image
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import DictionaryObject
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from typer.testing import CliRunner, Result
from weasyprint import HTML

from activities.labelling.codes import label_code, normalise_label_code
from activities.labelling.images import LabelImageFormat, label_image
from activities.labels import LabelActivities
from backoffice.accounts import add_user, has_users
from backoffice.labels import IssuedLabel, LabelRefused, record_label, verify_label
from config.case_id_key import case_id_key
from config.settings import Settings
from models.case_ids import case_id_for, legacy_case_id
from models.documents import AttestationRequest, DocumentRef, InvoiceLabelRequest, LabelRequest
from models.enums import LabelColour, Role
from models.invoices import InvoiceInfo
from models.ledger import CaseEventRecord
from models.parties import Address, CreditorInfo
from starter import app
from storage.database import Database
from storage.journal import append_event, case_events
from storage.tables import Creditor
from tests.fixtures.cases import TEST_CASE_ID_KEY
from tests.fixtures.cli import PASSWORD, session_env
from tests.fixtures.database import store_invoice
from tests.fixtures.facturx import basic_xml
from tests.fixtures.pdf import MM, flat, pdf_text, sha256_file, text_runs

CASE_ID = "invoice-123456782-F-2026-0042"
A4 = (595.28, 841.89, 0)
CODE = re.compile(r"^RL-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
LABEL_TEXTS = {
    LabelColour.GREEN: "Label Bonnes pratiques — Paiement attendu à l'échéance",
    LabelColour.ORANGE: "Label Bonnes pratiques — Relance après échéance",
    LabelColour.RED: "Label Bonnes pratiques — Procédure de recouvrement",
}
LABEL_RGB = {
    LabelColour.GREEN: (0x2E, 0x7D, 0x32),
    LabelColour.ORANGE: (0xE6, 0x51, 0x00),
    LabelColour.RED: (0xC6, 0x28, 0x28),
}
COMMITMENTS = [
    "ne commencer aucune prestation sans un engagement ferme de son client",
    "réaliser la prestation telle qu'elle a été commandée",
    "émettre des factures conformes aux règles de facturation, au moyen d'un logiciel conforme",
    "payer ses propres fournisseurs à l'échéance",
    "relancer ses factures impayées dès leur échéance",
]
CREDITOR = CreditorInfo(
    name="L'Atelier Dupont & Fils",
    siren="123456782",
    email="compta@atelier-dupont.fr",
    address=Address(street="12 rue des Artisans", postcode="69003", city="Lyon"),
    charter_accepted_on=date(2026, 1, 5),
)
INVOICE = InvoiceInfo(
    number="F-2026-0042",
    issue_date=date(2026, 1, 2),
    due_date=date(2026, 1, 31),
    amount_due=Decimal("1234.56"),
    order_reference="BC-7781",
)
# A Factur-X MINIMUM invoice's XML (schema-checked by the factur-x library when it is embedded).
FACTUR_X_XML = basic_xml(number="F-2026-0042").encode("utf-8")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("labels"))


@pytest.fixture(scope="module")
def labels(settings: Settings) -> LabelActivities:
    return LabelActivities(settings)


@pytest.fixture(scope="module")
def factur_x_invoice() -> bytes:
    """A two-page Factur-X invoice made by the factur-x library from a WeasyPrint PDF."""
    pages = (
        "<h1>Facture n° F-2026-0042</h1><p style='break-after: page'>Menuiserie, 1 234,56 € TTC</p>"
        "<p>Conditions de paiement : 30 jours.</p>"
    )
    return facturx.generate_from_binary(HTML(string=pages).write_pdf(), FACTUR_X_XML, check_xsd=True)


# --- reading labels back -------------------------------------------------------------------------


def as_displayed(page: PageObject, point: tuple[float, float], direction: tuple[float, float]) -> tuple:
    """Where a viewer shows a point of the page (the crop box turned clockwise by /Rotate)."""
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    u, v = point[0] - float(box.left), point[1] - float(box.bottom)
    dx, dy = direction
    rotation = page.rotation % 360
    if rotation == 90:
        return (v, width - u), (dy, -dx), (height, width)
    if rotation == 180:
        return (width - u, height - v), (-dx, -dy), (width, height)
    if rotation == 270:
        return (height - v, u), (-dy, dx), (height, width)
    return (u, v), (dx, dy), (width, height)


def assert_label_top_right(page: PageObject, colour: LabelColour, code: str) -> None:
    """The label's text, and its code under it, read upright in the top-right corner of the page."""
    runs = [(flat(text), origin, direction) for text, origin, direction in text_runs(page)]
    label_runs = [run for run in runs if run[0].startswith("Label Bonnes pratiques")]
    code_runs = [run for run in runs if run[0].startswith("Code de vérification")]
    assert [text for text, _, _ in label_runs] == [LABEL_TEXTS[colour]], page.extract_text()
    assert [text for text, _, _ in code_runs] == [f"Code de vérification {code}"], page.extract_text()
    [(_, label_origin, label_direction)], [(_, code_origin, code_direction)] = label_runs, code_runs
    (x, y), (dx, dy), (shown_width, shown_height) = as_displayed(page, label_origin, label_direction)
    assert dx > 0 and abs(dy) < 1e-6 * abs(dx), "the label must read upright"
    # The badge is 92 mm wide: its text starts within 100 mm of the right edge, and leaves room to end.
    assert shown_width - 100 * MM < x < shown_width - 150, (x, shown_width)
    assert shown_height - 20 * MM < y < shown_height, (y, shown_height)
    # The code is centred under the label's text, inside the badge (10 mm high, 5 mm from the top).
    (code_x, code_y), (code_dx, code_dy), _ = as_displayed(page, code_origin, code_direction)
    assert code_dx > 0 and abs(code_dy) < 1e-6 * abs(code_dx), "the code must read upright"
    assert x < code_x < shown_width - 14 - 40 * MM, (code_x, x)
    assert shown_height - 15 * MM < code_y < y - 2 * MM, (code_y, y)


def save(writer: PdfWriter, path: Path) -> DocumentRef:
    buffer = BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return DocumentRef(path=str(path), sha256=sha256_file(path))


def write_pdf(path: Path, pages: list[tuple[float, float, int]]) -> DocumentRef:
    """A PDF of blank pages (width, height, rotation)."""
    writer = PdfWriter()
    for width, height, rotation in pages:
        page = writer.add_blank_page(width, height)
        if rotation:
            page.rotate(rotation)
    writer.add_metadata({"/Title": "Facture F-2026-0042"})
    return save(writer, path)


def label(
    labels: LabelActivities, source: DocumentRef, colour: LabelColour, step: str = "step"
) -> DocumentRef:
    return labels.label_pdf(LabelRequest(case_id=CASE_ID, step_key=step, source=source, colour=colour))


# --- verification codes --------------------------------------------------------------------------


def test_codes_are_short_unambiguous_and_stable() -> None:
    code = label_code(CASE_ID, "formal_notice", LabelColour.RED)
    assert CODE.match(code), code
    assert label_code(CASE_ID, "formal_notice", LabelColour.RED) == code
    others = {
        label_code(CASE_ID, "penalty_claim", LabelColour.RED),
        label_code(CASE_ID, "formal_notice", LabelColour.ORANGE),
        label_code("invoice-123456782-F-2026-0043", "formal_notice", LabelColour.RED),
    }
    assert code not in others and len(others) == 3
    # What a person types is read back to the printed form; what cannot be a code is refused.
    assert normalise_label_code(code.lower()) == code
    assert normalise_label_code(" " + code.replace("-", " ") + " ") == code
    assert normalise_label_code(code.replace("-", "")[2:]) == code
    for wrong in ("", "RL-1234-5678", "RL-OOOO-IIII", code + "X", "hello"):
        assert normalise_label_code(wrong) is None, wrong


# --- stamping ------------------------------------------------------------------------------------


def test_label_and_code_on_every_page_of_a_document(tmp_path: Path, labels: LabelActivities) -> None:
    pages = "".join(f"<p style='break-after: page'>Mise en demeure, page {n}</p>" for n in (1, 2, 3))
    path = tmp_path / "formal_notice.pdf"
    path.write_bytes(HTML(string=pages).write_pdf())
    source = DocumentRef(path=str(path), sha256=sha256_file(path))
    labelled = label(labels, source, LabelColour.RED, step="formal_notice")
    code = label_code(CASE_ID, "formal_notice", LabelColour.RED)
    assert labelled == DocumentRef(
        path=str(tmp_path / "formal_notice.red.pdf"), sha256=sha256_file(labelled.path), label_code=code
    )
    reader = PdfReader(labelled.path)
    assert len(reader.pages) == 3
    for number, page in enumerate(reader.pages, start=1):
        assert_label_top_right(page, LabelColour.RED, code)
        text = flat(page.extract_text())
        assert f"Mise en demeure, page {number}" in text and code in text
    # Labelling again (a retry) writes the same file with the same code.
    again = label(labels, source, LabelColour.RED, step="formal_notice")
    assert (again.path, again.label_code) == (labelled.path, code)
    assert pdf_text(again.path) == pdf_text(labelled.path)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("colour", list(LabelColour))
def test_each_colour_has_its_text(tmp_path: Path, labels: LabelActivities, colour: LabelColour) -> None:
    source = write_pdf(tmp_path / "invoice.pdf", [A4])
    labelled = label(labels, source, colour)
    assert labelled.path == str(tmp_path / f"invoice.{colour.value}.pdf")
    assert labelled.label_code == label_code(CASE_ID, "step", colour)
    assert_label_top_right(PdfReader(labelled.path).pages[0], colour, labelled.label_code)


def test_label_on_rotated_pages(tmp_path: Path, labels: LabelActivities) -> None:
    source = write_pdf(tmp_path / "rotated.pdf", [(595.28, 841.89, turn) for turn in (0, 90, 180, 270)])
    labelled = label(labels, source, LabelColour.ORANGE)
    reader = PdfReader(labelled.path)
    assert [page.rotation for page in reader.pages] == [0, 90, 180, 270]
    assert labelled.label_code is not None
    for page in reader.pages:
        assert_label_top_right(page, LabelColour.ORANGE, labelled.label_code)


def test_label_on_letter_size_and_offset_pages(tmp_path: Path, labels: LabelActivities) -> None:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)  # US Letter
    offset = writer.add_blank_page(612, 792)
    # A page whose boxes do not start at the origin, cropped inside its media box.
    offset.mediabox.lower_left = (100, 200)
    offset.mediabox.upper_right = (712, 992)
    offset.cropbox.lower_left = (150, 250)
    offset.cropbox.upper_right = (662, 942)
    turned = writer.add_blank_page(612, 792)
    turned.cropbox.lower_left = (30, 40)
    turned.cropbox.upper_right = (582, 752)
    turned.rotate(90)
    writer.add_blank_page(200, 300)  # narrower than the badge
    labelled = label(labels, save(writer, tmp_path / "sizes.pdf"), LabelColour.GREEN)
    assert labelled.label_code is not None
    reader = PdfReader(labelled.path)
    for page in reader.pages[:3]:
        assert_label_top_right(page, LabelColour.GREEN, labelled.label_code)
    # On the small page the badge shrinks to fit: its text and code still start inside the page.
    runs = {flat(text): origin for text, origin, _ in text_runs(reader.pages[3])}
    for text in (LABEL_TEXTS[LabelColour.GREEN], f"Code de vérification {labelled.label_code}"):
        x, y = runs[text]
        assert 0 < x < 100 and 300 - 20 * MM < y < 300


def test_encrypted_pdf_is_refused(tmp_path: Path, labels: LabelActivities) -> None:
    writer = PdfWriter()
    writer.add_blank_page(595.28, 841.89)
    writer.encrypt("secret", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    source = save(writer, path)
    with pytest.raises(ApplicationError) as raised:
        label(labels, source, LabelColour.RED)
    assert raised.value.non_retryable and raised.value.type == "PdfRefused"
    assert str(path) in str(raised.value) and "encrypted" in str(raised.value)
    assert not (tmp_path / "locked.red.pdf").exists()


def test_not_a_pdf_is_refused(tmp_path: Path, labels: LabelActivities) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(b"this is not a PDF")
    with pytest.raises(ApplicationError) as raised:
        label(labels, DocumentRef(path=str(path), sha256=sha256_file(path)), LabelColour.RED)
    assert raised.value.non_retryable and raised.value.type == "PdfRefused" and str(path) in str(raised.value)


def test_a_document_changed_since_rendering_is_refused(tmp_path: Path, labels: LabelActivities) -> None:
    source = write_pdf(tmp_path / "letter.pdf", [A4])
    Path(source.path).write_bytes(Path(source.path).read_bytes() + b"\n% edited\n")
    with pytest.raises(ApplicationError) as raised:
        label(labels, source, LabelColour.ORANGE)
    assert raised.value.non_retryable and raised.value.type == "DocumentChanged"
    assert not (tmp_path / "letter.orange.pdf").exists()
    Path(source.path).unlink()
    with pytest.raises(ApplicationError) as missing:
        label(labels, source, LabelColour.ORANGE)
    assert missing.value.non_retryable and source.path in str(missing.value)


# --- the green label on invoices -----------------------------------------------------------------


def test_green_label_keeps_the_factur_x_invoice(
    tmp_path: Path, settings: Settings, labels: LabelActivities, factur_x_invoice: bytes
) -> None:
    path = tmp_path / "F-2026-0042.pdf"
    path.write_bytes(factur_x_invoice)
    assert PdfReader(path).attachments == {"factur-x.xml": [FACTUR_X_XML]}
    invoice = INVOICE.model_copy(update={"pdf_path": str(path)})
    labelled = labels.label_invoice(InvoiceLabelRequest(case_id=CASE_ID, creditor=CREDITOR, invoice=invoice))

    code = label_code(CASE_ID, "invoice", LabelColour.GREEN)
    assert labelled.path == str(settings.documents_dir / CASE_ID / "invoice.green.pdf")
    assert (labelled.sha256, labelled.label_code) == (sha256_file(labelled.path), code)
    stamped = Path(labelled.path).read_bytes()
    reader = PdfReader(BytesIO(stamped))
    # The embedded XML is byte for byte the one the invoice carried, and still a Factur-X one.
    assert reader.attachments == {"factur-x.xml": [FACTUR_X_XML]}
    assert facturx.get_xml_from_pdf(stamped, check_xsd=True) == ("factur-x.xml", FACTUR_X_XML)
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert_label_top_right(page, LabelColour.GREEN, code)
    assert "Facture n° F-2026-0042" in pdf_text(labelled.path)
    assert path.read_bytes() == factur_x_invoice  # the creditor's own file is left as it was


def test_no_green_label_without_the_charter(
    tmp_path: Path, settings: Settings, labels: LabelActivities
) -> None:
    source = write_pdf(tmp_path / "invoice.pdf", [A4])
    creditor = CREDITOR.model_copy(update={"charter_accepted_on": None})
    case_id = case_id_for(TEST_CASE_ID_KEY, creditor.siren, "F-NO-CHARTER")
    invoice = INVOICE.model_copy(update={"number": "F-NO-CHARTER", "pdf_path": source.path})
    with pytest.raises(ApplicationError) as raised:
        labels.label_invoice(InvoiceLabelRequest(case_id=case_id, creditor=creditor, invoice=invoice))
    assert raised.value.non_retryable and raised.value.type == "CharterNotAccepted"
    assert "123456782" in str(raised.value) and "n'a pas accepté la charte" in str(raised.value)
    assert not (settings.documents_dir / case_id).exists()
    with pytest.raises(ApplicationError) as attestation:
        labels.render_attestation(AttestationRequest(creditor=creditor, issued_on=date(2026, 1, 6)))
    assert attestation.value.non_retryable and attestation.value.type == "CharterNotAccepted"


def test_an_invoice_without_its_pdf_is_refused(labels: LabelActivities) -> None:
    request = InvoiceLabelRequest(case_id=CASE_ID, creditor=CREDITOR, invoice=INVOICE)
    with pytest.raises(ApplicationError) as raised:
        labels.label_invoice(request)
    assert raised.value.non_retryable and raised.value.type == "NoInvoicePdf"
    assert "F-2026-0042" in str(raised.value)


# --- the attestation -----------------------------------------------------------------------------


def test_attestation_joined_to_an_invoice(settings: Settings, labels: LabelActivities) -> None:
    case_id = case_id_for(TEST_CASE_ID_KEY, CREDITOR.siren, INVOICE.number)
    request = AttestationRequest(
        creditor=CREDITOR, issued_on=date(2026, 1, 6), invoice=INVOICE, case_id=case_id
    )
    attestation = labels.render_attestation(request)
    code = label_code(case_id, "attestation", LabelColour.GREEN)
    assert attestation.path == str(settings.documents_dir / case_id / "attestation.pdf")
    assert (attestation.sha256, attestation.label_code) == (sha256_file(attestation.path), code)
    text = pdf_text(attestation.path)
    assert "Attestation — Label Bonnes pratiques" in text
    assert "L'Atelier Dupont & Fils, SIREN 123456782" in text
    assert "a accepté le 5 janvier 2026 la charte" in text
    for commitment in COMMITMENTS:
        assert commitment in text, commitment
    assert "Facture n° F-2026-0042" in text and "1 234,56 €" in text and "31 janvier 2026" in text
    assert "attendu à l'échéance" in text
    assert f"(code de vérification) {code}" in text and case_id in text
    assert "Fait à Lyon, le 6 janvier 2026" in text
    reader = PdfReader(attestation.path)
    assert reader.metadata is not None and reader.metadata.author == "L'Atelier Dupont & Fils"
    for page in reader.pages:
        assert_label_top_right(page, LabelColour.GREEN, code)


def test_an_attestation_asked_by_a_case_started_before_opaque_ids_names_its_case(
    settings: Settings, labels: LabelActivities
) -> None:
    """Such a case sent no case id: its id was derived from the creditor and the invoice."""
    request = AttestationRequest(creditor=CREDITOR, issued_on=date(2026, 1, 6), invoice=INVOICE)
    attestation = labels.render_attestation(request)
    assert attestation.path == str(settings.documents_dir / CASE_ID / "attestation.pdf")
    assert attestation.label_code == label_code(CASE_ID, "attestation", LabelColour.GREEN)


def test_attestation_of_the_creditor_alone(settings: Settings, labels: LabelActivities) -> None:
    attestation = labels.render_attestation(AttestationRequest(creditor=CREDITOR, issued_on=date(2026, 2, 1)))
    assert attestation.path == str(settings.documents_dir / "charter-123456782" / "attestation.pdf")
    assert attestation.label_code == label_code("charter-123456782", "attestation", LabelColour.GREEN)
    text = pdf_text(attestation.path)
    for commitment in COMMITMENTS:
        assert commitment in text, commitment
    assert "F-2026-0042" not in text and "Facture n°" not in text
    assert "Fait à Lyon, le 1er février 2026" in text and attestation.label_code in text


# --- images --------------------------------------------------------------------------------------


@pytest.mark.parametrize("colour", list(LabelColour))
def test_label_as_png(colour: LabelColour) -> None:
    image = Image.open(BytesIO(label_image(colour, LabelImageFormat.PNG)))
    assert image.format == "PNG"
    width, height = image.size
    assert height == 70 and 700 < width < 1000  # 7 mm high at 10 pixels per millimetre
    counts = {rgba: count for count, rgba in image.convert("RGBA").getcolors(width * height)}
    # The border and the text are in the label's colour; the inside of the badge is white.
    in_colour = counts.get((*LABEL_RGB[colour], 255), 0)
    assert in_colour > 0.03 * width * height
    assert image.convert("RGBA").getpixel((width // 2, 10)) == (255, 255, 255, 255)


@pytest.mark.parametrize("colour", list(LabelColour))
def test_label_as_svg(colour: LabelColour) -> None:
    root = ElementTree.fromstring(label_image(colour, LabelImageFormat.SVG))
    svg = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{svg}svg" and root.get("height") == "7mm"
    [text] = root.iter(f"{svg}text")
    assert text.text == LABEL_TEXTS[colour]
    css = "#{:02x}{:02x}{:02x}".format(*LABEL_RGB[colour])
    assert text.get("fill") == css
    [badge] = root.iter(f"{svg}rect")
    assert badge.get("stroke") == css and badge.get("fill") == "#ffffff"
    assert root.findtext(f"{svg}title") == LABEL_TEXTS[colour]


# --- verification against the journal ------------------------------------------------------------


async def test_verify_finds_the_journalled_code(database: Database) -> None:
    code = label_code(CASE_ID, "formal_notice", LabelColour.RED)
    record = CaseEventRecord(
        case_id=CASE_ID,
        kind="formal_notice_sent",
        actor="system",
        occurred_at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
        detail="formal_notice: registered letter",
        idempotency_key=f"{CASE_ID}/run/3",
        step_key="formal_notice",
        document_sha256="ab" * 32,
        label_code=code,
    )
    assert await append_event(database, record)
    [found] = await verify_label(database, code.lower().replace("-", " "))
    assert (found.case_id, found.step_key, found.kind) == (CASE_ID, "formal_notice", "formal_notice_sent")
    assert (found.occurred_at, found.document_sha256) == (record.occurred_at, "ab" * 32)
    assert await verify_label(database, label_code(CASE_ID, "penalty_claim", LabelColour.RED)) == []
    with pytest.raises(LabelRefused, match="n'est pas un code de label"):
        await verify_label(database, "RL-0000")


async def test_a_label_is_journalled_once(database: Database) -> None:
    issued = IssuedLabel(
        CASE_ID, "invoice", "invoice_labelled", "green label", "RL-2345-6789", b"%PDF-1.7 ..."
    )
    at = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
    await record_label(database, issued, "alice", at)
    await record_label(database, issued, "alice", at)
    [event] = await case_events(database, CASE_ID)
    assert (event.label_code, event.document_sha256, event.actor) == ("RL-2345-6789", issued.sha256, "alice")


# --- command line --------------------------------------------------------------------------------


async def invoke(database: Database, data_dir: Path, *args: str) -> Result:
    """``relance ARGS`` as alice types them, signed in, on this database (the command runs its own
    event loop)."""
    if not await has_users(database):
        await add_user(database, "alice", PASSWORD, Role.ADMIN)
    environment = {
        "DATABASE_URL": database.url,
        "RELANCE_DATA_DIR": str(data_dir),
        **await session_env(database, data_dir, "alice"),
        "COLUMNS": "200",
    }
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=environment)


async def accept_charter(database: Database, siren: str, on: date) -> None:
    async with database.sessions() as session:
        creditor = (await session.exec(select(Creditor).where(Creditor.siren == siren))).one()
        creditor.charter_accepted_on = on
        session.add(creditor)
        await session.commit()


async def test_cli_attestation_then_verify(database: Database, tmp_path: Path) -> None:
    # An invoice imported before case ids were opaque: its attestation names the case it has.
    case_id = legacy_case_id("123456782", "F-1")
    await store_invoice(database, number="F-1", amount_due=Decimal("1234.56"), case_id=case_id)
    refused = await invoke(
        database, tmp_path, "label", "attestation", "--creditor", "123456782", "-o", "x.pdf"
    )
    assert refused.exit_code == 1 and "n'a pas accepté la charte des bonnes pratiques" in flat(refused.output)
    await accept_charter(database, "123456782", date(2026, 1, 5))

    output = tmp_path / "attestation.pdf"
    args = (
        "label",
        "attestation",
        "--creditor",
        "123 456 782",
        "--invoice",
        "F-1",
        "-o",
        str(output),
        "--json",
    )
    result = await invoke(database, tmp_path, *args)
    assert result.exit_code == 0, result.output
    issued = json.loads(result.stdout)
    code = label_code(case_id, "attestation", LabelColour.GREEN)
    assert issued == {
        "path": str(output),
        "sha256": sha256_file(output),
        "label_code": code,
        "case_id": case_id,
    }
    text = pdf_text(output)
    assert "Menuiserie Dupont SARL, SIREN 123456782" in text and "Facture n° F-1" in text and code in text

    verified = await invoke(database, tmp_path, "label", "verify", code)
    assert verified.exit_code == 0, verified.output
    out = flat(verified.stdout)
    assert f"{code} : délivré par Relance" in out and case_id in out
    assert "attestation de la charte délivrée" in out and sha256_file(output) in out
    [entry] = json.loads((await invoke(database, tmp_path, "label", "verify", code, "--json")).stdout)
    assert entry["kind"] == "attestation_issued" and entry["step_key"] == "attestation"
    assert entry["document_sha256"] == sha256_file(output)

    unknown = await invoke(database, tmp_path, "label", "verify", "RL-2222-3333")
    assert unknown.exit_code == 1 and "code de label inconnu, RL-2222-3333" in flat(unknown.output)
    missing = await invoke(
        database, tmp_path, "label", "attestation", "--creditor", "987654324", "-o", "x.pdf"
    )
    assert missing.exit_code == 1 and "aucun créancier de SIREN 987654324" in flat(missing.output)


async def test_cli_green_label_on_a_factur_x_invoice(
    database: Database, tmp_path: Path, factur_x_invoice: bytes
) -> None:
    await store_invoice(
        database, number="F-9", amount_due=Decimal("10.00"), case_id=legacy_case_id("123456782", "F-9")
    )
    await accept_charter(database, "123456782", date(2026, 1, 5))
    source, output = tmp_path / "facture.pdf", tmp_path / "facture.green.pdf"
    source.write_bytes(factur_x_invoice)
    # The invoice number comes from the Factur-X XML: the invoice need not be imported yet.
    result = await invoke(
        database, tmp_path, "label", "invoice", str(source), "--creditor", "123456782", "-o", str(output)
    )
    assert result.exit_code == 0, result.output
    # Not imported yet: the label names the case its import will open, under the data folder's key.
    case_id = case_id_for(case_id_key(Settings(data_dir=tmp_path)), "123456782", "F-2026-0042")
    code = label_code(case_id, "invoice", LabelColour.GREEN)
    assert f"code {code} (dossier {case_id})" in flat(result.stdout)
    assert PdfReader(output).attachments == {"factur-x.xml": [FACTUR_X_XML]}
    assert code in pdf_text(output)
    [event] = await case_events(database, case_id)
    assert (event.kind, event.label_code, event.document_sha256) == (
        "invoice_labelled",
        code,
        sha256_file(output),
    )
    assert event.actor == "alice"

    plain = tmp_path / "plain.pdf"
    write_pdf(plain, [A4])
    no_number = await invoke(
        database, tmp_path, "label", "invoice", str(plain), "--creditor", "123456782", "-o", "y.pdf"
    )
    assert no_number.exit_code == 1 and "donnez le numéro de la facture (--invoice)" in flat(no_number.output)
    numbered = await invoke(
        database,
        tmp_path,
        "label",
        "invoice",
        str(plain),
        "--creditor",
        "123456782",
        "--invoice",
        "F-9",
        "-o",
        str(output),
    )
    assert numbered.exit_code == 0, numbered.output
    assert label_code(legacy_case_id("123456782", "F-9"), "invoice", LabelColour.GREEN) in pdf_text(output)


def test_cli_label_images(tmp_path: Path) -> None:
    png, svg = tmp_path / "vert.png", tmp_path / "rouge.svg"
    runner = CliRunner()
    assert (
        runner.invoke(
            app, ["label", "image", "--colour", "green", "--format", "png", "-o", str(png)]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(app, ["label", "image", "--colour", "red", "--format", "svg", "-o", str(svg)]).exit_code
        == 0
    )
    assert Image.open(png).size[1] == 70
    assert (
        ElementTree.parse(svg).getroot().findtext("{http://www.w3.org/2000/svg}title")
        == LABEL_TEXTS[LabelColour.RED]
    )
    wrong = runner.invoke(app, ["label", "image", "--colour", "blue", "-o", str(png)])
    assert wrong.exit_code == 2
    refusal = "erreur : --colour : « blue » n'est pas une valeur possible (green, orange, red)"
    assert " ".join(wrong.stderr.split()) == refusal


def embedded(font: DictionaryObject) -> bool:
    """Whether a font's program travels in the PDF (what PDF/A requires of every font)."""
    if font.get("/Subtype") == "/Type0":
        return all(embedded(descendant.get_object()) for descendant in font["/DescendantFonts"])
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(
        key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def test_every_font_of_a_label_is_embedded(tmp_path: Path, labels: LabelActivities) -> None:
    source = write_pdf(tmp_path / "plain.pdf", [A4, A4])
    labelled = label(labels, source, LabelColour.RED, step="embedded_fonts")
    for page in PdfReader(labelled.path).pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts, "the label writes text"
        assert all(embedded(font.get_object()) for font in fonts.values()), sorted(fonts)
    # The code is still text a reader can find, in the embedded font.
    assert labelled.label_code is not None
    assert labelled.label_code in pdf_text(labelled.path)
