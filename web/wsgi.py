"""WSGI entry point for production: ``gunicorn -w 4 --worker-class gthread --threads 4 'web.wsgi:app'``, as
deploy/systemd/alur-web@.service runs it (configure with ``ALUR_*``)."""
from engine import freeze_startup_objects
from web import create_app

app = create_app()
freeze_startup_objects()
