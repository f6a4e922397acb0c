from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing: invoices and credit notes, numbered, PDF with Factur-X"

    def ready(self) -> None:
        # Invoices, cancellations and credit notes are issued in the transaction that pays,
        # closes or refunds their order (sales.order_listeners).
        from invoicing import services
        from sales import order_listeners

        order_listeners.listen(services.InvoicingListener())
