"""Root URL configuration. Each app owns its own URLs; this file only mounts them.

``/health/`` and ``/health/live/`` are answered by core.middleware.HealthCheckMiddleware
before URL resolution, so they need no route here.
"""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("backoffice.urls")),
    path("api/v1/", api.urls),
    path("", include("storefront.urls")),
]

if settings.DEBUG and not settings.AWS_STORAGE_BUCKET_NAME:
    # Local uploads; production serves media from S3.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
