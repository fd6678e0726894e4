"""Checkpoints kept outside the database ("anchors"), and the database checked against them.

Every checkpoint is also written as a signed file (``checkpoints.write_checkpoint_file``) to a folder
meant to live elsewhere (a separate mount, or copied off-host). Someone who can write the database
but not that folder can delete the newest checkpoint rows, then rewrite and re-hash the chains, and
the database alone no longer shows it. Against the files it does: every anchor must be in the
database with the same signed text, and the chain heads it signs must still hold.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from engine.audit.checkpoints import (AuditKeyError, ChainHeadValue, heads_of, load_public_key, number_of,
                                      signature_valid)

ANCHOR_GLOB = "checkpoint-*.json"


@dataclass(frozen=True)
class Anchor:
    """One checkpoint file: the signed text, its signature and key, and where it was read."""

    source: str
    number: int
    body_json: str
    signature: str
    public_key: str

    @property
    def heads(self) -> tuple[ChainHeadValue, ...]:
        return heads_of(self.body_json)

    def signed(self) -> bool:
        try:
            return signature_valid(self.body_json, self.signature, load_public_key(self.public_key))
        except AuditKeyError:
            return False


@dataclass(frozen=True)
class AnchorSet:
    """The anchors read from a file or folder, and the files that could not be read as one."""

    location: str
    anchors: tuple[Anchor, ...]
    unreadable: tuple[str, ...] = ()


def load_anchors(path: Path) -> AnchorSet:
    """Anchors from one checkpoint file, or every ``checkpoint-*.json`` in a folder.

    :raises FileNotFoundError: ``path`` does not exist
    """
    if not path.exists():
        raise FileNotFoundError(str(path))
    files = sorted(path.glob(ANCHOR_GLOB)) if path.is_dir() else [path]
    anchors, unreadable = [], []
    for file in files:
        anchor = _read(file)
        if anchor is None:
            unreadable.append(str(file))
        else:
            anchors.append(anchor)
    return AnchorSet(str(path), tuple(sorted(anchors, key=lambda a: a.number)), tuple(unreadable))


def _read(file: Path) -> Anchor | None:
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(value, dict):
        return None
    body, signature, public = value.get("body"), value.get("signature"), value.get("public_key")
    if not (isinstance(body, str) and isinstance(signature, str) and isinstance(public, str)):
        return None
    number = number_of(body)
    if number is None:  # made before numbers were signed: the file says which checkpoint it is
        said = value.get("number", value.get("checkpoint_id"))
        number = said if isinstance(said, int) else None
    return None if number is None else Anchor(str(file), number, body, signature, public)
