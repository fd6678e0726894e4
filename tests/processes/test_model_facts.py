"""What a step asks of its model, worked out once per parsed definition (``engine.runtime.runner._ModelFacts``),
is what the model says when asked each time."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.runtime.runner import _Completed, _ModelFacts

ROOT = Path(__file__).resolve().parents[2]
PROCESS_KEYS = sorted(path.stem for path in (ROOT / "processes").glob("*.bpmn"))


def _moves_clock_as_asked(definition, element_ids: list[str]) -> bool:
    """``Runner._moves_case_clock`` as first written."""
    if not definition.has_clock_rules:
        return False
    return any(e == definition.clock_start or (e in definition.user_tasks and definition.user_tasks[e].waits)
               for e in element_ids)


@pytest.mark.sqlite_only("reads parsed models only")
def test_the_facts_of_every_model_are_what_it_says_when_asked(sop):
    moved = 0
    for path in sorted(sop.settings.processes_dir.glob("*.bpmn")):
        sop.deployer.deploy_file(path, "pemilik")
        with sop.sessions() as session:
            _, definition = sop.definitions.latest(session, path.stem)
        facts = sop.runner._model_facts(definition)
        assert sop.runner._model_facts(definition) is facts  # worked out once
        tasks = definition.user_tasks.values()
        assert facts.performers == tuple(dict.fromkeys(m.performer for m in tasks if m.performer is not None))
        timed = definition.has_clock_rules or any(m.shares_time_with is not None for m in tasks)
        assert facts.times_after <= (set(definition.user_tasks) if timed else set())  # only where times count
        assert {e for e in definition.user_tasks if _moves_clock_as_asked(definition, [e])} <= facts.times_after
        assert facts.performers_after.keys() == definition.user_tasks.keys()
        assert all(set(named) <= set(facts.performers) for named in facts.performers_after.values())
        for element_id in [*definition.user_tasks, "StartEvent_x", definition.clock_start or "tanpa"]:
            completed = _Completed(element_id, element_id, {}, None)  # type: ignore[arg-type]
            expected = _moves_clock_as_asked(definition, [element_id])
            assert sop.runner._moves_case_clock(definition, [], completed) == expected
            assert sop.runner._moves_case_clock(definition, [{"element_id": element_id}], None) == expected
            moved += expected
    assert moved  # some model has clock rules


def test_another_parsed_definition_has_its_own_facts(sop):
    sop.deployer.deploy_file(sop.settings.processes_dir / "sop_gangguan_database.bpmn", "pemilik")
    with sop.sessions() as session:
        _, definition = sop.definitions.latest(session, "sop_gangguan_database")
    facts = sop.runner._model_facts(definition)
    changed = dataclasses.replace(definition, user_tasks={})
    assert sop.runner._model_facts(changed) == _ModelFacts((), frozenset(
        {definition.clock_start} if definition.clock_start else set()), frozenset(), {})
    assert sop.runner._model_facts(definition) is facts
