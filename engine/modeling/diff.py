"""What changed between two versions of a BPMN model, in terms a process owner reads.

The comparison is on meaning, not on text: elements are matched by id, and each element is reduced
to the properties the engine and the SOP document use (name, lane and role, form, mutu baku,
conditions, default flows, timers, process identity). Diagram layout (BPMN DI), attribute order,
namespace prefixes and the derived ``incoming``/``outgoing`` references are ignored, so a model
saved again by a modeler without edits has no changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from engine.modeling.parser import NS

_BPMN = "{%s}" % NS["bpmn"]
_CAMUNDA = "{%s}" % NS["camunda"]
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def N_(text: str) -> str:
    """Marks a label for the web's catalogue (web/babel.cfg extracts this module): the engine and the command
    line keep the Indonesian text, a page shows it in the reader's language (``gettext(label)``)."""
    return text


KIND_LABELS = {
    "userTask": N_("Langkah (user task)"), "exclusiveGateway": N_("Keputusan (gateway)"),
    "parallelGateway": N_("Gateway paralel"), "inclusiveGateway": N_("Gateway inklusif"), "startEvent": N_("Mulai"),
    "endEvent": N_("Selesai"), "intermediateCatchEvent": N_("Peristiwa antara"),
    "intermediateThrowEvent": N_("Peristiwa antara"), "boundaryEvent": N_("Peristiwa batas"),
    "sequenceFlow": N_("Alur"), "lane": N_("Lane (pelaksana)"), "serviceTask": N_("Tugas layanan"),
    "task": N_("Tugas"), "manualTask": N_("Tugas manual"), "sendTask": N_("Tugas kirim"),
    "receiveTask": N_("Tugas terima"), "subProcess": N_("Sub-proses"), "callActivity": N_("Panggil proses"),
    "textAnnotation": N_("Catatan"),
}
PROPERTY_LABELS = {
    "name": N_("Nama"), "documentation": N_("Uraian"), "kind": N_("Jenis elemen"), "lane": N_("Lane"),
    "role": N_("Peran (katalog)"), "formKey": N_("Formulir"),
    "candidateGroups": N_("Peran langkah (mempersempit lane)"), "default": N_("Alur default"),
    "sourceRef": N_("Dari"), "targetRef": N_("Ke"), "condition": N_("Kondisi"), "participant": N_("Nama pool"),
    "timer": N_("Timer"), "mutu:langkah": N_("Mutu baku: langkah"),
    "mutu:kelengkapan": N_("Mutu baku: kelengkapan"), "mutu:waktu": N_("Mutu baku: waktu"),
    "mutu:waktu_iso": N_("Mutu baku: waktu (ISO)"), "mutu:waktu_min_iso": N_("Mutu baku: waktu minimum (ISO)"),
    "mutu:output": N_("Mutu baku: output"), "mutu:keterangan": N_("Mutu baku: keterangan"),
}
MUTU_BAKU_KEYS = ("langkah", "kelengkapan", "waktu", "waktu_iso", "waktu_min_iso", "output", "keterangan")
PROCESS_PROPERTY_LABELS = {
    "nama_sop": N_("Nama SOP"), "nomor_sop": N_("Nomor SOP"), "tanggal_pembuatan": N_("Tanggal pembuatan"),
    "tanggal_revisi": N_("Tanggal revisi"), "tanggal_efektif": N_("Tanggal efektif"),
    "disahkan_oleh": N_("Disahkan oleh"), "unit_kerja": N_("Unit kerja"),
    "penanggung_jawab": N_("Penanggung jawab"), "dasar_hukum": N_("Dasar hukum"),
    "kualifikasi_pelaksana": N_("Kualifikasi pelaksana"), "keterkaitan": N_("Keterkaitan"),
    "peralatan_perlengkapan": N_("Peralatan/perlengkapan"), "peringatan": N_("Peringatan"),
    "pencatatan_pendataan": N_("Pencatatan dan pendataan"), "waktu_pelaksanaan": N_("Waktu pelaksanaan"),
    "waktu_pelaksanaan_iso": N_("Batas waktu pelaksanaan (ISO)"),
    "waktu_peringatan_iso": N_("Waktu peringatan (ISO)"),
}
FLOW_NAME = N_("Alur dari «{source}» ke «{target}»")  # an unnamed flow, by its ends


@dataclass(frozen=True)
class PropertyChange:
    key: str
    label: str
    old: str | None  # None: the property was not set
    new: str | None


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str
    kind_label: str
    name: str  # an unnamed flow is named by its ends: "Alur dari «A» ke «B»"
    changes: tuple[PropertyChange, ...] = ()  # of an added element: every property it has (old None)
    ends: tuple[str, str] | None = None  # an unnamed flow: its source's and target's names (FLOW_NAME)


@dataclass(frozen=True)
class ModelDiff:
    process_changes: tuple[PropertyChange, ...]
    added: tuple[ElementChange, ...]
    removed: tuple[ElementChange, ...]
    changed: tuple[ElementChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.process_changes or self.added or self.removed or self.changed)

    def summary(self) -> list[str]:
        """One plain line per change, e.g. ``gdb_03: Mutu baku: waktu '1 jam' → '2 jam'``."""
        lines = [f"proses: {c.label} {_show(c.old)} → {_show(c.new)}" for c in self.process_changes]
        for element in self.added:
            lines.append(f"+ {element.element_id} ({element.kind_label}) {element.name}".rstrip())
            lines += [f"  {c.label}: {_show(c.new)}" for c in element.changes]
        lines += [f"- {e.element_id} ({e.kind_label}) {e.name}".rstrip() for e in self.removed]
        for element in self.changed:
            lines += [f"{element.element_id}: {c.label} {_show(c.old)} → {_show(c.new)}" for c in element.changes]
        return lines


@dataclass
class _Element:
    element_id: str
    kind: str
    name: str
    props: dict[str, str] = field(default_factory=dict)
    ends: tuple[str, str] | None = None


@dataclass
class _Snapshot:
    process: dict[str, str]
    elements: dict[str, _Element]  # in document order


def diff_models(old_xml: bytes, new_xml: bytes) -> ModelDiff:
    """Compare two BPMN documents (each with one executable process).

    :raises lxml.etree.XMLSyntaxError: a document is not XML (deployed versions always are)
    """
    old, new = snapshot(old_xml), snapshot(new_xml)
    changed = []
    for element_id, element in new.elements.items():
        before = old.elements.get(element_id)
        if before is not None:
            changes = _compare(before.props, element.props)
            if changes:
                changed.append(_change(element, changes))
    return ModelDiff(
        process_changes=tuple(_compare(old.process, new.process)),
        added=tuple(_change(e, _compare({}, _without_name(e.props)))
                    for i, e in new.elements.items() if i not in old.elements),
        removed=tuple(_change(e) for i, e in old.elements.items() if i not in new.elements),
        changed=tuple(changed),
    )


def snapshot(xml: bytes) -> _Snapshot:
    """Reduce a model to its meaningful properties, per element id."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    processes = [p for p in root.iterfind("bpmn:process", NS) if p.get("isExecutable") == "true"] or \
        list(root.iterfind("bpmn:process", NS))
    if not processes:
        return _Snapshot({}, {})
    process = processes[0]
    lane_of = {(ref.text or "").strip(): lane.get("id", "")
               for lane in process.iterfind(".//bpmn:lane", NS) for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    info = {"name": process.get("name", ""), "documentation": _documentation(process)}
    participant = root.find(f"bpmn:collaboration/bpmn:participant[@processRef='{process.get('id')}']", NS)
    if participant is not None:
        info["participant"] = participant.get("name", "")
    info.update({f"property:{k}": v for k, v in _camunda_properties(process).items()})
    elements: dict[str, _Element] = {}
    for node in process.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(_BPMN) or node is process:
            continue
        kind = etree.QName(node).localname
        node_id = node.get("id")
        if not node_id or kind in ("laneSet", "conditionExpression", "timerEventDefinition",
                                         "documentation", "extensionElements") or kind.endswith("EventDefinition"):
            continue
        elements[node_id] = _element(node, kind, lane_of)
    _name_unnamed_flows(elements)
    return _Snapshot({k: v for k, v in info.items() if v != ""}, elements)


def _name_unnamed_flows(elements: dict[str, _Element]) -> None:
    """A flow without a name reads as the steps it joins; a generated id tells an owner nothing."""
    def title(element_id: str) -> str:
        end = elements.get(element_id)
        return (end.name if end is not None and end.name else element_id) or "?"
    for element in elements.values():
        if element.kind == "sequenceFlow" and not element.name:
            source, target = element.props.get("sourceRef", ""), element.props.get("targetRef", "")
            element.ends = (title(source), title(target))
            element.name = FLOW_NAME.format(source=element.ends[0], target=element.ends[1])


def _element(node: etree._Element, kind: str, lane_of: dict[str, str]) -> _Element:
    element_id = node.get("id", "")  # the caller skips nodes without one
    props: dict[str, str] = {"name": node.get("name", ""), "documentation": _documentation(node)}
    if element_id in lane_of:
        props["lane"] = lane_of[element_id]
    for attribute, value in node.attrib.items():
        if attribute.startswith(_CAMUNDA):
            props[attribute[len(_CAMUNDA):]] = value
    for key, value in _camunda_properties(node).items():
        props[("mutu:" if key in MUTU_BAKU_KEYS else "property:") + key] = value
    if kind == "lane":
        props["role"] = props.pop("property:role", "")
    if kind == "sequenceFlow":
        props["sourceRef"], props["targetRef"] = node.get("sourceRef", ""), node.get("targetRef", "")
        condition = node.find("bpmn:conditionExpression", NS)
        if condition is not None:
            props["condition"] = (condition.text or "").strip()
    if node.get("default"):
        props["default"] = node.get("default", "")
    definitions = [etree.QName(d).localname for d in node if isinstance(d.tag, str)
                   and etree.QName(d).localname.endswith("EventDefinition")]
    if definitions:
        props["event"] = ", ".join(definitions)
    timer = node.find("bpmn:timerEventDefinition/*", NS)
    if timer is not None:
        props["timer"] = f"{etree.QName(timer).localname} {(timer.text or '').strip()}"
    for extension in node.iterfind("bpmn:extensionElements/*", NS):
        if extension.tag != f"{_CAMUNDA}properties":
            props[f"extension:{etree.QName(extension).localname}"] = _canonical(extension)
    return _Element(element_id, kind, props["name"], {k: v for k, v in props.items() if v != ""})


def _documentation(node: etree._Element) -> str:
    doc = node.find("bpmn:documentation", NS)
    return " ".join((doc.text or "").split()) if doc is not None else ""


def _camunda_properties(node: etree._Element) -> dict[str, str]:
    props = node.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NS)
    return {p.get("name"): (p.get("value") or "").strip() for p in props if p.get("name")}


def _canonical(node: etree._Element) -> str:
    """The extension element as canonical XML without whitespace-only text (stable across modelers)."""
    copy = etree.fromstring(etree.tostring(node))
    for item in copy.iter():
        if item.text is not None and not item.text.strip():
            item.text = None
        if item.tail is not None and not item.tail.strip():
            item.tail = None
    return etree.tostring(copy, method="c14n").decode("utf-8")


def _compare(old: dict[str, str], new: dict[str, str]) -> list[PropertyChange]:
    keys = list(dict.fromkeys([*old, *new]))
    return [PropertyChange(k, label_of(k), old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def _without_name(props: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in props.items() if k != "name"}


def label_parts(key: str) -> tuple[str, str]:
    """A changed property's label and the detail that follows it ("Properti: nama sop"), or no detail."""
    if key in PROPERTY_LABELS:
        return PROPERTY_LABELS[key], ""
    if key.startswith("property:") and key[len("property:"):] in PROCESS_PROPERTY_LABELS:
        return PROCESS_PROPERTY_LABELS[key[len("property:"):]], ""
    for prefix, label in (("property:", N_("Properti")), ("extension:", N_("Ekstensi")), ("mutu:", N_("Mutu baku"))):
        if key.startswith(prefix):
            return label, key[len(prefix):].replace("_", " ")
    return f"camunda:{key}", ""


def label_of(key: str) -> str:
    label, detail = label_parts(key)
    return f"{label}: {detail}" if detail else label


def _change(element: _Element, changes: list[PropertyChange] | None = None) -> ElementChange:
    return ElementChange(element.element_id, element.kind, KIND_LABELS.get(element.kind, element.kind),
                         element.name, tuple(changes or ()), element.ends)


def _show(value: str | None) -> str:
    return "(kosong)" if value is None else repr(value)
