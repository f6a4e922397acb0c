from django.apps import AppConfig


class OnsaleConfig(AppConfig):
    name = "onsale"
    verbose_name = "On-sale room: the waiting room of an event's on-sale"

    def ready(self) -> None:
        # The admission ticker runs on the outbox's sweeper thread (no thread or
        # database connection of its own), every ONSALE_TICK_SECONDS.
        from django.conf import settings

        from core import outbox
        from onsale.ticker import tick_all_quietly

        outbox.on_sweep(tick_all_quietly, every=settings.ONSALE_TICK_SECONDS)
