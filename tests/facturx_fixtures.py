"""Factur-X invoices built for the tests: a page rendered by WeasyPrint with a CII XML, written
from the templates below, embedded by the ``factur-x`` library (which checks it against its
profile's schema)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

import facturx
from weasyprint import HTML

BUYER_SIREN = (
    '<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">987654324</ram:ID>'
    "</ram:SpecifiedLegalOrganization>"
)
BUYER_EMAIL = (
    '<ram:URIUniversalCommunication><ram:URIID schemeID="EM">f@martin.fr</ram:URIID>'
    "</ram:URIUniversalCommunication>"
)
DUE_DATE = (
    "<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>"
    '<udt:DateTimeString format="102">20260209</udt:DateTimeString>'
    "</ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>"
)
NAMESPACES = """xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\""""

# The BASIC profile: one line, the parties with their addresses and emails, the payee's IBAN.
BASIC = Template(f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice {NAMESPACES}>
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>$number</ram:ID>
    <ram:TypeCode>$type_code</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20260110</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Escalier en chêne</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>1000.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>20.00</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>1000.00</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:GlobalID schemeID="0009">12345678200002</ram:GlobalID>
        <ram:Name>Menuiserie Dupont</ram:Name>
        <ram:SpecifiedLegalOrganization>
          <ram:ID schemeID="0002">123456782</ram:ID>
        </ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>69003</ram:PostcodeCode><ram:LineOne>12 rue des Artisans</ram:LineOne>
          <ram:CityName>Lyon</ram:CityName><ram:CountryID>FR</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:URIUniversalCommunication>
          <ram:URIID schemeID="EM">compta@dupont.fr</ram:URIID>
        </ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">FR11123456782</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>$buyer_name</ram:Name>
        $buyer_siren
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>75019</ram:PostcodeCode>
          <ram:LineOne>4 av. Jaurès</ram:LineOne><ram:LineTwo>Bâtiment B</ram:LineTwo>
          <ram:CityName>Paris</ram:CityName><ram:CountryID>FR</ram:CountryID>
        </ram:PostalTradeAddress>
        $buyer_email
      </ram:BuyerTradeParty>
      <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>BC-1</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>30</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>$iban</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>200.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>1000.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>20.00</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      $due_date
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>1000.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>1000.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">200.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>1200.00</ram:GrandTotalAmount>
        <ram:TotalPrepaidAmount>200.00</ram:TotalPrepaidAmount>
        <ram:DuePayableAmount>1000.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""")


@cache
def plain_pdf(text: str = "Facture") -> bytes:
    return HTML(string=f"<h1>{text}</h1>").write_pdf()


def basic_xml(**fields: str) -> str:
    values = {
        "number": "F-1",
        "type_code": "380",
        "buyer_name": "Bâtiments Martin",
        "buyer_siren": BUYER_SIREN,
        "buyer_email": BUYER_EMAIL,
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "due_date": DUE_DATE,
    }
    return BASIC.substitute(values | fields)


def facturx_pdf(folder: Path, xml: str, name: str = "F-1.pdf", page: str = "Facture F-1") -> Path:
    """A Factur-X PDF: ``xml`` (checked against its profile's schema) embedded in a rendered page."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(facturx.generate_from_binary(plain_pdf(page), xml.encode("utf-8")))
    return path
