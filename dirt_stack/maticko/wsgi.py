"""WSGI entry point used by gunicorn (``maticko.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maticko.settings")

application = get_wsgi_application()
