"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from connector.startup import load_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector.settings")

application = load_application(get_asgi_application)
