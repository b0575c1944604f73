"""Schemathesis against the running emulator, driven by the OpenAPI document it serves.

Every operation, positive and negative cases (a few examples each, derandomised, so the run is
bounded and repeatable). Checks: no server error, responses conform to their schemas (and content
type), invalid input is rejected with a 4xx. An operation that is not built yet answers
501 NotImplemented: that is reported, not counted as a failure.

Deeper run: FAKEPAI_SCHEMATHESIS_EXAMPLES=50 pytest tests/test_schemathesis.py -s
"""
from __future__ import annotations

import os
import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance, negative_data_rejection, not_a_server_error, response_schema_conformance,
)

EXAMPLES = {GenerationMode.POSITIVE: int(os.environ.get("FAKEPAI_SCHEMATHESIS_EXAMPLES", 3)),
            GenerationMode.NEGATIVE: int(os.environ.get("FAKEPAI_SCHEMATHESIS_EXAMPLES", 3))}
AUTH = {"Authorization": "Bearer schemathesis"}
CHECKS = {GenerationMode.POSITIVE: [not_a_server_error, response_schema_conformance, content_type_conformance],
          GenerationMode.NEGATIVE: [not_a_server_error, response_schema_conformance, content_type_conformance,
                                    negative_data_rejection]}


def _not_implemented(response) -> bool:
    return response.status_code == 501 and response.json().get("Code") == "NotImplemented"


def test_schemathesis_finds_nothing_wrong(fakepai, record_property):
    with fakepai.http() as http:
        document = http.get("/_fakepai/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=fakepai.url)

    figures: Counter = Counter()
    failures: list[str] = []
    not_built: set[str] = set()
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def run(case):
                figures[f"{mode.value} cases"] += 1
                response = case.call(headers=AUTH)
                figures[f"HTTP {response.status_code}"] += 1
                if _not_implemented(response):
                    not_built.add(operation.label)
                    return
                try:
                    case.validate_response(response, checks=CHECKS[mode], headers=AUTH)
                except (AssertionError, BaseExceptionGroup) as e:   # schemathesis raises a FailureGroup
                    failures.append(f"{mode.value} {operation.label}: {str(e)[:1500]}")

            run()
    figures["seconds"] = round(time.perf_counter() - started)
    summary = (f"schemathesis: {figures['operations']} operations, {figures['positive cases']} positive + "
               f"{figures['negative cases']} negative cases, {len(failures)} failures, "
               f"{len(not_built)} not implemented (501), {figures['seconds']} s; statuses "
               + ", ".join(f"{k[5:]}={v}" for k, v in sorted(figures.items()) if k.startswith("HTTP")))
    print("\n" + summary + ("\nnot implemented: " + ", ".join(sorted(not_built)) if not_built else ""))
    record_property("schemathesis", summary)
    assert figures["operations"] == len(fakepai.emulator.catalog.operations)
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:5])
