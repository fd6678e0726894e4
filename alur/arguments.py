"""Argument types the commands share."""
from __future__ import annotations

import argparse

MAX_ID = 2**31 - 1  # the database's integer: an id past it names no row (and SQLite cannot even bind it)


def record_id(text: str) -> int:
    """A row's id as the commands take it (a case, an incident, a mandate, a unit).

    :raises argparse.ArgumentTypeError: not a whole number from 1 to ``MAX_ID``
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{text!r} is not an id (1 to {MAX_ID})")
    return value
