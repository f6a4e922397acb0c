from django.urls import path

from sales import views

app_name = "sales"

urlpatterns = [
    path("events/<slug:slug>/hold/", views.create_hold, name="hold"),
    path("checkout/<uuid:token>/", views.checkout, name="checkout"),
    path("checkout/<uuid:token>/release/", views.release_hold, name="release"),
    path("orders/", views.my_orders, name="my_orders"),
    path("orders/<str:code>/<str:secret>/", views.order_page, name="order"),
    path("orders/<str:code>/<str:secret>/tickets.pdf", views.order_tickets_pdf, name="order_pdf"),
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
