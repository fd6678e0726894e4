"""Issue 18, finding 6: no input gives a 500. Hypothesis feeds arbitrary form values (any field name, any
text, repeated values) to the HTML task form and arbitrary JSON to the API's completion, as the step's real
performer; every answer is a page or an error with a code, never a server error, and nothing half-done
is stored (the step stays open, its case's audit chain intact)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_helpers import login

from engine.accounts.tokens import TokenService

pytestmark = [pytest.mark.sqlite_only("what the handlers answer does not depend on the database"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)  # a form cannot carry a lone surrogate
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=25)


@pytest.fixture
def first_step(alur):
    """SOP-03's first step, claimed by the network user who reported the problem."""
    case = alur.runner.start_case("sop_gangguan_jaringan", "pengguna_jaringan", "FUZZ/1").instance_id
    task = alur.queries.open_tasks(case)[0]
    assert task.assignee == "pengguna_jaringan"
    return task


def test_arbitrary_form_values_are_answered_never_with_a_server_error(alur, client, first_step):
    login(client, "pengguna_jaringan")
    names = [*alur.forms.get(first_step.form_key).schema["properties"], "tidak_dikenal", "baris-0-kolom", ""]
    value = TEXT | st.lists(TEXT, max_size=3)

    @FUZZ
    @given(st.dictionaries(st.sampled_from(names), value, max_size=8))
    def post(form):
        response = client.post(f"/tugas/{first_step.task_id}", data=form)
        assert response.status_code in (200, 302, 409, 413, 422), (response.status_code, form)

    post()
    assert alur.queries.task(first_step.task_id).state in ("claimed", "completed")
    assert alur.audit_verifier.verify().chain_problems == []


def test_arbitrary_json_to_the_api_completion_is_answered_never_with_a_server_error(alur, client, first_step):
    token = TokenService(alur.sessions, alur.users).issue("pengguna_jaringan", "fuzz", actor="pengguna_jaringan")
    headers = {"Authorization": f"Bearer {token.token}"}

    @FUZZ
    @given(st.one_of(JSON, st.fixed_dictionaries({"data": JSON}, optional={"version": JSON})))
    def post(body):
        response = client.post(f"/api/v1/tasks/{first_step.task_id}/complete", json=body, headers=headers)
        assert response.status_code in (200, 400, 404, 409, 413, 422), (response.status_code, body)
        if response.status_code >= 400:
            assert response.json["error"]["code"]

    post()
    assert alur.queries.task(first_step.task_id).state in ("claimed", "completed")
    assert alur.audit_verifier.verify().chain_problems == []
