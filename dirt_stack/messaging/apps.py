from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging: organizers' messages to their buyers, and reminder emails"

    def ready(self) -> None:
        # Messages go out in batches at a bounded rate and reminders when they are due, both
        # from the outbox's sweeper (every process; the claims keep two from doing one twice).
        from core import outbox
        from messaging import emails, services  # noqa: F401

        outbox.on_sweep(services.deliver_due_quietly, every=services.DUE_CHECK_SECONDS)
        outbox.on_sweep(services.send_reminders_quietly)
