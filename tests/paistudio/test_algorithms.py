"""PaiStudio algorithms and versions (behavior.md §4.8): CRUD with paging through the official SDK
(form-encoded bodies, AlgorithmSpec as a JSON string) and the gateway form, definition checks, and
how CreateTrainingJob resolves an algorithm and validates its hyper-parameters."""
from __future__ import annotations

import json
import re

import pytest
from alibabacloud_paistudio20220112 import models as m

from tests.helpers import assert_error, assert_valid_response, sdk_error

WS = "86995"
GW = "/api/PaiStudio/2022-01-12"
ALGO_ID = re.compile(r"^algo-[a-z0-9]{11}$")
SPEC = {"Command": ["python", "train.py"], "Image": "pytorch:2.1", "JobType": "PyTorchJob",
        "MetricDefinitions": [{"Name": "loss", "Regex": r"loss=([0-9.]+)"}]}


def ok(action, resp) -> dict:
    body = resp.body.to_map()
    assert_valid_response("PaiStudio", action, body)
    return body


def new_algorithm(client, name, **kw) -> str:
    kw.setdefault("workspace_id", WS)
    body = ok("CreateAlgorithm", client.create_algorithm(m.CreateAlgorithmRequest(algorithm_name=name, **kw)))
    assert ALGO_ID.match(body["AlgorithmId"]), body
    return body["AlgorithmId"]


def new_version(client, algo_id, version, spec=SPEC) -> dict:
    request = m.CreateAlgorithmVersionRequest(algorithm_spec=m.AlgorithmSpec().from_map(spec))
    return ok("CreateAlgorithmVersion", client.create_algorithm_version(algo_id, version, request))


def stored(spec: dict) -> dict:
    """A spec as the SDK sends it has `[]` for unset lists (its to_map); compare without them."""
    return {k: v for k, v in spec.items() if v != []}


def create_job(client, **body) -> str:
    body = {"TrainingJobName": "job", "WorkspaceId": WS,
            "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": 1}, **body}
    resp = client.create_training_job(m.CreateTrainingJobRequest().from_map(body))
    return ok("CreateTrainingJob", resp)["TrainingJobId"]


def job_count(client) -> int:
    return client.list_training_jobs(m.ListTrainingJobsRequest(workspace_id=WS)).body.total_count


# --- algorithms ------------------------------------------------------------------------------------

def test_algorithm_crud_and_paging(fakepai, paistudio_client):
    client = paistudio_client
    fakepai.freeze_clock()
    ids = []
    for i in range(12):
        ids.append(new_algorithm(client, f"Resnet-{i:02d}", display_name=f"ResNet {i}", algorithm_description="cv"))
        fakepai.advance(1)
    new_algorithm(client, "elsewhere", workspace_id="1")
    got = ok("GetAlgorithm", client.get_algorithm(ids[3]))
    assert {k: got[k] for k in ("AlgorithmId", "AlgorithmName", "DisplayName", "AlgorithmDescription", "WorkspaceId")} == \
        {"AlgorithmId": ids[3], "AlgorithmName": "Resnet-03", "DisplayName": "ResNet 3",
         "AlgorithmDescription": "cv", "WorkspaceId": WS}
    assert got["UserId"] and got["TenantId"] and got["GmtCreateTime"] == got["GmtModifiedTime"]

    def listed(**kw):
        return ok("ListAlgorithms", client.list_algorithms(m.ListAlgorithmsRequest(workspace_id=WS, **kw)))

    first = listed()
    assert first["TotalCount"] == 12 and len(first["Algorithms"]) == 10          # default PageSize 10
    pages = [listed(page_number=n, page_size=5)["Algorithms"] for n in (1, 2, 3, 4)]
    assert [a["AlgorithmId"] for page in pages for a in page] == list(reversed(ids))   # newest first, no overlap
    assert pages[3] == []
    assert [a["AlgorithmId"] for a in listed(algorithm_name="RESNET-1")["Algorithms"]] == [ids[11], ids[10]]
    assert listed(algorithm_id=ids[0])["TotalCount"] == 1
    assert ok("ListAlgorithms", client.list_algorithms(m.ListAlgorithmsRequest()))["TotalCount"] == 13
    assert sdk_error(lambda: listed(page_size=101)).code == "InvalidParameter"

    fakepai.advance(60)
    ok("UpdateAlgorithm", client.update_algorithm(ids[3], m.UpdateAlgorithmRequest(display_name="renamed")))
    got2 = ok("GetAlgorithm", client.get_algorithm(ids[3]))
    assert got2["DisplayName"] == "renamed" and got2["AlgorithmDescription"] == "cv"
    assert got2["GmtModifiedTime"] > got2["GmtCreateTime"]

    deleted = ok("DeleteAlgorithm", client.delete_algorithm(ids[3]))
    assert set(deleted) == {"requestId"}                                   # lower-case r [SDK-ST]
    assert sdk_error(lambda: client.get_algorithm(ids[3])).code == "NotFound.Algorithm"
    assert sdk_error(lambda: client.delete_algorithm(ids[3])).code == "NotFound.Algorithm"
    assert listed()["TotalCount"] == 11
    # Rejections change nothing.
    assert sdk_error(lambda: new_algorithm(client, "Resnet-05")).code == "InvalidParameter"     # duplicate name
    assert sdk_error(lambda: client.create_algorithm(m.CreateAlgorithmRequest(workspace_id=WS))).code == "MissingParameter"
    assert sdk_error(lambda: client.update_algorithm("algo-nosuchalgo1", m.UpdateAlgorithmRequest(display_name="x"))) \
        .status_code == 404
    assert listed()["TotalCount"] == 11


def test_version_crud_with_form_bodies(fakepai, paistudio_client):
    client = paistudio_client
    fakepai.freeze_clock()
    algo = new_algorithm(client, "bert")
    created = new_version(client, algo, "v1.0.0")
    assert created == {"AlgorithmId": algo, "AlgorithmVersion": "v1.0.0"}    # no RequestId in the model
    for v in ("v1.1.0", "v2.0.0"):
        fakepai.advance(1)
        new_version(client, algo, v)
    got = ok("GetAlgorithmVersion", client.get_algorithm_version(algo, "v1.0.0"))
    assert "RequestId" not in got
    assert stored(got["AlgorithmSpec"]) == SPEC and got["AlgorithmName"] == "bert" and got["AlgorithmVersion"] == "v1.0.0"

    def versions(**kw):
        return ok("ListAlgorithmVersions", client.list_algorithm_versions(algo, m.ListAlgorithmVersionsRequest(**kw)))

    assert versions()["TotalCount"] == 3
    # Oldest first: alipai reads the last item as the latest version (docs/clients.md).
    assert [v["AlgorithmVersion"] for v in versions(page_size=2)["AlgorithmVersions"]] == ["v1.0.0", "v1.1.0"]
    assert [v["AlgorithmVersion"] for v in versions(page_size=2, page_number=2)["AlgorithmVersions"]] == ["v2.0.0"]

    spec2 = {**SPEC, "Image": "pytorch:2.2", "HyperParameters": [{"Name": "lr", "Type": "Float", "DefaultValue": "0.1"}]}
    request = m.UpdateAlgorithmVersionRequest(algorithm_spec=m.AlgorithmSpec().from_map(spec2))
    assert ok("UpdateAlgorithmVersion", client.update_algorithm_version(algo, "v1.0.0", request)) == \
        {"AlgorithmId": algo, "AlgorithmVersion": "v1.0.0"}
    assert stored(ok("GetAlgorithmVersion", client.get_algorithm_version(algo, "v1.0.0"))["AlgorithmSpec"]) == spec2

    assert set(ok("DeleteAlgorithmVersion", client.delete_algorithm_version(algo, "v1.1.0"))) == {"RequestId"}
    assert sdk_error(lambda: client.get_algorithm_version(algo, "v1.1.0")).code == "NotFound.AlgorithmVersion"
    assert versions()["TotalCount"] == 2
    # Rejections: duplicate version, missing spec, spec without its required fields, unknown algorithm.
    assert sdk_error(lambda: new_version(client, algo, "v2.0.0")).code == "InvalidParameter"
    assert sdk_error(lambda: client.create_algorithm_version(algo, "v3", m.CreateAlgorithmVersionRequest())).code \
        == "MissingParameter"
    err = sdk_error(lambda: new_version(client, algo, "v3", {"Command": ["x"], "JobType": "PyTorchJob"}))
    assert err.code == "MissingParameter" and "AlgorithmSpec.Image" in err.message
    assert sdk_error(lambda: new_version(client, "algo-nosuchalgo1", "v1")).code == "NotFound.Algorithm"
    assert versions()["TotalCount"] == 2
    # Deleting the algorithm takes its versions with it.
    client.delete_algorithm(algo)
    assert sdk_error(lambda: client.get_algorithm_version(algo, "v2.0.0")).code == "NotFound.Algorithm"


def test_algorithms_through_the_gateway_form(fakepai):
    form = {"content-type": "application/x-www-form-urlencoded"}
    with fakepai.http() as http:
        r = http.post(f"{GW}/CreateAlgorithm", content="AlgorithmName=gw-algo&WorkspaceId=86995&DisplayName=GW", headers=form)
        assert r.status_code == 200, r.text
        assert_valid_response("PaiStudio", "CreateAlgorithm", r.json())
        algo = r.json()["AlgorithmId"]
        from urllib.parse import urlencode
        spec = {**SPEC, "Unknown": "ignored, as the gateway ignores what it does not know"}
        r = http.post(f"{GW}/CreateAlgorithmVersion/{algo}/v1.0", content=urlencode({"AlgorithmSpec": json.dumps(spec)}),
                      headers=form)
        assert r.status_code == 200, r.text
        assert r.json() == {"AlgorithmId": algo, "AlgorithmVersion": "v1.0"}
        got = http.get(f"{GW}/GetAlgorithmVersion/{algo}/v1.0")
        assert_valid_response("PaiStudio", "GetAlgorithmVersion", got.json())
        assert got.json()["AlgorithmSpec"] == SPEC
        r = http.put(f"{GW}/UpdateAlgorithm/{algo}", content="AlgorithmDescription=desc", headers=form)
        assert r.status_code == 200 and http.get(f"{GW}/GetAlgorithm/{algo}").json()["AlgorithmDescription"] == "desc"
        listed = http.get(f"{GW}/ListAlgorithms", params={"WorkspaceId": WS, "PageSize": 1})
        assert_valid_response("PaiStudio", "ListAlgorithms", listed.json())
        assert listed.json()["TotalCount"] == 1
        versions = http.get(f"{GW}/ListAlgorithmVersions/{algo}")
        assert_valid_response("PaiStudio", "ListAlgorithmVersions", versions.json())
        bad = http.post(f"{GW}/CreateAlgorithmVersion/{algo}/v2", content="AlgorithmSpec=%7Bnot+json", headers=form)
        assert_error(bad, 400, "InvalidParameter")
        deleted = http.delete(f"{GW}/DeleteAlgorithm/{algo}")
        assert deleted.status_code == 200 and list(deleted.json()) == ["requestId"]
        assert deleted.json()["requestId"] == deleted.headers["x-acs-request-id"]
        assert_error(http.get(f"{GW}/GetAlgorithm/{algo}"), 404, "NotFound.Algorithm")


# --- definitions checked on create/update ---------------------------------------------------------

def _hp(**kw) -> dict:
    return {"Name": "p", "Type": "Int", **kw}


@pytest.mark.parametrize("spec_change, code, where", [
    ({"HyperParameters": [{"Type": "Int"}]}, "MissingParameter", "HyperParameters[0].Name"),
    ({"HyperParameters": [{"Name": "p"}]}, "MissingParameter", "HyperParameters[0].Type"),
    ({"HyperParameters": [_hp(Type="Double")]}, "InvalidParameter", "HyperParameters[0].Type"),
    ({"HyperParameters": [_hp(), _hp()]}, "InvalidParameter", "HyperParameters[1].Name"),
    ({"HyperParameters": [_hp(Range={"Minimum": "ten"})]}, "InvalidParameter", "HyperParameters[0].Range.Minimum"),
    ({"HyperParameters": [_hp(Range={"Minimum": "5", "Maximum": "1"})]}, "InvalidParameter", "HyperParameters[0].Range.Minimum"),
    ({"HyperParameters": [_hp(Type="String", Range={"MinLength": 5, "MaxLength": 2})]}, "InvalidParameter", "HyperParameters[0].Range.MinLength"),
    ({"HyperParameters": [_hp(Type="String", Range={"Pattern": "([a-z"})]}, "InvalidParameter", "HyperParameters[0].Range.Pattern"),
    ({"HyperParameters": [_hp(Range={"Enum": ["1", "two"]})]}, "InvalidParameter", "HyperParameters[0].Range.Enum[1]"),
    ({"HyperParameters": [_hp(DefaultValue="1.5")]}, "InvalidParameter", "HyperParameters[0].DefaultValue"),
    ({"HyperParameters": [_hp(DefaultValue="50", Range={"Maximum": "10"})]}, "InvalidParameter", "HyperParameters[0].DefaultValue"),
    ({"MetricDefinitions": [{"Regex": "x=(\\d+)"}]}, "MissingParameter", "MetricDefinitions[0].Name"),
    ({"MetricDefinitions": [{"Name": "x"}]}, "MissingParameter", "MetricDefinitions[0].Regex"),
    ({"MetricDefinitions": [{"Name": "x", "Regex": "x=(\\d+"}]}, "InvalidParameter", "MetricDefinitions[0].Regex"),
    ({"ProgressDefinitions": {"OverallProgress": {"Regex": "p=(["}}}, "InvalidParameter", "ProgressDefinitions.OverallProgress.Regex"),
])
def test_bad_definitions_are_rejected(fakepai, paistudio_client, spec_change, code, where):
    algo = new_algorithm(paistudio_client, "defs")
    err = sdk_error(lambda: new_version(paistudio_client, algo, "v1", {**SPEC, **spec_change}))
    assert err.code == code and f'"AlgorithmSpec.{where}"' in err.message, err.message
    assert paistudio_client.list_algorithm_versions(algo, m.ListAlgorithmVersionsRequest()).body.total_count == 0


def test_good_definitions_of_every_type_are_accepted(fakepai, paistudio_client):
    algo = new_algorithm(paistudio_client, "types")
    spec = {**SPEC, "HyperParameters": [
        {"Name": "a", "Type": "Int", "DefaultValue": "3", "Range": {"Minimum": "1", "Maximum": "5", "Enum": ["1", "3", "5"]}},
        {"Name": "b", "Type": "Integer"}, {"Name": "c", "Type": "Float", "DefaultValue": "", "Range": {"Minimum": "0.5"}},
        {"Name": "d", "Type": "String", "Range": {"MinLength": 1, "MaxLength": 8, "Pattern": "[a-z]+"}},
        {"Name": "e", "Type": "Boolean", "DefaultValue": "false"}, {"Name": "f", "Type": "Channel", "Required": True}]}
    new_version(paistudio_client, algo, "v1", spec)
    assert stored(ok("GetAlgorithmVersion", paistudio_client.get_algorithm_version(algo, "v1"))["AlgorithmSpec"]) == spec


# --- CreateTrainingJob with a registered algorithm ---------------------------------------------------

RULES = {"Command": ["python", "t.py"], "Image": "img", "JobType": "PyTorchJob", "HyperParameters": [
    {"Name": "epochs", "Type": "Int", "Required": True, "Range": {"Minimum": "1", "Maximum": "100"}},
    {"Name": "steps", "Type": "Integer", "Range": {"Minimum": "0", "ExclusiveMinimum": True,
                                                    "Maximum": "10", "ExclusiveMaximum": True}},
    {"Name": "lr", "Type": "Float", "DefaultValue": "0.01", "Range": {"Maximum": "1"}},
    {"Name": "optimizer", "Type": "String", "Range": {"Enum": ["sgd", "adam"]}},
    {"Name": "tag", "Type": "String", "Range": {"MinLength": 2, "MaxLength": 5, "Pattern": "[a-z]+[0-9]*"}},
    {"Name": "amp", "Type": "Boolean"},
    {"Name": "data", "Type": "Channel"},
]}

# (parameter, a value that passes, a value that fails, the rule the error names)
CASES = [
    ("epochs", "1", "0", "Range.Minimum"),
    ("epochs", "100", "101", "Range.Maximum"),
    ("epochs", "7", "7.5", "(Type)"),
    ("steps", "1", "0", "ExclusiveMinimum"),
    ("steps", "9", "10", "ExclusiveMaximum"),
    ("steps", "5", "five", "(Type)"),
    ("lr", "0.5", "abc", "(Type)"),
    ("lr", "1", "1.5", "Range.Maximum"),
    ("optimizer", "adam", "rmsprop", "Range.Enum"),
    ("tag", "ab", "a", "Range.MinLength"),
    ("tag", "abc12", "abcdef", "Range.MaxLength"),
    ("tag", "xy9", "9xy", "Range.Pattern"),
    ("amp", "true", "yes", "(Type)"),
    ("data", "oss://b/d/", None, None),
]


@pytest.fixture
def rules_algorithm(paistudio_client):
    algo = new_algorithm(paistudio_client, "rules")
    new_version(paistudio_client, algo, "v1", RULES)
    return algo


@pytest.mark.parametrize("name, good, bad, rule", CASES)
def test_hyper_parameter_rules(fakepai, paistudio_client, rules_algorithm, name, good, bad, rule):
    client = paistudio_client

    def job(value):
        hps = {"epochs": "10", name: value}
        return create_job(client, AlgorithmName="rules", AlgorithmVersion="v1",
                          HyperParameters=[{"Name": k, "Value": v} for k, v in hps.items()])

    job_id = job(good)
    got = ok("GetTrainingJob", client.get_training_job(job_id))
    assert {"Name": name, "Value": good} in got["HyperParameters"]
    assert got["AlgorithmId"] == rules_algorithm and got["AlgorithmVersion"] == "v1" and got["IsTempAlgo"] is False
    if bad is None:
        return
    before = job_count(client)
    err = sdk_error(lambda: job(bad))
    assert (err.status_code, err.code) == (400, "InvalidParameter")
    assert f"HyperParameters.{name}" in err.message and rule in err.message, err.message
    assert job_count(client) == before


def test_required_hyper_parameters_and_defaults(fakepai, paistudio_client, rules_algorithm):
    client = paistudio_client
    err = sdk_error(lambda: create_job(client, AlgorithmName="rules", HyperParameters=[{"Name": "lr", "Value": "0.2"}]))
    assert (err.status_code, err.code) == (400, "MissingParameter") and "HyperParameters.epochs" in err.message
    err = sdk_error(lambda: create_job(client, AlgorithmName="rules", HyperParameters=[{"Name": "epochs", "Value": ""}]))
    assert err.code == "MissingParameter"
    assert job_count(client) == 0
    job = create_job(client, AlgorithmName="rules", HyperParameters=[{"Name": "epochs", "Value": "3"},
                                                                    {"Name": "extra", "Value": "kept"}])
    got = ok("GetTrainingJob", client.get_training_job(job))
    # Defaults are filled; names the algorithm does not define pass through.
    assert got["HyperParameters"] == [{"Name": "epochs", "Value": "3"}, {"Name": "extra", "Value": "kept"},
                                      {"Name": "lr", "Value": "0.01"}]
    assert got["AlgorithmVersion"] == "v1"                       # no version named: the newest one


def test_job_algorithm_resolution(fakepai, paistudio_client):
    client = paistudio_client
    algo = new_algorithm(client, "mine")
    for name, extra, code in (("nope", {}, "NotFound.Algorithm"),
                              ("mine", {}, "NotFound.AlgorithmVersion"),            # no versions yet
                              ("mine", {"AlgorithmProvider": "somebody"}, "NotFound.Algorithm")):
        err = sdk_error(lambda: create_job(client, AlgorithmName=name, **extra))
        assert (err.status_code, err.code) == (404, code)
    new_version(client, algo, "v1")
    fakepai.advance(1)
    new_version(client, algo, "v2", {**SPEC, "Image": "newer"})
    err = sdk_error(lambda: create_job(client, AlgorithmName="mine", AlgorithmVersion="v9"))
    assert (err.status_code, err.code) == (404, "NotFound.AlgorithmVersion")
    job = create_job(client, AlgorithmName="mine")
    got = ok("GetTrainingJob", client.get_training_job(job))
    assert got["AlgorithmVersion"] == "v2" and got["AlgorithmSpec"]["Image"] == "newer" and got["AlgorithmId"] == algo
    # Inline spec and a name are exclusive; inline definitions are checked, and so are the job's values.
    err = sdk_error(lambda: create_job(client, AlgorithmName="mine", AlgorithmSpec=SPEC))
    assert err.code == "InvalidParameter"
    inline = {**SPEC, "HyperParameters": [{"Name": "k", "Type": "Int", "Range": {"Maximum": "3"}}]}
    assert "HyperParameters.k" in sdk_error(lambda: create_job(
        client, AlgorithmSpec=inline, HyperParameters=[{"Name": "k", "Value": "4"}])).message
    assert sdk_error(lambda: create_job(client, AlgorithmSpec={
        **SPEC, "MetricDefinitions": [{"Name": "x", "Regex": "("}]})).code == "InvalidParameter"
    temp = create_job(client, AlgorithmSpec=inline, HyperParameters=[{"Name": "k", "Value": "3"}])
    assert client.get_training_job(temp).body.is_temp_algo is True


def test_builtin_pai_catalogue(fakepai, paistudio_client):
    client = paistudio_client
    listed = ok("ListAlgorithms", client.list_algorithms(m.ListAlgorithmsRequest(algorithm_provider="pai")))
    names = {a["AlgorithmName"]: a["AlgorithmId"] for a in listed["Algorithms"]}
    assert {"pytorch_ddp", "xgboost_classification"} <= set(names)
    assert all(a["AlgorithmProvider"] == "pai" for a in listed["Algorithms"])
    version = ok("GetAlgorithmVersion", client.get_algorithm_version(names["pytorch_ddp"], "v1.0.0"))
    assert version["AlgorithmSpec"]["MetricDefinitions"]
    assert sdk_error(lambda: client.delete_algorithm(names["pytorch_ddp"])).status_code == 403
    job = create_job(client, AlgorithmName="xgboost_classification", AlgorithmProvider="pai",
                     HyperParameters=[{"Name": "max_depth", "Value": "8"}])
    got = ok("GetTrainingJob", client.get_training_job(job))
    assert got["HyperParameters"] == [{"Name": "max_depth", "Value": "8"}, {"Name": "num_round", "Value": "100"},
                                      {"Name": "eta", "Value": "0.3"}, {"Name": "objective", "Value": "binary:logistic"}]
    err = sdk_error(lambda: create_job(client, AlgorithmName="xgboost_classification", AlgorithmProvider="pai",
                                       HyperParameters=[{"Name": "max_depth", "Value": "21"}]))
    assert err.code == "InvalidParameter" and "Range.Maximum" in err.message
