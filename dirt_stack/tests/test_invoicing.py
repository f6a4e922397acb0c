"""Invoices, cancellations and credit notes: issued in the order's transaction when it is
paid (or on request), numbered without gap or duplicate, immutable, rendered as a PDF in the
order's language with the Factur-X XML (EN 16931) inside whose totals are the PDF's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

import facturx
import pytest
from django.db import IntegrityError, transaction
from lxml import etree

from core.formatting import format_money
from events.models import Event, TicketType
from invoicing import cii, files, services
from invoicing.models import Invoice, InvoiceImmutable, InvoiceLine, InvoiceSettings
from sales import lifecycle, order_listeners, order_writer, pricing, purchase
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import InvoiceAddress, Order, TaxTreatment
from sales.payments import PROVIDERS, PaymentProvider, PaymentStart
from tests.factories import make_event, make_ticket_type, only_date
from tests.support.invoices import (
    amount_after,
    business_address,
    buy,
    compile_catalogs,
    invoicing_event,
    paid,
    pdf_text,
    plain,
    tax,
)

pytestmark = pytest.mark.django_db(transaction=True)
NS = cii.NAMESPACES


class Bank(PaymentProvider):
    """A card provider that pays at once and refunds whatever it is asked."""

    name = "bank"
    label = "Card (test bank)"
    supports_refunds = True
    refunds: ClassVar[list[Decimal]] = []

    def start(self, order: Order, *, return_url: str, card_number: str = "") -> PaymentStart:
        return PaymentStart(paid=True, reference=f"pay_{order.code}")

    def refund(self, order: Order, amount: Decimal, reference: str, *, idempotency_key: str = "") -> str:
        Bank.refunds.append(amount)
        return f"re_{idempotency_key}"


@pytest.fixture(autouse=True)
def _settings(settings, monkeypatch):
    settings.DEMO_PAYMENTS = True
    monkeypatch.setitem(PROVIDERS, "bank", Bank())
    Bank.refunds.clear()


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def xml_amount(xml: bytes, path: str) -> Decimal:
    return Decimal(etree.fromstring(xml).findtext(path, namespaces=NS))


TOTALS = (
    "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
    "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
)


# --- Issuing and numbering ----------------------------------------------------------------------


def test_an_order_paid_at_once_gets_its_invoice_in_the_purchase_numbered_in_the_series():
    event = invoicing_event()
    entry = make_ticket_type(event, name="Entry", price=Decimal("25.00"))

    first = buy(event, {entry: 2}, method="demo")
    second = buy(event, {entry: 1}, method="demo", email="bo@example.com")

    one, two = Invoice.objects.get(order=first), Invoice.objects.get(order=second)
    assert (one.number, two.number) == ("ACME-00001", "ACME-00002")
    assert one.gross_total == Decimal("50.00")
    assert one.kind == Invoice.Kind.INVOICE
    assert one.seller["name"] == "Acme Events GmbH"
    assert one.seller["vat_id"] == "DE123456789"
    assert one.buyer["name"] == "Ana Novak"
    assert one.buyer["email"] == "ana@example.com"
    assert [(line.description, line.quantity, line.gross) for line in one.lines.all()] == [
        ("Entry", 2, Decimal("50.00"))
    ]


def test_an_organizer_who_does_not_issue_invoices_gets_none_and_no_number_is_used():
    event = invoicing_event(mode=InvoiceSettings.Mode.NEVER)
    entry = make_ticket_type(event, price=Decimal("25.00"))

    order = buy(event, {entry: 1}, method="demo")

    assert not Invoice.objects.exists()
    with pytest.raises(OrderConflict):
        services.request_invoice(order)


def test_the_events_flag_follows_the_settings_however_they_are_saved():
    event = invoicing_event(mode=InvoiceSettings.Mode.NEVER)
    other = make_event(organizer=event.organizer, slug="second")
    stranger = make_event(slug="elsewhere")

    def flags() -> list[bool]:
        return [Event.objects.get(pk=e.pk).invoices_when_paid for e in (event, other, stranger)]

    assert flags() == [False, False, False]
    settings = InvoiceSettings.objects.get(organizer=event.organizer)
    settings.mode = InvoiceSettings.Mode.WHEN_PAID
    settings.save()
    assert flags() == [True, True, False]
    # A new event of the organizer, and a copy loaded before the change saved again.
    assert make_event(organizer=event.organizer, slug="third").invoices_when_paid
    settings.mode = InvoiceSettings.Mode.ON_REQUEST
    settings.save()
    other.title = "Renamed"
    other.save()
    assert flags() == [False, False, False]
    settings.mode = InvoiceSettings.Mode.WHEN_PAID
    settings.save()
    settings.delete()
    assert flags() == [False, False, False]


def new_paid_order(event: Event, ticket_type: TicketType) -> order_writer.NewOrder:
    """A new order paid at once, built as the purchase builds it (not written)."""
    date = only_date(Event.objects.get(pk=event.pk))
    offers = pricing.date_offers(date, [ticket_type.pk])
    lines = purchase.price(purchase.validate_selection(date, {ticket_type.pk: 1}, None), None, offers)
    details = pricing.BuyerDetails(name="Ana Novak", email="ana@example.com", payment_method="demo")
    return order_writer.build_order(date, lines, details, "demo", None, None, "http://testserver/")


def test_a_paid_order_of_an_organizer_who_does_not_invoice_asks_nothing_about_invoices(
    django_assert_num_queries,
):
    event = invoicing_event(mode=InvoiceSettings.Mode.ON_REQUEST)
    entry = make_ticket_type(event, name="Entry", price=Decimal("25.00"))
    new = new_paid_order(event, entry)

    with django_assert_num_queries(0):
        assert order_listeners.paid_at_once(new) == []
    # The organizer's invoicing is read before the write, once, beside nothing else.
    InvoiceSettings.objects.filter(organizer=event.organizer).update(mode=InvoiceSettings.Mode.WHEN_PAID)
    Event.objects.filter(pk=event.pk).update(invoices_when_paid=True)
    new = new_paid_order(event, entry)
    with django_assert_num_queries(1):
        (rows,) = order_listeners.paid_at_once(new)
    assert isinstance(rows, services.PaidOrderInvoice)
    assert rows.invoice.pk is None
    assert [(line.description, line.gross) for line in rows.lines] == [("Entry", Decimal("25.00"))]


def test_a_free_order_gets_no_invoice():
    event = invoicing_event()
    free = make_ticket_type(event, price=Decimal("0.00"))

    buy(event, {free: 1}, method="free")

    assert not Invoice.objects.exists()


def test_a_bank_transfer_is_invoiced_when_marked_paid_with_its_tax_rounded_per_line_and_summed_per_rate():
    event = invoicing_event()
    entry = make_ticket_type(event, name="Entry", price=Decimal("11.90"))
    vip = make_ticket_type(event, name="VIP", price=Decimal("10.70"))
    order = buy(event, {entry: 3, vip: 1})
    tax(order, entry, "19")
    tax(order, vip, "7")
    assert not Invoice.objects.exists()  # pending

    paid(order)

    invoice = Invoice.objects.get(order=order)
    lines = list(invoice.lines.all())
    assert [(line.gross, line.tax, line.net) for line in lines] == [
        (Decimal("35.70"), Decimal("5.70"), Decimal("30.00")),
        (Decimal("10.70"), Decimal("0.70"), Decimal("10.00")),
    ]
    assert invoice.tax_summary == [
        {"treatment": "vat", "rate": "7.00", "net": "10.00", "tax": "0.70", "gross": "10.70"},
        {"treatment": "vat", "rate": "19.00", "net": "30.00", "tax": "5.70", "gross": "35.70"},
    ]
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (
        Decimal("40.00"),
        Decimal("6.40"),
        Decimal("46.40"),
    )
    # A replayed payment notification issues nothing more.
    paid(order)
    assert Invoice.objects.count() == 1


def test_on_request_the_buyer_or_organizer_gets_the_invoice_of_a_paid_order_once():
    event = invoicing_event(mode=InvoiceSettings.Mode.ON_REQUEST)
    entry = make_ticket_type(event, price=Decimal("25.00"))
    order = buy(event, {entry: 1})
    with pytest.raises(OrderConflict):
        services.request_invoice(order)  # not paid yet
    paid(order)
    assert not Invoice.objects.exists()

    first = services.request_invoice(order)
    again = services.request_invoice(order)

    assert first.pk == again.pk
    assert first.number == "ACME-00001"


def test_the_invoice_address_is_the_recipient_and_an_unchecked_vat_id_flags_a_recheck():
    event = invoicing_event()
    entry = make_ticket_type(event, price=Decimal("25.00"))
    order = buy(event, {entry: 1})
    business_address(order, InvoiceAddress.VatIdStatus.UNCHECKED, name="Léa Martin")

    invoice = Invoice.objects.get(order=paid(order))

    assert invoice.buyer["name"] == "Société Exemple SARL"
    assert invoice.buyer["contact"] == "Léa Martin"
    assert invoice.buyer["vat_id"] == "FR40303265045"
    assert invoice.vat_id_recheck


# --- Cancellations and credit notes -------------------------------------------------------------


def test_a_full_refund_issues_a_cancellation_invoice_whose_totals_negate_the_original():
    event = invoicing_event(payment_methods=["bank"])
    entry = make_ticket_type(event, name="Entry", price=Decimal("11.90"))
    order = buy(event, {entry: 2}, method="bank")
    original = Invoice.objects.get(order=order, kind=Invoice.Kind.INVOICE)
    assert original.gross_total == Decimal("23.80")

    lifecycle.refund(order, order.total, reason="Cannot come")

    cancellation = Invoice.objects.get(order=order, kind=Invoice.Kind.CANCELLATION)
    assert cancellation.refers_to_id == original.pk
    assert cancellation.number == "ACME-00002"
    assert (cancellation.net_total, cancellation.tax_total, cancellation.gross_total) == (
        -original.net_total,
        -original.tax_total,
        -original.gross_total,
    )
    assert [(line.quantity, line.net, line.tax, line.gross) for line in cancellation.lines.all()] == [
        (-line.quantity, -line.net, -line.tax, -line.gross) for line in original.lines.all()
    ]
    assert services.current_invoice(order.pk) is None


def test_a_taxed_full_refund_negates_each_rate():
    event = invoicing_event(mode=InvoiceSettings.Mode.WHEN_PAID)
    entry = make_ticket_type(event, price=Decimal("11.90"))
    order = buy(event, {entry: 2})
    tax(order, entry, "19")
    paid(order)
    original = Invoice.objects.get(order=order)

    lifecycle.refund(order, order.total)

    cancellation = Invoice.objects.get(order=order, kind=Invoice.Kind.CANCELLATION)
    assert (cancellation.net_total, cancellation.tax_total, cancellation.gross_total) == (
        Decimal("-20.00"),
        Decimal("-3.80"),
        Decimal("-23.80"),
    )
    assert cancellation.tax_summary == [
        {"treatment": "vat", "rate": "19.00", "net": "-20.00", "tax": "-3.80", "gross": "-23.80"}
    ]
    assert original.tax_total == Decimal("3.80")


def test_a_partial_refund_issues_a_credit_note_and_a_later_cancellation_credits_the_rest():
    event = invoicing_event(payment_methods=["bank"])
    entry = make_ticket_type(event, name="Entry", price=Decimal("11.90"))
    vip = make_ticket_type(event, name="VIP", price=Decimal("10.70"))
    order = buy(event, {entry: 2, vip: 1}, method="bank")
    original = Invoice.objects.get(order=order)
    ticket = order.tickets.filter(ticket_type=vip).get()

    lifecycle.refund(order, tickets=[ticket.pk])

    credit = Invoice.objects.get(order=order, kind=Invoice.Kind.CREDIT_NOTE)
    assert credit.refers_to_id == original.pk
    assert credit.gross_total == Decimal("-10.70")
    assert [(line.description, line.quantity, line.gross) for line in credit.lines.all()] == [
        ("VIP", -1, Decimal("-10.70"))
    ]

    lifecycle.cancel(order)

    cancellation = Invoice.objects.get(order=order, kind=Invoice.Kind.CANCELLATION)
    assert cancellation.gross_total == -(original.gross_total + credit.gross_total) == Decimal("-23.80")
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        "ACME-00001",
        "ACME-00002",
        "ACME-00003",
    ]


def test_a_refund_of_an_amount_is_split_over_the_lines_by_their_amounts():
    assert services._split(Decimal("10.00"), [Decimal("1"), Decimal("1"), Decimal("1")]) == [
        Decimal("3.34"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]
    event = invoicing_event(payment_methods=["bank"])
    entry = make_ticket_type(event, price=Decimal("30.00"))
    vip = make_ticket_type(event, price=Decimal("10.00"))
    order = buy(event, {entry: 1, vip: 1}, method="bank")

    lifecycle.refund(order, Decimal("10.00"))

    credit = Invoice.objects.get(order=order, kind=Invoice.Kind.CREDIT_NOTE)
    assert [line.gross for line in credit.lines.all()] == [Decimal("-7.50"), Decimal("-2.50")]


# --- Immutability -------------------------------------------------------------------------------


def test_an_issued_invoice_and_its_lines_cannot_change_or_be_deleted():
    event = invoicing_event()
    entry = make_ticket_type(event, price=Decimal("25.00"))
    invoice = Invoice.objects.get(order=buy(event, {entry: 1}, method="demo"))
    line = invoice.lines.get()

    invoice.gross_total = Decimal("1.00")
    with pytest.raises(InvoiceImmutable):
        invoice.save()
    with pytest.raises(InvoiceImmutable):
        line.delete()
    for change in (
        lambda: Invoice.objects.filter(pk=invoice.pk).update(gross_total=Decimal("1.00")),
        lambda: InvoiceLine.objects.filter(pk=line.pk).update(description="Something else"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    invoice.refresh_from_db()
    assert invoice.gross_total == Decimal("25.00")
    assert invoice.lines.get().description == line.description


@pytest.mark.postgres
def test_the_database_refuses_to_delete_an_issued_invoice():
    event = invoicing_event()
    entry = make_ticket_type(event, price=Decimal("25.00"))
    invoice = Invoice.objects.get(order=buy(event, {entry: 1}, method="demo"))
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.filter(invoice=invoice)._raw_delete(InvoiceLine.objects.db)
    assert invoice.lines.count() == 1


def test_the_files_are_rendered_once_and_kept():
    event = invoicing_event()
    entry = make_ticket_type(event, price=Decimal("25.00"))
    invoice = Invoice.objects.get(order=buy(event, {entry: 1}, method="demo"))

    first = bytes(files.files(invoice).pdf)
    second = bytes(files.files(invoice).pdf)

    assert first == second
    assert first.startswith(b"%PDF")


# --- The PDF and the Factur-X XML ---------------------------------------------------------------


def test_the_facturx_xml_validates_against_en16931_and_its_totals_are_the_pdfs():
    event = invoicing_event()
    entry = make_ticket_type(event, name="Entry", price=Decimal("11.90"))
    vip = make_ticket_type(event, name="VIP Lounge", price=Decimal("10.70"))
    order = buy(event, {entry: 3, vip: 2})
    tax(order, entry, "19")
    tax(order, vip, "7")
    invoice = Invoice.objects.get(order=paid(order))

    pdf, xml = files.render(invoice)

    cii.check(xml)  # raises unless it matches the EN 16931 schema
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    _flavor, embedded = facturx.get_xml_from_pdf(pdf, check_xsd=True)[0:2]
    assert embedded == xml
    root = etree.fromstring(xml)
    assert root.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "380"
    text = pdf_text(pdf)
    money = lambda amount: plain(format_money(amount, "EUR", "en"))  # noqa: E731
    grand = xml_amount(xml, TOTALS + "ram:GrandTotalAmount")
    tax_total = xml_amount(xml, TOTALS + "ram:TaxTotalAmount")
    net = xml_amount(xml, TOTALS + "ram:TaxBasisTotalAmount")
    assert (grand, tax_total, net) == (invoice.gross_total, invoice.tax_total, invoice.net_total)
    assert amount_after("Total", text) == money(grand) == "€57.10"
    assert amount_after("VAT total", text) == money(tax_total)
    assert amount_after("Net total", text) == money(net)
    lines_net = sum(Decimal(e.text) for e in root.iterfind(".//ram:LineTotalAmount", NS)) - net
    assert lines_net == net  # the lines' net amounts (the header's repeats it) sum to the total
    groups = root.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    assert [
        (
            g.findtext("ram:CategoryCode", namespaces=NS),
            g.findtext("ram:RateApplicablePercent", namespaces=NS),
            g.findtext("ram:CalculatedAmount", namespaces=NS),
        )
        for g in groups
    ] == [("S", "7.00", "1.40"), ("S", "19.00", "5.70")]
    assert sum(Decimal(g.findtext("ram:CalculatedAmount", namespaces=NS)) for g in groups) == tax_total
    for group in invoice.tax_summary:
        assert amount_after(f"VAT {Decimal(group['rate']).normalize():f} %", text) == money(
            Decimal(group["tax"])
        )


def test_a_cancellation_is_a_credit_note_381_with_positive_amounts_referring_to_the_invoice():
    event = invoicing_event(payment_methods=["bank"])
    entry = make_ticket_type(event, price=Decimal("11.90"))
    order = buy(event, {entry: 1}, method="bank")
    tax(order, entry, "19")  # taxed after the invoice: the invoice keeps what it was
    lifecycle.cancel(order)
    cancellation = Invoice.objects.get(order=order, kind=Invoice.Kind.CANCELLATION)

    pdf, xml = files.render(cancellation)

    cii.check(xml)
    root = etree.fromstring(xml)
    assert root.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    assert xml_amount(xml, TOTALS + "ram:GrandTotalAmount") == Decimal("11.90") == -cancellation.gross_total
    assert (
        root.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=NS) == "ACME-00001"
    )
    text = pdf_text(pdf)
    assert "Cancellation invoice ACME-00002" in text
    assert "ACME-00001" in text
    assert amount_after("Total", text) == plain(format_money(Decimal("-11.90"), "EUR", "en"))


def test_reverse_charge_and_exempt_lines_carry_their_categories_and_the_legal_text():
    event = invoicing_event()
    online = make_ticket_type(event, name="Stream", price=Decimal("50.00"))
    book = make_ticket_type(event, name="Programme", price=Decimal("5.00"))
    order = buy(event, {online: 1, book: 1})
    tax(order, online, "0", TaxTreatment.REVERSE_CHARGE)
    tax(order, book, "0", TaxTreatment.EXEMPT)
    business_address(order, InvoiceAddress.VatIdStatus.VALID)
    invoice = Invoice.objects.get(order=paid(order))

    pdf, xml = files.render(invoice)

    cii.check(xml)
    root = etree.fromstring(xml)
    groups = root.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    assert sorted(
        (g.findtext("ram:CategoryCode", namespaces=NS), g.findtext("ram:ExemptionReason", namespaces=NS))
        for g in groups
    ) == [("AE", "Reverse charge"), ("E", "Exempt from VAT")]
    buyer = root.find(".//ram:BuyerTradeParty", NS)
    assert buyer.findtext("ram:SpecifiedTaxRegistration/ram:ID", namespaces=NS) == "FR40303265045"
    assert buyer.findtext("ram:PostalTradeAddress/ram:CountryID", namespaces=NS) == "FR"
    text = " ".join(pdf_text(pdf).split())
    assert "Reverse charge: VAT is owed by the recipient" in text
    assert "VAT ID: FR40303265045" in text
    assert "VAT ID: DE123456789" in text


def test_the_pdf_is_in_the_orders_language_german():
    event = invoicing_event()
    entry = make_ticket_type(event, name="Eintritt", price=Decimal("1234.50"))
    order = buy(event, {entry: 1}, locale="de")
    tax(order, entry, "19")
    invoice = Invoice.objects.get(order=paid(order))

    pdf, xml = files.render(invoice)

    text = pdf_text(pdf)
    assert "Rechnung ACME-00001" in text
    assert amount_after("Gesamtbetrag", text) == "1.234,50 €"
    assert amount_after("Summe USt.", text) == "197,11 €"
    assert "Rechnungsdatum" in text
    assert "Vollständig bezahlt" in text
    for english in ("Invoice", "Total", "Date of issue", "Paid in full"):
        assert english not in text
    assert xml_amount(xml, TOTALS + "ram:GrandTotalAmount") == Decimal("1234.50")


@pytest.mark.parametrize(("locale", "title"), [("fr", "Facture"), ("es", "Factura"), ("cs", "Faktura")])
def test_the_pdf_speaks_every_language_with_a_catalog(locale, title):
    event = invoicing_event()
    entry = make_ticket_type(event, price=Decimal("10.00"))
    invoice = Invoice.objects.get(order=paid(buy(event, {entry: 1}, locale=locale)))

    assert f"{title} ACME-00001" in pdf_text(files.render(invoice)[0])


# --- Settings -----------------------------------------------------------------------------------


def test_settings_are_validated_and_a_new_prefix_starts_a_new_series():
    event = invoicing_event(payment_methods=["demo"])
    entry = make_ticket_type(event, price=Decimal("10.00"))
    buy(event, {entry: 1}, method="demo")

    services.save_settings(event.organizer_id, mode="paid", prefix="2027-", footer="Registered in Berlin")
    order = buy(event, {entry: 1}, method="demo", email="bo@example.com")

    assert Invoice.objects.get(order=order).number == "2027-00001"
    for fields, field in (
        ({"mode": "sometimes"}, "mode"),
        ({"prefix": ""}, "prefix"),
        ({"prefix": "x" * 21}, "prefix"),
        ({"prefix": "A\x00"}, "prefix"),
        ({"prefix": 7}, "prefix"),
        ({"footer": "a\x00b"}, "footer"),
        ({"footer": "x" * 1001}, "footer"),
        ({"footer": ["list"]}, "footer"),
    ):
        given = {"mode": "paid", "prefix": "INV-", "footer": "", **fields}
        with pytest.raises(OrderInvalid) as refused:
            services.save_settings(event.organizer_id, **given)
        assert field in refused.value.errors
    assert InvoiceSettings.objects.get(organizer=event.organizer).prefix == "2027-"


def test_issue_dates_are_the_moment_of_payment():
    event = invoicing_event()
    entry = make_ticket_type(event, price=Decimal("10.00"))
    invoice = Invoice.objects.get(order=buy(event, {entry: 1}, method="demo"))
    assert invoice.order.paid_at is not None
    assert abs(invoice.issued_at - invoice.order.paid_at) < dt.timedelta(seconds=5)
