from django.contrib import admin

from events.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "organizer", "starts_at", "status"]
    list_filter = ["status", "organizer"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "starts_at"
