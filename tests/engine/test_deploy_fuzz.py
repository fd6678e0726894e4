"""Deploy fuzzing (issue 18): generated and mutated models fed to the deploy path end in a refusal
with a message or in a deployment, never in another exception, and never past the memory bound.

The six SOP models and the small test models are mutated with a seeded random source: elements
deleted, duplicated and renamed, attributes dropped or replaced, references swapped, every hostile
pattern of finding 5 injected, random bytes, truncation and other encodings. The models go in turn
through the modeler's checked deploy (every problem at once, then deploy) and the plain deploy of the
CLI, each into the test database.
A failure names the seed and the mutations, so it can be replayed.
"""
from __future__ import annotations

import copy
import random
import resource
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from engine.errors import DeploymentError, InvalidInput
from engine.modeling.checks import deploy_checked

ROOT = Path(__file__).resolve().parents[2]
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
SEED = 18_05
MAX_GROWTH_BYTES = 300 * 1024 * 1024

HOSTILE_EXPRESSIONS = (
    "${len('%01000000000d' % 1) > 0}", "len('%.900000000f' % 1.5) > 0", "'a' * 1000000000 == ''",
    "[1] * 1000000000", "str(['a' * 60000, 'b' * 60000]) != ''", "2 ** 100000000 > 1", "range(1000000000)",
    "1 + " * 200_000 + "1 > 0", "not " * 300 + "true", "(" * 300 + "1" + ")" * 300, "-" * 1500 + "1",
    "__import__('os').getpid() > 0", "().__class__.__bases__", "open('/etc/hostname')", "x.y.z", "${",
    "true &amp;&amp; !", "lambda: 1", "[i for i in 'abc']", "{'a': 1}", "1 / 0 > 0", "'%s' % ()", "'%*d' % (9, 1)",
    "P99999999D", "\"P99999999Y\"", "R999999999/PT1S", "R/PT0S", "9999-12-31T23:59:59", "0001-01-01",
    "20000", "1e8", "-5", "None", "'banyak'", "[1] * 20000", "True", "int('9' * 5000)", "${tidak_ada}",
)
TIMER_TAGS = ("timeDuration", "timeDate", "timeCycle")
ENTITY_BOMB = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
               b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY e "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
               b'<d>&e;&e;&e;&e;&e;&e;&e;&e;</d>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>')


@dataclass
class Model:
    key: str
    content: bytes
    how: list[str]


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str) and e is not root]


def _ids(root: etree._Element) -> list[str]:
    return [e.get("id", "") for e in root.iter() if isinstance(e.tag, str) and e.get("id")]


def _delete(rng: random.Random, root: etree._Element) -> str:
    victim = rng.choice(_elements(root))
    parent = victim.getparent()
    assert parent is not None
    parent.remove(victim)
    return f"delete {etree.QName(victim).localname}#{victim.get('id')}"


def _duplicate(rng: random.Random, root: etree._Element) -> str:
    victim = rng.choice(_elements(root))
    victim.addnext(copy.deepcopy(victim))
    return f"duplicate {etree.QName(victim).localname}#{victim.get('id')}"


def _rename(rng: random.Random, root: etree._Element) -> str:
    victim = rng.choice([e for e in _elements(root) if e.get("id")] or _elements(root))
    attribute = rng.choice(["id", "name"])
    value = rng.choice([rng.choice(_ids(root) or ["x"]), "", "x" * rng.randint(1, 300), "1abc", "a b", "ü\u200b"])
    victim.set(attribute, value)
    return f"rename {attribute} of #{victim.get('id')} to {value[:20]!r}"


def _attribute(rng: random.Random, root: etree._Element) -> str:
    victim = rng.choice([e for e in _elements(root) if e.attrib] or _elements(root))
    if victim.attrib and rng.random() < 0.5:
        name = rng.choice(list(victim.attrib))
        del victim.attrib[name]
        return f"drop {name} of #{victim.get('id')}"
    name = rng.choice(["isExecutable", "default", f"{{{CAMUNDA}}}formKey", f"{{{CAMUNDA}}}candidateGroups",
                       f"{{{CAMUNDA}}}assignee", f"{{{CAMUNDA}}}candidateUsers", "attachedToRef", "cancelActivity",
                       "value"])
    value = rng.choice(["true", "false", "", "${tidak_ada}", "${" * 50, "admin_sistem", "uji_isi", "x" * 500,
                        rng.choice(_ids(root) or ["x"]), "P99999999D", "-1"])
    victim.set(name, value)
    return f"set {name}={value[:20]!r} on #{victim.get('id')}"


def _swap(rng: random.Random, root: etree._Element) -> str:
    refs = [(e, a) for e in _elements(root) for a in ("sourceRef", "targetRef", "attachedToRef", "default",
                                                        "processRef", "bpmnElement") if e.get(a)]
    texts = [e for e in _elements(root) if etree.QName(e).localname in ("flowNodeRef", "incoming", "outgoing")]
    ids = _ids(root)
    if refs and (not texts or rng.random() < 0.6):
        element, attribute = rng.choice(refs)
        element.set(attribute, rng.choice(ids))
        return f"swap {attribute} of #{element.get('id')}"
    if texts:
        element = rng.choice(texts)
        element.text = rng.choice(ids)
        return f"swap {etree.QName(element).localname} text"
    return "no reference to swap"


def _inject(rng: random.Random, root: etree._Element) -> str:
    hostile = rng.choice(HOSTILE_EXPRESSIONS).replace("&amp;", "&")
    choice = rng.random()
    flows = [e for e in root.iter(f"{{{BPMN}}}sequenceFlow")]
    tasks = [e for e in root.iter(f"{{{BPMN}}}userTask")]
    timers = [e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname in TIMER_TAGS]
    if choice < 0.3 and flows:
        flow = rng.choice(flows)
        for old in flow.findall(f"{{{BPMN}}}conditionExpression"):
            flow.remove(old)
        etree.SubElement(flow, f"{{{BPMN}}}conditionExpression").text = hostile
        return f"condition {hostile[:30]!r} on #{flow.get('id')}"
    if choice < 0.55 and timers:
        timer = rng.choice(timers)
        timer.text = hostile
        return f"timer {hostile[:30]!r}"
    if choice < 0.7 and tasks:  # a timer boundary event on a step
        task = rng.choice(tasks)
        parent = task.getparent()
        assert parent is not None
        event = etree.SubElement(parent, f"{{{BPMN}}}boundaryEvent", id=f"bom_{rng.randint(0, 10**6)}",
                                 attachedToRef=task.get("id", ""))
        definition = etree.SubElement(event, f"{{{BPMN}}}timerEventDefinition")
        etree.SubElement(definition, f"{{{BPMN}}}{rng.choice(TIMER_TAGS)}").text = hostile
        return f"boundary timer {hostile[:30]!r} on #{task.get('id')}"
    if tasks:
        task = rng.choice(tasks)
        loop = etree.SubElement(task, f"{{{BPMN}}}multiInstanceLoopCharacteristics")
        if rng.random() < 0.5:
            etree.SubElement(loop, f"{{{BPMN}}}loopCardinality").text = hostile
        else:
            loop.set(f"{{{CAMUNDA}}}collection", rng.choice(["tidak_ada", hostile[:40], "uraian"]))
            if rng.random() < 0.7:
                loop.set(f"{{{CAMUNDA}}}elementVariable", "butir")
        return f"loop {hostile[:30]!r} on #{task.get('id')}"
    return "nothing to inject into"


TREE_MUTATIONS: tuple[Callable[[random.Random, etree._Element], str], ...] = (
    _delete, _duplicate, _rename, _attribute, _swap, _inject, _inject)


def _bytes_mutation(rng: random.Random, content: bytes) -> tuple[bytes, str]:
    choice = rng.randrange(6)
    if choice == 0:
        cut = rng.randrange(len(content))
        return content[:cut], f"truncate at {cut}"
    if choice == 1:
        at = rng.randrange(len(content))
        size = rng.randint(1, 64)
        return content[:at] + rng.randbytes(size) + content[at + size:], f"{size} random bytes at {at}"
    if choice == 2:
        return rng.randbytes(rng.randint(0, 2048)), "random bytes"
    if choice == 3:
        encoding = rng.choice(["ISO-8859-1", "UTF-16", "UTF-16LE", "windows-1252", "ascii", "EBCDIC", "x-nope"])
        text = content.decode("utf-8", errors="replace").replace('encoding="UTF-8"', f'encoding="{encoding}"')
        codec = {"EBCDIC": "cp500", "x-nope": "utf-8"}.get(encoding, encoding)
        return text.encode(codec, errors="replace"), f"declared and written as {encoding}"
    if choice == 4:
        return rng.choice([ENTITY_BOMB, XXE, b"", b"\x00" * 100, b"<a>" * 5000]), "hostile document"
    text = content.decode("utf-8", errors="replace")
    old = rng.choice(['encoding="UTF-8"', "bpmn:process", "camunda:", "isExecutable"])
    return text.replace(old, rng.choice(['encoding="ISO-8859-1"', "bpmn:proses", "camunda2:", "x"]), 1).encode(
        rng.choice(["utf-8", "latin-1"]), errors="replace"), f"rewrite {old}"


def mutants(rng: random.Random, sources: dict[str, bytes], count: int) -> list[Model]:
    models = []
    keys = sorted(sources)
    for _ in range(count):
        key = rng.choice(keys)
        content = sources[key]
        how: list[str] = []
        if rng.random() < 0.8:
            root = etree.fromstring(content)
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                how.append(rng.choice(TREE_MUTATIONS)(rng, root))
            content = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        if not how or rng.random() < 0.2:
            content, what = _bytes_mutation(rng, content)
            how.append(what)
        models.append(Model(key, content, how))
    return models


def deploy_each(alur, models: list[Model]) -> tuple[list[str], int, int]:
    """Models in turn through the modeler's checked deploy and the plain deploy of the CLI: the
    escapes, and how many were deployed and refused."""
    escapes, deployed, refused = [], 0, 0
    for index, model in enumerate(models):
        try:
            if index % 2 == 0:
                checked = deploy_checked(alur.deployer, alur.parser, model.content, model.key, "pemilik", "fuzz")
                assert checked.result is not None or (checked.check.errors and all(
                    p.message_in("id") and p.message_in("en") for p in checked.check.errors))
                ok = checked.result is not None
            else:
                try:
                    alur.deployer.deploy_bytes(model.content, f"{model.key}.bpmn", "pemilik", "fuzz", model.key)
                    ok = True
                except (DeploymentError, InvalidInput) as refusal:
                    assert refusal.message
                    ok = False
            deployed, refused = deployed + ok, refused + (not ok)
        except Exception as exc:  # noqa: BLE001 - the point: nothing else may escape
            escapes.append(f"#{index} {model.key} {model.how}: {type(exc).__name__}: {str(exc)[:200]}")
    return escapes, deployed, refused


def _max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _sources(directory: Path) -> dict[str, bytes]:
    return {path.stem: path.read_bytes() for path in sorted(directory.glob("*.bpmn"))}


@pytest.mark.sqlite_only("the deploy path is the same on both databases; deploying is covered on both in "
                         "test_deploy and test_model_bounds, and 2,000 models twice would not fit the suite")
def test_mutated_sop_models_are_refused_or_deployed(sop_alur):
    before = _max_rss()
    escapes, deployed, refused = deploy_each(sop_alur, mutants(random.Random(SEED), _sources(ROOT / "processes"),
                                                               700))
    assert escapes == []
    assert deployed > 50 and refused > 300  # the mutations both break models and leave some deployable
    assert _max_rss() - before < MAX_GROWTH_BYTES


@pytest.mark.sqlite_only("the deploy path is the same on both databases; see above")
def test_mutated_small_models_are_refused_or_deployed(alur, test_data):
    before = _max_rss()
    escapes, deployed, refused = deploy_each(alur, mutants(random.Random(SEED + 1), _sources(test_data), 1_300))
    assert escapes == []
    assert deployed > 100 and refused > 500
    assert _max_rss() - before < MAX_GROWTH_BYTES
