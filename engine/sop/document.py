"""The official SOP document (PermenPAN-RB No. 35/2012) read from a deployed BPMN version.

Two parts, as the regulation lays them out: the identity section (from the process properties) and
the flowchart table, one row per activity, one column per pelaksana (lane), with the mutu baku
columns. Rows follow the flow (a topological order that ignores the loops' back edges); a task
followed directly by a Ya/Tidak gateway is one decision row, as the SOP texts write it; merging
gateways draw no row of their own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from engine.modeling.diff import PROCESS_PROPERTY_LABELS
from engine.modeling.roles import RoleCatalog
from engine.modeling.parser import NS, camunda_properties

IDENTITY_LISTS = ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan",
                  "peringatan", "pencatatan_pendataan")
IDENTITY_HEADER = ("nomor_sop", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif", "disahkan_oleh")
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
    number: str  # "1", "2a"; empty for start and end
    step_code: str  # the ``langkah`` property, e.g. "GDB-07"
    text: str  # uraian kegiatan
    question: str = ""  # the decision's question
    terminal_label: str = ""  # "Mulai" or "Selesai"
    kelengkapan: str = ""
    waktu: str = ""
    output: str = ""
    keterangan: str = ""
    role_title: str = ""


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
    notes: list[str] = field(default_factory=list)


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
    rows, row_of = _rows(graph, lanes, roles)
    edges = _edges(graph, rows, row_of)
    label = PROCESS_PROPERTY_LABELS.get
    process_key = process.get("id", "")  # a deployed process has one
    return SopDocument(
        process_key=process_key, version=version,
        title=props.get("nama_sop") or (process.get("name") or process_key).upper(),
        process_name=process.get("name") or process_key,
        header=[IdentityField(k, label(k, k), props.get(k, "")) for k in IDENTITY_HEADER],
        lists=[IdentityField(k, label(k, k), props.get(k, "")) for k in IDENTITY_LISTS],
        extra={k: props.get(k, "") for k in ("unit_kerja", "penanggung_jawab", "waktu_pelaksanaan")},
        pelaksana=lanes, rows=rows, edges=edges, deployed_by=deployed_by, deployed_at=deployed_at,
        sha256=sha256, change_note=change_note)


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
    """Arrows between rows; merging gateways are passed through, labels come from the first named flow."""
    edges: list[FlowEdge] = []
    for index, row in enumerate(rows):
        gateway = graph.absorbed_gateway(row.node_id)
        exits = graph.outgoing[gateway if gateway else row.node_id]
        for flow in exits:
            label, target, seen = (flow.get("name") or "").strip(), flow.get("targetRef", ""), set[str]()
            while target not in row_of and target not in seen and len(graph.outgoing[target]) == 1:
                seen.add(target)
                nxt = graph.outgoing[target][0]
                label = label or (nxt.get("name") or "").strip()
                target = nxt.get("targetRef", "")
            if target in row_of:
                edges.append(FlowEdge(index, row_of[target], label))
    return edges
