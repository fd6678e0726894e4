"""The official SOP document (PermenPAN-RB No. 35/2012) read from a deployed BPMN version.

Two parts, as the regulation lays them out: the identity section and the flowchart table, one row
per activity, one column per pelaksana (lane), with the mutu baku columns. Rows follow the flow (a
topological order that ignores the loops' back edges); a task followed directly by a Ya/Tidak
gateway is one decision row; merging gateways draw no row of their own.

A model generated with the SOP as issued (``sop_resmi_*`` process properties, ``sop_*`` task
properties, see tools/bpmn_authoring/sop_official.py) prints that SOP: its identity fields and
narrative sections as written, one row per SOP step with the step's own sentence, number and mutu
baku (a step the model splits into two tasks is one row with both performers' symbols), the first
and last step in capsules. Everything the model adds (its descriptions, step codes, questions and
Keterangan, its cleaned identity values) goes to ``ModellingNotes``, the "Catatan pemodelan"
appendix, which can be left out of the print.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from lxml import etree

from engine.modeling.diff import PROCESS_PROPERTY_LABELS
from engine.modeling.roles import RoleCatalog
from engine.modeling.parser import NS, camunda_properties

IDENTITY_LISTS = ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan",
                  "peringatan", "pencatatan_pendataan")
IDENTITY_HEADER = ("nomor_sop", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif", "disahkan_oleh")
MODEL_ONLY_IDENTITY = ("unit_kerja", "penanggung_jawab", "waktu_pelaksanaan")
_ACTIVITIES = {"userTask", "task", "serviceTask", "manualTask", "sendTask", "receiveTask", "businessRuleTask",
               "callActivity", "subProcess", "intermediateCatchEvent", "intermediateThrowEvent"}
_GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}


@dataclass(frozen=True)
class IdentityField:
    key: str
    label: str
    value: str

    @property
    def items(self) -> list[str]:
        """A list property, one item per line, without any numbering already typed in."""
        return [re.sub(r"^\s*(\d+[.)]|[-•])\s*", "", line).strip() for line in self.value.splitlines() if line.strip()]


@dataclass(frozen=True)
class Pelaksana:
    lane_id: str
    name: str  # the lane's visible label, as the SOP writes the column header
    role: str
    role_title: str


@dataclass(frozen=True)
class FlowRow:
    node_id: str
    symbol: str  # "terminator", "activity" or "decision"
    column: int  # index into ``SopDocument.pelaksana``
    number: str  # the No. column: "1", "2a"; empty for start and end
    step_code: str  # the ``langkah`` property, e.g. "GDB-07"
    text: str  # uraian kegiatan
    question: str = ""  # the decision's question
    terminal_label: str = ""  # "Mulai" or "Selesai"
    kelengkapan: str = ""
    waktu: str = ""
    output: str = ""
    keterangan: str = ""
    role_title: str = ""
    columns: tuple[int, ...] = ()  # every symbol of the row, in flow order; () means (column,)
    symbol_number: str = ""  # the number inside the symbol(s), when it is not ``number``
    node_ids: tuple[str, ...] = ()  # every model task drawn in the row

    @property
    def symbol_columns(self) -> tuple[int, ...]:
        return self.columns or (self.column,)

    @property
    def symbol_text(self) -> str:
        return self.terminal_label or self.symbol_number or self.number


@dataclass(frozen=True)
class Pengesahan:
    """Disahkan oleh: the signing official (PermenPAN-RB 35/2012: jabatan, signature and stamp, name, NIP)."""

    jabatan: str = ""
    nama: str = ""
    nip: str = ""
    tempat: str = ""  # place of the signature line
    tanggal: str = ""

    @property
    def empty(self) -> bool:
        return not (self.jabatan or self.nama or self.nip)


@dataclass(frozen=True)
class NarrativeSection:
    judul: str
    isi: list[str | list[str]]  # paragraphs, and numbered lists as lists


@dataclass(frozen=True)
class StepNote:
    """What the model says about one of its tasks, for the appendix."""

    number: str  # the SOP row it is drawn in
    step_code: str
    pelaksana: str
    name: str
    description: str
    kelengkapan: str
    waktu: str
    output: str
    question: str
    notes: list[str]


@dataclass(frozen=True)
class ModellingNotes:
    """The "Catatan pemodelan" appendix: everything that is the model's, not the SOP's."""

    general: list[str]
    identity: list[IdentityField]  # the model's own identity values (cleaned, derived)
    steps: list[StepNote]

    @property
    def empty(self) -> bool:
        return not (self.general or self.identity or self.steps)


@dataclass(frozen=True)
class FlowEdge:
    source: int  # row indexes
    target: int
    label: str = ""  # "Ya", "Tidak"


@dataclass(frozen=True)
class SopDocument:
    process_key: str
    version: int
    title: str  # nama SOP
    process_name: str
    header: list[IdentityField]  # nomor, tanggal, disahkan oleh
    lists: list[IdentityField]  # dasar hukum … pencatatan dan pendataan
    extra: dict[str, str]  # unit kerja, penanggung jawab, waktu pelaksanaan
    pelaksana: list[Pelaksana]
    rows: list[FlowRow]
    edges: list[FlowEdge]
    deployed_by: str = ""
    deployed_at: datetime | None = None
    sha256: str = ""
    change_note: str = ""
    official: bool = False  # printed from the SOP as issued (sop_resmi_* properties)
    pengesahan: Pengesahan = Pengesahan()
    sections: list[NarrativeSection] = field(default_factory=list)
    notes: ModellingNotes = ModellingNotes([], [], [])

    def with_identity(self, overrides: dict[str, str]) -> SopDocument:
        """The document with the identity a process owner filled in (non-empty values win)."""
        values = {k: v for k, v in overrides.items() if v}
        header = [IdentityField(f.key, f.label, values.get(f.key, f.value)) for f in self.header]
        p = self.pengesahan
        pengesahan = Pengesahan(values.get("disahkan_jabatan", p.jabatan), values.get("disahkan_nama", p.nama),
                                values.get("disahkan_nip", p.nip), p.tempat, p.tanggal)
        return replace(self, header=header, pengesahan=pengesahan)


def build_document(xml: bytes, roles: RoleCatalog, version: int = 0, deployed_by: str = "",
                   deployed_at: datetime | None = None, sha256: str = "", change_note: str = "") -> SopDocument:
    """Read the SOP document out of a BPMN model that passed the deploy checks."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    process = next(p for p in root.iterfind("bpmn:process", NS) if p.get("isExecutable") == "true")
    props = camunda_properties(process)
    lanes = [Pelaksana(lane.get("id", ""), lane.get("name", ""), camunda_properties(lane).get("role", ""),
                       roles.title(camunda_properties(lane).get("role", "")))
             for lane in process.iterfind(".//bpmn:lane", NS)]
    graph = _Graph(process)
    official = "sop_resmi_nama_sop" in props and any("sop_langkah" in camunda_properties(n)
                                                     for n in graph.nodes.values())
    if official:
        rows, row_of = _official_rows(graph, lanes)
    else:
        rows, row_of = _rows(graph, lanes, roles)
    edges = _edges(graph, rows, row_of)
    label = PROCESS_PROPERTY_LABELS.get
    process_key = process.get("id", "")  # a deployed process has one

    def official_value(key: str) -> str:
        return props.get(f"sop_resmi_{key}" if official else key, "")

    header = [IdentityField(k, label(k, k), official_value(k) if k != "disahkan_oleh" else props.get(k, ""))
              for k in IDENTITY_HEADER]
    return SopDocument(
        process_key=process_key, version=version,
        title=official_value("nama_sop") or (process.get("name") or process_key).upper(),
        process_name=process.get("name") or process_key,
        header=header,
        lists=[IdentityField(k, label(k, k), official_value(k)) for k in IDENTITY_LISTS],
        extra={} if official else {k: props.get(k, "") for k in MODEL_ONLY_IDENTITY},
        pelaksana=lanes, rows=rows, edges=edges, deployed_by=deployed_by, deployed_at=deployed_at,
        sha256=sha256, change_note=change_note, official=official,
        pengesahan=Pengesahan(props.get("sop_resmi_disahkan_jabatan", ""), props.get("sop_resmi_disahkan_nama", ""),
                              props.get("sop_resmi_disahkan_nip", "")) if official else Pengesahan(),
        sections=_sections(props.get("sop_resmi_bagian", "")) if official else [],
        notes=_notes(graph, props, lanes, rows, row_of, roles, official))


def _sections(encoded: str) -> list[NarrativeSection]:
    """The narrative sections (A. Pengantar …), kept as JSON in one process property."""
    if not encoded:
        return []
    try:
        raw = json.loads(encoded)
    except ValueError:
        return []  # a hand-edited model with a broken value prints without its narrative
    sections = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("judul"), str):
            blocks = [b if isinstance(b, str) else [str(x) for x in b] for b in item.get("isi", [])
                      if isinstance(b, (str, list))]
            sections.append(NarrativeSection(item["judul"], blocks))
    return sections


def _notes(graph: _Graph, props: dict[str, str], lanes: list[Pelaksana], rows: list[FlowRow],
           row_of: dict[str, int], roles: RoleCatalog, official: bool) -> ModellingNotes:
    """The appendix: model descriptions, step codes, questions, Keterangan and the model's identity values."""
    general = [line.strip() for line in props.get("sop_resmi_catatan", "").splitlines() if line.strip()]
    label = PROCESS_PROPERTY_LABELS.get
    identity = [IdentityField(k, label(k, k), props[k]) for k in MODEL_ONLY_IDENTITY if props.get(k)] \
        if official else []
    lane_name = {lane.lane_id: lane.name for lane in lanes}
    steps = []
    for node_id in graph.order():
        node = graph.nodes[node_id]
        mutu = camunda_properties(node)
        if graph.kind(node_id) not in _ACTIVITIES or not mutu.get("langkah"):
            continue
        doc = node.find("bpmn:documentation", NS)
        gateway = graph.absorbed_gateway(node_id)
        notes = [n for n in (mutu.get("keterangan", ""), mutu.get("sop_catatan", "")) if n]
        role = node.get(f"{{{NS['camunda']}}}candidateGroups") or ""
        pelaksana = lane_name.get(graph.lane_of.get(node_id, ""), "")
        if role:
            pelaksana = f"{pelaksana} ({roles.title(role)})"
        steps.append(StepNote(
            rows[row_of[node_id]].number if node_id in row_of else "", mutu.get("langkah", ""), pelaksana,
            " ".join((node.get("name") or "").split()), " ".join(((doc.text or "") if doc is not None else "").split()),
            mutu.get("kelengkapan", ""), mutu.get("waktu", ""), mutu.get("output", ""),
            " ".join((graph.nodes[gateway].get("name") or "").split()) if gateway else "", notes))
    return ModellingNotes(general, identity, steps)


def _mutu(props: dict[str, str], key: str) -> str:
    """The SOP's mutu baku value where it words it otherwise than the model (even empty), else the model's."""
    return props[f"sop_{key}"] if f"sop_{key}" in props else props.get(key, "")


def _official_rows(graph: _Graph, lanes: list[Pelaksana]) -> tuple[list[FlowRow], dict[str, int]]:
    """One row per SOP step, in flow order; the tasks of a split step share the row, one symbol each."""
    column_of = {lane.lane_id: i for i, lane in enumerate(lanes)}
    rows: list[FlowRow] = []
    row_of: dict[str, int] = {}
    row_of_step: dict[str, int] = {}
    for node_id in graph.order():
        mutu = camunda_properties(graph.nodes[node_id])
        step = mutu.get("sop_langkah", "")
        if not step:
            continue
        column = column_of.get(graph.lane_of.get(node_id, ""), _neighbour_column(graph, node_id, column_of))
        decision = graph.absorbed_gateway(node_id) is not None
        if step in row_of_step:
            index = row_of_step[step]
            row = rows[index]
            rows[index] = replace(row, columns=row.symbol_columns + (column,), node_ids=row.node_ids + (node_id,),
                                  symbol="decision" if decision else row.symbol)
        else:
            index = row_of_step[step] = len(rows)
            number = mutu.get("sop_nomor") or step
            rows.append(FlowRow(
                node_id, "decision" if decision else "activity", column, number, "",
                " ".join(mutu.get("sop_uraian", "").split()), kelengkapan=_mutu(mutu, "kelengkapan"),
                waktu=_mutu(mutu, "waktu"), output=_mutu(mutu, "output"), columns=(column,),
                symbol_number=step if step != number else "", node_ids=(node_id,)))
        row_of[node_id] = index
        if (gateway := graph.absorbed_gateway(node_id)) is not None:
            row_of[gateway] = index
    for index in {0, len(rows) - 1} if rows else set():  # the first and last step: capsules (terminators)
        if rows[index].symbol == "activity":
            rows[index] = replace(rows[index], symbol="terminator")
    return rows, row_of


class _Graph:
    """Flow nodes and sequence flows of one process, in document order."""

    def __init__(self, process: etree._Element) -> None:
        self.nodes: dict[str, etree._Element] = {}
        for child in process:
            if isinstance(child.tag, str) and (node_id := child.get("id")) and self.kind_of(child) not in (
                    "sequenceFlow", "laneSet", "documentation", "extensionElements", "boundaryEvent",
                    "textAnnotation", "association", "dataObjectReference", "dataStoreReference", "dataObject"):
                self.nodes[node_id] = child
        self.outgoing: dict[str, list[etree._Element]] = {n: [] for n in self.nodes}
        self.incoming: dict[str, list[etree._Element]] = {n: [] for n in self.nodes}
        for flow in process.iterfind("bpmn:sequenceFlow", NS):
            source, target = flow.get("sourceRef", ""), flow.get("targetRef", "")
            if source in self.nodes and target in self.nodes:
                self.outgoing[source].append(flow)
                self.incoming[target].append(flow)
        self.lane_of = {(ref.text or "").strip(): lane.get("id", "") for lane in process.iterfind(".//bpmn:lane", NS)
                        for ref in lane.iterfind("bpmn:flowNodeRef", NS)}

    @staticmethod
    def kind_of(element: etree._Element) -> str:
        return etree.QName(element).localname

    def kind(self, node_id: str) -> str:
        return self.kind_of(self.nodes[node_id])

    def order(self) -> list[str]:
        """Topological order of the nodes without the loops' back edges; ties in document order."""
        back = self._back_edges()
        position = {n: i for i, n in enumerate(self.nodes)}
        pending = {n: sum(1 for f in self.incoming[n] if f.get("id") not in back) for n in self.nodes}
        ready = sorted((n for n, count in pending.items() if count == 0), key=position.__getitem__)
        result = []
        while ready:
            node = ready.pop(0)
            result.append(node)
            for flow in self.outgoing[node]:
                if flow.get("id") in back:
                    continue
                target = flow.get("targetRef", "")
                pending[target] -= 1
                if pending[target] == 0:
                    ready.append(target)
                    ready.sort(key=position.__getitem__)
        return result + [n for n in self.nodes if n not in result]  # unreachable leftovers, if any

    def _back_edges(self) -> set[str | None]:
        """The ids of the loops' back edges (None if such a flow has no id)."""
        starts = [n for n in self.nodes if self.kind(n) == "startEvent" or not self.incoming[n]]
        state: dict[str, int] = {}  # 1 on the path, 2 done
        back: set[str | None] = set()
        for start in starts:
            if start in state:
                continue
            stack = [(start, iter(self.outgoing[start]))]
            state[start] = 1
            while stack:
                node, flows = stack[-1]
                flow = next(flows, None)
                if flow is None:
                    state[node] = 2
                    stack.pop()
                    continue
                target = flow.get("targetRef", "")
                if state.get(target) == 1:
                    back.add(flow.get("id"))
                elif target not in state:
                    state[target] = 1
                    stack.append((target, iter(self.outgoing[target])))
        return back

    def absorbed_gateway(self, node_id: str) -> str | None:
        """The Ya/Tidak gateway that directly follows an activity: drawn as that activity's decision."""
        if self.kind(node_id) not in _ACTIVITIES or len(self.outgoing[node_id]) != 1:
            return None
        target = self.outgoing[node_id][0].get("targetRef", "")
        if self.kind(target) == "exclusiveGateway" and len(self.outgoing[target]) > 1 \
                and len(self.incoming[target]) == 1:
            return target
        return None

    def draws_row(self, node_id: str) -> bool:
        kind = self.kind(node_id)
        if kind in _GATEWAYS:
            return len(self.outgoing[node_id]) > 1 and not any(
                self.absorbed_gateway(f.get("sourceRef", "")) == node_id for f in self.incoming[node_id])
        return True


def _rows(graph: _Graph, lanes: list[Pelaksana], roles: RoleCatalog) -> tuple[list[FlowRow], dict[str, int]]:
    column_of = {lane.lane_id: i for i, lane in enumerate(lanes)}
    rows: list[FlowRow] = []
    row_of: dict[str, int] = {}
    for node_id in graph.order():
        if not graph.draws_row(node_id):
            continue
        row = _row(graph, node_id, column_of, roles, len(rows))
        row_of[node_id] = len(rows)
        gateway = graph.absorbed_gateway(node_id)
        if gateway is not None:
            row_of[gateway] = len(rows)
        rows.append(row)
    return rows, row_of


def _row(graph: _Graph, node_id: str, column_of: dict[str, int], roles: RoleCatalog, index: int) -> FlowRow:
    node, kind = graph.nodes[node_id], graph.kind(node_id)
    column = column_of.get(graph.lane_of.get(node_id, ""), _neighbour_column(graph, node_id, column_of))
    name = " ".join((node.get("name") or "").split())
    if kind in ("startEvent", "endEvent"):
        return FlowRow(node_id, "terminator", column, "", "", name,
                       terminal_label="Mulai" if kind == "startEvent" else "Selesai")
    mutu = camunda_properties(node)
    doc = node.find("bpmn:documentation", NS)
    text = " ".join((doc.text or "").split()) if doc is not None and (doc.text or "").strip() else name
    gateway = graph.absorbed_gateway(node_id)
    question = name if kind in _GATEWAYS else (graph.nodes[gateway].get("name", "") if gateway else "")
    role = node.get(f"{{{NS['camunda']}}}candidateGroups") or ""
    return FlowRow(
        node_id, "decision" if question or kind in _GATEWAYS else "activity", column,
        _number(mutu.get("langkah", ""), index), mutu.get("langkah", ""), text if kind not in _GATEWAYS else "",
        question=" ".join(question.split()), kelengkapan=mutu.get("kelengkapan", ""), waktu=mutu.get("waktu", ""),
        output=mutu.get("output", ""), keterangan=mutu.get("keterangan", ""),
        role_title=roles.title(role) if role else "")


def _neighbour_column(graph: _Graph, node_id: str, column_of: dict[str, int]) -> int:
    """A node outside every lane is drawn in the column of the node it connects to."""
    for flow in graph.outgoing[node_id] + graph.incoming[node_id]:
        for end in (flow.get("targetRef", ""), flow.get("sourceRef", "")):
            if end != node_id and graph.lane_of.get(end) in column_of:
                return column_of[graph.lane_of[end]]
    return 0


def _number(step_code: str, index: int) -> str:
    """``GJR-02a`` → ``2a``; a step without a code gets its row position."""
    match = re.search(r"(\d+)([a-z]?)\s*$", step_code)
    return f"{int(match.group(1))}{match.group(2)}" if match else str(index)


def _edges(graph: _Graph, rows: list[FlowRow], row_of: dict[str, int]) -> list[FlowEdge]:
    """Arrows between rows; nodes without a row of their own (merges, waits, start and end) are passed
    through, and a label comes from the first named flow on the way. Arrows inside a row (the two
    tasks of a split step) are drawn by the row itself."""
    edges: list[FlowEdge] = []
    for index, row in enumerate(rows):
        for node_id in row.node_ids or (row.node_id,):
            gateway = graph.absorbed_gateway(node_id)
            pending = [((flow.get("name") or "").strip(), flow.get("targetRef", ""))
                       for flow in graph.outgoing[gateway if gateway else node_id]]
            seen: set[str] = set()
            while pending:
                label, target = pending.pop(0)
                if target in row_of:
                    edge = FlowEdge(index, row_of[target], label)
                    if row_of[target] != index and edge not in edges:
                        edges.append(edge)
                    continue
                if target in seen or target not in graph.outgoing:
                    continue
                seen.add(target)
                pending.extend((label or (nxt.get("name") or "").strip(), nxt.get("targetRef", ""))
                               for nxt in graph.outgoing[target])
    return edges
