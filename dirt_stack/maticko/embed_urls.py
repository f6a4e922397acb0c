"""The URLs of an embedded storefront request (``/embed/...``, storefront.embed).

The storefront's event and checkout routes under ``embed/`` come first, so the ``events``
and ``sales`` namespaces reverse to them while the request lasts; every other route is the
site's own (``maticko.urls``), unchanged.
"""

from django.urls import URLPattern, URLResolver, include, path

from maticko.urls import urlpatterns as site_urlpatterns
from storefront.urls import embedded_patterns

urlpatterns: list[URLPattern | URLResolver] = [
    path("embed/", include(embedded_patterns)),
    *site_urlpatterns,
]
