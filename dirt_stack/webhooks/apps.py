from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Registers the outbox handlers (the fan-out, the owners' email), the flags' receivers,
        # and the delivery work on the outbox's sweeper thread: due deliveries every second
        # (while the process is quiet), the 30-day log sweep with every once-a-minute sweep.
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

        from core import outbox
        from events.models import Event
        from webhooks import delivery
        from webhooks.models import WebhookEndpoint
        from webhooks.signals import endpoint_changed, event_flag

        pre_save.connect(event_flag, sender=Event, dispatch_uid="webhooks.event_flag")
        post_save.connect(endpoint_changed, sender=WebhookEndpoint, dispatch_uid="webhooks.endpoint_saved")
        post_delete.connect(
            endpoint_changed, sender=WebhookEndpoint, dispatch_uid="webhooks.endpoint_deleted"
        )
        m2m_changed.connect(
            endpoint_changed, sender=WebhookEndpoint.events.through, dispatch_uid="webhooks.endpoint_events"
        )
        outbox.on_sweep(delivery.dispatch_due, every=1.0)
        outbox.on_sweep(delivery.sweep_quietly)
