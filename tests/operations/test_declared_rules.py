"""Rules across fields that the schemas declare (issue #11; docs/limits.md "Rules the handlers
enforce, declared in the schemas"): a request that breaks one is refused by the binder with a 400
naming the field, one that keeps it passes, and the published OpenAPI carries the declaration.
Through the wire: the gateway paths of the official SDKs, JSON bodies."""
from __future__ import annotations

import json

import pytest

from tests.helpers import assert_error

DLC = "/api/pai-dlc/2020-12-03"
STUDIO = "/api/PaiStudio/2022-01-12"
OSS = "oss://bucket/runs/"
ROLE = {"PodCount": 1, "Image": "pytorch:2.1", "EcsSpec": "ecs.g6.xlarge"}
JOB = {"DisplayName": "declared", "JobType": "PyTorchJob", "UserCommand": "python train.py",
       "JobSpecs": [{"Type": "Worker", **ROLE}]}


def _post(http, url: str, body: dict):
    return http.post(url, content=json.dumps(body), headers={"content-type": "application/json"})


def _refused(response, code: str, field: str, *fragments: str) -> str:
    assert_error(response, 400, code)
    message = response.json()["Message"]
    assert f'"{field}"' in message and all(f in message for f in fragments), message
    return message


def _body_schema(fakepai, path: str) -> dict:
    with fakepai.http() as http:
        document = http.get("/_fakepai/openapi.json").json()
    return document, document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


# -- DLC CreateJob: a role is one of its JobType's -----------------------------------------------

@pytest.mark.parametrize("job_type, role, roles", [
    ("PyTorchJob", "Chief", "Worker, Master"),
    ("TFJob", "Master", "Chief, PS, Worker, Evaluator, GraphLearn"),
    ("RayJob", "Worker-", "Head, Worker and Worker-<group>"),
])
def test_a_role_outside_its_job_type_is_refused_naming_the_role_and_the_roles(fakepai, job_type, role, roles):
    body = {**JOB, "JobType": job_type, "JobSpecs": [{"Type": "Worker", **ROLE}, {"Type": role, **ROLE}]}
    with fakepai.http() as http:
        _refused(_post(http, f"{DLC}/CreateJob", body), "InvalidParameter", "JobSpecs[1].Type",
                 f"{role!r} is not a role of {job_type} (roles: {roles})")


def test_roles_of_the_job_type_pass(fakepai):
    with fakepai.http() as http:
        for job_type, roles in (("PyTorchJob", ["Master", "Worker"]), ("RayJob", ["Head", "Worker-gpu"]),
                                ("TFJob", ["Chief", "PS", "Worker"])):
            created = _post(http, f"{DLC}/CreateJob", {**JOB, "JobType": job_type,
                                                        "JobSpecs": [{"Type": r, **ROLE} for r in roles]})
            assert created.status_code == 200, created.text


def test_the_openapi_declares_one_branch_per_job_type(fakepai):
    _, schema = _body_schema(fakepai, "/api/v1/jobs")
    branches = [rule["anyOf"] for rule in schema["allOf"] if "anyOf" in rule][0]
    pytorch = next(b for b in branches if b.get("properties", {}).get("JobType") == {"enum": ["PyTorchJob"]})
    assert pytorch["required"] == ["JobType"]
    assert pytorch["properties"]["JobSpecs"]["items"]["properties"]["Type"] == {"enum": ["Worker", "Master"]}
    assert "is not a role of PyTorchJob" in pytorch["x-fakepai-rule"]


# -- DLC CreateJob from a template: the merged body goes through the same schema ------------------

def _template(http, content: dict) -> str:
    created = _post(http, f"{DLC}/CreateJobTemplate", {"TemplateName": "t", "WorkspaceId": "86995",
                                                        "Content": json.dumps(content)})
    assert created.status_code == 200, created.text
    return created.json()["TemplateId"]


@pytest.mark.parametrize("change, code, field", [
    ({"JobSpecs": [{"Type": "Chief", **ROLE}]}, "InvalidParameter", "JobSpecs[0].Type"),
    ({"JobSpecs": [{"Type": "Worker", **ROLE, "EcsSpec": "ecs.gn6i-c4g1.xlarge"}], "Settings": {"Driver": "1.0"}},
     "InvalidParameter", "Settings.Driver"),
    ({"JobSpecs": [{"Type": "Worker", **ROLE, "ResourceConfig": {"CPU": "4"}}]}, "InvalidParameter",
     "JobSpecs[0].EcsSpec"),
    ({"UserCommand": None}, "MissingParameter", "UserCommand"),
])
def test_a_template_merged_body_is_refused_as_the_same_direct_body(fakepai, change, code, field):
    content = {k: v for k, v in {**JOB, **change}.items() if v is not None}
    with fakepai.http() as http:
        direct = _refused(_post(http, f"{DLC}/CreateJob", content), code, field)
        template = _template(http, content)
        merged = _refused(_post(http, f"{DLC}/CreateJob", {"TemplateId": template}), code, field)
        assert http.get(f"{DLC}/ListJobs").json()["TotalCount"] == 0
    assert merged == direct


def test_a_template_merged_body_the_schema_accepts_creates_the_job(fakepai):
    with fakepai.http() as http:
        template = _template(http, {**JOB, "JobSpecs": [{"Type": "Worker", **ROLE, "EcsSpec": "ecs.gn6i-c4g1.xlarge"}],
                                    "Settings": {"Driver": "535.161.08"}})
        created = _post(http, f"{DLC}/CreateJob", {"TemplateId": template, "DisplayName": "from-template"})
        assert created.status_code == 200, created.text


@pytest.mark.parametrize("change, field, why", [
    ({"UserVpc": {"DefaultRoute": "eth2"}}, "UserVpc.DefaultRoute", "'eth2' is not one of eth0, eth1"),
    ({"DataSources": [{"DataSourceId": "d-1", "MountAccess": "RX"}]}, "DataSources[0].MountAccess",
     "'RX' is not one of RO, RW"),
    ({"Settings": {"Driver": "1.0"}, "JobSpecs": [{"Type": "Worker", **ROLE, "EcsSpec": "ecs.gn6i-c4g1.xlarge"}]},
     "Settings.Driver", "'1.0' is not supported on the job's GPU instance types"),
])
def test_default_route_mount_access_and_driver_are_the_schemas(fakepai, change, field, why):
    with fakepai.http() as http:
        _refused(_post(http, f"{DLC}/CreateJob", {**JOB, **change}), "InvalidParameter", field, why)
        fine = {"UserVpc": {"DefaultRoute": "eth1"}, "DataSources": [{"DataSourceId": "d-1", "MountAccess": "RO"}],
                "Settings": {"Driver": "470.82.01"}}
        assert _post(http, f"{DLC}/CreateJob", {**JOB, **fine}).status_code == 200
        # A CPU instance type takes any driver.
        assert _post(http, f"{DLC}/CreateJob", {**JOB, "Settings": {"Driver": "1.0"}}).status_code == 200
    document, schema = _body_schema(fakepai, "/api/v1/jobs")
    assert schema["properties"]["UserVpc"]["properties"]["DefaultRoute"]["enum"] == ["eth0", "eth1", ""]
    assert schema["properties"]["DataSources"]["items"]["properties"]["MountAccess"]["enum"] == ["RO", "RW", ""]
    assert any("is not supported on the job's GPU" in rule.get("x-fakepai-rule", "") for rule in schema["allOf"])


# -- DLC CreateTensorboard: source combinations, a URI's scheme and DataSourceType ----------------

@pytest.mark.parametrize("body, code, field, fragment", [
    ({"JobId": "dlc1k7426goc7bvy", "Uri": OSS}, "InvalidParameter", "Uri", "not both"),
    ({"SourceId": "dlc1k7426goc7bvy", "DataSources": [{"DataSourceId": "d-1"}]}, "InvalidParameter", "DataSources",
     "not both"),
    ({"SourceType": "job", "SourceId": "dlc1k7426goc7bvy", "DataSourceId": "d-1"}, "InvalidParameter",
     "DataSourceId", "not both"),
    ({"SourceType": "trainingjob", "SourceId": "train1"}, "MissingParameter",
     "Uri or DataSources or TensorboardDataSources or DataSourceId", ""),
    ({"SourceType": "TrainingJob", "Uri": OSS}, "MissingParameter", "SourceId", ""),
    ({"SourceType": "TRAININGJOB", "SourceId": "train1", "Uri": OSS, "JobId": "dlc1k7426goc7bvy"}, "InvalidParameter",
     "JobId", "reads Uri or data sources"),
    ({"Uri": OSS, "DataSourceType": "NAS"}, "InvalidParameter", "Uri",
     f"{OSS!r} does not match DataSourceType 'NAS'"),
    ({"Uri": "NAS://fs/runs", "DataSourceType": "oss"}, "InvalidParameter", "Uri", "does not match DataSourceType 'oss'"),
    ({"DataSources": [{"Path": OSS, "DataSourceType": "nas"}]}, "InvalidParameter", "DataSources[0].Path",
     "does not match DataSourceType 'nas'"),
    ({"TensorboardDataSources": [{"Uri": OSS, "DataSourceType": "OSSX"}]}, "InvalidParameter",
     "TensorboardDataSources[0].Uri", "does not match DataSourceType 'OSSX'"),
])
def test_tensorboard_source_rules_are_refused_naming_the_field(fakepai, body, code, field, fragment):
    with fakepai.http() as http:
        _refused(_post(http, f"{DLC}/CreateTensorboard", body), code, field, fragment)
        assert http.get(f"{DLC}/ListTensorboards", params={"ShowOwn": "false"}).json()["TotalCount"] == 0


def test_tensorboard_sources_the_rules_allow_pass(fakepai):
    with fakepai.http() as http:
        for body in ({"Uri": OSS, "DataSourceType": "oSs"}, {"Uri": "nas://fs/runs", "DataSourceType": ""},
                     {"SourceType": "TrainingJob", "SourceId": "train1", "Uri": OSS},
                     {"DataSources": [{"Path": "NAS://fs/x", "DataSourceType": "NAS"}]},
                     {"TensorboardDataSources": [{"Uri": OSS, "DataSourceType": "OSS"}]}):
            created = _post(http, f"{DLC}/CreateTensorboard", body)
            assert created.status_code == 200, (body, created.text)


def test_the_openapi_declares_the_tensorboard_rules(fakepai):
    document, schema = _body_schema(fakepai, "/api/v1/tensorboards")
    rules = " | ".join(rule.get("x-fakepai-rule", "") for rule in schema["allOf"])
    assert "not both" in rules and "reads Uri or data sources" in rules and "does not match DataSourceType" in rules
    assert {"anyOf": [{"not": {"required": ["SourceType"], "properties": {"SourceType": {
        "type": "string", "pattern": "^([Tt][Rr][Aa][Ii][Nn][Ii][Nn][Gg][Jj][Oo][Bb])", "maxLength": 11}}}},
        {"required": ["SourceId"]}]} in schema["allOf"]
    spec = document["components"]["schemas"]["pai-dlc.TensorboardDataSourceSpec.request"]
    assert any("does not match DataSourceType" in rule.get("x-fakepai-rule", "") for rule in spec["allOf"])


# -- PaiStudio: a hyper-parameter's DefaultValue reads as its Type -------------------------------

def _training_job(definitions: list[dict]) -> dict:
    return {"TrainingJobName": "hp", "WorkspaceId": "86995",
            "AlgorithmSpec": {"Command": ["python", "train.py"], "Image": "pytorch:2.1", "JobType": "PyTorchJob",
                              "HyperParameters": definitions},
            "ComputeResource": {"EcsCount": 1, "EcsSpec": "ecs.g6.xlarge"}}


@pytest.mark.parametrize("kind, value, why", [
    ("Int", "1.5", "'1.5' is not a valid Int (Type)"),
    ("Integer", "12345678901234567890", "is not a valid Integer (Type)"),      # 20 digits: narrowed
    ("Int", "1_000", "is not a valid Int (Type)"),                             # Python's int() reads it: narrowed
    ("Float", "abc", "'abc' is not a valid Float (Type)"),
    ("Float", "1e400", "is not a valid Float (Type)"),                         # not finite
    ("Float", "nan", "is not a valid Float (Type)"),
    ("Boolean", "yes", "'yes' is not a valid Boolean, expected true or false (Type)"),
])
def test_a_default_value_that_does_not_read_as_its_type_is_refused(fakepai, kind, value, why):
    body = _training_job([{"Name": "ok", "Type": "String", "DefaultValue": "x"},
                          {"Name": "p", "Type": kind, "DefaultValue": value}])
    with fakepai.http() as http:
        _refused(_post(http, f"{STUDIO}/CreateTrainingJob", body), "InvalidParameter",
                 "AlgorithmSpec.HyperParameters[1].DefaultValue", why)


def test_default_values_of_their_type_pass(fakepai):
    definitions = [{"Name": "a", "Type": "Int", "DefaultValue": " -42 "}, {"Name": "b", "Type": "Integer", "DefaultValue": "+7"},
                   {"Name": "c", "Type": "Float", "DefaultValue": "-1.5e-3"}, {"Name": "d", "Type": "Float", "DefaultValue": ".5"},
                   {"Name": "e", "Type": "Boolean", "DefaultValue": "TRUE"}, {"Name": "f", "Type": "Float", "DefaultValue": ""},
                   {"Name": "g", "Type": "String", "DefaultValue": "anything"}]
    with fakepai.http() as http:
        created = _post(http, f"{STUDIO}/CreateTrainingJob", _training_job(definitions))
        assert created.status_code == 200, created.text
    document, _ = _body_schema(fakepai, "/api/v1/trainingjobs")
    rules = document["components"]["schemas"]["PaiStudio.HyperParameterDefinition.request"]["allOf"]
    by_type = {tuple(r["not"]["properties"]["Type"]["enum"]): r["not"]["properties"]["DefaultValue"] for r in rules
               if "DefaultValue" in r["not"]["properties"]}            # (the others: Range.Enum's items)
    assert set(by_type) == {("Int", "Integer"), ("Float",), ("Boolean",)}
    assert all(value["not"]["pattern"].startswith("^") for value in by_type.values())


def test_a_job_value_too_large_for_a_number_is_a_400_not_a_server_error(fakepai):
    # A job's hyper-parameter values are checked against the definitions by the handler: a 400-digit Int
    # made float(int(...)) overflow (a 500).
    body = {**_training_job([{"Name": "p", "Type": "Int"}]), "HyperParameters": [{"Name": "p", "Value": "9" * 400}]}
    with fakepai.http() as http:
        _refused(_post(http, f"{STUDIO}/CreateTrainingJob", body), "InvalidParameter", "HyperParameters.p",
                 "is not a valid Int (Type)")


# -- PaiStudio: a DefaultValue inside its own Range; an inline spec's job values fit it -----------
# (a version's definitions: tests/paistudio/test_algorithms.py through the official SDK)

@pytest.mark.parametrize("definition, why", [
    ({"Type": "Int", "DefaultValue": "50", "Range": {"Maximum": "10"}}, "'50' is above the maximum 10 (Range.Maximum)"),
    ({"Type": "String", "DefaultValue": "adam", "Range": {"Enum": ["sgd", "momentum"]}},
     "'adam' is not one of sgd, momentum (Range.Enum)"),
    ({"Type": "String", "DefaultValue": "v1", "Range": {"Pattern": "[a-z]+"}}, "does not match the pattern '[a-z]+'"),
])
def test_a_default_value_outside_its_own_range_is_refused_by_the_binder(fakepai, definition, why):
    body = _training_job([{"Name": "ok", "Type": "String"}, {"Name": "p", **definition}])
    with fakepai.http() as http:
        _refused(_post(http, f"{STUDIO}/CreateTrainingJob", body), "InvalidParameter",
                 "AlgorithmSpec.HyperParameters[1].DefaultValue", why)
        fixed = {**definition, "DefaultValue": definition["Range"].get("Maximum") or "sgd"}
        if "Pattern" in definition["Range"]:
            fixed["DefaultValue"] = "v"
        created = _post(http, f"{STUDIO}/CreateTrainingJob", _training_job([{"Name": "p", **fixed}]))
        assert created.status_code == 200, created.text


def test_an_inline_specs_job_value_outside_its_definition_is_refused_as_a_named_algorithms_is(fakepai):
    body = {**_training_job([{"Name": "lr", "Type": "Float", "Range": {"Maximum": "1"}}]),
            "HyperParameters": [{"Name": "lr", "Value": "0.5"}, {"Name": "lr", "Value": "3"}]}     # the last counts
    with fakepai.http() as http:
        _refused(_post(http, f"{STUDIO}/CreateTrainingJob", body), "InvalidParameter", "HyperParameters.lr",
                 "'3' is above the maximum 1 (Range.Maximum)")
        body["HyperParameters"].reverse()
        created = _post(http, f"{STUDIO}/CreateTrainingJob", body)
        assert created.status_code == 200, created.text
    document, _ = _body_schema(fakepai, "/api/v1/trainingjobs")
    definition = document["components"]["schemas"]["PaiStudio.HyperParameterDefinition.request"]
    assert [r["rule"] for r in definition["x-fakepai-rules"]] == ["withinRange"]
    operation = document["paths"]["/api/v1/trainingjobs"]["post"]          # request-wide rules: on the operation
    assert [r["rule"] for r in operation["x-fakepai-rules"]] == ["fitsDefinitions", "covers"]


# -- fakepai's scripted outcome (`x-fakepai-outcome`): the parser's grammar, enforced by the binder --

@pytest.mark.parametrize("where, value, why", [
    ("Settings.Tags.fakepai.outcome", "explode", "result must be one of succeed, fail, hang, timeout"),
    ("Settings.Tags.fakepai.outcome", "fail:Nowhere", "phase 'Nowhere' is not one this resource goes through"),
    ("Settings.Tags.fakepai.outcome", "succeed@soon", "'soon' is not a number of seconds"),
    ("Settings.Tags.fakepai.outcome", '{"result": "fail", "colour": "red"}', "unknown outcome keys ['colour']"),
    ("Envs.FAKEPAI_OUTCOME", "succeed+restarts=lots", "restarts: 'lots' is neither a count"),
    ("Envs.fakepai.outcome", "0", "result must be one of"),
])
def test_a_dlc_outcome_tag_the_grammar_refuses_is_refused_by_the_binder(fakepai, where, value, why):
    place, key = where.rsplit(".", 1) if where.startswith("Envs") else ("Settings.Tags", "fakepai.outcome")
    body = ({**JOB, "Envs": {where.split(".", 1)[1]: value}} if place.startswith("Envs")
            else {**JOB, "Settings": {"Tags": {key: value}}})
    with fakepai.http() as http:
        before = http.get(f"{DLC}/ListJobs").json()["TotalCount"]
        _refused(_post(http, f"{DLC}/CreateJob", body), "InvalidParameter", where, why)
        assert http.get(f"{DLC}/ListJobs").json()["TotalCount"] == before


def test_outcomes_the_grammar_admits_pass_and_a_phase_this_job_skips_stays_the_handlers(fakepai):
    with fakepai.http() as http:
        for value in ("fail:Running@12", "hang:Queuing", '{"result": "fail", "after": 30}', "Succeeded", "fail"):
            created = _post(http, f"{DLC}/CreateJob", {**JOB, "Settings": {"Tags": {"fakepai.outcome": value}}})
            assert created.status_code == 200, (value, created.text)
        tolerant = {"EnableErrorMonitoringInAIMaster": True, "Tags": {"fakepai.outcome": "succeed@600+restarts=2"}}
        assert _post(http, f"{DLC}/CreateJob", {**JOB, "Settings": tolerant}).status_code == 200
        # What the job's own settings decide stays the handler's: Bidding is a pai-dlc phase (Lingjun
        # spot jobs), so the binder lets it by, but this job does not bid; restarts need fault tolerance.
        _refused(_post(http, f"{DLC}/CreateJob", {**JOB, "Settings": {"Tags": {"fakepai.outcome": "fail:Bidding"}}}),
                 "InvalidParameter", "Settings.Tags.fakepai.outcome", "phase 'Bidding' is not one this job goes through")
        _refused(_post(http, f"{DLC}/CreateJob", {**JOB, "Settings": {"Tags": {"fakepai.outcome": "succeed+restarts=2"}}}),
                 "InvalidParameter", "Settings.Tags.fakepai.outcome", "restarts need Settings.EnableErrorMonitoringInAIMaster")


@pytest.mark.parametrize("value, why", [
    ("fail:Queuing", "fakepai.outcome: phase 'Queuing' is not one this resource goes through; known: Creating, Created, "
                     "Initializing, Submitted, Running"),
    ("succeed+restarts=2", "fakepai.outcome: restarts: only DLC jobs restart after a fault"),
])
def test_a_training_job_outcome_label_the_grammar_refuses_is_refused_naming_the_labels(fakepai, value, why):
    body = {**_training_job([]), "Labels": [{"Key": "team", "Value": "a"}, {"Key": "fakepai.outcome", "Value": value}]}
    with fakepai.http() as http:
        _refused(_post(http, f"{STUDIO}/CreateTrainingJob", body), "InvalidParameter", "Labels", why)
        body["Labels"][1]["Value"] = "fail:Initializing"
        assert _post(http, f"{STUDIO}/CreateTrainingJob", body).status_code == 200


def test_the_openapi_declares_the_outcome_grammar_with_each_products_phases(fakepai):
    document, _ = _body_schema(fakepai, "/api/v1/trainingjobs")
    operation = document["paths"]["/api/v1/trainingjobs"]["post"]
    labels = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["Labels"]
    assert labels["x-fakepai-outcome"]["phases"] == ["Creating", "Created", "Initializing", "Submitted", "Running"]
    assert labels["x-fakepai-outcome"]["restartable"] is False
    settings = document["components"]["schemas"]["pai-dlc.JobSettings.request"]
    tag = settings["properties"]["Tags"]["properties"]["fakepai.outcome"]["x-fakepai-outcome"]
    assert tag["restartable"] is True and {"Bidding", "SanityChecking", "Running"} <= set(tag["phases"])
