"""The Cross Industry Invoice XML (EN 16931, the Factur-X/ZUGFeRD "EN 16931" profile) of an
``InvoiceDocument``, and the PDF/A-3 with it embedded (the ``factur-x`` library).

A credit note (type code 381) states its amounts as positive numbers, as EN 16931 expects;
the document and its PDF show them negated (what they take back), so the XML multiplies
every amount and quantity by -1 for it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import facturx
from lxml import etree

from invoicing.document import STANDARD, InvoiceDocument, Party

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NAMESPACES = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"
LEVEL = "en16931"
# UN/ECE Recommendation 20: "one" (a unit), for tickets.
UNIT_CODE = "C62"


class InvalidFacturX(Exception):
    """The XML did not pass the EN 16931 schema."""


def _element(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    prefix, local = name.split(":")
    element = etree.SubElement(parent, f"{{{NAMESPACES[prefix]}}}{local}", attributes)
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, name: str, moment: dt.datetime, kind: str = "udt") -> None:
    _element(_element(parent, name), f"{kind}:DateTimeString", moment.strftime("%Y%m%d"), format="102")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _party(parent: etree._Element, name: str, party: Party) -> None:
    element = _element(parent, name)
    _element(element, "ram:Name", party.name or "-")
    if party.country:
        address = _element(element, "ram:PostalTradeAddress")
        if party.zipcode:
            _element(address, "ram:PostcodeCode", party.zipcode)
        lines = [party.street] if party.street else party.address
        for tag, line in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), lines, strict=False):
            _element(address, tag, line)
        if party.city:
            _element(address, "ram:CityName", party.city)
        _element(address, "ram:CountryID", party.country)
    if party.email:
        _element(_element(element, "ram:URIUniversalCommunication"), "ram:URIID", party.email, schemeID="EM")
    if party.vat_id:
        _element(_element(element, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def xml(document: InvoiceDocument) -> bytes:
    """The CII XML of ``document``."""
    sign = -1 if document.is_credit else 1
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NAMESPACES)
    context = _element(root, "rsm:ExchangedDocumentContext")
    _element(_element(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    header = _element(root, "rsm:ExchangedDocument")
    _element(header, "ram:ID", document.number)
    _element(header, "ram:TypeCode", document.type_code)
    _date(header, "ram:IssueDateTime", document.issued_at)
    _element(_element(header, "ram:IncludedNote"), "ram:Content", f"{document.event} ({document.order_code})")
    if document.footer:
        _element(_element(header, "ram:IncludedNote"), "ram:Content", document.footer)

    transaction = _element(root, "rsm:SupplyChainTradeTransaction")
    for line in document.lines:
        item = _element(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _element(_element(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(line.position))
        _element(_element(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        agreement = _element(item, "ram:SpecifiedLineTradeAgreement")
        price = _element(agreement, "ram:NetPriceProductTradePrice")
        _element(price, "ram:ChargeAmount", f"{line.unit_net:.4f}")
        delivery = _element(item, "ram:SpecifiedLineTradeDelivery")
        _element(delivery, "ram:BilledQuantity", str(sign * line.quantity), unitCode=UNIT_CODE)
        settlement = _element(item, "ram:SpecifiedLineTradeSettlement")
        tax = _element(settlement, "ram:ApplicableTradeTax")
        _element(tax, "ram:TypeCode", "VAT")
        _element(tax, "ram:CategoryCode", line.category)
        _element(tax, "ram:RateApplicablePercent", f"{line.rate:.2f}")
        summation = _element(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _element(summation, "ram:LineTotalAmount", _amount(sign * line.net))

    agreement = _element(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", document.seller)
    _party(agreement, "ram:BuyerTradeParty", document.buyer)
    _element(
        _element(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID", document.order_code
    )
    delivery = _element(transaction, "ram:ApplicableHeaderTradeDelivery")
    event = _element(delivery, "ram:ActualDeliverySupplyChainEvent")
    _date(event, "ram:OccurrenceDateTime", document.event_starts_at)

    settlement = _element(transaction, "ram:ApplicableHeaderTradeSettlement")
    _element(settlement, "ram:InvoiceCurrencyCode", document.currency)
    for group in document.groups:
        tax = _element(settlement, "ram:ApplicableTradeTax")
        _element(tax, "ram:CalculatedAmount", _amount(sign * group.tax))
        _element(tax, "ram:TypeCode", "VAT")
        if group.category != STANDARD:
            _element(tax, "ram:ExemptionReason", group.exemption_reason)
        _element(tax, "ram:BasisAmount", _amount(sign * group.net))
        _element(tax, "ram:CategoryCode", group.category)
        _element(tax, "ram:RateApplicablePercent", f"{group.rate:.2f}")
    totals = _element(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _element(totals, "ram:LineTotalAmount", _amount(sign * document.net_total))
    _element(totals, "ram:TaxBasisTotalAmount", _amount(sign * document.net_total))
    _element(totals, "ram:TaxTotalAmount", _amount(sign * document.tax_total), currencyID=document.currency)
    _element(totals, "ram:GrandTotalAmount", _amount(sign * document.gross_total))
    # Tickets are paid before the invoice is issued (and credit notes paid back).
    _element(totals, "ram:TotalPrepaidAmount", _amount(sign * document.gross_total))
    _element(totals, "ram:DuePayableAmount", _amount(Decimal(0)))
    if document.refers_to and document.refers_to_issued_at is not None:
        referenced = _element(settlement, "ram:InvoiceReferencedDocument")
        _element(referenced, "ram:IssuerAssignedID", document.refers_to)
        _date(referenced, "ram:FormattedIssueDateTime", document.refers_to_issued_at, kind="qdt")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def check(data: bytes) -> None:
    """Validate ``data`` against the Factur-X EN 16931 XSD; InvalidFacturX otherwise."""
    try:
        valid = facturx.xml_check_xsd(data, flavor="factur-x", level=LEVEL)
    except Exception as exc:
        raise InvalidFacturX(str(exc)) from exc
    if not valid:
        raise InvalidFacturX("The invoice's XML does not match the EN 16931 schema.")


def embed(pdf: bytes, data: bytes, document: InvoiceDocument) -> bytes:
    """``pdf`` as a Factur-X PDF/A-3 carrying ``data`` (checked against the schema first)."""
    check(data)
    return bytes(
        facturx.generate_from_binary(
            pdf,
            data,
            flavor="factur-x",
            level=LEVEL,
            check_xsd=False,
            lang=document.locale,
            pdf_metadata={
                "author": document.seller.name,
                "keywords": "Factur-X, invoice",
                "title": document.number,
                "subject": f"{document.number} {document.event}",
            },
        )
    )
