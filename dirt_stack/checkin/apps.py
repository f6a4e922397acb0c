from django.apps import AppConfig


class CheckinConfig(AppConfig):
    name = "checkin"
    verbose_name = "Check-in"

    def ready(self) -> None:
        # The devices' change feed is written in the transaction of each change (feed.py).
        from checkin.feed import DoorFeedListener, tickets_changed
        from sales import order_listeners
        from sales.signals import tickets_changed as tickets_changed_signal

        order_listeners.listen(DoorFeedListener())
        tickets_changed_signal.connect(tickets_changed, dispatch_uid="checkin.tickets_changed")
