"""The reads of a real SOP step's completion on SQLite (its statements, from SQLite's own trace): what the
step's row already holds is not read again, and what PostgreSQL reads in its pipeline in case it is needed
(engine.runtime.runner.Runner._step_reads) is read here only when it is. PostgreSQL's round trips are in
test_round_trips.py."""
from __future__ import annotations

import pytest
from engine_helpers import traced_sop_alur

from engine.bootstrap import Alur


@pytest.fixture
def traced_sops(tmp_path, clock):
    """The real SOP models on a new SQLite file with the users of ``CAST``, and the statements SQLite ran."""
    alur, engine, traced = traced_sop_alur(tmp_path, clock)
    yield alur, traced
    engine.dispose()


def completions(alur: Alur, traced: list[str], process_key: str) -> list[list[str]]:
    """The statements of each completion of one whole case of ``process_key``, as the bench walks it."""
    return [statements for _element, statements in elements_completed(alur, traced, process_key)]


def elements_completed(alur: Alur, traced: list[str], process_key: str) -> list[tuple[str, list[str]]]:
    """Each completion of one whole case of ``process_key`` as the bench walks it: its step and statements."""
    from bench import sops
    from process_helpers import CAST, deploy

    deploy(alur, process_key)
    with alur.sessions() as session:
        definition = alur.definitions.latest(session, process_key)[1]
    starter = next(user for user, roles in CAST.items() if alur.roles.expand(set(roles)) & definition.start_roles)
    found: list[tuple[str, list[str]]] = []

    def watch(fn, *args):
        if getattr(fn, "__name__", "") != "complete_task":
            return fn(*args)
        element = alur.queries.task(args[0]).element_id
        traced.clear()
        result = fn(*args)
        found.append((element, [" ".join(sql.split()) for sql in traced]))
        return result

    sops._run_case(alur, process_key, starter, 1, watch)
    return found


@pytest.mark.parametrize("process_key", ["sop_pengelolaan_data", "sop_backup_restore_db"])
def test_a_step_reads_again_nothing_its_task_row_holds_nor_what_it_may_not_need(traced_sops, process_key):
    """A step that waited on an outside party takes its start from its task's row, and the step that ends
    the case the case's start and limit; the documents come with the state of the steps they were made for
    (no second read for the steps that carry them on); the case's task times are read only when needed."""
    steps = completions(*traced_sops, process_key)
    statements = [sql for step in steps for sql in step]
    assert len(steps) > 3 and statements
    assert not [sql for sql in statements if sql.startswith((
        "SELECT human_task.created_at FROM human_task WHERE human_task.id",  # a waited step's start
        "SELECT process_instance.started_at, process_instance.due_at",  # the ended case's start and limit
        "SELECT human_task.id FROM human_task WHERE human_task.state"))], steps  # the documents' carriers
    clock_reads = [sql for sql in statements if sql.startswith("SELECT process_instance.started_at AS case_started_at")]
    assert len(clock_reads) < len(steps), steps  # only the steps that move the case's clock


CLOCK_READS = ("SELECT process_instance.started_at AS case_started_at",  # CASE_TASK_TIMES
               "SELECT human_task.created_at FROM human_task WHERE human_task.instance_id")  # LAST_STARTED


@pytest.mark.parametrize("process_key", ["sop_pengelolaan_data", "sop_gangguan_jaringan", "sop_backup_restore_db"])
def test_the_steps_that_read_the_case_times_with_their_checks_are_those_that_may_need_them(traced_sops,
                                                                                          process_key):
    """On PostgreSQL a step reads the case's task times with its checks (engine.runtime.runner
    ``_ModelFacts.times_after``) only when its completion may move the case's clock or open a step sharing
    its SOP time; each step that needs them here on SQLite (which reads them only then) is among those, and
    most steps are not."""
    alur, traced = traced_sops
    steps = elements_completed(alur, traced, process_key)
    with alur.sessions() as session:
        definition = alur.definitions.latest(session, process_key)[1]
    times_after = alur.runner._model_facts(definition).times_after
    needed = {element for element, statements in steps if any(sql.startswith(CLOCK_READS) for sql in statements)}
    elements = {element for element, _statements in steps}
    assert needed and needed <= times_after, (needed, times_after)
    assert len(times_after & elements) < len(elements) / 2, (times_after, elements)
