"""Engine defects found while walking the SOPs, kept as regression tests.

1. DefinitionStore caches the ORM row of a definition (engine/modeling/deploy.py, ``DefinitionStore.get``).
   When the first use of a definition happens in a transaction that is rolled back (here: a
   person without the start role tries to start a case), the rollback expires the cached row
   and the session closes; every later use reads ``row.id`` on a detached, expired instance
   and raises DetachedInstanceError, until the process restarts.
"""
from __future__ import annotations

import pytest
from process_helpers import ROOT

from engine.errors import PermissionDenied


def test_a_refused_first_start_does_not_break_later_starts(sop):
    sop.deployer.deploy_file(ROOT / "processes" / "sop_backup_restore_db.bpmn", "pemilik_proses")
    with pytest.raises(PermissionDenied):
        sop.runner.start_case("sop_backup_restore_db", "pengelola")  # not the OPD: refused, rolled back
    result = sop.runner.start_case("sop_backup_restore_db", "opd")  # DetachedInstanceError today
    assert result.status == "running"
