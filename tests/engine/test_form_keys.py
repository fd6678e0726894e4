"""A form key is anyone's text (a model's ``camunda:formKey``, the form panel's URL): one no form file can
have is an unknown form, refused in words, never a file-system error. A 300-character key was an OSError
(file name too long) and a key with a NUL a ValueError: the modeler's check answered 500."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DeploymentError, InvalidInput
from engine.modeling.forms import FormRegistry

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_KEYS = ("x" * 300, "a\x00b", "..", "../forms/gdb_07_verifikasi_gangguan", "sub/dir", ".hidden", "",
                "ä" * 200, "a" * 201)


class _Stored:
    """The modeler's stored forms: counts the keys it is asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, key: str) -> None:
        self.asked.append(key)
        return None


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_a_key_no_file_can_have_is_an_unknown_form(key):
    stored = _Stored()
    forms = FormRegistry(ROOT / "forms", stored)
    with pytest.raises(InvalidInput) as refused:
        forms.get(key)
    assert "tidak ditemukan" in refused.value.message and len(refused.value.message) < 200
    assert not forms.exists(key) and not forms.is_file(key)
    assert stored.asked == []  # nor looked up in the database (PostgreSQL refuses a NUL in text)


def test_a_plain_key_still_reads_its_file_and_the_stored_forms():
    stored = _Stored()
    forms = FormRegistry(ROOT / "forms", stored)
    assert forms.get("gdb_07_verifikasi_gangguan").schema["title"]
    assert forms.exists("gdb_07_verifikasi_gangguan")
    with pytest.raises(InvalidInput):
        forms.get("belum_ada_formulir")
    assert stored.asked == ["belum_ada_formulir"]


def test_a_model_naming_a_key_no_file_can_have_is_refused_in_words(alur, test_data):
    xml = (test_data / "uji_loop.bpmn").read_text(encoding="utf-8")
    for key in ("x" * 300, "../forms/uji_isi"):
        bad = xml.replace('formKey="uji_isi"', f'formKey="{key}"', 1)
        with pytest.raises(DeploymentError) as refused:
            alur.deployer.deploy_bytes(bad.encode(), "uji_loop.bpmn", "owner")
        assert refused.value.text is not None and refused.value.text.key == "task.unknown_form"
    assert alur.deployer.deploy_bytes(xml.encode(), "uji_loop.bpmn", "owner").version == 1
