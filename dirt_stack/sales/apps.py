from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sales: stock, holds, orders, vouchers and payments"

    def ready(self) -> None:
        # Registers the outbox handlers: buyer emails, an event's cancellation's batches.
        from sales import emails, event_cancellation  # noqa: F401
