"""The app's one ``Alur``: the engine's composition root, built once and handed to ``create_app``."""
from __future__ import annotations

from flask import current_app

from engine import Alur


def current_alur() -> Alur:
    """The engine services of the app serving this request."""
    alur: Alur = current_app.extensions["alur"]
    return alur
