"""Root URL configuration. Each app owns its own URLs; this file only mounts them.

``/health/`` is answered by core.middleware.HealthCheckMiddleware before URL
resolution, so it needs no route here.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("events.urls")),
]

handler404 = "core.views.page_not_found"
