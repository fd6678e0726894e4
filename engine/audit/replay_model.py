"""The model a replay runs: a stored version's BPMN, checked against its recorded hash and parsed afresh."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import DeploymentError, EngineError
from engine.persistence.models import AuditEvent, ProcessDefinition
from engine.modeling.parser import NS, DefinitionParser, sha256_of


class ModelProblem(Exception):
    """The stored model cannot be used as recorded: ``expected`` vs ``found``, for the report."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(f"expected {expected}; found {found}")
        self.expected = expected
        self.found = found


@dataclass(frozen=True)
class ReplayModel:
    """What a replay needs of a version: the executable spec and the gateways and flows it names."""

    definition_id: int
    process_key: str
    version: int
    spec: Any
    subprocess_specs: dict[str, Any]
    gateways: dict[str, str]  # id -> question (exclusive gateways)
    flows: dict[tuple[str, str], tuple[str | None, str]]  # (source, target) -> (flow id, name), as ParsedDefinition


def load_model(session: Session, process_key: str, version: int) -> ReplayModel:
    """The stored version, if its XML still hashes to what its row and its deployment event recorded.

    :raises ModelProblem: no such version, the XML was changed, or it no longer parses
    """
    row = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.process_key == process_key, ProcessDefinition.version == version)).first()
    if row is None:
        raise ModelProblem(f"definition {process_key} v{version}", "no such definition")
    digest = sha256_of(row.bpmn_xml.encode("utf-8"))
    deployed = _deployed_sha256(session, process_key, version)
    if digest != row.sha256 or (deployed is not None and deployed != digest):
        raise ModelProblem(f"the stored BPMN of {process_key} v{version} to hash to its recorded sha256 "
                           f"{(deployed or row.sha256)[:12]}…", f"{digest[:12]}… (model changed)")
    try:
        spec, subprocess_specs, gateways, flows = parse_model(row.bpmn_xml, row.source_file, process_key)
    except EngineError as exc:
        raise ModelProblem(f"{process_key} v{version} to parse", exc.message) from exc
    return ReplayModel(row.id, process_key, version, spec, subprocess_specs, gateways, flows)


def parse_model(bpmn_xml: str, filename: str, process_key: str) -> tuple[
        Any, dict[str, Any], dict[str, str], dict[tuple[str, str], tuple[str | None, str]]]:
    """Parse a stored model for execution only, as deploy did (timer starts run as plain starts).

    The Alur conventions are not checked again: the role catalogue or the forms may have changed
    since the version was deployed, and a replay must still run the version as it was.

    :raises DeploymentError: the XML cannot be parsed or executed
    """
    try:
        root = etree.fromstring(bpmn_xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise DeploymentError(f"XML tidak valid: {exc.msg}", file=filename, line=exc.lineno) from exc
    tree = etree.ElementTree(root)
    spec, subprocess_specs = DefinitionParser.spiff_spec(tree, process_key, filename)  # the deploy-time parse
    process = root.find(f"bpmn:process[@id='{process_key}']", NS)
    if process is None:
        return spec, subprocess_specs, {}, {}
    gateways = {g.get("id", ""): g.get("name", "") for g in process.iterfind("bpmn:exclusiveGateway", NS)}
    flows = {(f.get("sourceRef", ""), f.get("targetRef", "")): (f.get("id"), f.get("name", ""))
             for f in process.iterfind("bpmn:sequenceFlow", NS)}  # as DefinitionParser.parse reads them
    return spec, subprocess_specs, gateways, flows


def _deployed_sha256(session: Session, process_key: str, version: int) -> str | None:
    rows = session.scalars(select(AuditEvent.payload_json).where(
        AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.event_type == "definition_deployed"))
    for payload_json in rows:
        payload = json.loads(payload_json)
        if payload.get("process_key") == process_key and payload.get("version") == version:
            return str(payload.get("sha256"))
    return None
