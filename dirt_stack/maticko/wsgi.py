"""WSGI entry point used by gunicorn (``maticko.wsgi:application``).

Django sits behind core.overload's shedding: a request that waited past its
deadline for a thread is refused before Django sees it.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from core.overload import ShedLateRequests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maticko.settings")

application = ShedLateRequests(
    get_wsgi_application(),
    request_deadline_ms=settings.REQUEST_QUEUE_DEADLINE_MS,
    queue_deadline_ms=settings.QUEUE_REQUEST_DEADLINE_MS,
)
