"""A .bpmn file a process owner uploads to open in the modeler: read only far enough to know it is a
BPMN model of the SOP being edited. Nothing is stored; the deploy checks run when the owner checks or
deploys it from the modeler."""
from __future__ import annotations

from lxml import etree

from engine.errors import InvalidInput
from engine.modeling.parser import NS

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
_DEFINITIONS = "{%s}definitions" % NS["bpmn"]


class UploadRefused(InvalidInput):
    """The file is not a BPMN model of this SOP. ``reason`` is one of: empty, too_large, not_text,
    not_xml, not_bpmn, no_process, other_process (with ``found``)."""

    code = "upload_refused"

    def __init__(self, message: str, reason: str, **context: str | int | None) -> None:
        super().__init__(message, reason=reason, **context)
        self.reason = reason


def read_uploaded_model(content: bytes, process_key: str) -> str:
    """The uploaded model as text, when it is BPMN 2.0 with one executable process ``process_key``.

    :raises UploadRefused:
    """
    if not content.strip():
        raise UploadRefused("Berkas kosong.", "empty")
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"Berkas lebih dari {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", "too_large",
                            limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadRefused("Berkas bukan teks XML (UTF-8): bukan model BPMN.", "not_text") from None
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise UploadRefused(f"Berkas bukan XML yang sah (baris {exc.lineno}): bukan model BPMN.", "not_xml",
                            line=exc.lineno) from None
    if root.tag != _DEFINITIONS:
        raise UploadRefused("Berkas XML ini bukan model BPMN 2.0.", "not_bpmn")
    processes = [p for p in root.iterfind("bpmn:process", NS) if p.get("isExecutable") == "true"] or \
        list(root.iterfind("bpmn:process", NS))
    if len(processes) != 1:
        raise UploadRefused("Model harus berisi tepat satu proses.", "no_process", count=len(processes))
    found = processes[0].get("id", "")
    if found != process_key:
        raise UploadRefused(f"Berkas berisi proses '{found}', bukan '{process_key}'.", "other_process",
                            found=found, expected=process_key)
    return text
