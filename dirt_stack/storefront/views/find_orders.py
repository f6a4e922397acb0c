"""Find my tickets: a buyer asks for the links of the orders placed with an email
(sales.order_links). The answer is the same whether or not the address has orders."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from core import ratelimit
from core.inertia import form_errors, render_page, render_with_errors, submitted_data
from core.language import request_language
from sales import order_links
from storefront.forms import FindOrdersForm
from storefront.schemas import FindOrdersPageProps

SENT = gettext_lazy(
    "If orders were placed with this address, we have emailed it their links. "
    "It may take a few minutes; check your spam folder too."
)


@require_http_methods(["GET", "POST"])
def find_orders(request: HttpRequest) -> HttpResponse:
    props = FindOrdersPageProps()
    if request.method == "GET":
        return render_page(request, props, template_data={"page_title": gettext("Find my tickets")})
    form = FindOrdersForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, props, form_errors(form))
    try:
        order_links.request_links(
            form.cleaned_data["email"],
            client=ratelimit.client_ip(request),
            base_url=request.build_absolute_uri("/"),
            locale=request_language(request),
        )
    except order_links.TooManyRequests as exc:
        response = render_with_errors(request, props, {"form": str(exc)}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    messages.success(request, str(SENT))
    return redirect("sales:find_orders")
