"""Cross-cutting models."""

from django.db import models


class RateLimitCounter(models.Model):
    """Requests counted per key in a fixed time window (see core.ratelimit).

    Kept in the database so that every process of every instance counts together.
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window")]
        indexes = [models.Index(fields=["window_start"], name="ratelimit_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M:%S}: {self.count}"


class OutboxMessage(models.Model):
    """Work to do after a transaction commits, such as an email (see core.outbox).

    Written in the same transaction as the change it reports, so it exists if
    and only if that change does; delivered in the background and marked sent.
    """

    kind = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({'sent' if self.sent_at else 'pending'})"
