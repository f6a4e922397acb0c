"""Organizer endpoints for invoices: list, read, the PDF (Factur-X) and the XML, and asking
for an order's invoice when the organizer issues them on request."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from api.auth import OrganizerToken
from api.manage.common import PAGE_SIZE, require_manager, token_of
from api.manage.schemas import InvoiceDetailOut, InvoiceFilters, InvoicePageOut
from api.problems import problem
from api.schemas import ProblemOut
from core.input import QueryId
from invoicing import services
from invoicing.models import Invoice
from sales import exceptions
from storefront.invoices import file_response
from storefront.serializers import load_order

router = Router(tags=["Organizer"], auth=OrganizerToken())
FILE_RESPONSES: dict[int, Any] = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut}


def _url(request: HttpRequest, invoice: Invoice, kind: str) -> str:
    return request.build_absolute_uri(f"/api/v1/manage/invoices/{invoice.pk}/{kind}")


def _out(request: HttpRequest, invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "refers_to": invoice.refers_to.number if invoice.refers_to else None,
        "order": invoice.order.code,
        "issued_at": invoice.issued_at,
        "currency": invoice.currency,
        "locale": invoice.locale,
        "net_total": invoice.net_total,
        "tax_total": invoice.tax_total,
        "gross_total": invoice.gross_total,
        "tax_summary": invoice.tax_summary,
        "seller": invoice.seller,
        "buyer": invoice.buyer,
        "vat_id_recheck": invoice.vat_id_recheck,
        "pdf_url": _url(request, invoice, "pdf"),
        "xml_url": _url(request, invoice, "xml"),
    }


def _detail(request: HttpRequest, invoice: Invoice) -> dict[str, Any]:
    lines = invoice.lines.values(
        "position",
        "description",
        "quantity",
        "unit_net",
        "unit_gross",
        "tax_rate",
        "tax_treatment",
        "net",
        "tax",
        "gross",
    )
    return {**_out(request, invoice), "lines": list(lines)}


def _invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = (
        Invoice.objects.select_related("order", "refers_to")
        .filter(pk=invoice_id, organizer=token_of(request).organizer)
        .first()
    )
    if invoice is None:
        raise Http404("No invoice with this id for your organizer.")
    return invoice


@router.get(
    "/manage/invoices",
    response={200: InvoicePageOut, 401: ProblemOut, 403: ProblemOut, 422: ProblemOut},
    summary="Your invoices, cancellations and credit notes, newest first, 50 per page",
)
def list_invoices(request: HttpRequest, filters: Query[InvoiceFilters]) -> dict[str, Any]:
    require_manager(request)
    found = services.search(
        token_of(request).organizer.pk,
        kind=filters.kind,
        q=filters.q,
        issued_from=filters.issued_from,
        issued_to=filters.issued_to,
    )
    count = found.count()
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(filters.page, pages)
    start = (page - 1) * PAGE_SIZE
    return {
        "items": [_out(request, invoice) for invoice in found[start : start + PAGE_SIZE]],
        "count": count,
        "page": page,
        "pages": pages,
    }


@router.get(
    "/manage/invoices/{invoice_id}",
    response={200: InvoiceDetailOut, **FILE_RESPONSES},
    summary="One of your invoices, with its lines",
)
def get_invoice(request: HttpRequest, invoice_id: QueryId) -> dict[str, Any]:
    require_manager(request)
    return _detail(request, _invoice(request, invoice_id))


@router.get(
    "/manage/invoices/{invoice_id}/pdf",
    response={200: None, **FILE_RESPONSES},
    summary="The invoice's PDF (PDF/A-3 with its Factur-X EN 16931 XML embedded)",
    openapi_extra={"responses": {"200": {"description": "The PDF", "content": {"application/pdf": {}}}}},
)
def invoice_pdf(request: HttpRequest, invoice_id: QueryId) -> HttpResponse:
    require_manager(request)
    return file_response(_invoice(request, invoice_id), "pdf")


@router.get(
    "/manage/invoices/{invoice_id}/xml",
    response={200: None, **FILE_RESPONSES},
    summary="The invoice's Factur-X (CII, EN 16931) XML",
    openapi_extra={"responses": {"200": {"description": "The XML", "content": {"application/xml": {}}}}},
)
def invoice_xml(request: HttpRequest, invoice_id: QueryId) -> HttpResponse:
    require_manager(request)
    return file_response(_invoice(request, invoice_id), "xml")


@router.post(
    "/manage/orders/{code}/invoice",
    response={201: InvoiceDetailOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut},
    summary="Issue the invoice of a paid order (or return the one it has)",
    description="For organizers who issue invoices on request (or when paid); 409 when the order is not paid "
    "or the organizer issues no invoices.",
)
def request_invoice(request: HttpRequest, code: str) -> Any:
    require_manager(request)
    order = load_order(code.upper()[:20])
    if order is None or order.event.organizer_id != token_of(request).organizer.pk:
        raise Http404("No order with this code for your organizer.")
    try:
        invoice = services.request_invoice(order)
    except exceptions.OrderConflict as exc:
        return problem(409, str(exc))
    return Status(201, _detail(request, _invoice(request, invoice.pk)))
