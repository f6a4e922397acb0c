"""Storefront URLs: the public pages (namespace "events") and the checkout and orders
(namespace "sales") and the waiting list (namespace "waitlist"). Mounted at the site's root."""

from django.urls import include, path

from storefront.embed import widget_script
from storefront.views import checkout, events, find_orders, invoices, payments, queue, waitlist, wallet

event_patterns = [
    path("", events.home, name="home"),
    path("events/<slug:slug>/", events.event_page, name="detail"),
    path("events/<slug:slug>/queue/", queue.queue_page, name="queue"),
    path("events/<slug:slug>/queue/join/", queue.queue_join, name="queue_join"),
    path("events/<slug:slug>/queue/status/", queue.queue_status, name="queue_status"),
    path("o/<slug:slug>/", events.organizer_page, name="organizer"),
]

checkout_patterns = [
    path("events/<slug:slug>/hold/", checkout.create_hold, name="hold"),
    path("challenge/", checkout.challenge, name="challenge"),
    path("checkout/<uuid:token>/", checkout.checkout, name="checkout"),
    path("checkout/<uuid:token>/release/", checkout.release_hold, name="release"),
    path("checkout/<uuid:token>/extend/", checkout.extend_hold, name="extend"),
    path("orders/", checkout.my_orders, name="my_orders"),
    path("orders/find/", find_orders.find_orders, name="find_orders"),
    path("orders/<str:code>/confirm/<str:token>/", checkout.confirm_order, name="confirm_order"),
    path("orders/<str:code>/<str:secret>/", checkout.order_page, name="order"),
    path("orders/<str:code>/<str:secret>/tickets.pdf", checkout.order_tickets_pdf, name="order_pdf"),
    path("orders/<str:code>/<str:secret>/calendar.ics", checkout.order_calendar, name="order_calendar"),
    path("orders/<str:code>/<str:secret>/invoices/", invoices.request_invoice, name="order_invoice_request"),
    path(
        "orders/<str:code>/<str:secret>/invoices/<str:invoice_id>.pdf",
        invoices.invoice_pdf,
        name="order_invoice_pdf",
    ),
    path(
        "orders/<str:code>/<str:secret>/tickets/<int:ticket_id>/wallet.pkpass",
        wallet.ticket_pkpass,
        name="ticket_pkpass",
    ),
    path(
        "orders/<str:code>/<str:secret>/tickets/<int:ticket_id>/google-wallet/",
        wallet.ticket_google_wallet,
        name="ticket_google_wallet",
    ),
    path("orders/<str:code>/<str:secret>/pay/", payments.pay_now, name="pay_now"),
    path("orders/<str:code>/<str:secret>/answers/", checkout.change_answers, name="order_answers"),
    path("orders/<str:code>/<str:secret>/attendee/", checkout.order_attendee, name="order_attendee"),
    path("payments/stripe/webhook/", payments.stripe_webhook, name="stripe_webhook"),
]

# The embedded storefront (storefront/embed.py) serves these under /embed/ (maticko.embed_urls).
embedded_patterns = [
    path("", include((checkout_patterns, "sales"))),
    path("", include((event_patterns, "events"))),
]

waitlist_patterns = [
    path("events/<slug:slug>/waitlist/", waitlist.join, name="join"),
    path("waitlist/confirm/<str:token>/", waitlist.confirm, name="confirm"),
    path("waitlist/unsubscribe/<str:token>/", waitlist.unsubscribe, name="unsubscribe"),
    path("waitlist/offer/<str:token>/", waitlist.offer, name="offer"),
]

urlpatterns = [
    # The shop widget's script (storefront/embed.py), for organizers' websites.
    path("widget/v1/maticko.js", widget_script, name="widget_script"),
    path("", include((waitlist_patterns, "waitlist"))),
    path("", include((checkout_patterns, "sales"))),
    path("", include((event_patterns, "events"))),
]
