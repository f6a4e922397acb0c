"""Back office for an event's sales: dashboard, orders with their actions and audit log, CSV exports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from backoffice import reports
from backoffice.access import MANAGERS, event_date, managed_event
from backoffice.schemas import (
    AuditRow,
    DashboardEvent,
    DashboardPageProps,
    EventInZone,
    ManageOrderPageProps,
    OrderRow,
    OrderSearch,
    OrdersPageProps,
)
from backoffice.serializers import date_choices, payment_rows, refund_rows
from core.inertia import form_page, paginate, render_page, render_with_errors, submitted_data
from core.input import InputError, parse_decimal, parse_id
from core.schemas import Option
from events.models import Event
from questions import services as questions
from sales import exceptions, lifecycle, order_actions
from sales.models import Order, Ticket
from sales.payments import PROVIDERS
from storefront.invoices import order_invoices
from storefront.serializers import answers_edit, order_detail, order_questions

ORDERS_PER_PAGE = 25


def _base(organizer_slug: str, event_slug: str) -> str:
    return f"/manage/{organizer_slug}/events/{event_slug}"


@login_required
@require_GET
def dashboard(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The event's figures; ``?date=`` one date's (an id that is not the event's date shows all)."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    date = event_date(event, request.GET.get("date"))
    props = DashboardPageProps(
        event=DashboardEvent(
            title=event.title,
            slug=event.slug,
            status=event.status,
            currency=event.currency,
            timezone=event.timezone,
        ),
        base=_base(organizer_slug, event_slug),
        dates=date_choices(event),
        date=date.pk if date else None,
        figures=reports.dashboard(event, date),
    )
    return render_page(
        request,
        props,
        template_data={"page_title": gettext("Dashboard · %(event)s") % {"event": event.title}},
    )


def _order_row(order: Order, event: Event) -> OrderRow:
    return OrderRow(
        code=order.code,
        status=order.status,
        status_label=order.get_status_display(),
        buyer_name=order.buyer_name,
        buyer_email=order.buyer_email,
        total=order.total,
        currency=order.currency,
        created_at=order.created_at.astimezone(event.tz),
        tickets=order.ticket_total,  # type: ignore[attr-defined]
        date_starts_at=order.date.starts_at.astimezone(event.tz),
        payment_method=order.payment_method,
        unpaid_transfer=order.status == Order.Status.PENDING and order.payment_method == "offline",
        awaiting_confirmation=order.awaiting_confirmation and order.status == Order.Status.PENDING,
    )


def _orders_props(request: HttpRequest, event: Event, organizer_slug: str) -> OrdersPageProps:
    found = Order.objects.filter(event=event).search(request.GET).select_related("date").with_ticket_counts()
    page, pagination = paginate(request, found, ORDERS_PER_PAGE)
    keys = ("q", "status", "ticket_type", "date", "from", "to", "payment")
    filters = {k: str(request.GET.get(k, ""))[:100] for k in keys}
    return OrdersPageProps(
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        base=_base(organizer_slug, event.slug),
        orders=[_order_row(order, event) for order in page.object_list],
        pagination=pagination,
        filters=OrderSearch(**filters),
        statuses=[Option(value=v, label=label) for v, label in Order.Status.choices],
        ticket_types=[Option(value=str(t.pk), label=t.name) for t in event.ticket_types.all()],
        dates=date_choices(event),
        payment_methods=[Option(value=name, label=gettext(p.label)) for name, p in PROVIDERS.items()],
        bulk_cancel_url=f"{_base(organizer_slug, event.slug)}/orders/cancel-transfers/",
    )


@login_required
@require_GET
def order_list(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The event's orders, searched; pending bank transfers can be selected and cancelled."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    props = _orders_props(request, event, organizer_slug)
    return render_page(
        request, props, template_data={"page_title": gettext("Orders · %(event)s") % {"event": event.title}}
    )


def _orders_url(request: HttpRequest, organizer_slug: str, event_slug: str) -> str:
    """The event's order list (as it was searched), where pending transfers are cancelled."""
    listed = reverse("backoffice:orders", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug})
    return f"{listed}?{request.GET.urlencode()}" if request.GET else listed


@login_required
@form_page(_orders_url)
def cancel_transfers(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """Cancel the selected pending bank transfers (``codes``), each audited as one cancel."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    submitted = submitted_data(request).get("codes")
    items = submitted if isinstance(submitted, list) else []
    codes = [c for c in items if isinstance(c, str) and c.isalnum() and len(c) <= 20]
    try:
        if not codes or len(codes) != len(items):
            raise exceptions.OrderInvalid(gettext("Choose the bank-transfer orders to cancel."), "codes")
        actor = order_actions.Actor(user=request.user)
        cancelled = order_actions.cancel_unpaid_transfers(
            event, [c.upper() for c in codes], actor, base_url=request.build_absolute_uri("/")
        )
    except exceptions.OrderInvalid as exc:
        props = _orders_props(request, event, organizer_slug)
        return render_with_errors(request, props, {exc.field: str(exc)})
    messages.success(
        request,
        ngettext(
            "%(count)s unpaid bank transfer cancelled; its tickets are back on sale.",
            "%(count)s unpaid bank transfers cancelled; their tickets are back on sale.",
            cancelled,
        )
        % {"count": cancelled},
    )
    # Back to the list as it was searched (the page posts with its query string).
    listed = reverse("backoffice:orders", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug})
    return redirect(f"{listed}?{request.GET.urlencode()}" if request.GET else listed)


def _order_props(
    request: HttpRequest, event: Event, order: Order, organizer_slug: str
) -> ManageOrderPageProps:
    late = lifecycle.needs_refund(order) if order.status == Order.Status.EXPIRED else Decimal("0")
    return ManageOrderPageProps(
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        base=_base(organizer_slug, event.slug),
        order=order_detail(order, request.build_absolute_uri("/")),
        payments=payment_rows(order),
        refunds=refund_rows(order),
        audit=[
            AuditRow(action=a.action, actor=a.actor_label, detail=a.detail, created_at=a.created_at)
            for a in order.audit_entries.all()
        ],
        refundable=lifecycle.refundable(order),
        late_payment_to_refund=late,
        answers_edit=answers_edit(
            order, _action_url(organizer_slug, event.slug, order.code), None, *order_questions(order)
        ),
        invoices=order_invoices(
            order,
            lambda invoice: reverse(
                "backoffice:invoice_pdf", kwargs={"organizer_slug": organizer_slug, "invoice_id": invoice.pk}
            ),
            reverse(
                "backoffice:order_invoice",
                kwargs={"organizer_slug": organizer_slug, "event_slug": event.slug, "code": order.code},
            ),
        ),
    )


def _action_url(organizer_slug: str, event_slug: str, code: str) -> str:
    return reverse(
        "backoffice:order_action",
        kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug, "code": code},
    )


def _load(event: Event, code: str) -> Order:
    return get_object_or_404(
        Order.objects.select_related("event", "event__organizer", "date").prefetch_related(
            "lines__ticket_type", "tickets__ticket_type"
        ),
        event=event,
        code=code,
    )


@login_required
@require_GET
def order_page(request: HttpRequest, organizer_slug: str, event_slug: str, code: str) -> HttpResponse:
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    order = _load(event, code)
    return render_page(
        request, _order_props(request, event, order, organizer_slug), template_data={"page_title": order.code}
    )


def _order_url(request: HttpRequest, organizer_slug: str, event_slug: str, code: str) -> str:
    """The back office's order page, where the order's actions are."""
    return reverse(
        "backoffice:order", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug, "code": code}
    )


@login_required
@form_page(_order_url)
def order_action(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, code: str
) -> HttpResponse:
    """cancel, refund (amount and/or tickets), retry_refund, mark_paid, resend, attendee: each
    recorded in the audit log. A refund the provider failed stays on the order as failed (409)."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    order = _load(event, code)
    data = submitted_data(request)
    actor = order_actions.Actor(user=request.user)
    base_url = request.build_absolute_uri("/")
    action = data.get("action")
    try:
        if action == "cancel":
            order_actions.cancel(order, actor, base_url=base_url)
            messages.success(
                request,
                gettext("Order %(code)s cancelled; its tickets are void and back on sale.")
                % {"code": order.code},
            )
        elif action == "refund":
            chosen = data.get("tickets") or []
            submitted = [parse_id(t) for t in chosen] if isinstance(chosen, list) else [None]
            tickets = [t for t in submitted if t is not None]
            if len(tickets) != len(submitted):
                raise exceptions.OrderInvalid(gettext("Choose tickets of this order."), "tickets")
            amount = _decimal(data.get("amount"))
            order_actions.refund(
                order,
                actor,
                amount=amount,
                tickets=tickets,
                reason=str(data.get("reason", "")),
                base_url=base_url,
            )
            messages.success(request, gettext("Refunded; the buyer gets an email saying what was refunded."))
        elif action == "retry_refund":
            order_actions.retry_refund(order, parse_id(data.get("refund")), actor, base_url=base_url)
            messages.success(request, gettext("Refunded; the buyer gets an email saying what was refunded."))
        elif action == "mark_paid":
            order = order_actions.mark_paid(
                order, actor, base_url=base_url, reference=str(data.get("reference", ""))[:200]
            )
            if order.status == Order.Status.EXPIRED:
                messages.warning(
                    request,
                    gettext("Paid after the order expired and its tickets are gone: refund the payment."),
                )
            else:
                messages.success(request, gettext("Order marked paid; the buyer gets the tickets by email."))
        elif action == "resend":
            order_actions.resend_confirmation(order, actor, base_url=base_url)
            messages.success(
                request, gettext("Confirmation sent again to %(email)s.") % {"email": order.buyer_email}
            )
        elif action == "answers":
            asked, _ = order_questions(order)
            changed = questions.changed_answers(
                asked, order.answers, data.get("answers"), data.get("ticket_answers")
            )
            order_actions.change_answers(order, changed, actor)
            messages.success(request, gettext("Answers saved."))
        elif action == "attendee":
            ticket = get_object_or_404(Ticket, pk=parse_id(data.get("ticket")) or 0, order=order)
            order_actions.change_attendee(ticket, str(data.get("attendee_name", "")), actor)
            messages.success(request, gettext("Attendee name changed."))
        else:
            raise exceptions.OrderInvalid(gettext("Unknown action."), "action")
    except exceptions.OrderInvalid as exc:
        order.refresh_from_db()
        return render_with_errors(
            request, _order_props(request, event, order, organizer_slug), {exc.field: str(exc)}
        )
    except questions.AnswersInvalid as exc:
        return render_with_errors(request, _order_props(request, event, order, organizer_slug), exc.errors)
    except exceptions.OrderConflict as exc:
        order.refresh_from_db()
        return render_with_errors(
            request, _order_props(request, event, order, organizer_slug), {"form": str(exc)}, status=409
        )
    return redirect("backoffice:order", organizer_slug=organizer_slug, event_slug=event_slug, code=order.code)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return parse_decimal(value, minimum=Decimal("0"))
    except InputError as exc:
        raise exceptions.OrderInvalid(str(exc), "amount") from exc


@login_required
@require_GET
def export(request: HttpRequest, organizer_slug: str, event_slug: str, kind: str) -> StreamingHttpResponse:
    """orders.csv or attendees.csv of the event; ``?date=`` of one date (404 for any other value)."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    date = None
    if request.GET.get("date"):
        date = event_date(event, request.GET["date"])
        if date is None:
            raise Http404("This event has no such date.")
    rows = reports.orders_csv(event, date) if kind == "orders" else reports.attendees_csv(event, date)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    suffix = f"-{date.starts_at.astimezone(event.tz):%Y-%m-%d-%H%M}" if date else ""
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-{kind}{suffix}.csv"'
    return response
