"""Cross-field rules declared in the schemas (`x-fakepai-rules`, `x-fakepai-jsonText`;
fakepai/rules.py, docs/limits.md "Declared cross-field rules"): the rule module itself, the OpenAPI
carrying every declaration, and each rule kind through the wire — a request that breaks it is 400
naming the fields and changes nothing, one that keeps it passes."""
from __future__ import annotations

import json

import pytest

from fakepai import rules
from fakepai.catalog import default_catalog
from tests.helpers import assert_error

DLC = "/api/pai-dlc/2020-12-03"
STUDIO = "/api/PaiStudio/2022-01-12"
WS = "86995"
IMAGE = "registry.cn-hangzhou.aliyuncs.com/pai-dlc/pytorch-training:1.12-gpu"
ROLE = {"PodCount": 1, "Image": IMAGE, "EcsSpec": "ecs.gn7i-c8g1.2xlarge"}
JOB = {"DisplayName": "rules", "JobType": "PyTorchJob", "UserCommand": "python train.py", "WorkspaceId": WS,
       "JobSpecs": [{"Type": "Worker", **ROLE}]}


# -- the rule module ----------------------------------------------------------------------------

WINDOW = [{"rule": "notAfter", "fields": ["StartTime", "EndTime"], "as": "date-time", "source": "[T]"}]
RANGE = [{"rule": "notAfter", "fields": ["Minimum", "Maximum"], "as": "number", "source": "[T]"},
         {"rule": "notAfter", "fields": ["MinLength", "MaxLength"], "as": "integer", "source": "[T]"}]
UNIQUE = [{"rule": "uniqueBy", "list": "Items", "key": "Name", "source": "[T]"}]
NEEDS = [{"rule": "requires", "field": "Min", "needs": "Field", "source": "[T]"}]
KEYS = [{"rule": "keys", "pattern": "[a-z]+(\\.[a-z]+)*", "values": ["on", "off"], "code": "Invalid.Map", "source": "[T]"}]


def test_not_after_compares_times_numbers_as_text_and_integers_when_both_are_given():
    assert rules.broken(WINDOW, {"StartTime": "2027-01-15T08:00:00.5Z", "EndTime": "2027-01-15T08:00:00Z"}) == [
        rules.Broken("InvalidParameter", ("StartTime",), "StartTime is later than EndTime (StartTime "
                     "'2027-01-15T08:00:00.5Z', EndTime '2027-01-15T08:00:00Z')")]
    assert rules.broken(WINDOW, {"StartTime": "2027-01-15T08:00:00+08:00", "EndTime": "2027-01-15T01:00:00Z"}) == []
    assert rules.broken(WINDOW, {"StartTime": "2027-01-15T08:00:00Z"}) == []            # one side: no comparison
    assert rules.broken(WINDOW, {"StartTime": "yesterday", "EndTime": "2000-01-01T00:00:00Z"}) == []  # its format's
    assert [b.path for b in rules.broken(RANGE, {"Minimum": "1e3", "Maximum": "999.5"})] == [("Minimum",)]
    assert rules.broken(RANGE, {"Minimum": "-1e999", "Maximum": "1e999", "MinLength": 2, "MaxLength": 2}) == []
    assert rules.broken(RANGE, {"Minimum": "", "Maximum": "-5"}) == []                  # empty: no bound
    assert "MinLength is greater than MaxLength" in rules.broken(RANGE, {"MinLength": 3, "MaxLength": 2})[0].why


def test_unique_by_names_the_second_item_and_requires_names_what_is_missing():
    items = {"Items": [{"Name": "a"}, {"Name": "b"}, {"Name": "a"}, {"Value": 1}, {"Name": ""}, {"Name": ""}]}
    (broken,) = rules.broken(UNIQUE, items)
    assert broken.code == "InvalidParameter" and broken.path == ("Items", 2, "Name") and "'a'" in broken.why
    assert rules.broken(UNIQUE, {"Items": [{"Name": 1}, {"Name": "1"}]}) == []         # a number is not its text
    assert rules.broken(NEEDS, {"Min": 0}) == [rules.Broken("MissingParameter", ("Field",), "Min needs Field")]
    assert rules.broken(NEEDS, {"Min": 0, "Field": "x"}) == [] and rules.broken(NEEDS, {"Field": "x"}) == []


def test_not_together_refuses_only_every_named_value_at_once():
    together = [{"rule": "notTogether", "values": {"All": True, "Own": False}, "source": "[T]"}]
    (broken,) = rules.broken(together, {"All": True, "Own": False})
    assert broken.path == ("All",) and broken.why == "All true and Own false do not go together"
    for fine in ({"All": True}, {"All": True, "Own": True}, {"All": False, "Own": False}, {"All": 1, "Own": 0}):
        assert rules.broken(together, fine) == [], fine
    assert rules.satisfy({rules.RULES: together}, {"All": True, "Own": False}, dict) == {"Own": False}
    assert rules.satisfy({rules.RULES: together}, {"All": "true", "Own": "False"}, dict) == {"Own": "False"}  # query text


def test_keys_match_whole_and_take_listed_values_with_the_declared_code():
    assert rules.broken(KEYS, {"a.b": "on", "c": "off"}) == []
    for bad in ({"a.b\n": "on"}, {"A": "on"}, {"": "on"}, {"a": "ON"}):
        (broken,) = rules.broken(KEYS, bad)
        assert broken.code == "Invalid.Map" and broken.path == (), bad
    assert rules.satisfy({rules.RULES: KEYS}, {"a": "on", "B": "on", "c": "maybe"}, dict) == {"a": "on"}


def test_satisfy_changes_a_drawn_value_as_little_as_the_rules_need_through_refs_items_and_json_text():
    defs = {"#/range": {"type": "object", rules.RULES: RANGE},
            "#/item": {"type": "object", "properties": {"Range": {"$ref": "#/range"}}}}
    schema = {"type": "object", rules.RULES: UNIQUE + NEEDS + WINDOW, "properties": {
        "Items": {"type": "array", "items": {"$ref": "#/item"}},
        "Text": {"type": "string", rules.JSON_TEXT: {"schema": {"type": "object", rules.RULES: NEEDS}}}}}
    drawn = {"Min": 1, "StartTime": "2027-01-02T00:00:00Z", "EndTime": "2027-01-01T00:00:00Z", "Text": "?",
             "Items": [{"Name": "a", "Range": {"Minimum": "9", "Maximum": "1"}}, {"Name": "a"}]}
    fixed = rules.satisfy(schema, drawn, defs.__getitem__, lambda declared, old: {"Min": 2})
    assert fixed == {"StartTime": "2027-01-01T00:00:00Z", "EndTime": "2027-01-02T00:00:00Z", "Text": "{}",
                     "Items": [{"Name": "a", "Range": {"Minimum": "1", "Maximum": "9"}}]}
    assert rules.broken(UNIQUE + NEEDS + WINDOW, fixed) == []
    assert rules.satisfy(schema, drawn, defs.__getitem__)["Text"] == "?"     # no JSON text asked for: as drawn


SAME = [{"rule": "sameAs", "fields": ["SourceId", "JobId"], "source": "[T]"}]
COVERS = [{"rule": "covers", "list": "Values", "key": "Name", "value": "Value", "of": "Spec.Definitions",
           "when": "Required", "unless": "DefaultValue", "source": "[T]"}]


def test_same_as_refuses_two_given_values_that_differ_and_satisfy_makes_them_one():
    (broken,) = rules.broken(SAME, {"SourceId": "a", "JobId": "b"})
    assert broken == rules.Broken("InvalidParameter", ("SourceId",),
                                  "SourceId 'a' is not JobId 'b': given both, they must be the same")
    for fine in ({"SourceId": "a", "JobId": "a"}, {"SourceId": "a"}, {"SourceId": "a", "JobId": ""}):
        assert rules.broken(SAME, fine) == []
    assert rules.satisfy({rules.RULES: SAME}, {"SourceId": "a", "JobId": "b"}, {}.get) == {"SourceId": "b", "JobId": "b"}


def test_covers_needs_a_value_for_each_required_definition_without_a_default():
    spec = {"Definitions": [{"Name": "a", "Required": True}, {"Name": "b", "Required": True, "DefaultValue": "1"},
                            {"Name": "c"}, {"Name": "d", "Required": True}]}
    (broken,) = rules.broken(COVERS, {"Spec": spec, "Values": [{"Name": "a", "Value": "1"}]})
    assert broken.code == "MissingParameter" and broken.path == ("Values", "d")
    assert rules.broken(COVERS, {"Spec": spec, "Values": [{"Name": "a", "Value": "1"}, {"Name": "d", "Value": "x"}]}) == []
    # the last value of a name counts (the handler's reading), and an empty one is none
    assert rules.broken(COVERS, {"Spec": spec, "Values": [{"Name": "a", "Value": "1"}, {"Name": "d", "Value": "x"},
                                                          {"Name": "a", "Value": ""}]})[0].path == ("Values", "a")
    assert rules.broken(COVERS, {"Values": []}) == [] and rules.broken(COVERS, {"Spec": {"Definitions": "x"}}) == []
    fixed = rules.satisfy({rules.RULES: COVERS}, {"Spec": spec, "Values": [{"Name": "a", "Value": "1"}]}, {}.get)
    assert [d.get("Required") for d in fixed["Spec"]["Definitions"]] == [True, True, None, False]
    assert rules.broken(COVERS, fixed) == []


WITHIN = [{"rule": "withinRange", "value": "DefaultValue", "source": "[T]"}]
FITS = [{"rule": "fitsDefinitions", "list": "Values", "key": "Name", "value": "Value", "of": "Spec.Definitions",
         "source": "[T]"}]


@pytest.mark.parametrize("definition, why", [
    ({"Type": "Int", "DefaultValue": "7", "Range": {"Maximum": "5"}}, "'7' is above the maximum 5 (Range.Maximum)"),
    ({"Type": "Float", "DefaultValue": "0", "Range": {"Minimum": "0", "ExclusiveMinimum": True}},
     "'0' is below the minimum 0 (Range.Minimum with ExclusiveMinimum)"),
    ({"Type": "String", "DefaultValue": "abc", "Range": {"MaxLength": 2}}, "longer than 2 characters (Range.MaxLength)"),
    ({"Type": "String", "DefaultValue": "b", "Range": {"Enum": ["a"]}}, "'b' is not one of a (Range.Enum)"),
    ({"Type": "String", "DefaultValue": "x1", "Range": {"Pattern": "[a-z]"}}, "does not match the pattern '[a-z]'"),
])
def test_within_range_refuses_a_default_outside_its_own_range_and_satisfy_drops_it(definition, why):
    (broken,) = rules.broken(WITHIN, definition)
    assert broken.code == "InvalidParameter" and broken.path == ("DefaultValue",) and why in broken.why
    fixed = rules.satisfy({rules.RULES: WITHIN}, definition, {}.get)
    assert "DefaultValue" not in fixed and rules.broken(WITHIN, fixed) == []


def test_within_range_leaves_malformed_ranges_and_absent_defaults_to_their_own_schema():
    for fine in ({"Type": "Int", "DefaultValue": "3", "Range": {"Minimum": "1", "Maximum": "5"}},
                 {"Type": "Int", "DefaultValue": "", "Range": {"Maximum": "0"}},
                 {"Type": "Int", "Range": {"Maximum": "0"}},
                 {"Type": "Int", "DefaultValue": "3", "Range": {"Minimum": "x", "MaxLength": "y", "Pattern": "("}},
                 {"Type": "Int", "DefaultValue": "3", "Range": "not an object"}):
        assert rules.broken(WITHIN, fine) == []


def test_fits_definitions_reads_the_last_value_of_a_name_against_its_definition():
    spec = {"Definitions": [{"Name": "lr", "Type": "Float", "Range": {"Maximum": "1"}}, {"Name": "n", "Type": "Int"}]}
    (broken,) = rules.broken(FITS, {"Spec": spec, "Values": [{"Name": "lr", "Value": "0.1"}, {"Name": "n", "Value": "x"}]})
    assert broken == rules.Broken("InvalidParameter", ("Values", "n"), "'x' is not a valid Int (Type)")
    assert rules.broken(FITS, {"Spec": spec, "Values": [{"Name": "lr", "Value": "9"}, {"Name": "lr", "Value": "0.5"},
                                                        {"Name": "other", "Value": "anything"}, {"Name": "n", "Value": ""}]}) == []
    drawn = {"Spec": spec, "Values": [{"Name": "lr", "Value": "2"}, {"Name": "n", "Value": "4"}]}
    fixed = rules.satisfy({rules.RULES: FITS}, drawn, {}.get)
    assert fixed["Values"] == [{"Name": "n", "Value": "4"}] and rules.broken(FITS, fixed) == []


def test_an_outcome_the_declaration_refuses_is_broken_and_satisfy_makes_it_the_default():
    declared = {"restartable": False, "phases": ["Queuing", "Running"]}
    assert rules.outcome_broken(declared, "fail:Running@12") is None
    assert rules.outcome_broken(declared, "succeed+restarts=1").startswith("restarts: only DLC jobs restart")
    assert "phase 'Nowhere' is not one this resource goes through; known: Queuing, Running" in \
        rules.outcome_broken(declared, "fail:Nowhere")
    schema = {"type": "object", "properties": {
        "Tag": {"type": "string", rules.OUTCOME: declared},
        "Labels": {"type": "array", "items": {"type": "object"}, rules.OUTCOME: declared}}}
    drawn = {"Tag": "0", "Labels": [{"Key": "a", "Value": "1"}, {"Key": "fakepai.outcome", "Value": "?"}]}
    assert rules.satisfy(schema, drawn, {}.get) == {"Tag": "succeed", "Labels": [{"Key": "a", "Value": "1"}]}
    kept = {"Tag": "hang:Queuing", "Labels": [{"Key": "fakepai.outcome", "Value": "fail"}]}
    assert rules.satisfy(schema, kept, {}.get) == kept


def test_satisfy_drops_the_keys_a_maps_property_names_refuse():
    # OpenAPI 3.0 has no propertyNames: the document publishes it as x-fakepai-propertyNames, which
    # Schemathesis does not know, so the test's positive cases are made to keep it here.
    for keyword in ("propertyNames", rules.PROPERTY_NAMES):
        schema = {"type": "object", keyword: {"maxLength": 3}, "additionalProperties": {"type": "string"}}
        assert rules.satisfy(schema, {"abc": "1", "abcd": "2", "": "3"}, {}.get) == {"abc": "1", "": "3"}


@pytest.mark.parametrize("declaration", [
    {"rule": "notAfter", "fields": ["A"], "source": "[T]"}, {"rule": "uniqueBy", "list": "L", "source": "[T]"},
    {"rule": "requires", "field": "A", "needs": "B"}, {"rule": "sameAs", "fields": ["A"], "source": "[T]"},
    {"rule": "equals", "fields": ["A", "B"], "source": "[T]"}, {"rule": "covers", "list": "L", "source": "[T]"},
    {"rule": "notAfter", "fields": ["A", "B"], "as": "colour", "source": "[T]"}])
def test_a_declaration_the_binder_cannot_enforce_is_refused(declaration):
    with pytest.raises(ValueError):
        rules.check_declaration(declaration)


def _declarations(node, found: list) -> list:
    if isinstance(node, dict):
        found.extend(node.get(rules.RULES, []))
        for key, value in node.items():
            if key != rules.RULES:
                _declarations(value, found)
    elif isinstance(node, list):
        for value in node:
            _declarations(value, found)
    return found


def test_every_declared_rule_is_enforceable_and_carried_into_the_openapi(fakepai):
    declared = _declarations(default_catalog().documents, [])
    for rule in declared:
        rules.check_declaration(rule)
    with fakepai.http() as http:
        document = http.get("/_fakepai/openapi.json").json()
    published = _declarations(document, [])
    key = lambda rule: json.dumps(rule, sort_keys=True)                     # noqa: E731
    assert {key(r) for r in published} == {key(r) for r in declared}
    assert {r["rule"] for r in published} == set(rules.KINDS)
    paths = document["paths"]
    assert {"rule": "requires", "field": "NumericRangeMin", "needs": "NumericRangeField"}.items() <= \
        paths["/api/v1/jobs"]["get"][rules.RULES][0].items()
    assert paths["/api/v1/jobs"]["post"][rules.RULES][0]["rule"] == "uniqueBy"
    assert paths["/api/v1/jobs/{JobId}/events"]["get"][rules.RULES][0]["fields"] == ["StartTime", "EndTime"]
    content = paths["/api/v1/jobtemplates"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["Content"]
    assert content[rules.JSON_TEXT] == {"code": "InvalidParameter.Content",
                                        "schema": {"$ref": "#/components/schemas/pai-dlc.JobTemplateContent.request"}}
    inner = document["components"]["schemas"]["pai-dlc.JobTemplateContent.request"]
    assert inner["required"] == ["JobType", "JobSpecs"] and inner[rules.RULES][0]["list"] == "JobSpecs"
    assert [r["fields"] for r in document["components"]["schemas"]["PaiStudio.HyperParameterRange.request"][rules.RULES]] \
        == [["Minimum", "Maximum"], ["MinLength", "MaxLength"]]


# -- through the wire -----------------------------------------------------------------------------

def _count(http, path: str, params: dict, field: str = "TotalCount") -> int:
    body = http.get(path, params=params).json()
    return int(body[field])


def _algorithm_spec(**hyper) -> dict:
    return {"Command": ["python", "train.py"], "Image": IMAGE, "JobType": "PyTorchJob",
            "HyperParameters": [{"Name": "lr", "Type": "Float", **hyper}],
            "MetricDefinitions": [{"Name": "loss", "Regex": r"loss=([0-9.]+)"}]}


def _training_job(spec: dict) -> dict:
    return {"TrainingJobName": "rules", "WorkspaceId": WS, "AlgorithmSpec": spec,
            "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": 1}}


def test_not_after_through_the_wire_a_reversed_range_is_refused_naming_it_and_nothing_is_made(gw, fakepai):
    jobs = (f"{STUDIO}/ListTrainingJobs", {"WorkspaceId": WS})
    for hyper, named in (({"Range": {"Minimum": "5", "Maximum": "1.5"}}, "Range.Minimum"),
                         ({"Type": "String", "Range": {"MinLength": 5, "MaxLength": 2}}, "Range.MinLength")):
        body = assert_error(gw.post(f"{STUDIO}/CreateTrainingJob", json=_training_job(_algorithm_spec(**hyper))),
                            400, "InvalidParameter")
        assert f'"AlgorithmSpec.HyperParameters[0].{named}"' in body["Message"] and "greater than" in body["Message"]
    assert _count(gw, *jobs) == 0
    kept = gw.post(f"{STUDIO}/CreateTrainingJob", json=_training_job(_algorithm_spec(Range={"Minimum": "1.5", "Maximum": "5"})))
    assert kept.status_code == 200, kept.text
    assert _count(gw, *jobs) == 1


def test_unique_by_through_the_wire_names_the_repeated_item(gw, fakepai):
    jobs = (f"{DLC}/ListJobs", {"WorkspaceId": WS})
    twice = {**JOB, "JobSpecs": [{"Type": "Worker", **ROLE}, {"Type": "Worker", **ROLE}]}
    body = assert_error(gw.post(f"{DLC}/CreateJob", json=twice), 400, "InvalidParameter")
    assert '"JobSpecs[1].Type"' in body["Message"] and "'Worker'" in body["Message"]
    spec = _algorithm_spec()
    for name in ("HyperParameters", "MetricDefinitions"):
        doubled = {**spec, name: spec[name] * 2}
        body = assert_error(gw.post(f"{STUDIO}/CreateTrainingJob", json=_training_job(doubled)), 400, "InvalidParameter")
        assert f'"AlgorithmSpec.{name}[1].Name"' in body["Message"] and "duplicate Name" in body["Message"]
    assert _count(gw, *jobs) == 0 and _count(gw, f"{STUDIO}/ListTrainingJobs", {"WorkspaceId": WS}) == 0
    both = {**JOB, "JobSpecs": [{"Type": "Worker", **ROLE}, {"Type": "Master", **ROLE}]}
    assert gw.post(f"{DLC}/CreateJob", json=both).status_code == 200
    assert _count(gw, *jobs) == 1


def test_requires_through_the_wire_is_missing_parameter_naming_both_fields(gw, fakepai):
    body = assert_error(gw.get(f"{DLC}/ListJobs", params={"NumericRangeMax": "4"}), 400, "MissingParameter")
    assert '"NumericRangeField"' in body["Message"] and "NumericRangeMax needs NumericRangeField" in body["Message"]
    ok = gw.get(f"{DLC}/ListJobs", params={"NumericRangeMax": "4", "NumericRangeField": "RequestGPU"})
    assert ok.status_code == 200, ok.text


def test_not_together_through_the_wire_names_the_first_field(gw, fakepai):
    body = assert_error(gw.get(f"{DLC}/ListJobs", params={"FromAllWorkspaces": "true", "ShowOwn": "false"}),
                        400, "InvalidParameter")
    assert '"FromAllWorkspaces"' in body["Message"] and "ShowOwn false do not go together" in body["Message"]
    for fine in ({"FromAllWorkspaces": "true"}, {"FromAllWorkspaces": "false", "ShowOwn": "false"}):
        assert gw.get(f"{DLC}/ListJobs", params=fine).status_code == 200, fine


def test_keys_through_the_wire_refuse_a_constraint_that_is_no_field_path_or_rule(gw, fakepai):
    templates = (f"{DLC}/ListJobTemplates", {"WorkspaceId": WS})
    good = {"TemplateName": "rules", "WorkspaceId": WS, "Content": json.dumps(JOB)}
    for constraints, says in (({"JobSpecs[x].Image": "locked"}, "is not a key of the form"),
                              ({"UserCommand": "LOCKED"}, "must be one of locked, overridable, required")):
        body = assert_error(gw.post(f"{DLC}/CreateJobTemplate", json={**good, "Constraints": constraints}), 400,
                            "InvalidParameter.Constraints")
        assert '"Constraints"' in body["Message"] and says in body["Message"], body["Message"]
    assert _count(gw, *templates) == 0
    made = gw.post(f"{DLC}/CreateJobTemplate", json={**good, "Constraints": {"$.JobSpecs[0].Image": "locked"}})
    assert made.status_code == 200, made.text
    assert _count(gw, *templates) == 1


def test_json_text_through_the_wire_is_parsed_and_checked_against_the_declared_document(gw, fakepai):
    templates = (f"{DLC}/ListJobTemplates", {"WorkspaceId": WS})
    good = {"TemplateName": "rules", "WorkspaceId": WS}
    for text, says in (("{not json", "expected JSON text"), ("[]", "expected object"),
                       (json.dumps({"JobType": "PyTorchJob"}), "JobSpecs is missing"),
                       (json.dumps({**JOB, "JobSpecs": [{"Type": "Worker"}, {"Type": "Worker"}]}), "JobSpecs[1].Type: duplicate")):
        body = assert_error(gw.post(f"{DLC}/CreateJobTemplate", json={**good, "Content": text}), 400, "InvalidParameter.Content")
        assert '"Content"' in body["Message"] and says in body["Message"], body["Message"]
    assert _count(gw, *templates) == 0
    assert gw.post(f"{DLC}/CreateJobTemplate", json={**good, "Content": json.dumps(JOB)}).status_code == 200
    assert _count(gw, *templates) == 1
    tensorboards = (f"{DLC}/ListTensorboards", {"WorkspaceId": WS})
    board = {"DisplayName": "tb", "WorkspaceId": WS, "Uri": "oss://bucket/logs/", "DataSourceType": "OSS"}
    body = assert_error(gw.post(f"{DLC}/CreateTensorboard", json={**board, "Options": "[1, 2]"}), 400, "InvalidParameter")
    assert '"Options"' in body["Message"] and "expected object" in body["Message"]
    assert _count(gw, *tensorboards) == 0
    for options in ("", json.dumps({"MountPath": "/mnt/data"})):
        made = gw.post(f"{DLC}/CreateTensorboard", json={**board, "Options": options})
        assert made.status_code == 200, made.text
    assert _count(gw, *tensorboards) == 2


def test_the_contract_kit_builds_requests_that_keep_the_declared_rules():
    """contract_tests/values.py: the smallest valid request of every operation, JSON text included,
    breaks no declared rule (the binder's own check, over the same rules.satisfy the test above uses)."""
    from contract_tests.values import minimal_params

    checked = 0
    for op in default_catalog().operations.values():
        params = {**minimal_params(op), **{name: "x" for name in op.path_params}}
        broken = [e for e in op.request_validator.iter_errors(params) if e.validator in (rules.RULES, rules.JSON_TEXT)]
        assert broken == [], (op.action, [e.message for e in broken])
        checked += any(rules.JSON_TEXT in op.params.get(name, {}) for name in params)
    assert checked == 1                                  # CreateJobTemplate's required Content


@pytest.fixture
def binder_refusals(monkeypatch) -> list[str]:
    """What the binder refused (before any handler ran), request by request: a declared rule is the
    binder's, not a handler's."""
    from fakepai.errors import PaiError
    from fakepai.wire import pipeline

    refused: list[str] = []
    bind = pipeline.bind

    def watched_bind(*args, **kwargs):
        try:
            return bind(*args, **kwargs)
        except PaiError as e:
            refused.append(f"{e.code}: {e.message}")
            raise

    monkeypatch.setattr(pipeline, "bind", watched_bind)
    return refused


def test_same_as_through_the_wire_the_binder_refuses_a_source_id_naming_another_job(gw, fakepai, binder_refusals):
    job = gw.post(f"{DLC}/CreateJob", json=JOB).json()["JobId"]
    board = {"DisplayName": "tb", "WorkspaceId": WS, "SourceType": "job"}
    body = assert_error(gw.post(f"{DLC}/CreateTensorboard", json={**board, "JobId": job, "SourceId": "dlcother"}),
                        400, "InvalidParameter")
    assert '"SourceId"' in body["Message"] and f"is not JobId {job!r}" in body["Message"], body["Message"]
    assert len(binder_refusals) == 1 and "SourceId" in binder_refusals[0]
    assert _count(gw, f"{DLC}/ListTensorboards", {"WorkspaceId": WS}) == 0
    made = gw.post(f"{DLC}/CreateTensorboard", json={**board, "JobId": job, "SourceId": job})
    assert made.status_code == 200, made.text


def test_covers_through_the_wire_a_required_hyper_parameter_needs_the_jobs_value(gw, fakepai, binder_refusals):
    spec = _algorithm_spec(Required=True)
    body = assert_error(gw.post(f"{STUDIO}/CreateTrainingJob", json=_training_job(spec)), 400, "MissingParameter")
    assert '"HyperParameters.lr"' in body["Message"], body["Message"]
    assert len(binder_refusals) == 1 and "HyperParameters.lr" in binder_refusals[0]
    assert _count(gw, f"{STUDIO}/ListTrainingJobs", {"WorkspaceId": WS}) == 0
    for fine in ({**_training_job(spec), "HyperParameters": [{"Name": "lr", "Value": "0.1"}]},
                 _training_job(_algorithm_spec(Required=True, DefaultValue="0.1"))):
        made = gw.post(f"{STUDIO}/CreateTrainingJob", json=fine)
        assert made.status_code == 200, made.text


@pytest.mark.parametrize("change, field, says", [
    ({"MetricDefinitions": [{"Name": "loss", "Regex": "loss=([0-9.]+"}]}, "AlgorithmSpec.MetricDefinitions[0].Regex",
     "not a valid regular expression: missing ), unterminated subpattern"),
    ({"HyperParameters": [{"Name": "lr", "Type": "String", "Range": {"Pattern": "[a-"}}]},
     "AlgorithmSpec.HyperParameters[0].Range.Pattern", "not a valid regular expression: unterminated character set"),
    ({"ProgressDefinitions": {"RemainingTime": {"Regex": "(?P<x"}}}, "AlgorithmSpec.ProgressDefinitions.RemainingTime.Regex",
     "not a valid regular expression"),
    ({"HyperParameters": [{"Name": "lr", "Type": "Int", "Range": {"Enum": ["1", " 2 ", "3.0"]}}]},
     "AlgorithmSpec.HyperParameters[0].Range.Enum[2]", "'3.0' is not a valid Int"),
    ({"HyperParameters": [{"Name": "lr", "Type": "Float", "Range": {"Enum": ["1e-3", "fast"]}}]},
     "AlgorithmSpec.HyperParameters[0].Range.Enum[1]", "'fast' is not a valid Float"),
])
def test_regexes_and_enum_items_are_the_schemas_the_binder_refuses_them(gw, fakepai, binder_refusals, change, field, says):
    body = assert_error(gw.post(f"{STUDIO}/CreateTrainingJob", json=_training_job({**_algorithm_spec(), **change})),
                        400, "InvalidParameter")
    assert f'"{field}"' in body["Message"] and says in body["Message"], body["Message"]
    assert len(binder_refusals) == 1
    assert _count(gw, f"{STUDIO}/ListTrainingJobs", {"WorkspaceId": WS}) == 0


def test_the_openapi_declares_regexes_and_enum_items_per_type(fakepai):
    with fakepai.http() as http:
        schemas = http.get("/_fakepai/openapi.json").json()["components"]["schemas"]
    assert schemas["PaiStudio.MetricDefinition.request"]["properties"]["Regex"]["format"] == "regex"
    assert schemas["PaiStudio.HyperParameterRange.request"]["properties"]["Pattern"]["format"] == "regex"
    enum_rules = {tuple(r["not"]["properties"]["Type"]["enum"]): r["not"]["properties"]["Range"]
                  for r in schemas["PaiStudio.HyperParameterDefinition.request"]["allOf"] if "Range" in r["not"]["properties"]}
    assert set(enum_rules) == {("Int", "Integer"), ("Float",)}


def test_a_json_null_is_refused_naming_the_parameter_not_taken_for_absent(gw, fakepai):
    # Tea models and the Go SDK leave unset fields out: null is no client's "absent" (docs/limits.md).
    for url, body, field in ((f"{STUDIO}/CreateTrainingJob", {**_training_job(_algorithm_spec()), "TrainingJobDescription": None},
                              "TrainingJobDescription"),
                             (f"{DLC}/CreateJob", {**JOB, "Priority": None}, "Priority"),
                             (f"{DLC}/CreateJob", {**JOB, "DisplayName": None}, "DisplayName"),
                             ("/api/v2/campaigns", {"Name": "c", "Remark": None}, "Remark")):   # Schemathesis' case
        refused = assert_error(gw.post(url, json=body), 400, "InvalidParameter")
        assert f'"{field}"' in refused["Message"] and "got null" in refused["Message"], refused["Message"]
    assert _count(gw, f"{STUDIO}/ListTrainingJobs", {"WorkspaceId": WS}) == 0
    assert _count(gw, f"{DLC}/ListJobs", {"WorkspaceId": WS}) == 0
