"""Argument types the commands share."""
from __future__ import annotations

import argparse

from engine import DB_INTEGER_MAX


def record_id(text: str) -> int:
    """A row's id as the commands take it (a case, an incident, a mandate, a unit).

    :raises argparse.ArgumentTypeError: not a whole number from 1 to ``DB_INTEGER_MAX``
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= DB_INTEGER_MAX:
        raise argparse.ArgumentTypeError(f"{text!r} is not an id (1 to {DB_INTEGER_MAX})")
    return value
