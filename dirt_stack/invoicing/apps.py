from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing: invoices and credit notes, numbered, PDF with Factur-X"

    def ready(self) -> None:
        # Invoices, cancellations and credit notes are issued in the transaction that pays,
        # closes or refunds their order (sales.order_listeners); the events' flag that tells
        # the purchase whether to issue one is kept by signals.
        from django.db.models.signals import post_delete, post_save, pre_save

        from events.models import Event
        from invoicing import services
        from invoicing.models import InvoiceSettings
        from invoicing.signals import event_flag, settings_changed
        from sales import order_listeners

        order_listeners.listen(services.InvoicingListener())
        pre_save.connect(event_flag, sender=Event, dispatch_uid="invoicing.event_flag")
        post_save.connect(settings_changed, sender=InvoiceSettings, dispatch_uid="invoicing.settings_saved")
        post_delete.connect(
            settings_changed, sender=InvoiceSettings, dispatch_uid="invoicing.settings_deleted"
        )
