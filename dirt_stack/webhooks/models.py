"""Webhook endpoints, the messages delivered to them with every attempt, and their audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from accounts.models import Organizer
from events.models import Event

URL_MAX = 500


class WebhookEndpoint(models.Model):
    """A URL of the organizer's that receives signed messages (Standard Webhooks 1.0)."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField(max_length=URL_MAX)
    description = models.CharField(max_length=200, blank=True)
    # The event types sent (core.domain_events.TYPES); empty: every type.
    event_types = models.JSONField(default=list, blank=True)
    # Only these events' messages; none: every event of the organizer.
    events = models.ManyToManyField(Event, blank=True, related_name="+")
    enabled = models.BooleanField(default=True)
    # whsec_ and base64 of 32 random bytes. Kept readable: signing needs it.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret signs too, until this time (webhooks.signing).
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The first failed attempt since the last success (None: the last attempt succeeded).
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def listens_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One message to one endpoint: the same ``message_id`` (``webhook-id``) and body on
    every attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
        SUCCEEDED = "succeeded", pgettext_lazy("webhook delivery", "Succeeded")
        FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=40)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A process sending it holds it until then (a stopped process's claim lapses).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint"),
            models.Index(fields=["created_at"], name="webhook_delivery_created"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.event_type} ({self.status})"


class WebhookAttempt(models.Model):
    """One request of a delivery and what came back (the body cut to RESPONSE_BODY_MAX)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts_made")
    attempted_at = models.DateTimeField()
    request_headers = models.JSONField(default=dict)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at}: {self.response_status or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class EndpointChange(models.Model):
    """The webhooks' audit log: who created, changed, tested, rotated or revealed what."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    action = models.CharField(max_length=30)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label or self.actor_id}"
