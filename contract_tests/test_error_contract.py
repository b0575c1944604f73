"""Error contract: a request that breaks one rule of the request schema — a required parameter
missing, a value of the wrong type, out of range or outside its enum, an id that names nothing —
answers 4xx with Code, Message and RequestId, never 5xx and never 2xx, and changes nothing. The
status and code family are the ones the product uses for that kind of failure (vocabulary.ERRORS:
missing → 400 MissingParameter*, bad value → 400 InvalidParameter*, unknown id → the product's
not-found status and code).

Missing parameters and unknown ids are enumerated (each one is tried); bad values are drawn by
hypothesis from the request schema, `--pai-examples` per rule, the same ones every run.
"""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from contract_tests.cases import operation_params
from contract_tests.checks import ContractViolation, Finding, error_findings
from contract_tests.recipes import recipe_for
from contract_tests.resources import NotImplementedByTarget
from contract_tests.values import Invalid, missing_cases, unknown_id_cases, value_strategies
from contract_tests.vocabulary import expected_error

# Invalid.kind -> the failure kind vocabulary.ERRORS names.
FAILURE = {"missing": "missing", "wrong-type": "invalid", "out-of-range": "invalid", "unknown-id": "not-found"}


def failure_of(case: Invalid, required: set[str]) -> str:
    if case.kind == "out-of-range" and case.param in required and case.params.get(case.param) == "":
        return "empty-required"
    return FAILURE[case.kind]


@pytest.mark.parametrize("op", operation_params())
def test_invalid_requests_are_rejected(contract_kit, op):
    kit = contract_kit
    with kit.resources.scope():
        prepared = kit.prepare(op)
        if not op.mutating:
            kit.call(op.product, op.action, prepared.params)   # a 501 here: not implemented, skip
        findings: list[Finding] = []
        seen_501 = []

        # One snapshot around all the cases: every one of them must be rejected, so nothing may
        # differ at the end (an accepted case is reported on its own, with its request).
        before = kit.snapshot(prepared) if op.mutating else None

        also_required = recipe_for(op).required
        required = set(op.required) | set(also_required)

        def attempt(case: Invalid) -> None:
            ex = kit.client.call(op.product, op.action, case.params)
            if ex.not_implemented:
                seen_501.append(case)
                return
            findings.extend(Finding(f.path, f"{f.problem} [{case.describe()}]", f.expected, f.actual)
                            for f in error_findings(op, ex, expected_error(op.product, failure_of(case, required))))

        addressed = prepared.resource.params if prepared.resource else {}
        for case in missing_cases(op, prepared.params, also_required) + unknown_id_cases(op, prepared.params, addressed):
            attempt(case)

        slots = value_strategies(op, prepared.params)
        if slots:
            @kit.hypothesis_settings()
            @given(st.data())
            def bad_values(data):
                for kind, name, note, strategy in slots:
                    value = data.draw(strategy, label=f"{kind} {name}")
                    attempt(Invalid(kind, name, {**prepared.params, name: value}, f"{note}; sent {value!r}"))

            bad_values()

        if before is not None:
            after = kit.snapshot(prepared)
            if after != before:
                findings.append(Finding("state", "rejected requests changed state", before, after))

        # A mutating operation's valid request goes last (it would change what the cases address):
        # an operation the target does not implement is a skip, not a pass.
        if op.mutating and not seen_501:
            seen_501 += [None] if kit.client.call(op.product, op.action, prepared.params).not_implemented else []
        if seen_501:
            raise NotImplementedByTarget(op.product, op.action)
        if findings:
            raise ContractViolation(f"{op.product} {op.action}", "invalid requests were not rejected cleanly",
                                    _dedupe(findings))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    out, seen = [], set()
    for f in findings:
        key = (f.path, f.problem.split(";")[0])
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
