"""Reading an uploaded .bpmn file: only a BPMN model of the SOP being edited opens in the modeler."""
from __future__ import annotations

import pytest

from engine.modeling.upload import MAX_UPLOAD_BYTES, UploadRefused, read_uploaded_model
from tests.engine.test_versions import KEY, sop01_xml


def test_a_model_of_this_sop_is_returned_as_it_is():
    assert read_uploaded_model(sop01_xml().encode(), KEY) == sop01_xml()


def test_a_file_too_large_is_refused_before_it_is_parsed():
    content = b"<x>" + b" " * MAX_UPLOAD_BYTES + b"</x>"
    with pytest.raises(UploadRefused) as refused:
        read_uploaded_model(content, KEY)
    assert (refused.value.reason, refused.value.context["limit_mb"]) == ("too_large", 5)


def test_an_external_entity_is_refused_not_read():
    hostile = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
               b'<process id="&x;" isExecutable="true"/></definitions>')
    with pytest.raises(UploadRefused) as refused:
        read_uploaded_model(hostile, KEY)
    assert refused.value.reason == "not_xml" and "root:" not in refused.value.message
