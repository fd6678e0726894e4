"""WSGI entry point for production: ``gunicorn -w 4 --worker-class gthread --threads 4 'web.wsgi:app'``, as
deploy/systemd/alur-web@.service runs it (configure with ``ALUR_*``)."""
from engine import freeze_startup_objects, load_latest_models
from web import create_app

app = create_app()
# The SOPs parsed before the first request, and frozen with start-up's objects; the connection that read
# them closed, so that no worker shares it (gunicorn --preload forks after this).
load_latest_models(app.extensions["alur"].catalog, then=app.extensions["alur"].db.dispose)
freeze_startup_objects()
