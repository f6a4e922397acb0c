"""An order's invoices as the buyer's order page and the back office show them, and the
responses that serve their files (invoicing)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from invoicing import files, services
from invoicing.models import Invoice, InvoiceSettings
from invoicing.services import ISSUABLE, settings_of
from sales.exceptions import OrderConflict
from sales.models import Order
from storefront import schemas
from storefront.serializers import built

PDF, XML = "application/pdf", "application/xml"


def invoice_link(invoice: Invoice, pdf_url: str) -> schemas.InvoiceLink:
    return built(
        schemas.InvoiceLink,
        id=invoice.pk,
        number=invoice.number,
        kind=invoice.kind,
        issued_at=invoice.issued_at,
        gross_total=invoice.gross_total,
        currency=invoice.currency,
        pdf_url=pdf_url,
    )


def order_invoices(
    order: Order, pdf_url: Callable[[Invoice], str], request_url: str
) -> schemas.OrderInvoices | None:
    """The order's invoices with their download addresses; ``request_url`` is offered while
    the organizer issues invoices on request and the paid order has none yet. None when
    there is nothing to show."""
    issued = list(Invoice.objects.filter(order=order).order_by("-issued_at", "-pk"))
    settings = settings_of(order.event.organizer_id)
    may_request = (
        settings.mode == InvoiceSettings.Mode.ON_REQUEST
        and order.status in ISSUABLE
        and not any(invoice.kind == Invoice.Kind.INVOICE for invoice in issued)
    )
    if not issued and not may_request:
        return None
    return built(
        schemas.OrderInvoices,
        invoices=[invoice_link(invoice, pdf_url(invoice)) for invoice in issued],
        request_url=request_url if may_request else None,
    )


def file_response(invoice: Invoice, kind: str) -> HttpResponse:
    """The invoice's PDF (Factur-X) or XML as a download, the same bytes every time."""
    kept = files.files(invoice)
    body, content_type, extension = (
        (bytes(kept.pdf), PDF, "pdf") if kind == "pdf" else (bytes(kept.xml), XML, "xml")
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{files.filename(invoice, extension)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def buyer_invoices(order: Order, order_page: str) -> schemas.OrderInvoices | None:
    """The order page's invoices: files under the order's secret address ``order_page``."""
    return order_invoices(
        order, lambda invoice: f"{order_page}invoices/{invoice.pk}.pdf", f"{order_page}invoices/"
    )


def ask_for_invoice(request: HttpRequest, order: Order) -> None:
    """Issue the order's invoice (or find the one it has) and say so in a flash message;
    the reason when it cannot be issued (not paid, the organizer issues none)."""
    try:
        invoice = services.request_invoice(order)
    except OrderConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Invoice {invoice.number} is ready to download.")
