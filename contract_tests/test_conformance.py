"""Conformance: a valid request for every operation answers 2xx with a body that validates
strictly against the operation's response schema (an unknown field is drift, a failure), with
the request id in the body and the `x-acs-request-id` header, and known status names."""
from __future__ import annotations

import pytest

from contract_tests.cases import operation_params
from contract_tests.checks import ContractViolation, Finding, expect_success


@pytest.mark.parametrize("op", operation_params())
def test_valid_request_conforms(contract_kit, op):
    with contract_kit.resources.scope():
        prepared = contract_kit.prepare(op)
        ex = contract_kit.call(op.product, op.action, prepared.params)
        expect_success(op, ex)
        _echoes_path_ids(op, prepared.params, ex)


def _echoes_path_ids(op, params, ex) -> None:
    """A response field named like a path id (JobId, TrainingJobId, …) echoes the requested id."""
    body = ex.data.get("Data") if op.envelope == "paiplugin" and isinstance(ex.data.get("Data"), dict) else ex.data
    bad = [Finding(f"$.{name}", "echoed id", params[name], body[name])
           for name in op.path_params
           if isinstance(body, dict) and name in body and name != "Id" and body[name] != params[name]]
    if bad:
        raise ContractViolation(f"{op.product} {op.action}", "the response names another resource", bad, ex)
