"""The buyer's invoices, through the order's secret address as the tickets are."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.inertia import form_page
from core.input import parse_id
from invoicing.models import Invoice
from storefront.invoices import ask_for_invoice, file_response
from storefront.serializers import order_for_holder


def _order_page_url(request: HttpRequest, code: str, secret: str) -> str:
    return reverse("sales:order", kwargs={"code": code, "secret": secret})


@require_GET
def invoice_pdf(request: HttpRequest, code: str, secret: str, invoice_id: str) -> HttpResponse:
    """One of the order's invoices as a PDF (Factur-X): only with the order's secret."""
    order = order_for_holder(code, secret)
    pk = parse_id(invoice_id)
    invoice = Invoice.objects.filter(order=order, pk=pk).first() if order is not None and pk else None
    if invoice is None:
        raise Http404("No such invoice.")
    return file_response(invoice, "pdf")


@form_page(_order_page_url)
def request_invoice(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    """The buyer asks for the invoice of a paid order (the organizer issues them on request)."""
    order = order_for_holder(code, secret)
    if order is None:
        raise Http404("No such order.")
    ask_for_invoice(request, order)
    return redirect("sales:order", code=order.code, secret=order.secret)
