"""The OpenAPI schema, tested by schemathesis against a real server on loopback.

Valid and invalid requests generated from the schema never make the server fail (no 5xx), and
every response matches the schema (status codes, content types, bodies in the one error shape).
Hypothesis drives each operation directly (schemathesis's pytest plugin does not load on pytest 9).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest_server import TOKEN, Running, make_kb, running_server

# More examples for a deeper hunt: OFTENASKED_SCHEMA_EXAMPLES=500 python -m pytest tests/test_api_schema.py
EXAMPLES = int(os.environ.get("OFTENASKED_SCHEMA_EXAMPLES", "20"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    kb = make_kb(tmp_path_factory.mktemp("schema") / "kb.sqlite")
    with running_server(kb) as running:
        yield running
    kb.close()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_request_makes_the_server_fail(server: Running, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            response = case.call_and_validate(
                base_url=server.url, headers={"authorization": f"Bearer {TOKEN}"}, checks=CHECKS
            )
            statuses.append(response.status_code)

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # an operation without inputs has no invalid request
        except Exception as exc:
            raise AssertionError(f"{operation.label}: {exc}") from exc
    # Every operation was really exercised, with successes and refusals both seen.
    assert len(statuses) >= 5 * len(operations)
    assert any(s < 300 for s in statuses) if mode is GenerationMode.POSITIVE else any(400 <= s < 500 for s in statuses)
    print(mode.value, len(statuses), "requests:", {s: statuses.count(s) for s in sorted(set(statuses))})
