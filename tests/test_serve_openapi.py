"""schemathesis against the published OpenAPI of `kehoach serve`: generated requests (bounded:
a couple of dozen per operation) never get a 5xx, and every response matches the schema.

Driven through hypothesis directly (schemathesis' pytest plugin does not run under this
pytest), one test per operation."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from serve_helpers import running_server, serve_settings  # noqa: E402

# Every operation of the API, as "METHOD path" (checked against the schema below).
OPERATIONS = [
    "GET /health", "POST /extract", "POST /batches", "GET /batches/{batch_id}",
    "GET /batches/{batch_id}/documents/{output}", "GET /", "POST /reviews", "GET /reviews/{review_id}",
    "GET /reviews/{review_id}/pages/{number}.png", "POST /reviews/{review_id}/golden",
]
EXAMPLES = 20


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    with running_server(serve_settings(tmp_path_factory.mktemp("openapi"), timeout=20)) as base:
        yield schemathesis.openapi.from_url(base + "/openapi.json")


def test_the_list_of_operations_is_complete(api_schema):
    found = {f"{op.ok().method.upper()} {op.ok().path}" for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_conforms_to_the_openapi(api_schema, name):
    method, path = name.split(" ", 1)
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        # A schema-valid upload may still be an unreadable document (a 422 by its content),
        # which no schema can describe: that one check is left out.
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    check()
