"""Fixtures for walking the SOP models: Alur over processes/ and forms/ with one user per role."""
from __future__ import annotations

import pytest
from process_helpers import add_cast

from engine.bootstrap import Alur


@pytest.fixture
def sop(sop_alur: Alur) -> Alur:
    """The real SOP models and forms, with the users of ``CAST`` (on both backends unless sqlite_only)."""
    add_cast(sop_alur)
    return sop_alur
