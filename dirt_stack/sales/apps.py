from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sales: stock, holds, orders, vouchers and payments"

    def ready(self) -> None:
        # Registers the outbox handlers (buyer emails, an event's cancellation's batches, the
        # order links, the re-check of a VAT ID VIES did not answer) and the receiver that
        # recounts per-person limits set anew (sales.limits).
        import os
        import sys

        from core import outbox
        from sales import emails, event_cancellation, invoice_addresses, limits, order_links  # noqa: F401
        from sales.sweeper import sweep_quietly

        # Expiring overdue orders runs with the outbox's once-a-minute sweep: in every
        # gunicorn worker (gunicorn.conf.py) and, here, in the development server's
        # serving process (``make dev``; RUN_MAIN marks the reloader's child).
        outbox.on_sweep(sweep_quietly)
        if len(sys.argv) > 1 and sys.argv[1] == "runserver" and os.environ.get("RUN_MAIN") == "true":
            outbox.start_sweeper()
