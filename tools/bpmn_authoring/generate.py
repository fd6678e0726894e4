"""Generate processes/*.bpmn and forms/*.json from the compact SOP descriptions in ``sops.py`` (and the
English texts of the forms in ``forms_en.json`` and of the models in ``models_en.json``).

Usage (from the repository root)::

    .venv/bin/python tools/bpmn_authoring/generate.py            # write processes/ and forms/
    .venv/bin/python tools/bpmn_authoring/generate.py --check    # exit 1 if a committed file differs

The generated files are the committed source of truth: process owners edit them later in a
BPMN modeler. Re-running the generator overwrites such edits, so after the first hand edit of a
diagram change the file itself (or port the change into ``sops.py`` first).

Layout: one horizontal pool, one lane per role stacked top to bottom in the SOP's column
order, one column per flow node left to right. Forward flows run right; loop-back flows leave
the gateway downwards, run left in a free channel at the bottom of a lane and enter the merging
gateway from below. Every route is checked against every shape and label (no crossing) and
against the other routes (no shared segments); a conflict stops the generator.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sop_official  # noqa: E402  (the SOP texts as issued, next to this script)

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MODELER = "http://camunda.org/schema/modeler/1.0"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "camunda": CAMUNDA, "xsi": XSI,
         "modeler": MODELER}

# --- geometry ---------------------------------------------------------------------------------
POOL_X, POOL_Y = 160, 80
POOL_HEADER = 30          # the pool's name band
LANE_HEADER = 30          # each lane's name band (inside the lane)
LANE_H = 180
GAP = 56                  # horizontal gap between two columns
FIRST_GAP = 50            # between the lane header and the first column
SIZES = {"task": (130, 80), "xor": (50, 50), "merge": (50, 50), "start": (36, 36),
         "timer_start": (36, 36), "end": (36, 36), "message_end": (36, 36), "catch": (36, 36)}
CHANNEL_FIRST = 22        # first loop channel: this far above the lane's bottom edge
CHANNEL_STEP = 12


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


# --- model ------------------------------------------------------------------------------------

@dataclass
class Lane:
    role: str
    name: str


@dataclass
class Node:
    id: str
    kind: str                 # task, xor, merge, start, timer_start, end, message_end, catch
    lane: str                 # role key of the lane
    name: str = ""
    # user tasks
    langkah: str = ""
    documentation: str = ""
    kelengkapan: str = ""
    waktu: str = ""
    waktu_iso: str = ""
    waktu_min_iso: str = ""
    output: str = ""
    keterangan: str = ""
    form_key: str = ""
    form: dict[str, Any] | None = None
    candidate: str = ""       # camunda:candidateGroups narrowing the lane's role
    assignee: str = ""        # camunda:assignee="${field}": the person a picker of an earlier step names
    candidate_users: str = ""  # camunda:candidateUsers="${field}": the people a picker (table) names
    differs_from: str = ""    # property pelaksana_berbeda_dari: steps whose performer may not do this one
    time_rules: dict[str, str] = field(default_factory=dict)  # engine.modeling.step_time properties
    # events
    time_cycle: str = ""
    message: str = ""         # message id for catch / message end events
    label_below: bool = False  # gateway name below instead of above
    gap_after: int = 0        # extra horizontal space after this column (room for long flow labels)


@dataclass
class Flow:
    src: str
    tgt: str
    name: str = ""
    condition: str = ""
    default: bool = False
    exit: str = ""            # right | bottom | top (default: right forward, bottom backward)
    enter: str = ""           # left | top | bottom (default: left forward, bottom backward)
    channel_lane: str = ""    # lane role whose bottom channel a channel route uses
    turn: str = "early"       # early: turn in the gap after the source; late: in the gap before the target
    id: str = ""


@dataclass
class Message:
    id: str
    name: str


@dataclass
class Process:
    key: str
    name: str
    participant_name: str
    properties: dict[str, str]
    lanes: list[Lane]
    nodes: list[Node]
    flows: list[Flow]
    messages: list[Message] = field(default_factory=list)
    documentation: str = ""


# --- layout -----------------------------------------------------------------------------------

@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def hits(self, seg: tuple[tuple[float, float], tuple[float, float]], pad: float = 3) -> bool:
        (x1, y1), (x2, y2) = seg
        lo_x, hi_x = min(x1, x2), max(x1, x2)
        lo_y, hi_y = min(y1, y2), max(y1, y2)
        return not (hi_x < self.x - pad or lo_x > self.right + pad or
                    hi_y < self.y - pad or lo_y > self.bottom + pad)

    def overlaps(self, other: "Box") -> bool:
        return not (other.x >= self.right or other.right <= self.x or
                    other.y >= self.bottom or other.bottom <= self.y)


class LayoutError(Exception):
    pass


def label_height(text: str, width: float) -> float:
    chars_per_line = max(1, int(width / 6.2))
    words, lines, current = text.split(), 1, 0
    for word in words:
        if current and current + 1 + len(word) > chars_per_line:
            lines += 1
            current = len(word)
        else:
            current += (1 if current else 0) + len(word)
    return 14 * lines


@dataclass
class Layout:
    lane_boxes: dict[str, Box]
    boxes: dict[str, Box]
    labels: dict[str, Box]            # element id -> label bounds (events, gateways, named flows)
    waypoints: dict[str, list[tuple[float, float]]]
    pool: Box


def layout(proc: Process) -> Layout:
    lane_index = {lane.role: i for i, lane in enumerate(proc.lanes)}
    boxes: dict[str, Box] = {}
    x = POOL_X + POOL_HEADER + LANE_HEADER + FIRST_GAP
    for node in proc.nodes:
        w, h = SIZES[node.kind]
        cy = POOL_Y + lane_index[node.lane] * LANE_H + LANE_H / 2
        boxes[node.id] = Box(x, cy - h / 2, w, h)
        x += w + GAP + node.gap_after
    pool_w = x - GAP + 60 - POOL_X
    pool = Box(POOL_X, POOL_Y, pool_w, LANE_H * len(proc.lanes))
    lane_boxes = {lane.role: Box(POOL_X + POOL_HEADER, POOL_Y + i * LANE_H, pool_w - POOL_HEADER, LANE_H)
                  for i, lane in enumerate(proc.lanes)}
    column = {node.id: i for i, node in enumerate(proc.nodes)}
    by_id = {node.id: node for node in proc.nodes}

    labels: dict[str, Box] = {}
    for node in proc.nodes:
        b = boxes[node.id]
        if node.kind in ("xor",) and node.name:
            w = 92
            h = label_height(node.name, w)
            y = b.bottom + 6 if node.label_below else b.y - 6 - h
            labels[node.id] = Box(b.cx - w / 2, y, w, h)
        elif node.kind in ("start", "timer_start", "end", "message_end", "catch") and node.name:
            w = 100
            labels[node.id] = Box(b.cx - w / 2, b.bottom + 6, w, label_height(node.name, w))

    channels: dict[str, int] = {}
    waypoints: dict[str, list[tuple[float, float]]] = {}
    for flow in proc.flows:
        s, t = boxes[flow.src], boxes[flow.tgt]
        backward = column[flow.tgt] < column[flow.src]
        exit_ = flow.exit or ("bottom" if backward else "right")
        enter = flow.enter or ("bottom" if backward else "left")
        if enter == "left":
            tx, ty = t.x, t.cy
            if exit_ == "right":
                sx, sy = s.right, s.cy
                if sy == ty:
                    pts = [(sx, sy), (tx, ty)]
                else:
                    xm = s.right + GAP / 2 if flow.turn == "early" else t.x - GAP / 2
                    pts = [(sx, sy), (xm, sy), (xm, ty), (tx, ty)]
            else:
                sx, sy = s.cx, (s.bottom if exit_ == "bottom" else s.y)
                pts = [(sx, sy), (sx, ty), (tx, ty)]
        else:
            tx, ty = t.cx, (t.bottom if enter == "bottom" else t.y)
            if exit_ == "right":
                pts = [(s.right, s.cy), (tx, s.cy), (tx, ty)]
            else:
                sx, sy = s.cx, (s.bottom if exit_ == "bottom" else s.y)
                lane_role = flow.channel_lane or max(by_id[flow.src].lane, by_id[flow.tgt].lane,
                                                     key=lambda r: lane_index[r])
                k = channels.get(lane_role, 0)
                channels[lane_role] = k + 1
                lane_box = lane_boxes[lane_role]
                ch = lane_box.bottom - CHANNEL_FIRST - CHANNEL_STEP * k
                pts = [(sx, sy), (sx, ch), (tx, ch), (tx, ty)]
        waypoints[flow.id] = pts
        if flow.name:
            labels[flow.id] = flow_label(flow.name, pts)

    check_layout(proc, boxes, labels, waypoints, lane_boxes)
    return Layout(lane_boxes, boxes, labels, waypoints, pool)


def flow_label(name: str, pts: list[tuple[float, float]]) -> Box:
    """Place a flow's name next to its first segment, on the side away from the next turn."""
    w = max(20, 6.5 * len(name) + 4)
    h = 14
    (x1, y1), (_x2, y2) = pts[0], pts[1]
    if y1 == y2:  # horizontal first segment
        going_up = len(pts) > 2 and pts[2][1] < y1
        y = y1 + 3 if going_up else y1 - h - 3
        return Box(x1 + 3, y, w, h)
    if y2 > y1:   # leaves downwards
        return Box(x1 + 5, y1 + 3, w, h)
    return Box(x1 + 5, y1 - h - 3, w, h)


def check_layout(proc: Process, boxes: dict[str, Box], labels: dict[str, Box],
                 waypoints: dict[str, list[tuple[float, float]]], lane_boxes: dict[str, Box]) -> None:
    problems = []
    # shapes and labels must not overlap each other
    items = [(f"shape {k}", b) for k, b in boxes.items()] + [(f"label {k}", b) for k, b in labels.items()]
    for i, (na, a) in enumerate(items):
        for nb, b in items[i + 1:]:
            if a.overlaps(b):
                problems.append(f"{na} overlaps {nb}")
    # every shape inside its lane
    for node in proc.nodes:
        lane, b = lane_boxes[node.lane], boxes[node.id]
        if not (lane.y < b.y and b.bottom < lane.bottom):
            problems.append(f"shape {node.id} leaves lane {node.lane}")
    # routes: orthogonal, free of foreign shapes and labels, no segment shared with another route
    segments: list[tuple[str, tuple[tuple[float, float], tuple[float, float]]]] = []
    for flow in proc.flows:
        pts = waypoints[flow.id]
        for a, b in zip(pts, pts[1:], strict=False):
            if a[0] != b[0] and a[1] != b[1]:
                problems.append(f"flow {flow.id} has a diagonal segment")
            seg = (a, b)
            for node_id, box in boxes.items():
                if node_id not in (flow.src, flow.tgt) and box.hits(seg):
                    problems.append(f"flow {flow.id} crosses shape {node_id}")
            for owner, box in labels.items():
                if owner != flow.id and box.hits(seg, pad=1):
                    problems.append(f"flow {flow.id} crosses label of {owner}")
            segments.append((flow.id, seg))
        # the flow's own label must not hide its own later segments
        if flow.id in labels:
            for a, b in list(zip(pts, pts[1:], strict=False))[1:]:
                if labels[flow.id].hits((a, b), pad=0):
                    problems.append(f"label of {flow.id} crosses its own route")
    for i, (fa, (a1, a2)) in enumerate(segments):
        for fb, (b1, b2) in segments[i + 1:]:
            if fa == fb:
                continue
            if a1[0] == a2[0] == b1[0] == b2[0]:
                lo, hi = max(min(a1[1], a2[1]), min(b1[1], b2[1])), min(max(a1[1], a2[1]), max(b1[1], b2[1]))
                if hi - lo > 0.5:
                    problems.append(f"flows {fa} and {fb} share a vertical segment")
            if a1[1] == a2[1] == b1[1] == b2[1]:
                lo, hi = max(min(a1[0], a2[0]), min(b1[0], b2[0])), min(max(a1[0], a2[0]), max(b1[0], b2[0]))
                if hi - lo > 0.5:
                    problems.append(f"flows {fa} and {fb} share a horizontal segment")
    if problems:
        raise LayoutError(f"{proc.key}:\n  " + "\n  ".join(problems))


# --- XML --------------------------------------------------------------------------------------

def _props(parent: etree._Element, props: dict[str, str]) -> None:
    ext = etree.SubElement(parent, q(BPMN, "extensionElements"))
    cprops = etree.SubElement(ext, q(CAMUNDA, "properties"))
    for name, value in props.items():
        etree.SubElement(cprops, q(CAMUNDA, "property"), name=name, value=value)


def _bounds(parent: etree._Element, box: Box) -> None:
    etree.SubElement(parent, q(DC, "Bounds"), x=_n(box.x), y=_n(box.y), width=_n(box.w), height=_n(box.h))


def _n(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def build_xml(proc: Process, lay: Layout) -> bytes:
    english = ModelEnglishTexts(proc.key)
    defs = etree.Element(q(BPMN, "definitions"), nsmap=NSMAP)
    defs.set("id", f"definitions_{proc.key}")
    defs.set("targetNamespace", "https://alur.diskominfo.kaltimprov.go.id/bpmn")
    defs.set("exporter", "Alur bpmn_authoring")
    defs.set("exporterVersion", "1.0")
    defs.set(q(MODELER, "executionPlatform"), "Camunda Platform")
    defs.set(q(MODELER, "executionPlatformVersion"), "7.21.0")

    collab = etree.SubElement(defs, q(BPMN, "collaboration"), id=f"collaboration_{proc.key}")
    etree.SubElement(collab, q(BPMN, "participant"), id=f"participant_{proc.key}",
                     name=proc.participant_name, processRef=proc.key)

    process = etree.SubElement(defs, q(BPMN, "process"), id=proc.key, name=proc.name, isExecutable="true")
    if proc.documentation:
        etree.SubElement(process, q(BPMN, "documentation")).text = proc.documentation
    _props(process, {**proc.properties, **sop_official.process_properties(proc.key),
                     **english.of(proc.key, {"name": proc.name, "documentation": proc.documentation,
                                           "waktu_pelaksanaan": proc.properties.get("waktu_pelaksanaan", "")})})

    lane_set = etree.SubElement(process, q(BPMN, "laneSet"), id=f"laneset_{proc.key}")
    for lane in proc.lanes:
        el = etree.SubElement(lane_set, q(BPMN, "lane"), id=f"lane_{lane.role}", name=lane.name)
        _props(el, {"role": lane.role, **english.of(f"lane_{lane.role}", {"name": lane.name})})
        for node in proc.nodes:
            if node.lane == lane.role:
                etree.SubElement(el, q(BPMN, "flowNodeRef")).text = node.id

    incoming: dict[str, list[str]] = {n.id: [] for n in proc.nodes}
    outgoing: dict[str, list[str]] = {n.id: [] for n in proc.nodes}
    for flow in proc.flows:
        outgoing[flow.src].append(flow.id)
        incoming[flow.tgt].append(flow.id)
    defaults = {flow.src: flow.id for flow in proc.flows if flow.default}

    for node in proc.nodes:
        attrs: dict[str, str] = {"id": node.id}
        if node.name:
            attrs["name"] = node.name
        if node.kind == "task":
            el = etree.SubElement(process, q(BPMN, "userTask"), attrs)
            el.set(q(CAMUNDA, "formKey"), node.form_key)
            if node.candidate:
                el.set(q(CAMUNDA, "candidateGroups"), node.candidate)
            if node.assignee:
                el.set(q(CAMUNDA, "assignee"), "${%s}" % node.assignee)
            if node.candidate_users:
                el.set(q(CAMUNDA, "candidateUsers"), "${%s}" % node.candidate_users)
            etree.SubElement(el, q(BPMN, "documentation")).text = node.documentation
            props = {"langkah": node.langkah, "kelengkapan": node.kelengkapan, "waktu": node.waktu,
                     "waktu_iso": node.waktu_iso}
            if node.waktu_min_iso:
                props["waktu_min_iso"] = node.waktu_min_iso
            props["output"] = node.output
            if node.keterangan:
                props["keterangan"] = node.keterangan
            if node.differs_from:
                props["pelaksana_berbeda_dari"] = node.differs_from
            props.update(node.time_rules)
            props.update(sop_official.task_properties(proc.key, node.id, props))
            props.update(english.of(node.id, {"name": node.name, "documentation": node.documentation,
                                              "kelengkapan": node.kelengkapan, "waktu": node.waktu,
                                              "output": node.output, "keterangan": node.keterangan}))
            _props(el, props)
        else:
            if node.kind in ("xor", "merge"):
                el = etree.SubElement(process, q(BPMN, "exclusiveGateway"), attrs)
                if node.id in defaults:
                    el.set("default", defaults[node.id])
            elif node.kind in ("start", "timer_start"):
                el = etree.SubElement(process, q(BPMN, "startEvent"), attrs)
            elif node.kind in ("end", "message_end"):
                el = etree.SubElement(process, q(BPMN, "endEvent"), attrs)
            elif node.kind == "catch":
                el = etree.SubElement(process, q(BPMN, "intermediateCatchEvent"), attrs)
            else:
                raise ValueError(node.kind)
            texts = english.of(node.id, {"name": node.name})
            if texts:
                _props(el, texts)
        for fid in incoming[node.id]:
            etree.SubElement(el, q(BPMN, "incoming")).text = fid
        for fid in outgoing[node.id]:
            etree.SubElement(el, q(BPMN, "outgoing")).text = fid
        if node.kind == "timer_start":
            timer = etree.SubElement(el, q(BPMN, "timerEventDefinition"), id=f"{node.id}_timer")
            cycle = etree.SubElement(timer, q(BPMN, "timeCycle"))
            cycle.set(q(XSI, "type"), "bpmn:tFormalExpression")
            cycle.text = node.time_cycle
        elif node.kind in ("message_end", "catch"):
            etree.SubElement(el, q(BPMN, "messageEventDefinition"), id=f"{node.id}_message",
                             messageRef=node.message)

    for flow in proc.flows:
        attrs = {"id": flow.id}
        if flow.name:
            attrs["name"] = flow.name
        attrs["sourceRef"] = flow.src
        attrs["targetRef"] = flow.tgt
        el = etree.SubElement(process, q(BPMN, "sequenceFlow"), attrs)
        texts = english.flow(flow.name)
        if texts:
            _props(el, texts)
        if flow.condition:
            cond = etree.SubElement(el, q(BPMN, "conditionExpression"))
            cond.set(q(XSI, "type"), "bpmn:tFormalExpression")
            cond.text = flow.condition

    for msg in proc.messages:
        etree.SubElement(defs, q(BPMN, "message"), id=msg.id, name=msg.name)

    diagram = etree.SubElement(defs, q(BPMNDI, "BPMNDiagram"), id=f"diagram_{proc.key}")
    plane = etree.SubElement(diagram, q(BPMNDI, "BPMNPlane"), id=f"plane_{proc.key}",
                             bpmnElement=f"collaboration_{proc.key}")
    shape = etree.SubElement(plane, q(BPMNDI, "BPMNShape"), id=f"participant_{proc.key}_di",
                             bpmnElement=f"participant_{proc.key}", isHorizontal="true")
    _bounds(shape, lay.pool)
    for lane in proc.lanes:
        shape = etree.SubElement(plane, q(BPMNDI, "BPMNShape"), id=f"lane_{lane.role}_di",
                                 bpmnElement=f"lane_{lane.role}", isHorizontal="true")
        _bounds(shape, lay.lane_boxes[lane.role])
    for node in proc.nodes:
        attrs = {"id": f"{node.id}_di", "bpmnElement": node.id}
        if node.kind in ("xor", "merge"):
            attrs["isMarkerVisible"] = "true"
        shape = etree.SubElement(plane, q(BPMNDI, "BPMNShape"), attrs)
        _bounds(shape, lay.boxes[node.id])
        if node.id in lay.labels:
            label = etree.SubElement(shape, q(BPMNDI, "BPMNLabel"))
            _bounds(label, lay.labels[node.id])
    for flow in proc.flows:
        edge = etree.SubElement(plane, q(BPMNDI, "BPMNEdge"), id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in lay.waypoints[flow.id]:
            etree.SubElement(edge, q(DI, "waypoint"), x=_n(x), y=_n(y))
        if flow.id in lay.labels:
            label = etree.SubElement(edge, q(BPMNDI, "BPMNLabel"))
            _bounds(label, lay.labels[flow.id])

    english.check_all_used()
    etree.indent(defs, space="  ")
    body = etree.tostring(defs, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# --- driver -----------------------------------------------------------------------------------

def finalize(proc: Process) -> Process:
    """Give flows their ids and check the description for obvious slips."""
    seen = set()
    ids = {n.id for n in proc.nodes}
    for flow in proc.flows:
        assert flow.src in ids and flow.tgt in ids, (proc.key, flow.src, flow.tgt)
        flow.id = flow.id or f"flow_{flow.src}_to_{flow.tgt}"
        assert flow.id not in seen, flow.id
        seen.add(flow.id)
    for node in proc.nodes:
        if node.kind == "task":
            assert node.form_key and node.form is not None, node.id
            assert all([node.langkah, node.kelengkapan, node.waktu, node.waktu_iso, node.output]), node.id
    return proc


# The forms' English texts (``x-en``: title, description, choice labels), kept apart from the SOP
# descriptions: {form key: {path of the object in the schema ("" for the form itself): its x-en}}.
ENGLISH = json.loads((Path(__file__).parent / "forms_en.json").read_text(encoding="utf-8"))


def with_english(form_key: str, form: dict[str, Any]) -> dict[str, Any]:
    """The form with its English texts, each ``x-en`` the last key of the object it describes."""
    for path, english in ENGLISH.get(form_key, {}).items():
        node: Any = form
        for part in path.split("/") if path else ():
            node = node[int(part)] if isinstance(node, list) else node[part]
        node["x-en"] = english
    return form


# The models' English texts (engine.modeling.english): {"flow_labels": {Indonesian label: English},
# "processes": {process key: {element id (the process key for the process itself): {text: English}}}},
# written as camunda:properties ``<text>_en`` next to the Indonesian texts.
MODELS_ENGLISH = json.loads((Path(__file__).parent / "models_en.json").read_text(encoding="utf-8"))


class ModelEnglishTexts:
    """One process's English texts, as the properties of its elements; every one must be used."""

    def __init__(self, process_key: str) -> None:
        self._texts: dict[str, dict[str, str]] = MODELS_ENGLISH["processes"].get(process_key, {})
        self._unused = {(element_id, text) for element_id, texts in self._texts.items() for text in texts}

    def of(self, element_id: str, indonesian: dict[str, str]) -> dict[str, str]:
        english = self._texts.get(element_id, {})
        self._unused -= {(element_id, text) for text in english}
        for text in english:
            assert indonesian.get(text), (element_id, text)  # an English text for no Indonesian one
        return {f"{text}_en": english[text] for text in indonesian if english.get(text)}

    def flow(self, label: str) -> dict[str, str]:
        english = MODELS_ENGLISH["flow_labels"].get(label) if label else None
        return {"name_en": english} if english else {}

    def check_all_used(self) -> None:
        assert not self._unused, f"English texts for no element: {sorted(self._unused)}"


def render(proc: Process) -> dict[Path, bytes]:
    proc = finalize(proc)
    lay = layout(proc)
    out = {ROOT / "processes" / f"{proc.key}.bpmn": build_xml(proc, lay)}
    for node in proc.nodes:
        if node.kind == "task":
            form = with_english(node.form_key, copy.deepcopy(node.form))
            text = json.dumps(form, ensure_ascii=False, indent=2) + "\n"
            out[ROOT / "forms" / f"{node.form_key}.json"] = text.encode("utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    args = parser.parse_args(argv)
    import sops  # noqa: E402  (the data lives next to this script)

    files: dict[Path, bytes] = {}
    for proc in sops.PROCESSES:
        for path, content in render(proc).items():
            if path in files and files[path] != content:
                raise SystemExit(f"two different contents for {path}")
            files[path] = content
    differing = []
    for path, content in sorted(files.items()):
        if args.check:
            if not path.is_file() or path.read_bytes() != content:
                differing.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    if args.check:
        for path in differing:
            print(f"differs: {path.relative_to(ROOT)}")
        return 1 if differing else 0
    print(f"wrote {len(files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
