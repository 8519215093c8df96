"""WSGI entry point (gunicorn connector.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from connector.startup import load_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector.settings")

application = load_application(get_wsgi_application)
