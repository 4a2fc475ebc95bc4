"""The fields of a Factur-X invoice, read from the CII XML its PDF carries.

A Factur-X invoice is a PDF/A-3 with a ``factur-x.xml`` attachment in UN/CEFACT CII. This module
finds that XML (with the ``factur-x`` library), checks it against the schema of its profile and
reads the fields Relance needs under the names of the invoice file's columns, so that a PDF and a
CSV row go through the same validation (``backoffice.intake.invoice_file``).

The invoice may carry its signed quote or order as another attachment: a PDF whose file name or
description says so (devis, commande, order, quote) or names the order's reference. It is kept with
the invoice, as ``order_pdf`` is for a CSV row; two such attachments are a problem, as Relance cannot
tell which one the debtor signed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path
from types import ModuleType

from lxml import etree
from pypdf import PdfReader

from law.payment_terms import DEFAULT_TERMS_DAYS, MAX_AGREED_TERMS_DAYS, due_date_after
from models.bounds import amount_from_text
from support.files import unreadable
from support.french import enumeration_fr
from support.parsing import quoted

NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
_DOCUMENT = "rsm:ExchangedDocument"
_AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_TOTALS = f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_SELLER = f"{_AGREEMENT}/ram:SellerTradeParty"
_BUYER = f"{_AGREEMENT}/ram:BuyerTradeParty"
# UNTDID 1001 document types that credit the buyer (EN 16931 BT-3): nothing to collect.
_CREDIT_NOTE_TYPES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})
# CII dates carry their format; 102 is a calendar day, CCYYMMDD.
_DAY_FORMAT = "102"
# The names a Factur-X invoice's XML goes by (its 1.0 predecessor ZUGFeRD 2's included).
_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
# What the name or description of an attachment that is the signed quote or order says.
_ORDER_WORDS = ("devis", "commande", "order", "quote")


def _party_paths(prefix: str, party: str) -> dict[str, tuple[str, ...]]:
    return {
        f"{prefix}_name": (f"{party}/ram:Name",),
        # ISO 6523 scheme 0002 is the SIREN.
        f"{prefix}_siren": (f"{party}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']",),
        # The party's electronic address when it is an email (scheme EM), else its contact's email.
        f"{prefix}_email": (
            f"{party}/ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']",
            f"{party}/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID",
        ),
        f"{prefix}_street": (f"{party}/ram:PostalTradeAddress/ram:LineOne",),
        f"{prefix}_postcode": (f"{party}/ram:PostalTradeAddress/ram:PostcodeCode",),
        f"{prefix}_city": (f"{party}/ram:PostalTradeAddress/ram:CityName",),
        f"{prefix}_country": (f"{party}/ram:PostalTradeAddress/ram:CountryID",),
    }


# Where each field sits in the XML, by the invoice file's column names; the first path that has a
# value wins.
FIELD_PATHS: dict[str, tuple[str, ...]] = {
    "invoice_number": (f"{_DOCUMENT}/ram:ID",),
    "issue_date": (f"{_DOCUMENT}/ram:IssueDateTime/udt:DateTimeString",),
    "due_date": (f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",),
    "amount_due": (f"{_TOTALS}/ram:DuePayableAmount",),
    "amount_paid": (f"{_TOTALS}/ram:TotalPrepaidAmount",),
    "currency": (f"{_SETTLEMENT}/ram:InvoiceCurrencyCode",),
    "order_reference": (f"{_AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",),
    # ISO 6523 scheme 0009 is the SIRET.
    "creditor_siret": (
        f"{_SELLER}/ram:GlobalID[@schemeID='0009']",
        f"{_SELLER}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0009']",
    ),
    "creditor_vat_number": (f"{_SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",),
    "creditor_iban": (
        f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
        "/ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
    ),
    **_party_paths("creditor", _SELLER),
    **_party_paths("debtor", _BUYER),
}


class FacturxError(ValueError):
    """The file is not a Factur-X invoice Relance can read: no PDF, no XML, or an invalid XML."""


@dataclass
class FacturxFields:
    """One invoice's fields as text, by column name, and what the shared validation cannot see."""

    profile: str
    values: dict[str, str]
    # (column or None for the whole invoice, why): problems found while reading the XML.
    problems: list[tuple[str | None, str]] = field(default_factory=list)
    # The signed quote or order attached to the invoice, when it carries one.
    order_pdf: bytes | None = None

    @staticmethod
    def location(column: str) -> str | None:
        paths = FIELD_PATHS.get(column)
        return paths[0] if paths else None

    def missing(self, column: str) -> str:
        """Why a required field is empty, and how to give it."""
        location = self.location(column)
        where = f" ({location})" if location else ""
        if column == "due_date":
            return (
                f"la facture n'a pas de date d'échéance{where} ; le profil MINIMUM n'en a jamais : "
                "donnez le délai de paiement convenu (--default-terms JOURS, ou le délai par défaut du "
                f"formulaire d'import ; Code de commerce L441-10 I : {DEFAULT_TERMS_DAYS} jours sans "
                f"accord, {MAX_AGREED_TERMS_DAYS} au plus)"
            )
        return (
            f"absent du XML Factur-X{where} (profil {self.profile}) : émettez la facture avec ce champ "
            "(les profils BASIC et EN 16931 portent les adresses et e-mails des parties), ou importez-la "
            "d'une ligne CSV qui nomme ce PDF dans invoice_pdf"
        )


def read_facturx_fields(path: Path, default_terms: int | None = None) -> FacturxFields:
    """Read the Factur-X XML of the PDF at ``path``; raise :class:`FacturxError` when there is none.

    ``default_terms`` (days) gives the due date of an invoice whose XML has none: issue date + days.
    """
    try:
        content = path.read_bytes()
    except OSError as error:
        raise FacturxError(unreadable(error)) from error
    if not content.startswith(b"%PDF-"):
        raise FacturxError("le fichier n'est pas un PDF")
    xml, reader = _embedded_xml(content)
    root = etree.fromstring(xml, parser=_XML_PARSER)
    facturx = _facturx_library()
    try:
        profile = facturx.get_level(root, "factur-x")
        facturx.xml_check_xsd(root, flavor="factur-x", level=profile)
    except Exception as error:  # the library raises bare Exceptions, the cause is lxml's
        raise FacturxError(
            f"son XML Factur-X ne suit pas le schéma de son profil : {error.__cause__ or error}"
        ) from error
    fields = FacturxFields(profile=profile.upper(), values={})
    _read_values(root, fields)
    _read_order(reader, fields)
    if not fields.values["due_date"] and default_terms is not None and fields.values["issue_date"]:
        # Code de commerce L441-10 I: the agreed terms, 30 days when nothing was agreed; here counted
        # from the issue date, which the XML carries.
        issued = datetime.strptime(fields.values["issue_date"], "%Y-%m-%d").date()
        fields.values["due_date"] = due_date_after(issued, default_terms).isoformat()
    return fields


def _facturx_library() -> ModuleType:
    """The factur-x library, imported when a PDF is read: it brings requests and the ISO 4217
    tables, a sixth of the start of every ``relance`` command, most of which read no PDF."""
    import facturx

    return facturx


def _embedded_xml(content: bytes) -> tuple[bytes, PdfReader]:
    """The Factur-X XML the PDF carries, and the PDF read; :class:`FacturxError` saying why there is
    no XML."""
    try:
        reader = PdfReader(BytesIO(content))
        encrypted = reader.is_encrypted
        if not encrypted:
            _, xml = _facturx_library().get_facturx_xml_from_pdf(content, check_xsd=False)
    except Exception as error:  # pypdf raises many kinds of errors on a damaged PDF
        raise FacturxError(f"PDF illisible : {error}") from error
    if encrypted:
        # ISO 19005-3 6.1.3: a PDF/A-3, as every Factur-X invoice, is never encrypted.
        raise FacturxError(
            "le PDF est chiffré (protégé par un mot de passe) : une facture Factur-X ne l'est jamais ; "
            "importez le PDF tel que son émetteur l'a produit, sans protection"
        )
    if xml:
        return xml, reader
    for name, versions in reader.attachments.items():
        if name.lower() in _XML_NAMES:
            try:
                etree.fromstring(versions[0], parser=_XML_PARSER)
            except etree.XMLSyntaxError as error:
                raise FacturxError(
                    f"sa pièce jointe {name} n'est pas du XML bien formé : {error.msg}"
                ) from error
    raise FacturxError(
        "le PDF ne porte pas de XML Factur-X (aucune pièce jointe factur-x.xml) : ce n'est pas une "
        "facture Factur-X"
    )


def _read_order(reader: PdfReader, fields: FacturxFields) -> None:
    """The attachment that is the signed quote or order (see the module's notes), if any."""
    reference = fields.values["order_reference"].casefold()
    found: dict[str, bytes] = {}
    try:
        for attachment in reader.attachment_list:
            said = f"{attachment.name} {attachment.description or ''}".casefold()
            if attachment.name.lower() in _XML_NAMES or not attachment.content.startswith(b"%PDF-"):
                continue
            if any(word in said for word in _ORDER_WORDS) or (reference and reference in said):
                found[attachment.name] = attachment.content
    except Exception as error:  # pypdf raises many kinds of errors on a damaged attachment
        fields.problems.append(("order_pdf", f"pièces jointes du PDF illisibles : {error}"))
        return
    if len(found) > 1:
        fields.problems.append(
            (
                "order_pdf",
                f"les pièces jointes {enumeration_fr(found)} pourraient chacune être le devis ou le bon "
                "de commande signé : importez la facture d'une ligne CSV qui la nomme dans invoice_pdf, "
                "et la commande dans order_pdf",
            )
        )
    elif found:
        [fields.order_pdf] = found.values()


def _read_values(root: etree._Element, fields: FacturxFields) -> None:
    values = fields.values
    for column, paths in FIELD_PATHS.items():
        values[column] = next((text for path in paths if (text := _text(root, path))), "")
    for prefix, party in (("creditor", _SELLER), ("debtor", _BUYER)):
        address = f"{party}/ram:PostalTradeAddress"
        lines = [values[f"{prefix}_street"], _text(root, f"{address}/ram:LineTwo")]
        lines.append(_text(root, f"{address}/ram:LineThree"))
        values[f"{prefix}_street"] = ", ".join(line for line in lines if line)
        country = values.pop(f"{prefix}_country")
        if country and country != "FR":
            fields.problems.append(
                (f"{prefix}_country", f"{quoted(country)} : Relance n'écrit qu'à des parties en France (FR)")
            )
    # A buyer registered with a SIREN is a business; without one, a consumer.
    values["debtor_kind"] = "business" if values["debtor_siren"] else "consumer"
    for column in ("issue_date", "due_date"):
        values[column] = _day(root, column, fields)
    _read_amounts(values)
    document_type = _text(root, f"{_DOCUMENT}/ram:TypeCode")
    if document_type in _CREDIT_NOTE_TYPES:
        fields.problems.append((None, f"c'est un avoir (TypeCode {document_type}) : rien à recouvrer"))


def _read_amounts(values: dict[str, str]) -> None:
    """Relance's ``amount_due`` is the invoice's total and ``amount_paid`` what was paid on it, so
    that their difference is the balance. CII's ``DuePayableAmount`` (BT-115) is already net of the
    prepaid amount (BT-113): the total is their sum."""
    try:
        due, paid = (
            amount_from_text(text, zero_allowed=True)
            for text in (values["amount_due"], values["amount_paid"] or "0")
        )
    except ValueError:
        return  # the validation reports the amount that is not one
    values["amount_due"] = str(due + paid)


def _day(root: etree._Element, column: str, fields: FacturxFields) -> str:
    """A CII date as ISO text; a date in a format other than a calendar day is reported."""
    [path] = FIELD_PATHS[column]
    found = root.xpath(path, namespaces=NAMESPACES)
    if not found:
        return ""
    text = (found[0].text or "").strip()
    layout = found[0].get("format")
    try:
        if layout != _DAY_FORMAT:
            raise ValueError
        return datetime.strptime(text, "%Y%m%d").date().isoformat()
    except ValueError:
        fields.problems.append(
            (column, f"{quoted(text)} (format {layout}) n'est pas un jour du calendrier (format 102)")
        )
        return ""


def _text(root: etree._Element, path: str) -> str:
    found = root.xpath(path, namespaces=NAMESPACES)
    return (found[0].text or "").strip() if found else ""
