"""WSGI entry point for production: ``gunicorn -w 4 'web.wsgi:app'`` (configure with ``ALUR_*``)."""
from web import create_app

app = create_app()
