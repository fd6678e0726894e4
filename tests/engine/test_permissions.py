"""engine.permissions: the one home of who may do what, over the test role catalogue
(``tim`` is a group of ``pengelola_ti`` and ``pemeriksa_ti``, all supervised by ``pengawas``)."""
from __future__ import annotations

import pytest

from engine.modeling.roles import RoleCatalog
from engine.permissions import (
    SYSTEM_ACTOR,
    Permissions,
    is_admin,
    is_read_only,
    may_audit,
    may_model,
    may_read_models,
    reads_every_case,
)


@pytest.fixture
def may(test_data) -> Permissions:
    return Permissions(RoleCatalog.load(test_data / "roles.toml"))


def test_group_tasks_are_offered_to_the_members_of_the_group(may: Permissions):
    assert may.may_work_on("tim", {"pengelola_ti"})
    assert may.may_work_on("pengelola_ti", {"pengelola_ti"})
    assert not may.may_work_on("pengelola_ti", {"pemeriksa_ti"})
    assert not may.may_work_on("tim", {"pengawas"})  # supervising is not performing


def test_supervisors_and_admin_supervise_but_holders_do_not(may: Permissions):
    assert may.supervises("tim", {"pengawas"})
    assert may.supervises("tim", {"admin_sistem"})
    assert not may.supervises("tim", {"pengelola_ti"})


def test_starting_needs_a_start_role_held_directly_or_through_a_group(may: Permissions):
    assert may.may_start(frozenset({"tim"}), "budi", {"pemeriksa_ti"})
    assert not may.may_start(frozenset({"tim"}), "budi", {"pengawas"})
    assert may.may_start(frozenset({"tim"}), SYSTEM_ACTOR, set())


def test_a_case_is_stopped_by_its_starter_admin_the_engine_or_a_supervisor_of_an_open_task(may: Permissions):
    assert may.may_cancel("budi", ["tim"], "budi", set())
    assert may.may_cancel("budi", ["tim"], "ani", {"pengawas"})
    assert may.may_cancel("budi", [], "root", {"admin_sistem"})
    assert may.may_cancel("budi", [], SYSTEM_ACTOR, set())
    assert not may.may_cancel("budi", ["tim"], "ani", {"pengelola_ti"})
    assert not may.may_cancel("budi", [], "ani", {"pengawas"})  # nothing open that ani supervises


def test_a_task_is_read_by_holders_supervisors_the_people_on_it_and_case_readers(may: Permissions):
    assert may.may_read_task("tim", (None, None), "ani", {"pengelola_ti"})
    assert may.may_read_task("tim", (None, None), "ani", {"pengawas"})
    assert may.may_read_task("pengawas", ("ani", None), "ani", set())
    assert may.may_read_task("pengawas", (None, "ani"), "ani", set())
    assert may.may_read_task("pengawas", (None, None), "ani", {"auditor"})
    assert not may.may_read_task("pengawas", ("budi", None), "ani", {"pengelola_ti"})


def test_cases_seen_through_held_and_supervised_task_roles(may: Permissions):
    assert may.task_roles_seen({"pengelola_ti"}) == {"pengelola_ti", "tim"}
    assert may.task_roles_seen({"pengawas"}) == {"pengawas", "pengelola_ti", "pemeriksa_ti", "tim"}


def test_role_only_rules():
    assert is_admin({"admin_sistem"}) and not is_admin({"auditor"})
    assert is_read_only({"auditor", "pengelola_ti"}) and not is_read_only({"admin_sistem"})
    assert may_audit({"auditor"}) and may_audit({"admin_sistem"}) and not may_audit({"pemilik_proses"})
    assert may_model({"pemilik_proses"}) and not may_model({"admin_sistem"})
    assert may_read_models({"penilai_sop"}) and may_read_models({"pemilik_proses"})
    assert not may_read_models({"pengelola_ti"})
    assert reads_every_case({"kepala_dinas"}) and not reads_every_case({"pengawas"})


def test_expanding_roles_answers_the_same_each_time_and_never_shares_its_set(test_data):
    """``RoleCatalog.expand`` keeps its answers by the roles asked about: the same for a set or a
    frozenset of them, and a caller changing its set changes no later answer."""
    catalog = RoleCatalog.load(test_data / "roles.toml")
    for roles in ({"pengelola_ti"}, {"pengawas"}, {"pengelola_ti", "pemeriksa_ti"}, set()):
        expected = set(roles) | {r.key for r in catalog.roles.values() if r.members & roles}
        first = catalog.expand(roles)
        assert first == expected == catalog.expand(frozenset(roles))
        first.add("bukan_peran")
        assert catalog.expand(roles) == expected
