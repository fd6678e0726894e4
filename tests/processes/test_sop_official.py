"""The official SOP data (tools/bpmn_authoring/sop_official.py) is the SOP text as issued: every step
sentence, narrative line and identity value is found in the SOP text (copies of shared/sop/ under
sop_texts/), and every task of the five models is drawn in exactly one SOP step."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "bpmn_authoring"))
import sop_official  # noqa: E402

TEXTS = Path(__file__).parent / "sop_texts"
BPMN = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def normalise(text: str) -> str:
    """Whitespace normalisation: line-broken words joined at their hyphen, markup of the text copy
    dropped, runs of whitespace one space, no space before punctuation."""
    text = re.sub(r"</?[a-z]+[^>]*>|\*", " ", text)
    text = re.sub(r"-\s*\n\s*", "-", text)
    text = " ".join(text.split())
    return re.sub(r" ([.,;:])", r"\1", text)


def source(sop: sop_official.OfficialSop) -> str:
    text = (TEXTS / sop.file).read_text(encoding="utf-8")
    for written, read in sop.perbaikan_salinan:
        assert written in text, written  # every repair names a real garbled spot
        text = text.replace(written, read)
    return normalise(text)


def in_order(phrase: str, text: str, gap: int = 14) -> bool:
    """The phrase's words in order, at most ``gap`` words apart: the identity box of a text copy
    interleaves its two columns line by line."""
    words, haystack = phrase.split(), text.split()
    for start in (i for i, w in enumerate(haystack) if w == words[0]):
        position, found = start, True
        for word in words[1:]:
            nxt = next((j for j in range(position + 1, min(len(haystack), position + gap + 1))
                        if haystack[j] == word), None)
            if nxt is None:
                found = False
                break
            position = nxt
        if found:
            return True
    return False


def without_number(item: str) -> str:
    return re.sub(r"^\d+\.\s*", "", item)


SOPS = list(sop_official.OFFICIAL.values())


@pytest.mark.parametrize("sop", SOPS, ids=lambda s: s.process_key)
def test_every_step_sentence_is_the_sops_own(sop):
    text = source(sop)
    for step in sop.steps:
        assert normalise(step.uraian) in text, (step.langkah, step.uraian)


@pytest.mark.parametrize("sop", SOPS, ids=lambda s: s.process_key)
def test_identity_fields_are_as_written(sop):
    text = source(sop)
    for key in ("nama_sop", "nomor_sop", "tanggal_pembuatan", "disahkan_jabatan", "disahkan_nama",
                "disahkan_nip"):
        value = getattr(sop, key)
        assert normalise(value) in text or normalise(value.upper()) in text.upper(), (key, value)
    for key in sop_official.IDENTITY_LISTS:
        for item in getattr(sop, key):
            assert in_order(normalise(without_number(item)), text), (key, item)
    if "Permenkominfo" in text:
        assert "Permenkominfo Nomor 14 Tahun 2006" in " ".join(
            b for s in sop.sections for b in s.isi if isinstance(b, str))  # stays as written


@pytest.mark.parametrize("sop", [s for s in SOPS if s.sections], ids=lambda s: s.process_key)
def test_narrative_sections_are_as_written(sop):
    text = source(sop)
    titles = [s.judul.split(". ", 1)[1] for s in sop.sections]
    assert titles == ["PENGANTAR", "PROSEDUR", "DASAR HUKUM", "PENANGGUNG JAWAB", "WAKTU PELAKSANAAN",
                      "FASILITAS PENUNJANG", "DIAGRAM ALIR"]
    for section in sop.sections:
        assert section.judul.split(". ", 1)[1] in text
        for block in section.isi:
            for line in ([block] if isinstance(block, str) else block):
                assert normalise(line) in text, (section.judul, line)
    prosedur = next(s for s in sop.sections if s.judul.endswith("PROSEDUR")).isi[0]
    assert len(prosedur) == len(sop.steps)  # one narrative item per step of the table


@pytest.mark.parametrize("key", ["sop_gangguan_database", "sop_pengelolaan_data", "sop_pemeliharaan_akses_dc"])
def test_mutu_baku_is_as_written(key):
    sop = sop_official.OFFICIAL[key]
    text = source(sop).casefold()
    for step in sop.steps:
        for value in (step.kelengkapan, step.waktu, step.output):
            assert normalise(value).casefold() in text, (step.langkah, value)


@pytest.mark.parametrize("sop", SOPS, ids=lambda s: s.process_key)
def test_every_model_task_is_drawn_in_one_sop_step(sop):
    process = etree.parse(str(ROOT / "processes" / f"{sop.process_key}.bpmn")).find("bpmn:process", BPMN)
    tasks = [t.get("id") for t in process.iterfind("bpmn:userTask", BPMN)]
    mapped = [task for step in sop.steps for task in step.tasks]
    assert sorted(mapped) == sorted(tasks)
    assert [s.langkah for s in sop.steps] == list(range(1, len(sop.steps) + 1))


def test_step_counts_and_printed_numbers():
    official = sop_official.OFFICIAL
    assert len(official["sop_gangguan_jaringan"].steps) == 10  # the model's 2a/2b and 3a/3b are one row each
    assert [s.nomor or str(s.langkah) for s in official["sop_pemeliharaan_akses_dc"].steps] == \
        ["1", "2", "3", "4", "6", "6"]  # as the SOP prints its No. column
    assert [len(s.tasks) for s in official["sop_backup_restore_db"].steps] == [1, 2, 1, 1, 1]
