"""A process owner cannot take the server down with a deployable model (issue 18, finding 5).

Each test makes the attack as it was made: the model is deployed through the deployer, and a case
runs on it where the hostile value is only known at run time.
"""
from __future__ import annotations

import tracemalloc

import pytest
from engine_helpers import add_users, ready_task, start_loop_case

from engine.errors import DeploymentError, ExpressionTooCostly
from engine.modeling.expressions import evaluate
from engine.runtime.incidents import StepFailed

CONDITION = "${disetujui == true}"
PERIKSA = '<bpmn:userTask id="periksa" name="Periksa laporan" camunda:formKey="uji_periksa">'


def loop_xml(test_data) -> str:
    return (test_data / "uji_loop.bpmn").read_text(encoding="utf-8")


def deploy(alur, xml: str | bytes, name: str = "uji_loop"):
    content = xml.encode("utf-8") if isinstance(xml, str) else xml
    return alur.deployer.deploy_bytes(content, f"{name}.bpmn", "pemilik", expected_key=name)


def refusal(alur, xml: str, name: str = "uji_loop") -> DeploymentError:
    with pytest.raises(DeploymentError) as info:
        deploy(alur, xml, name)
    return info.value


def with_condition(test_data, condition: str) -> str:
    return loop_xml(test_data).replace(CONDITION, condition)


def with_loop(test_data, loop: str) -> str:
    """``periksa`` as a multi-instance step (the loop characteristics follow its flows, as the XSD wants)."""
    xml = loop_xml(test_data)
    return xml.replace('<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>',
                       f'<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>{loop}')


def test_a_format_width_of_a_billion_is_refused_at_deploy_without_allocating(alur, test_data):
    tracemalloc.start()
    try:
        error = refusal(alur, with_condition(test_data, "${len('%01000000000d' % 1) > 0 and disetujui}"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.context["element_id"] == "f6"
    assert "lebar format melebihi" in error.message
    assert peak < 50_000_000


@pytest.mark.parametrize("expression", ["'ab' * 1000000000", "['x'] * 1000000000", "['a' * 90000] * 2",
                                        "str(['a' * 60000, 'b' * 60000])", "'%.900000000f' % 1.5"])
def test_every_way_to_build_a_huge_value_stops_before_building_it(expression):
    with pytest.raises(ExpressionTooCostly):
        evaluate(expression, {})


@pytest.mark.parametrize("expression", ["2 ** 100000000", "range(1000000000)", "1 &lt;&lt; 100000"])
def test_power_range_and_shift_are_not_in_the_language(alur, test_data, expression):
    error = refusal(alur, with_condition(test_data, f"${{{expression} and disetujui}}"))
    assert "tidak dapat dipakai" in error.message


def test_a_200000_term_expression_is_refused_with_a_message(alur, test_data):
    error = refusal(alur, with_condition(test_data, "${" + "1 + " * 200_000 + "1 > 0}"))
    assert error.context["element_id"] == "f6"
    assert "terlalu panjang" in error.message


def test_a_deeply_nested_expression_is_refused_with_a_message(alur, test_data):
    error = refusal(alur, with_condition(test_data, "${" + "not " * 300 + "disetujui}"))
    assert "terlalu bertingkat" in error.message


def test_a_huge_value_built_from_case_data_becomes_an_incident(alur, test_data):
    add_users(alur)
    deploy(alur, with_condition(test_data, "${len(uraian * 1000000000) > 0}"))
    case = start_loop_case(alur)
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengelola", {"uraian": "laporan"})
    review = ready_task(alur, case)
    tracemalloc.start()
    try:
        with pytest.raises(StepFailed):
            alur.runner.complete_task(review.task_id, "pengawas", {"disetujui": True})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000
    incident = alur.incidents.list_incidents()[0]
    assert "batas ukuran atau waktu" in incident.message_in("id")
    assert ready_task(alur, case).task_id == review.task_id  # nothing half-stored: the step is still open


@pytest.mark.parametrize("count", ["20000", "1e8", "-1", "'banyak'"])
def test_a_written_loop_count_out_of_bounds_is_refused_at_deploy(alur, test_data, count):
    loop = f"<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>{count}</bpmn:loopCardinality>" \
           "</bpmn:multiInstanceLoopCharacteristics>"
    error = refusal(alur, with_loop(test_data, loop))
    assert error.context["element_id"] == "periksa"
    assert "Pengulangan langkah 'Periksa laporan'" in error.message


def test_the_loop_bound_is_a_setting(alur, test_data, tmp_path, db_engine, clock):
    from dataclasses import replace

    from engine.bootstrap import open_alur
    loop = "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>150</bpmn:loopCardinality>" \
           "</bpmn:multiInstanceLoopCharacteristics>"
    assert "paling banyak 100" in refusal(alur, with_loop(test_data, loop)).message
    roomier = open_alur(replace(alur.settings, max_step_instances=200), clock=clock, db=db_engine)
    assert deploy(roomier, with_loop(test_data, loop)).created


def test_a_loop_count_read_from_case_data_is_bounded_when_the_step_starts(alur, test_data):
    add_users(alur)
    loop = "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${jumlah}</bpmn:loopCardinality>" \
           "</bpmn:multiInstanceLoopCharacteristics>"
    deploy(alur, with_loop(test_data, loop))
    case = start_loop_case(alur)
    task = ready_task(alur, case)
    with pytest.raises(StepFailed):
        alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "laporan", "jumlah": 20000})
    incident = alur.incidents.list_incidents()[0]
    assert "membuat 20000 salinan langkah; paling banyak 100" in incident.message_in("id")
    assert ready_task(alur, case).task_id == task.task_id


def test_a_collection_naming_a_missing_variable_is_refused_at_deploy(alur, test_data):
    loop = '<bpmn:multiInstanceLoopCharacteristics camunda:collection="daftar_tidak_ada" ' \
           'camunda:elementVariable="butir"/>'
    error = refusal(alur, with_loop(test_data, loop))
    assert error.context["element_id"] == "periksa"
    assert "daftar_tidak_ada" in error.message


def test_a_collection_without_element_variable_is_refused_at_deploy(alur, test_data):
    error = refusal(alur, with_loop(test_data, '<bpmn:multiInstanceLoopCharacteristics camunda:collection="uraian"/>'))
    assert "elementVariable" in error.message


@pytest.mark.parametrize("text", ["P99999999D", "P99999999Y", "P11Y", "\"P99999999D\"", "PT999999999H"])
def test_a_timer_duration_out_of_range_is_refused_naming_the_event(alur, test_data, text):
    xml = (test_data / "uji_timer.bpmn").read_text(encoding="utf-8").replace(">PT2H<", f">{text}<")
    error = refusal(alur, xml, "uji_timer")
    assert error.context["element_id"] == "batas"
    assert "Waktu pada 'Lewat 2 jam'" in error.message


@pytest.mark.parametrize("definition", ["<bpmn:timeDate>9999-12-31T00:00:00</bpmn:timeDate>",
                                        "<bpmn:timeDate>'besok'</bpmn:timeDate>",
                                        "<bpmn:timeCycle>R999999/PT1H</bpmn:timeCycle>",
                                        "<bpmn:timeCycle>R5/PT1S</bpmn:timeCycle>"])
def test_timer_dates_and_cycles_out_of_range_are_refused(alur, test_data, definition):
    xml = (test_data / "uji_timer.bpmn").read_text(encoding="utf-8").replace(
        "<bpmn:timeDuration>PT2H</bpmn:timeDuration>", definition)
    error = refusal(alur, xml, "uji_timer")
    assert error.context["element_id"] == "batas"


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16"])
def test_a_file_in_the_encoding_it_declares_deploys(alur, test_data, encoding):
    xml = loop_xml(test_data).replace('encoding="UTF-8"', f'encoding="{encoding}"').replace(
        'name="Isi laporan"', 'name="Isi laporan (répétée)"')
    result = deploy(alur, xml.encode(encoding.lower().replace("-", "_")))
    assert result.created
    with alur.sessions() as session:
        assert alur.definitions.get(session, result.definition_id)[1].user_tasks["isi"].name == \
            "Isi laporan (répétée)"


def test_a_file_not_in_the_encoding_it_declares_is_refused_with_a_message(alur, test_data):
    xml = loop_xml(test_data).replace('name="Isi laporan"', 'name="Isi laporan (répétée)"')
    error = refusal(alur, xml.encode("latin-1"))  # declares UTF-8
    assert "XML tidak valid" in error.message


def test_a_timer_read_from_case_data_out_of_range_becomes_an_incident(alur, test_data):
    add_users(alur)
    boundary = ('<bpmn:boundaryEvent id="tenggat" name="Tenggat periksa" attachedToRef="periksa">'
                '<bpmn:outgoing>f7</bpmn:outgoing><bpmn:timerEventDefinition>'
                '<bpmn:timeDuration>${uraian}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
                '<bpmn:endEvent id="habis"><bpmn:incoming>f7</bpmn:incoming></bpmn:endEvent>'
                '<bpmn:sequenceFlow id="f7" sourceRef="tenggat" targetRef="habis"/>')
    deploy(alur, loop_xml(test_data).replace("</bpmn:process>", boundary + "</bpmn:process>"))
    case = start_loop_case(alur)
    task = ready_task(alur, case)
    with pytest.raises(StepFailed):
        alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "P99999999D"})
    incident = alur.incidents.list_incidents()[0]
    assert "Waktu pada 'Tenggat periksa'" in incident.message_in("id")
    assert "melebihi batas 3660 hari" in incident.message_in("id")
    assert ready_task(alur, case).task_id == task.task_id
    alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "P2D"})  # a duration in range runs
    assert ready_task(alur, case).name == "Periksa laporan"
