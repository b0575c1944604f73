"""Schemathesis against the running emulator, driven by the OpenAPI document it serves.

Every operation, positive and negative cases (a few examples each, derandomised, so the run is
bounded and repeatable). Checks: no server error, responses conform to their schemas (and content
type), invalid input is rejected with a 4xx. An operation that is not built yet answers
501 NotImplemented: that is reported, not counted as a failure.

Schema-valid requests are not rejected (issue #11): a positive case satisfies the OpenAPI, so
neither the binder (fakepai/wire/binding.py, which checks the same schemas) nor a handler may refuse
it with InvalidParameter* / MissingParameter*: every rule the handlers enforce is declared in the
schemas (docs/limits.md). Allowed, and counted in the summary: ids that do not exist (random ids:
404 NotFound*), a resource in the wrong state (InvalidStatus), and the short list ALLOWED_REFUSALS
of rules the schemas do not state, each with its reason. Cross-field rules are declared
(`x-fakepai-rules`, `x-fakepai-jsonText`: fakepai/rules.py, docs/limits.md) and positive cases are
made to satisfy them from the OpenAPI's declarations (DeclaredRules), so none of them is excused.

Deeper run: FAKEPAI_SCHEMATHESIS_EXAMPLES=50 pytest tests/operations/test_schemathesis.py -s
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from functools import cache
from urllib.parse import urlencode

import schemathesis
from fakepai import rules
from fakepai.errors import PaiError
from fakepai.wire import pipeline
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
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


FORM = "application/x-www-form-urlencoded"


def _send_json_form_fields_as_json(case, document: dict) -> None:
    """A form field the OpenAPI declares JSON text (Encoding Object `contentType: application/json`,
    a "shrink" parameter such as AlgorithmSpec) goes on the wire as JSON text.
    Schemathesis 4.32 honours `encoding.contentType` in multipart bodies only: in a form-urlencoded
    body it explodes the object into its keys, losing the field's name. So the test encodes those
    fields itself and lets Schemathesis serialise the rest as it would."""
    if case.media_type != FORM or not isinstance(case.body, dict):
        return
    operation = document["paths"][case.operation.path][case.operation.method.lower()]
    encoding = operation["requestBody"]["content"][FORM].get("encoding", {})
    as_json = {name: json.dumps(case.body.pop(name)) for name, how in encoding.items()
               if how.get("contentType") == "application/json" and name in case.body}
    if as_json:
        rest = case.operation.schema.prepare_request_body(case)   # the other fields, exploded as usual
        case.body = urlencode([(key, value) for key, values in rest.items()
                               for value in (values if isinstance(values, list) else [values])
                               if value is not None] + list(as_json.items()))


class DeclaredRules:
    """Positive cases satisfy the cross-field rules the OpenAPI declares (fakepai/rules.py): the
    operation's `x-fakepai-rules` over its parameters, wherever each travels, and in the body and
    each query parameter the schemas' own (`x-fakepai-rules` of nested objects; `x-fakepai-jsonText`
    strings, made JSON text of a document Schemathesis draws from the declared inner schema; a map's
    `x-fakepai-propertyNames`, which Schemathesis does not know: OpenAPI 3.0 has no propertyNames). The same `rules.satisfy` the
    contract kit uses; no rule is listed here."""

    def __init__(self, document: dict):
        self.document = document

    def resolve(self, ref: str) -> dict:
        node = self.document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    @cache
    def _documents(self, inner: str) -> st.SearchStrategy:
        """Documents of the inner schema (JSON text), drawn by Schemathesis as a request body."""
        api = {"openapi": "3.0.3", "info": {"title": "inner", "version": "1"}, "components": self.document["components"],
               "paths": {"/inner": {"post": {"requestBody": {"required": True, "content": {
                   "application/json": {"schema": json.loads(inner)}}}, "responses": {"200": {"description": "ok"}}}}}}
        operation = next(iter(schemathesis.openapi.from_dict(api).get_all_operations())).ok()
        return operation.as_strategy(generation_mode=GenerationMode.POSITIVE).map(lambda case: case.body)

    def apply(self, case, data):
        operation = self.document["paths"][case.operation.path][case.operation.method.lower()]
        if isinstance(case.body, dict):
            content = operation["requestBody"]["content"]
            schema = content[case.media_type]["schema"]
            case.body = rules.satisfy(schema, case.body, self.resolve,
                                      lambda declared, old: data.draw(self._documents(json.dumps(declared["schema"], sort_keys=True))))
        if case.query:                  # each query parameter keeps its own schema's declarations
            schemas = {p["name"]: p.get("schema") or next(iter(p["content"].values()))["schema"]
                       for p in operation.get("parameters", []) if p["in"] == "query"}
            case.query = {name: rules.satisfy(schemas[name], value, self.resolve) if name in schemas else value
                          for name, value in case.query.items()}
        declared = operation.get(rules.RULES)
        if declared:
            query, body = dict(case.query or {}), case.body if isinstance(case.body, dict) else {}
            fixed = rules.satisfy({rules.RULES: declared}, {**body, **query}, self.resolve)
            for part in (query, body):
                for name in list(part):
                    if name in fixed:
                        part[name] = fixed[name]
                    else:
                        del part[name]
            if case.query is not None:
                case.query = query
        return case


# What a handler may still refuse in a schema-valid request: rules the schemas do not state, each with
# why. (operation label, error Code, a fragment of the Message) -> the reason.
ALLOWED_REFUSALS = {
    ("POST /api/v1/algorithms", "InvalidParameter", "already exists"):
        "an algorithm name is unique in its workspace: a rule over stored state, not the request (no "
        "documented conflict code: behavior.md, the SDK and skill docs name none; docs/limits.md)",
}
# No refusal is allowed in every operation: rules across fields (a time window's StartTime after its
# EndTime, once the one such excuse) are declared (fakepai/rules.py) and positive cases keep them.


def _refusal(label: str, error: dict, refused_by_binder: list[str]) -> str:
    """`handler-refused <Code>` when a schema-valid request's refusal is one a schema cannot prevent
    (a random id: NotFound*; a resource in the wrong state: InvalidStatus; an allowed rule above),
    otherwise why it is a failure."""
    if refused_by_binder:
        return f"a schema-valid request was refused by the binder: {refused_by_binder[0]}"
    code, message = str(error.get("Code") or error.get("ErrorCode")), str(error.get("Message") or error.get("ErrorMessage"))
    if not code.startswith(("InvalidParameter", "MissingParameter")):
        return f"handler-refused {code}"
    for (where, allowed_code, fragment) in ALLOWED_REFUSALS:
        if where == label and code == allowed_code and fragment in message:
            return f"handler-refused {code}"
    return f"a schema-valid request was refused by the handler: {code}: {message[:300]}"


def _not_implemented(response) -> bool:
    return response.status_code == 501 and response.json().get("Code") == "NotImplemented"


def test_schemathesis_finds_nothing_wrong(fakepai, record_property, monkeypatch):
    refused_by_binder: list[str] = []

    def watched_bind(op, *args, **kwargs):
        try:
            return bind(op, *args, **kwargs)
        except PaiError as e:
            refused_by_binder.append(f"{e.code}: {e.message}")
            raise

    bind = pipeline.bind
    monkeypatch.setattr(pipeline, "bind", watched_bind)
    with fakepai.http() as http:
        document = http.get("/_fakepai/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=fakepai.url)
    declared_rules = DeclaredRules(document)

    figures: Counter = Counter()
    failures: list[str] = []
    not_built: set[str] = set()
    not_drawable: set[str] = set()
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            # A positive case is made to satisfy the declared rules (what it draws for JSON text
            # comes from `data`); a negative case is sent as drawn.
            cases = operation.as_strategy(generation_mode=mode)
            if mode is GenerationMode.POSITIVE:
                cases = st.tuples(cases, st.data()).map(lambda drawn: declared_rules.apply(*drawn))

            @given(case=cases)
            @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def run(case):
                figures[f"{mode.value} cases"] += 1
                refused_by_binder.clear()
                _send_json_form_fields_as_json(case, document)
                response = case.call(headers=AUTH)
                figures[f"HTTP {response.status_code}"] += 1
                if mode is GenerationMode.POSITIVE and 400 <= response.status_code < 500:
                    refusal = _refusal(operation.label, response.json(), refused_by_binder)
                    if refusal.startswith("handler-refused"):
                        figures[refusal] += 1
                    else:
                        failures.append(f"positive {operation.label}: {refusal}; request: {case.path_parameters} "
                                        f"{case.query} {str(case.body)[:500]}")
                        return
                if _not_implemented(response):
                    not_built.add(operation.label)
                    return
                try:
                    case.validate_response(response, checks=CHECKS[mode], headers=AUTH)
                except (AssertionError, BaseExceptionGroup) as e:   # schemathesis raises a FailureGroup
                    failures.append(f"{mode.value} {operation.label}: {str(e)[:1500]}")

            try:
                run()
            except InvalidArgument as e:
                # Hypothesis cannot draw a string past its buffer: the negation of a 64 KiB maxLength
                # (a limit of the generator, met deep in a run; the bound itself is held by
                # tests/wire/test_bounds.py). The operation's other negative cases are lost, and counted.
                if mode is not GenerationMode.NEGATIVE or "can never generate a value" not in str(e):
                    raise
                not_drawable.add(operation.label)
    figures["seconds"] = round(time.perf_counter() - started)
    summary = (f"schemathesis: {figures['operations']} operations, {figures['positive cases']} positive + "
               f"{figures['negative cases']} negative cases, {len(failures)} failures, "
               f"{len(not_built)} not implemented (501), {figures['seconds']} s; statuses "
               + ", ".join(f"{k[5:]}={v}" for k, v in sorted(figures.items()) if k.startswith("HTTP"))
               + "; positive cases refused after binding: "
               + ", ".join(f"{k[16:]}={v}" for k, v in sorted(figures.items()) if k.startswith("handler-refused")))
    summary += (f"; negative cases hypothesis could not draw past their first in: {', '.join(sorted(not_drawable))}"
                if not_drawable else "")
    print("\n" + summary + ("\nnot implemented: " + ", ".join(sorted(not_built)) if not_built else ""))
    record_property("schemathesis", summary)
    assert figures["operations"] == len(fakepai.emulator.catalog.operations)
    kinds = Counter(failure.split("; request:")[0][:240] for failure in failures)
    assert not failures, (f"{len(failures)} failures, {len(kinds)} kinds:\n" + "\n".join(f"{n} x {k}" for k, n in kinds.most_common())
                          + "\n\nthe first:\n\n" + "\n\n".join(failures[:3]))


# What the excuses used to cover, through the wire: the binder and the published schema agree.

DLC = "/api/pai-dlc/2020-12-03"
TEMPLATE_CONTENT = json.dumps({"JobType": "PyTorchJob", "UserCommand": "python train.py", "JobSpecs": [
    {"Type": "Worker", "PodCount": 1, "Image": "img", "EcsSpec": "ecs.g6.xlarge"}]})


def test_a_free_value_keeps_an_integer_beyond_64_bits(fakepai):
    # `Metadata` is a free JSON object (schema `{}` values): any integer JSON can spell is valid in it,
    # and comes back exactly as sent (orjson stops at 64 bits; the renderer falls back to the stdlib).
    # So may a string: JSON text can escape a lone surrogate (`"\ud800"`), which orjson will not write.
    metadata = {"big": 2**70, "small": -(2**100), "nested": [{"n": 10**40}], "plain": 7, "k\udc00": "v\ud800"}
    body = {"TemplateName": "big-ints", "WorkspaceId": "86995", "Content": TEMPLATE_CONTENT, "Metadata": metadata}
    with fakepai.http() as http:
        created = http.post(f"{DLC}/CreateJobTemplate", content=json.dumps(body),
                            headers={"content-type": "application/json"})
        assert created.status_code == 200, created.text
        got = http.get(f"{DLC}/GetJobTemplate", params={"TemplateId": created.json()["TemplateId"]})
        listed = http.get(f"{DLC}/ListJobTemplates", params={"WorkspaceId": "86995"})
    assert got.status_code == 200 and listed.status_code == 200, (got.text, listed.text)
    assert json.loads(got.content)["Metadata"] == metadata
    assert json.loads(listed.content)["JobTemplates"][0]["Metadata"] == metadata


def test_a_typed_integer_beyond_64_bits_is_refused_by_its_declared_range(fakepai):
    body = {"TemplateName": "t", "WorkspaceId": "86995", "Content": TEMPLATE_CONTENT}
    with fakepai.http() as http:
        template = http.post(f"{DLC}/CreateJobTemplate", content=json.dumps(body),
                             headers={"content-type": "application/json"}).json()["TemplateId"]
        refused = http.put(f"/api/v1/jobtemplates/{template}/defaultversion", content=json.dumps({"Version": 2**64}),
                           headers={"content-type": "application/json"})
    assert refused.status_code == 400 and refused.json()["Code"] == "InvalidParameter", refused.text
    assert '"Version"' in refused.json()["Message"] and "maximum 9223372036854775807" in refused.json()["Message"]
