"""The BPMN schema validator and the parsed definitions under concurrent first requests (a gunicorn worker's
threads, just started).

libxml2 sets up its XML Schema types the first time a schema is loaded in a process, and two threads
doing so at once can leave them broken for good: every later schema load in that process fails
("xmlSchemaPValAttrNodeValue, the given type is not a built-in type"). Seen in the bench's inbox throughput
row: four gunicorn workers, their threads' first requests arriving together, answered 986 pages with 500
over the run's 10 s. One validator a process, made and used by one thread at a time, and one parse of a
definition however many ask for it.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from engine.modeling import parser as parser_module
from engine.modeling.definitions import DefinitionStore

MODEL = (Path(__file__).parent / "data" / "uji_loop.bpmn").read_bytes()


def _at_once(n: int, work) -> list[BaseException]:
    """``work`` in ``n`` threads released together; what they raised."""
    barrier, errors = threading.Barrier(n), []

    def run() -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)
    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


class _SlowValidator:
    """Counts how many are made, the validations, and how many threads are making or using one at once
    (the XSD takes ~100 ms to load)."""
    made = 0
    validated: list[object] = []
    inside = 0
    most_inside = 0
    lock = threading.Lock()

    def __init__(self) -> None:
        type(self).made += 1
        self._in_use(0.05)

    def validate(self, tree: object, filename: str) -> None:
        type(self).validated.append(self)
        self._in_use(0.005)

    @classmethod
    def _in_use(cls, seconds: float) -> None:
        with cls.lock:
            cls.inside += 1
            cls.most_inside = max(cls.most_inside, cls.inside)
        time.sleep(seconds)
        with cls.lock:
            cls.inside -= 1


def test_the_validator_is_made_once_and_used_by_one_thread_at_a_time_however_many_load_a_model_at_once(
        monkeypatch):
    monkeypatch.setattr(parser_module, "_VALIDATOR", None)
    monkeypatch.setattr(parser_module, "BpmnValidator", _SlowValidator)
    assert _at_once(8, lambda: parser_module.DefinitionParser.load_xml(MODEL, "uji_loop.bpmn")) == []
    assert _SlowValidator.made == 1 and _SlowValidator.most_inside == 1
    assert len(_SlowValidator.validated) == 8
    assert all(validator is parser_module._VALIDATOR for validator in _SlowValidator.validated)


def test_a_model_loaded_by_many_threads_at_once_is_validated_in_each(monkeypatch):
    monkeypatch.setattr(parser_module, "_VALIDATOR", None)
    assert _at_once(8, lambda: parser_module.DefinitionParser.load_xml(MODEL, "uji_loop.bpmn")) == []
    assert isinstance(parser_module._VALIDATOR, parser_module.BpmnValidator)


class _Row:
    def __init__(self, definition_id: int) -> None:
        self.id, self.bpmn_xml, self.source_file = definition_id, MODEL.decode(), "uji_loop.bpmn"


class _Session:
    def get(self, _model, definition_id: int) -> _Row | None:
        return _Row(definition_id) if definition_id in (1, 2) else None

    def expunge(self, _row) -> None:
        pass


class _CountingParser:
    """Counts its parses; with ``together``, each parse waits there for the others to be parsing too."""

    def __init__(self, together: threading.Barrier | None = None) -> None:
        self.parsed: list[str] = []
        self._lock = threading.Lock()
        self._together = together

    def parse(self, content: bytes, filename: str) -> object:
        with self._lock:
            self.parsed.append(filename)
        if self._together is not None:
            self._together.wait()  # broken (BrokenBarrierError) if the other parse cannot start meanwhile
        else:
            time.sleep(0.05)
        return object()


def test_a_definition_asked_for_by_many_threads_at_once_is_parsed_once():
    parser = _CountingParser()
    store = DefinitionStore(parser)  # type: ignore[arg-type]
    found: list[object] = []
    assert _at_once(8, lambda: found.append(store.get(_Session(), 1))) == []  # type: ignore[arg-type]
    assert len(parser.parsed) == 1
    assert len(found) == 8 and all(entry[0] is found[0][0] and entry[1] is found[0][1] for entry in found)


def test_two_definitions_are_parsed_side_by_side_not_one_after_the_other():
    parser = _CountingParser(together=threading.Barrier(2, timeout=10))
    store = DefinitionStore(parser)  # type: ignore[arg-type]
    ids = iter([1, 2])
    lock = threading.Lock()

    def get() -> None:
        with lock:
            definition_id = next(ids)
        store.get(_Session(), definition_id)  # type: ignore[arg-type]
    assert _at_once(2, get) == []
    assert len(parser.parsed) == 2


def test_a_definition_that_is_not_there_is_refused_to_each_thread_that_asks():
    from engine.errors import DefinitionNotFound

    store = DefinitionStore(_CountingParser())  # type: ignore[arg-type]
    errors = _at_once(4, lambda: store.get(_Session(), 3))  # type: ignore[arg-type]
    assert len(errors) == 4 and all(isinstance(error, DefinitionNotFound) for error in errors)


@pytest.fixture(autouse=True)
def _fresh_counts():
    _SlowValidator.made = _SlowValidator.inside = _SlowValidator.most_inside = 0
    _SlowValidator.validated = []
    yield
