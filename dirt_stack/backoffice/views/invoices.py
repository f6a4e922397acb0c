"""Back office: the organizer's invoices (managers), their files, an order's invoice on
request, and the invoice settings (owners)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership
from accounts.permissions import membership_for, require_role
from backoffice.access import MANAGERS, OWNERS, managed_event
from backoffice.schemas.invoices import (
    InvoiceRow,
    InvoiceSearch,
    InvoiceSettingsPageProps,
    InvoiceSettingsValues,
    InvoicesPageProps,
)
from core.inertia import form_page, paginate, render_page, render_with_errors, submitted_data
from core.input import parse_id, search_text
from core.schemas import Option
from invoicing import services
from invoicing.models import Invoice, InvoiceSettings
from sales.exceptions import OrderInvalid
from storefront.invoices import ask_for_invoice, file_response
from storefront.schemas import OrganizerRef

PAGE_SIZE = 50
DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _member(request: AuthenticatedHttpRequest, organizer_slug: str, roles: Iterable[str]) -> Membership:
    membership = membership_for(request.user, organizer_slug)
    require_role(membership, roles)
    return membership


def _ref(membership: Membership) -> OrganizerRef:
    return OrganizerRef(name=membership.organizer.name, slug=membership.organizer.slug)


def _day(value: str) -> dt.date | None:
    """A filter's day ("2026-12-01"); anything else is ignored, as every filter does."""
    if not DAY.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _file_url(organizer_slug: str, invoice: Invoice, kind: str) -> str:
    return reverse(
        f"backoffice:invoice_{kind}", kwargs={"organizer_slug": organizer_slug, "invoice_id": invoice.pk}
    )


def _row(organizer_slug: str, invoice: Invoice) -> InvoiceRow:
    order = invoice.order
    return InvoiceRow(
        id=invoice.pk,
        number=invoice.number,
        kind=invoice.kind,
        kind_label=invoice.get_kind_display(),
        refers_to=invoice.refers_to.number if invoice.refers_to else None,
        issued_at=invoice.issued_at,
        order_code=order.code,
        order_url=reverse(
            "backoffice:order",
            kwargs={"organizer_slug": organizer_slug, "event_slug": order.event.slug, "code": order.code},
        ),
        event=order.event.title,
        buyer=str(invoice.buyer.get("name", "")),
        net_total=invoice.net_total,
        tax_total=invoice.tax_total,
        gross_total=invoice.gross_total,
        currency=invoice.currency,
        vat_id_recheck=invoice.vat_id_recheck,
        pdf_url=_file_url(organizer_slug, invoice, "pdf"),
        xml_url=_file_url(organizer_slug, invoice, "xml"),
    )


@login_required
@require_GET
def invoices(request: AuthenticatedHttpRequest, organizer_slug: str) -> HttpResponse:
    """The organizer's invoices, cancellations and credit notes, filtered, 50 a page."""
    membership = _member(request, organizer_slug, MANAGERS)
    kind = request.GET.get("kind", "")
    q = search_text(request.GET.get("q", ""))
    issued_from, issued_to = request.GET.get("from", "")[:10], request.GET.get("to", "")[:10]
    found = services.search(
        membership.organizer_id,
        kind=kind,
        q=q,
        issued_from=_day(issued_from),
        issued_to=_day(issued_to),
    ).select_related("order__event")
    page, pagination = paginate(request, found, PAGE_SIZE)
    props = InvoicesPageProps(
        organizer=_ref(membership),
        invoices=[_row(organizer_slug, invoice) for invoice in page],
        pagination=pagination,
        filters=InvoiceSearch(
            kind=kind if kind in Invoice.Kind.values else "",
            q=q,
            issued_from=issued_from if _day(issued_from) else "",
            issued_to=issued_to if _day(issued_to) else "",
        ),
        kinds=[Option(value=value, label=label) for value, label in Invoice.Kind.choices],
        mode=services.settings_of(membership.organizer_id).mode,
        settings_url=reverse("backoffice:invoice_settings", args=[organizer_slug]),
    )
    return render_page(request, props, template_data={"page_title": gettext("Invoices")})


def _invoice(membership: Membership, invoice_id: str) -> Invoice:
    pk = parse_id(invoice_id)
    invoice = Invoice.objects.filter(pk=pk, organizer=membership.organizer).first() if pk else None
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@login_required
@require_GET
def invoice_pdf(request: AuthenticatedHttpRequest, organizer_slug: str, invoice_id: str) -> HttpResponse:
    return file_response(_invoice(_member(request, organizer_slug, MANAGERS), invoice_id), "pdf")


@login_required
@require_GET
def invoice_xml(request: AuthenticatedHttpRequest, organizer_slug: str, invoice_id: str) -> HttpResponse:
    return file_response(_invoice(_member(request, organizer_slug, MANAGERS), invoice_id), "xml")


def _settings_props(
    membership: Membership, values: InvoiceSettingsValues | None = None
) -> InvoiceSettingsPageProps:
    organizer = membership.organizer
    current = services.settings_of(organizer.pk)
    return InvoiceSettingsPageProps(
        organizer=_ref(membership),
        settings=values
        or InvoiceSettingsValues(mode=current.mode, prefix=current.prefix, footer=current.footer),
        modes=[Option(value=value, label=label) for value, label in InvoiceSettings.Mode.choices],
        seller_name=organizer.legal_name or organizer.name,
        seller_vat_id=organizer.vat_id,
        invoices_url=reverse("backoffice:invoices", args=[organizer.slug]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def invoice_settings(request: AuthenticatedHttpRequest, organizer_slug: str) -> HttpResponse:
    """When invoices are issued, their series' prefix and their footer (owners)."""
    membership = _member(request, organizer_slug, OWNERS)
    if request.method == "GET":
        return render_page(
            request, _settings_props(membership), template_data={"page_title": gettext("Invoice settings")}
        )
    data = submitted_data(request)
    try:
        services.save_settings(
            membership.organizer_id,
            mode=data.get("mode"),
            prefix=data.get("prefix"),
            footer=data.get("footer"),
        )
    except OrderInvalid as exc:
        mode, prefix, footer = data.get("mode"), data.get("prefix"), data.get("footer")
        echoed = InvoiceSettingsValues(
            mode=mode if isinstance(mode, str) and mode in InvoiceSettings.Mode.values else "never",
            prefix=prefix if isinstance(prefix, str) else "",
            footer=footer if isinstance(footer, str) else "",
        )
        return render_with_errors(request, _settings_props(membership, echoed), exc.errors)
    messages.success(request, gettext("The invoice settings are saved."))
    return redirect("backoffice:invoice_settings", organizer_slug=organizer_slug)


def _order_url(request: HttpRequest, organizer_slug: str, event_slug: str, code: str) -> str:
    return reverse(
        "backoffice:order", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug, "code": code}
    )


@login_required
@form_page(_order_url)
def order_invoice(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, code: str
) -> HttpResponse:
    """Issue the invoice of a paid order (organizers who issue them on request)."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    order = event.orders.filter(code=code[:20].upper()).first()
    if order is None:
        raise Http404("No such order.")
    ask_for_invoice(request, order)
    return redirect("backoffice:order", organizer_slug=organizer_slug, event_slug=event_slug, code=order.code)
