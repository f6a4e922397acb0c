from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waiting list: sold-out ticket types offered again to who waits"

    def ready(self) -> None:
        # Stock that comes back (sales.stock.give_back) is offered to the waiting list in the
        # same transaction; a raised capacity (events.dates) right after its change commits;
        # the outbox's once-a-minute sweep offers what either missed and registers the waiting
        # list's emails. An offer's hold is bought at the offer's price. A cancelled date
        # closes its entries.
        from core import outbox
        from events import dates
        from sales import purchase, stock
        from waitlist import emails, services  # noqa: F401

        stock.on_stock_returned(services.offer_returned_stock)
        dates.on_capacity_raised(services.offer_raised_capacity)
        dates.on_dates_cancelled(services.close_cancelled)
        purchase.on_hold_prices(services.offer_prices)
        outbox.on_sweep(services.sweep_quietly)
