"""pai-dlc job templates: versions, constraints and the template merge, through the official SDK,
the seed's gateway URL form, and (for the path parser and the merge) directly."""
from __future__ import annotations

import json

import pytest
from alibabacloud_pai_dlc20201203 import models as m

from fakepai.clock import Clock
from fakepai.errors import PaiError
from fakepai.ids import IdFactory
from fakepai.services.dlc import templates
from fakepai.services.dlc.constraint_paths import PathError, delete_path, format_path, get_path, parse_path, set_path
from fakepai.services.registry import Context
from fakepai.state.store import AccountState
from fakepai.wire.binding import Params
from tests.dlc.calls import GW, SEED_CREATE_BODY
from tests.helpers import assert_error, assert_valid_response, sdk_error

WS = "86995"
P = "pai-dlc"

IMAGE = "registry.cn-hangzhou.aliyuncs.com/pai/pytorch:2.1"
CONTENT = {"JobType": "PyTorchJob", "UserCommand": "python train.py", "Priority": 3,
           "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": IMAGE, "EcsSpec": "ecs.gn7i-c8g1.2xlarge"}]}


def content(**changes) -> str:
    return json.dumps({**CONTENT, **changes})


def create(client, name="tpl-a", content_text=None, constraints=None, **kw) -> str:
    kw.setdefault("workspace_id", WS)
    resp = client.create_job_template(m.CreateJobTemplateRequest(
        template_name=name, content=content_text or content(), constraints=constraints, **kw))
    assert_valid_response(P, "CreateJobTemplate", resp.body.to_map())
    return resp.body.template_id


def get(client, template_id, version=None) -> dict:
    body = client.get_job_template(template_id, m.GetJobTemplateRequest(version=version)).body.to_map()
    assert_valid_response(P, "GetJobTemplate", body)
    return body


def listing(client, **kw) -> dict:
    kw.setdefault("workspace_id", WS)
    body = client.list_job_templates(m.ListJobTemplatesRequest(**kw)).body.to_map()
    assert_valid_response(P, "ListJobTemplates", body)
    return body


# -- the constraint path parser ---------------------------------------------------------------------

@pytest.mark.parametrize("text, parsed", [
    ("UserCommand", ("UserCommand",)),
    ("JobSpecs[0].Image", ("JobSpecs", 0, "Image")),
    ("JobSpecs[12].ResourceConfig.GPU", ("JobSpecs", 12, "ResourceConfig", "GPU")),
    ("Settings.Tags", ("Settings", "Tags")),
    ("_ResourcePaymentType", ("_ResourcePaymentType",)),
    ("DataSources[0][1]", ("DataSources", 0, 1)),
])
def test_parse_path_accepts_dotted_paths_with_indices(text, parsed):
    assert parse_path(text) == parsed
    assert format_path(parsed) == text


def test_parse_path_accepts_the_jsonpath_root_prefix():
    # The SDK calls constraint keys JSONPath; `$.` names the document root (docs/clients.md).
    assert parse_path("$.JobSpecs[0].Image") == parse_path("JobSpecs[0].Image") == ("JobSpecs", 0, "Image")


@pytest.mark.parametrize("text", ["", "$", "$.", "$JobType", "$..UserCommand", "JobSpecs[a].Image", "JobSpecs[0", "JobSpecs.[0]",
                                  "[0].Image", "a..b", "JobSpecs[-1]", "Job Specs", "UserCommand.", 7])
def test_parse_path_rejects_everything_else(text):
    with pytest.raises(PathError):
        parse_path(text)


def test_get_set_delete_path():
    doc = {"JobSpecs": [{"Image": "a"}], "Settings": None}
    assert get_path(doc, ("JobSpecs", 0, "Image")) == (True, "a")
    assert get_path(doc, ("JobSpecs", 1, "Image")) == (False, None)
    assert get_path(doc, ("Settings",))[0] is False           # null counts as absent
    set_path(doc, ("JobSpecs", 2, "Image"), "c")              # a short list is padded with objects
    assert doc["JobSpecs"] == [{"Image": "a"}, {}, {"Image": "c"}]
    set_path(doc, ("Settings", "Tags", "k"), "v")            # containers are created on the way
    assert doc["Settings"] == {"Tags": {"k": "v"}}
    delete_path(doc, ("JobSpecs", 0, "Image"))
    delete_path(doc, ("Nothing", 3, "Here"))                  # absent: nothing happens
    assert doc["JobSpecs"][0] == {}


# -- the merge, independent of the jobs module ------------------------------------------------------

@pytest.fixture
def ctx() -> Context:
    return Context(account=AccountState("unit"), clock=Clock(speed=0, start=1_700_000_000), ids=IdFactory(1),
                   request_id="R", account_id="unit", region="cn-hangzhou", user_id="1700000000000001",
                   check_workspace=lambda ws: None)


def _sent(body: dict) -> Params:
    """A CreateJob body as the binder hands it over: every key in it was sent by the caller."""
    params = Params(body)
    params.supplied = frozenset(body)
    return params


def make(ctx, constraints, base=None) -> str:
    out = templates.create_job_template(ctx, {"TemplateName": "t", "WorkspaceId": WS,
                                              "Content": json.dumps(base or CONTENT), "Constraints": constraints})
    return out["TemplateId"]


def test_apply_locked_paths_keep_the_template_value_silently(ctx):
    tid = make(ctx, {"JobSpecs[0].Image": "locked", "UserCommand": "locked", "JobType": "locked"})
    body = {"DisplayName": "j", "UserCommand": "rm -rf /", "JobType": "TFJob",
            "JobSpecs": [{"Type": "Worker", "PodCount": 4, "Image": "evil:latest", "EcsSpec": "ecs.c6.large"}]}
    merged, template_id, name = templates.apply_template(ctx, tid, None, _sent(body))
    assert (template_id, name) == (tid, "t")
    assert merged["UserCommand"] == "python train.py" and merged["JobType"] == "PyTorchJob"
    # The caller's JobSpecs replace the template's wholesale, except the locked leaf.
    assert merged["JobSpecs"] == [{"Type": "Worker", "PodCount": 4, "Image": IMAGE, "EcsSpec": "ecs.c6.large"}]
    assert merged["DisplayName"] == "j" and merged["Priority"] == 3


def test_apply_overridable_paths_take_the_callers_value_or_keep_the_template(ctx):
    tid = make(ctx, {"JobSpecs[0].Image": "overridable", "UserCommand": "overridable"})
    merged, _, _ = templates.apply_template(ctx, tid, None, _sent({"UserCommand": "python other.py"}))
    assert merged["UserCommand"] == "python other.py"
    assert merged["JobSpecs"][0]["Image"] == IMAGE
    # The caller's spec without an Image keeps the template's image on the overridable leaf.
    merged, _, _ = templates.apply_template(ctx, tid, None, _sent({"JobSpecs": [{"Type": "Worker", "PodCount": 2}]}))
    assert merged["JobSpecs"] == [{"Type": "Worker", "PodCount": 2, "Image": IMAGE}]
    merged, _, _ = templates.apply_template(ctx, tid, None, _sent({"JobSpecs": [{"Type": "Worker", "Image": "mine:1"}]}))
    assert merged["JobSpecs"][0]["Image"] == "mine:1"


def test_apply_required_paths_must_be_supplied_when_the_template_has_no_value(ctx):
    base = {"JobType": "PyTorchJob", "JobSpecs": [{"Type": "Worker", "PodCount": 1}]}
    tid = make(ctx, {"UserCommand": "required", "JobSpecs[0].Image": "required"}, base)
    with pytest.raises(PaiError) as info:
        templates.apply_template(ctx, tid, None, _sent({"UserCommand": "python a.py"}))
    assert (info.value.status, info.value.code) == (400, "MissingParameter")
    assert "JobSpecs[0].Image" in info.value.message
    with pytest.raises(PaiError) as info:
        templates.apply_template(ctx, tid, None, _sent({"JobSpecs": [{"Type": "Worker", "Image": IMAGE}]}))
    assert info.value.code == "MissingParameter" and "UserCommand" in info.value.message
    merged, _, _ = templates.apply_template(ctx, tid, None, _sent({"UserCommand": "python a.py",
                                                                  "JobSpecs": [{"Type": "Worker", "Image": IMAGE}]}))
    assert merged["UserCommand"] == "python a.py" and merged["JobSpecs"][0]["Image"] == IMAGE
    # A required path the template fills needs nothing from the caller.
    tid2 = make(ctx, {"UserCommand": "required"})
    assert templates.apply_template(ctx, tid2, None, _sent({}))[0]["UserCommand"] == "python train.py"


def test_apply_uses_the_named_or_default_version_and_404s_unknown_ones(ctx):
    tid = make(ctx, {})
    templates.update_job_template(ctx, {"TemplateId": tid, "Content": content(UserCommand="v2")})
    assert templates.apply_template(ctx, tid, None, _sent({}))[0]["UserCommand"] == "python train.py"   # default is 1
    assert templates.apply_template(ctx, tid, 2, _sent({}))[0]["UserCommand"] == "v2"
    for version, code in ((3, "NotFound.JobTemplateVersion"), (0, "NotFound.JobTemplateVersion")):
        with pytest.raises(PaiError) as info:
            templates.apply_template(ctx, tid, version, _sent({}))
        assert (info.value.status, info.value.code) == (404, code)
    with pytest.raises(PaiError) as info:
        templates.apply_template(ctx, "tplnosuchthing", None, _sent({}))
    assert (info.value.status, info.value.code) == (404, "NotFound.JobTemplate")


def test_apply_drops_the_template_keys_and_leaves_the_template_untouched(ctx):
    tid = make(ctx, {"JobSpecs[0].Image": "locked"})
    merged, _, _ = templates.apply_template(ctx, tid, 1, _sent({"TemplateId": tid, "TemplateVersion": 1, "Priority": 9,
                                                                "Envs": {"A": "1"}}))
    assert "TemplateId" not in merged and "TemplateVersion" not in merged
    assert merged["Priority"] == 9 and merged["Envs"] == {"A": "1"}
    merged["JobSpecs"][0]["Image"] = "changed"
    assert templates.apply_template(ctx, tid, 1, _sent({}))[0]["JobSpecs"][0]["Image"] == IMAGE
    assert "LastUsedTime" not in templates.get_job_template(ctx, {"TemplateId": tid})   # apply does not mark it
    templates.mark_template_used(ctx, tid)
    assert templates.get_job_template(ctx, {"TemplateId": tid})["LastUsedTime"] == "2023-11-14T22:13:20Z"


# -- the seed's gateway examples, verbatim ----------------------------------------------------------

def test_seed_create_job_template_curl_works_verbatim(fakepai):
    with fakepai.http() as http:
        resp = http.post(f"{GW}/CreateJobTemplate", content=SEED_CREATE_BODY,
                         headers={"Authorization": "Bearer sk-seed", "Content-Type": "application/json"})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert_valid_response(P, "CreateJobTemplate", body)
        assert body["TemplateId"].startswith("tpl") and len(body["TemplateId"]) == 15
        assert body["TemplateId"][3:].isalnum()
        assert (body["Version"], body["DefaultVersion"]) == (1, 1)
        assert body["TemplateName"] == "job-template-example-1778047****"
        assert body["Description"] == "Template description" and body["Metadata"] == {}
        assert body["WorkspaceId"] == "15****05" and body["RequestId"] == resp.headers["x-acs-request-id"]
        assert "LastUsedTime" not in body
        got = http.get(f"{GW}/GetJobTemplate/{body['TemplateId']}",
                       headers={"Authorization": "Bearer sk-seed"}).json()
        assert_valid_response(P, "GetJobTemplate", got)
        sent = json.loads(SEED_CREATE_BODY)
        assert got["Versions"] == [{"Version": 1, "Content": sent["Content"], "Constraints": sent["Constraints"],
                                    "CreatedBy": got["UserId"], "GmtCreateTime": got["GmtCreateTime"]}]
        assert got["TotalCount"] == 1


def test_seed_delete_job_template_example_works_verbatim(fakepai):
    # The bearer key selects the account, so the seed's key creates the template it then deletes.
    with fakepai.http(headers={"Authorization": "Bearer your-api-key"}) as http:
        template_id = http.post(f"{GW}/CreateJobTemplate", content=SEED_CREATE_BODY,
                                headers={"Content-Type": "application/json"}).json()["TemplateId"]
        # The seed's Python example: DELETE with the id in the query and a JSON content type.
        url = f"{GW}/DeleteJobTemplate?TemplateId={template_id}"
        resp = http.delete(url, headers={"Authorization": "Bearer your-api-key", "Content-Type": "application/json"})
        assert resp.status_code == 200, resp.text
        assert_valid_response(P, "DeleteJobTemplate", resp.json())
        assert resp.json()["TemplateId"] == template_id
        assert_error(http.delete(url), 404, "NotFound.JobTemplate")
        assert_error(http.get(f"{GW}/GetJobTemplate", params={"TemplateId": template_id}), 404, "NotFound.JobTemplate")


# -- every operation through the official SDK -------------------------------------------------------

def test_create_get_versions_and_default_through_the_sdk(fakepai, dlc_client):
    fakepai.freeze_clock()
    tid = create(dlc_client, "tpl-a", description="d1", metadata={"team": "cv"},
                 constraints={"JobSpecs[0].Image": "locked"})
    one = get(dlc_client, tid)
    assert one["DefaultVersion"] == 1 and one["TotalCount"] == 1
    assert one["Metadata"] == {"team": "cv"} and one["Description"] == "d1"
    assert one["Versions"][0]["Content"] == content()     # the JSON string as stored
    assert one["Versions"][0]["Constraints"] == {"JobSpecs[0].Image": "locked"}
    assert one["TenantId"] and one["UserId"] and one["ModifiedBy"] == one["UserId"]
    fakepai.advance(10)
    # Metadata only: no version, Version is the current default.
    upd = dlc_client.update_job_template(tid, m.UpdateJobTemplateRequest(description="d2", template_name="tpl-b",
                                                                         metadata={"team": "nlp"})).body.to_map()
    assert_valid_response(P, "UpdateJobTemplate", upd)
    assert (upd["Version"], upd["DefaultVersion"], upd["VersionCreated"]) == (1, 1, False)
    assert upd["GmtModifyTime"] != one["GmtModifyTime"]
    # With Content: version 2, default stays 1 without SetAsDefault.
    upd = dlc_client.update_job_template(tid, m.UpdateJobTemplateRequest(
        content=content(UserCommand="v2"), constraints={"UserCommand": "required"})).body.to_map()
    assert (upd["Version"], upd["DefaultVersion"], upd["VersionCreated"]) == (2, 1, True)
    # With Content and SetAsDefault: version 3 becomes the default; the body key `version` is ignored.
    upd = dlc_client.update_job_template(tid, m.UpdateJobTemplateRequest(
        content=content(UserCommand="v3"), set_as_default=True, version=7)).body.to_map()
    assert (upd["Version"], upd["DefaultVersion"], upd["VersionCreated"]) == (3, 3, True)
    default = get(dlc_client, tid)
    assert default["TemplateName"] == "tpl-b" and default["Description"] == "d2" and default["Metadata"] == {"team": "nlp"}
    assert [v["Version"] for v in default["Versions"]] == [3] and default["DefaultVersion"] == 3
    assert default["Versions"][0]["Constraints"] == {}
    assert json.loads(default["Versions"][0]["Content"])["UserCommand"] == "v3"
    everything = get(dlc_client, tid, "all")
    assert [v["Version"] for v in everything["Versions"]] == [1, 2, 3] and everything["TotalCount"] == 3
    assert everything["Versions"][1]["Constraints"] == {"UserCommand": "required"}
    two = get(dlc_client, tid, "2")
    assert [v["Version"] for v in two["Versions"]] == [2] and two["TotalCount"] == 1
    # SetJobTemplateDefaultVersion.
    fakepai.advance(5)
    sd = dlc_client.set_job_template_default_version(tid, m.SetJobTemplateDefaultVersionRequest(version=2)).body.to_map()
    assert_valid_response(P, "SetJobTemplateDefaultVersion", sd)
    assert sd["DefaultVersion"] == 2
    assert get(dlc_client, tid)["Versions"][0]["Version"] == 2
    assert get(dlc_client, tid)["GmtModifyTime"] == sd["GmtModifyTime"]
    deleted = dlc_client.delete_job_template(tid, m.DeleteJobTemplateRequest()).body.to_map()
    assert_valid_response(P, "DeleteJobTemplate", deleted)
    assert deleted["TemplateId"] == tid
    err = sdk_error(lambda: get(dlc_client, tid))
    assert (err.statusCode, err.code) == (404, "NotFound.JobTemplate")


def test_list_filters_sort_and_paging_through_the_sdk(fakepai, dlc_client):
    fakepai.freeze_clock()
    ids = []
    for name, desc in (("Alpha-train", "Resnet baseline"), ("beta-eval", "BERT eval"), ("gamma-TRAIN", None)):
        ids.append(create(dlc_client, name, description=desc))
        fakepai.advance(60)
    other = create(dlc_client, "alpha-other-ws", workspace_id="12345")
    body = listing(dlc_client)
    assert body["TotalCount"] == 3 and (body["PageNumber"], body["PageSize"]) == (1, 10)
    assert [t["TemplateId"] for t in body["JobTemplates"]] == ids[::-1]     # GmtCreateTime desc by default
    assert all("Versions" not in t for t in body["JobTemplates"])
    assert all(t["DefaultVersion"] == 1 and t["WorkspaceId"] == WS for t in body["JobTemplates"])
    assert [t["TemplateId"] for t in listing(dlc_client, order="ASC")["JobTemplates"]] == ids
    assert [t["TemplateName"] for t in listing(dlc_client, sort_by="TemplateName", order="asc")["JobTemplates"]] == \
        ["Alpha-train", "beta-eval", "gamma-TRAIN"]
    assert {t["TemplateId"] for t in listing(dlc_client, template_name="TRAIN")["JobTemplates"]} == {ids[0], ids[2]}
    assert [t["TemplateId"] for t in listing(dlc_client, description="bert")["JobTemplates"]] == [ids[1]]
    assert [t["TemplateId"] for t in listing(dlc_client, template_id=ids[1])["JobTemplates"]] == [ids[1]]
    assert listing(dlc_client, template_id=ids[1][:-1])["TotalCount"] == 0      # TemplateId is exact
    me = listing(dlc_client)["JobTemplates"][0]["UserId"]
    assert listing(dlc_client, user_id=me)["TotalCount"] == 3 and listing(dlc_client, user_id="1")["TotalCount"] == 0
    assert [t["TemplateId"] for t in listing(dlc_client, workspace_id="12345")["JobTemplates"]] == [other]
    pages = [listing(dlc_client, page_number=n, page_size=2) for n in (1, 2, 3)]
    assert [len(p["JobTemplates"]) for p in pages] == [2, 1, 0] and all(p["TotalCount"] == 3 for p in pages)
    assert [t["TemplateId"] for p in pages for t in p["JobTemplates"]] == ids[::-1]
    assert (pages[1]["PageNumber"], pages[1]["PageSize"]) == (2, 2)


def test_every_operation_through_the_gateway_form(fakepai):
    with fakepai.http() as http:
        tid = http.post(f"{GW}/CreateJobTemplate", json={"TemplateName": "gw", "WorkspaceId": WS,
                                                         "Content": content()}).json()["TemplateId"]
        upd = http.put(f"{GW}/UpdateJobTemplate/{tid}", json={"Content": content(UserCommand="v2"),
                                                               "SetAsDefault": True})
        assert upd.status_code == 200 and upd.json()["Version"] == 2
        assert_valid_response(P, "UpdateJobTemplate", upd.json())
        got = http.get(f"{GW}/GetJobTemplate", params={"TemplateId": tid, "Version": "all"})
        assert got.status_code == 200 and got.json()["TotalCount"] == 2
        assert_valid_response(P, "GetJobTemplate", got.json())
        sd = http.put(f"{GW}/SetJobTemplateDefaultVersion/{tid}", json={"Version": 1})
        assert sd.status_code == 200 and sd.json()["DefaultVersion"] == 1
        assert_valid_response(P, "SetJobTemplateDefaultVersion", sd.json())
        # Query parameters are strings on the wire: Version "2" is converted to an integer.
        assert http.put(f"{GW}/SetJobTemplateDefaultVersion/{tid}?Version=2").json()["DefaultVersion"] == 2
        listed = http.get(f"{GW}/ListJobTemplates", params={"WorkspaceId": WS, "PageSize": "5"})
        assert listed.status_code == 200 and listed.json()["PageSize"] == 5
        assert_valid_response(P, "ListJobTemplates", listed.json())
        assert listed.json()["JobTemplates"][0]["DefaultVersion"] == 2
        deleted = http.delete(f"{GW}/DeleteJobTemplate/{tid}")
        assert deleted.status_code == 200 and deleted.json()["TemplateId"] == tid
        assert_valid_response(P, "DeleteJobTemplate", deleted.json())


# -- bad input: a clear 4xx, never a 5xx, and nothing changes ----------------------------------------

BAD_CONTENT = [
    "not json", "[1, 2]", "\"a string\"", "",
    json.dumps({"JobSpecs": [{"Type": "Worker"}]}),                       # no JobType
    json.dumps({"JobType": "CaffeJob", "JobSpecs": [{"Type": "Worker"}]}),
    json.dumps({"JobType": "PyTorchJob"}),                                # no JobSpecs
    json.dumps({"JobType": "PyTorchJob", "JobSpecs": []}),
    json.dumps({"JobType": "PyTorchJob", "JobSpecs": {"Type": "Worker"}}),
    json.dumps({"JobType": "PyTorchJob", "JobSpecs": ["Worker"]}),
    json.dumps({"JobType": "PyTorchJob", "JobSpecs": [{"Type": "Worker"}], "UserCommand": ["not", "a", "string"]}),
]

BAD_CONSTRAINTS = [
    {"UserCommand": "frozen"}, {"UserCommand": "LOCKED"}, {"JobSpecs[x].Image": "locked"},
    {"$.UserCommand": "locked", "UserCommand": "overridable"},          # two keys, one field
    {"": "locked"}, {"JobSpecs[0].Image": 1}, ["UserCommand"],
]


def test_create_rejects_bad_content_constraints_and_missing_fields(fakepai):
    with fakepai.http() as http:
        url = f"{GW}/CreateJobTemplate"
        good = {"TemplateName": "x", "WorkspaceId": WS, "Content": content()}
        for text in BAD_CONTENT:
            assert_error(http.post(url, json={**good, "Content": text}), 400, "InvalidParameter.Content")
        for constraints in BAD_CONSTRAINTS:
            code = "InvalidParameter" if isinstance(constraints, list) else "InvalidParameter.Constraints"
            assert_error(http.post(url, json={**good, "Constraints": constraints}), 400, code)
        for name in ("TemplateName", "WorkspaceId", "Content"):
            body = assert_error(http.post(url, json={k: v for k, v in good.items() if k != name}), 400, "MissingParameter")
            assert name in body["Message"]
        assert_error(http.post(url, json={**good, "TemplateName": "  "}), 400, "InvalidParameter")
        assert_error(http.post(url, json={**good, "Metadata": "x"}), 400, "InvalidParameter")
        listed = http.get(f"{GW}/ListJobTemplates", params={"WorkspaceId": WS}).json()
        assert listed["TotalCount"] == 0                                    # nothing was stored


def test_read_and_write_errors_change_nothing(fakepai):
    with fakepai.http() as http:
        tid = http.post(f"{GW}/CreateJobTemplate", json={"TemplateName": "keep", "WorkspaceId": WS, "Content": content(),
                                                         "Constraints": {"UserCommand": "locked"}}).json()["TemplateId"]

        def snapshot() -> dict:
            body = http.get(f"{GW}/GetJobTemplate/{tid}", params={"Version": "all"}).json()
            return {k: v for k, v in body.items() if k != "RequestId"}

        before = snapshot()
        for version in ("3", "0", "007"):
            assert_error(http.get(f"{GW}/GetJobTemplate/{tid}", params={"Version": version}), 404,
                         "NotFound.JobTemplateVersion")
        for version in ("latest", "1.5", "v1", "-1"):
            assert_error(http.get(f"{GW}/GetJobTemplate/{tid}", params={"Version": version}), 400, "InvalidParameter")
        assert_error(http.get(f"{GW}/GetJobTemplate/tplmissing0000"), 404, "NotFound.JobTemplate")
        upd = f"{GW}/UpdateJobTemplate/{tid}"
        assert_error(http.put(upd, json={"Constraints": {"UserCommand": "overridable"}}), 400,
                     "InvalidParameter.Constraints")
        assert_error(http.put(upd, json={"Content": "{}", "TemplateName": "renamed"}), 400, "InvalidParameter.Content")
        assert_error(http.put(upd, json={"Content": content(), "Constraints": {"x": "nope"}, "Description": "no"}),
                     400, "InvalidParameter.Constraints")
        assert_error(http.put(upd, json={"TemplateName": ""}), 400, "InvalidParameter")
        assert_error(http.put(f"{GW}/UpdateJobTemplate/tplmissing0000", json={"Description": "x"}), 404,
                     "NotFound.JobTemplate")
        sd = f"{GW}/SetJobTemplateDefaultVersion/{tid}"
        assert_error(http.put(sd, json={"Version": 2}), 404, "NotFound.JobTemplateVersion")
        assert_error(http.put(sd, json={}), 400, "MissingParameter")
        assert_error(http.put(sd, json={"Version": "two"}), 400, "InvalidParameter")
        assert_error(http.put(sd, json={"Version": True}), 400, "InvalidParameter")
        assert_error(http.put(f"{GW}/SetJobTemplateDefaultVersion/tplmissing0000", json={"Version": 1}), 404,
                     "NotFound.JobTemplate")
        assert_error(http.delete(f"{GW}/DeleteJobTemplate/tplmissing0000"), 404, "NotFound.JobTemplate")
        lst = f"{GW}/ListJobTemplates"
        assert_error(http.get(lst), 400, "MissingParameter")
        for bad in ({"PageSize": "0"}, {"PageSize": "101"}, {"PageNumber": "0"}, {"PageSize": "ten"},
                    {"SortBy": "Status"}, {"Order": "sideways"}):
            assert_error(http.get(lst, params={"WorkspaceId": WS, **bad}), 400, "InvalidParameter")
        assert snapshot() == before


def test_sdk_raises_client_exceptions_with_the_codes(dlc_client):
    tid = create(dlc_client, "keep")
    err = sdk_error(lambda: dlc_client.get_job_template(tid, m.GetJobTemplateRequest(version="9")))
    assert (err.statusCode, err.code) == (404, "NotFound.JobTemplateVersion")
    err = sdk_error(lambda: dlc_client.update_job_template(tid, m.UpdateJobTemplateRequest(constraints={"a": "locked"})))
    assert (err.statusCode, err.code) == (400, "InvalidParameter.Constraints")
    err = sdk_error(lambda: dlc_client.create_job_template(m.CreateJobTemplateRequest(
        template_name="x", workspace_id=WS, content="{\"JobType\": \"PyTorchJob\"}")))
    assert (err.statusCode, err.code) == (400, "InvalidParameter.Content")
    err = sdk_error(lambda: dlc_client.list_job_templates(m.ListJobTemplatesRequest()))
    assert (err.statusCode, err.code) == (400, "MissingParameter")
    err = sdk_error(lambda: dlc_client.set_job_template_default_version(
        tid, m.SetJobTemplateDefaultVersionRequest(version=5)))
    assert (err.statusCode, err.code) == (404, "NotFound.JobTemplateVersion")


# -- CreateJob with a template, end to end through the SDK ------------------------------------------

def wait_for(fakepai, client, job_id, statuses, limit=600) -> dict:
    for _ in range(limit):
        job = client.get_job(job_id, m.GetJobRequest()).body.to_map()
        if job["Status"] in statuses:
            return job
        fakepai.advance(5)
    raise AssertionError(f"{job_id} never reached {statuses}")


def test_create_job_from_a_template_through_the_sdk(fakepai, dlc_client):
    fakepai.freeze_clock()
    tid = create(dlc_client, "train-tpl", constraints={
        "JobSpecs[0].Image": "locked", "UserCommand": "overridable", "Envs.MODE": "required"})
    spec = m.JobSpec(type="Worker", pod_count=2, image="evil:latest", ecs_spec="ecs.gn7i-c8g1.2xlarge")

    def create_job(**kw):
        return dlc_client.create_job(m.CreateJobRequest(display_name="from-tpl", workspace_id=WS, template_id=tid, **kw))

    # required path missing, unknown version, unknown template: rejected, and LastUsedTime untouched
    err = sdk_error(lambda: create_job(job_specs=[spec]))
    assert (err.statusCode, err.code) == (400, "MissingParameter") and "Envs.MODE" in err.message
    err = sdk_error(lambda: create_job(template_version=9, envs={"MODE": "a"}))
    assert (err.statusCode, err.code) == (404, "NotFound.JobTemplateVersion")
    err = sdk_error(lambda: dlc_client.create_job(m.CreateJobRequest(display_name="x", template_id="tplnosuchthing",
                                                                     envs={"MODE": "a"})))
    assert (err.statusCode, err.code) == (404, "NotFound.JobTemplate")
    assert "LastUsedTime" not in get(dlc_client, tid)

    job_id = create_job(job_specs=[spec], user_command="python mine.py", envs={"MODE": "fast"}).body.job_id
    job = dlc_client.get_job(job_id, m.GetJobRequest()).body.to_map()
    assert job["JobSpecs"][0]["Image"] == IMAGE                     # locked: the template wins, silently
    assert job["JobSpecs"][0]["PodCount"] == 2                      # the caller's spec otherwise
    assert job["UserCommand"] == "python mine.py"                   # overridable: the caller's value
    assert job["JobType"] == "PyTorchJob" and job["Priority"] == 3  # from the template's Content
    used = get(dlc_client, tid)
    assert used["LastUsedTime"] == job["GmtCreateTime"]
    listed = dlc_client.list_jobs(m.ListJobsRequest(template_id=tid, workspace_id=WS)).body.to_map()
    assert [(j["JobId"], j["TemplateId"], j["TemplateName"]) for j in listed["Jobs"]] == [(job_id, tid, "train-tpl")]
    # Only the template id and a name: everything else comes from the template.
    minimal = create_job(envs={"MODE": "x"}).body.job_id
    assert dlc_client.get_job(minimal, m.GetJobRequest()).body.to_map()["UserCommand"] == "python train.py"

    # DeleteJobTemplate is refused while a job created from it is still live.
    err = sdk_error(lambda: dlc_client.delete_job_template(tid, m.DeleteJobTemplateRequest()))
    assert (err.statusCode, err.code) == (400, "InvalidStatus") and job_id in err.message
    assert get(dlc_client, tid)["TemplateId"] == tid
    for live in (job_id, minimal):
        dlc_client.stop_job(live)
        wait_for(fakepai, dlc_client, live, {"Stopped"})
    assert dlc_client.delete_job_template(tid, m.DeleteJobTemplateRequest()).body.template_id == tid


def test_jsonpath_prefixed_constraints_are_stored_as_given_and_applied(fakepai, dlc_client):
    """Constraint keys with a `$.` prefix (the SDK's "JSONPath") are accepted, stored as the caller
    wrote them, and act like the unprefixed form (docs/clients.md)."""
    given = {"$.JobSpecs[0].Image": "locked", "UserCommand": "locked"}
    tid = create(dlc_client, "jsonpath-tpl", constraints=given)
    assert get(dlc_client, tid)["Versions"][0]["Constraints"] == given
    spec = m.JobSpec(type="Worker", pod_count=1, image="evil:latest", ecs_spec="ecs.gn7i-c8g1.2xlarge")
    job_id = dlc_client.create_job(m.CreateJobRequest(display_name="j", workspace_id=WS, template_id=tid,
                                                      job_specs=[spec], user_command="rm -rf /")).body.job_id
    job = dlc_client.get_job(job_id, m.GetJobRequest()).body.to_map()
    assert (job["JobSpecs"][0]["Image"], job["UserCommand"]) == (IMAGE, "python train.py")


def test_a_job_from_the_seed_template_keeps_its_locked_fields(fakepai):
    with fakepai.http() as http:
        tid = http.post(f"{GW}/CreateJobTemplate", content=SEED_CREATE_BODY,
                        headers={"Content-Type": "application/json"}).json()["TemplateId"]
        created = http.post(f"{GW}/CreateJob", json={
            "TemplateId": tid, "DisplayName": "seed-job", "UserCommand": "echo override", "JobType": "TFJob",
            "JobSpecs": [{"Type": "Worker", "PodCount": 2, "Image": "mine:1", "EcsSpec": "ecs.gn7i-c8g1.2xlarge"}]})
        assert created.status_code == 200, created.text
        job = http.get(f"{GW}/GetJob/{created.json()['JobId']}").json()
        seed_content = json.loads(json.loads(SEED_CREATE_BODY)["Content"])
        assert (job["UserCommand"], job["JobType"]) == ("echo hello", "PyTorchJob")      # locked
        assert job["JobSpecs"][0]["Image"] == seed_content["JobSpecs"][0]["Image"]         # locked
        assert job["JobSpecs"][0]["PodCount"] == 2                                        # the caller's spec
        assert (job["WorkspaceId"], job["ResourceType"]) == ("15****05", "ECS")           # from the Content
