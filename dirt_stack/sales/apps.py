from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sales: stock, holds, orders, vouchers and payments"

    def ready(self) -> None:
        # Registers the outbox handlers for buyer emails.
        from sales import emails  # noqa: F401
