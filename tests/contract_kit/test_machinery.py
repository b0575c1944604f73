"""The contract kit's own machinery: the signer against strict auth (so live mode is right by
construction), target selection and credentials, live safety (read-only, budget, skip without
credentials), cleanup and sweeping, the CLI, recording and drift."""
from __future__ import annotations

import json
import os

import pytest

from contract_tests.client import BudgetExhausted, KitClient
from contract_tests.drift import compare_recordings, main as drift_main
from contract_tests.kit import Kit, Options
from contract_tests.recording import Sanitizer
from contract_tests.resources import PREFIX
from contract_tests.target import LIVE_CREDENTIALS_MISSING, Credential, Target, make_target
from fakepai.server import FakePAI

AK, SK, STS = "LTAIkitTestKey", "kit-test-secret", "kit-sts-token"


def _target(pai: FakePAI, credential: Credential | None, kind: str = "url", run_id: str = "t0") -> Target:
    urls = {p: pai.url for p in ("PaiStudio", "pai-dlc", "PaiPlugin")}
    return Target(kind, urls, credential, "12345", "cn-hangzhou", run_id, control_url=pai.url)


@pytest.fixture(scope="module")
def strict_pai():
    creds = {"accessKeys": [{"accessKeyId": AK, "accessKeySecret": SK},
                            {"accessKeyId": AK + "Sts", "accessKeySecret": SK, "securityToken": STS}]}
    with FakePAI(auth="strict", credentials=creds, rate_limit=False) as pai:
        yield pai


# ------------------------------------------------------------------------------- signing

SIGNED_CALLS = [
    ("PaiStudio", "ListTrainingJobs", {"WorkspaceId": "12345", "TrainingJobName": "a b+c/ü~*'()", "PageSize": 5,
                                       "Labels": {"team": "x y"}, "IsTempAlgo": True}),
    ("PaiStudio", "CreateAlgorithm", {"AlgorithmName": "kit-algo", "DisplayName": "Kit algo & co",
                                      "WorkspaceId": "12345"}),                                        # form body
    ("pai-dlc", "CreateJobTemplate", {"TemplateName": "kit-tpl", "WorkspaceId": "12345",
                                      "Content": json.dumps({"JobType": "PyTorchJob", "UserCommand": "echo é",
                                                             "JobSpecs": [{"Type": "Worker", "PodCount": 1,
                                                                           "Image": "img", "EcsSpec": "ecs.c6.large"}]})}),
    ("PaiPlugin", "CreateCampaign", {"Name": "kit campaign", "Remark": "ünïcode"}),
]


@pytest.mark.parametrize("product,action,params", SIGNED_CALLS, ids=[c[1] for c in SIGNED_CALLS])
def test_kit_signatures_pass_strict_auth_and_wrong_secrets_fail(strict_pai, product, action, params):
    good = KitClient(_target(strict_pai, Credential("ak", AK, SK)))
    ex = good.call(product, action, params)
    assert ex.ok, ex.text
    bad = KitClient(_target(strict_pai, Credential("ak", AK, SK + "x")))
    ex = bad.call(product, action, params)
    assert ex.status == 400 and ex.code == "SignatureDoesNotMatch", ex.text


def test_kit_signs_sts_tokens(strict_pai):
    ok = KitClient(_target(strict_pai, Credential("ak", AK + "Sts", SK, security_token=STS)))
    assert ok.call("pai-dlc", "ListJobTemplates", {"WorkspaceId": "12345"}).ok
    wrong = KitClient(_target(strict_pai, Credential("ak", AK + "Sts", SK, security_token="other")))
    assert wrong.call("pai-dlc", "ListJobTemplates", {"WorkspaceId": "12345"}).status == 401


# ------------------------------------------------------------------------------- targets

def test_live_target_uses_regional_https_hosts_and_env_credentials():
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIabcd", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s3cret",
           "ALIBABA_CLOUD_SECURITY_TOKEN": "tok", "PAI_WORKSPACE_ID": "86995"}
    t = make_target("live", region="cn-shanghai", env=env)
    assert t.base_urls == {"PaiStudio": "https://pai.cn-shanghai.aliyuncs.com",
                           "pai-dlc": "https://pai-dlc.cn-shanghai.aliyuncs.com",
                           "PaiPlugin": "https://paiplugin.cn-shanghai.aliyuncs.com"}
    assert t.credential.kind == "ak" and t.credential.security_token == "tok"
    assert t.workspace_id == "86995" and t.skip_reason is None
    assert "s3cret" not in t.describe() and "s3cret" not in repr(t) and "tok" not in repr(t.credential)
    hz = make_target("live", region="cn-hangzhou", env=env, endpoints={"PaiStudio": "pai.cn-hangzhou.data.aliyun.com"})
    assert hz.base_urls["PaiStudio"] == "https://pai.cn-hangzhou.data.aliyun.com"
    bearer = make_target("live", env={"DASHSCOPE_API_KEY": "sk-123", "PAI_WORKSPACE_ID": "1"})
    assert bearer.credential.kind == "bearer" and "sk-123" not in bearer.describe()


def test_live_target_without_credentials_or_workspace_names_what_is_missing():
    assert make_target("live", env={}).skip_reason == LIVE_CREDENTIALS_MISSING
    assert make_target("live", env={"DASHSCOPE_API_KEY": "x"}).skip_reason == LIVE_CREDENTIALS_MISSING


def test_url_target_never_receives_live_credentials(strict_pai):
    t = make_target(strict_pai.url, env={"DASHSCOPE_API_KEY": "sk-live", "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIlive",
                                         "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "live"})
    assert t.credential.kind == "bearer" and t.credential.secret.startswith("fakepai-ct-")
    assert t.is_emulator
    with pytest.raises(ValueError):
        make_target("ftp://example.com")


def test_url_target_steers_an_emulator_that_has_an_admin_token():
    with FakePAI(admin_token="kit-admin-token", rate_limit=False) as pai:
        before = pai.now()
        t = make_target(pai.url, env={"FAKEPAI_ADMIN_TOKEN": "kit-admin-token"})
        try:
            t.advance(600)
        finally:
            t.close()
        assert pai.now() - before >= 600


@pytest.fixture
def clean_env(monkeypatch):
    """No live credentials in the environment (the kit must never find the developer's own)."""
    for name in list(os.environ):
        if name.startswith(("ALIBABA_CLOUD_", "DASHSCOPE", "PAI_", "FAKEPAI_CT_")):
            monkeypatch.delenv(name)
    return monkeypatch


def _kit_run(args: list[str]) -> int:
    """Run the kit in this process, as `pytest --pyargs contract_tests …` would (a fresh session)."""
    return int(pytest.main(["-p", "no:cacheprovider", "--pyargs", "contract_tests", *args]))


def test_live_run_without_credentials_skips_with_one_message_when_allowed(tmp_path, clean_env, capsys):
    report = tmp_path / "r.md"
    assert _kit_run(["--pai-target", "live", "--pai-allow-skip", "-rs", "-q", "--pai-report", str(report)]) == 0
    out = capsys.readouterr().out
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1 and LIVE_CREDENTIALS_MISSING in skipped[0], skipped
    assert " passed" not in out and " skipped" in out
    assert LIVE_CREDENTIALS_MISSING in report.read_text()


# ------------------------------------------------------------------------------- live safety

@pytest.fixture
def emulator():
    with FakePAI(auth="any", rate_limit=False) as pai:
        yield pai


def test_live_mode_is_read_only_by_default(emulator):
    """A live-kind target (pointed at a local emulator, so nothing leaves the machine) creates
    nothing: mutating operations skip with the reason, reads borrow an existing resource."""
    owner = KitClient(_target(emulator, Credential("bearer", secret="owner")))
    created = owner.call("pai-dlc", "CreateJobTemplate", {"TemplateName": "users-own", "WorkspaceId": "12345",
                                                          "Content": json.dumps({"JobType": "PyTorchJob",
                                                                                 "JobSpecs": [{"Type": "Worker"}]})})
    assert created.ok, created.text
    kit = Kit(_target(emulator, Credential("bearer", secret="owner"), kind="live"), Options())
    assert kit.client.pacer.enabled
    with pytest.raises(pytest.skip.Exception, match="read-only unless --pai-allow-mutations"):
        kit.prepare(kit.op("pai-dlc", "UpdateJobTemplate"))
    prepared = kit.prepare(kit.op("pai-dlc", "GetJobTemplate"))
    assert prepared.params["TemplateId"] == created.data["TemplateId"] and not prepared.resource.owned
    kit.close()
    assert owner.call("pai-dlc", "GetJobTemplate", {"TemplateId": created.data["TemplateId"]}).ok  # untouched


def test_request_budget_stops_the_run_but_not_the_cleanup(emulator):
    kit = Kit(_target(emulator, Credential("bearer", secret="budget")), Options(max_requests=1))
    with kit.resources.scope():
        campaign = kit.resources.create("PaiPlugin.Campaign")
        with pytest.raises(BudgetExhausted):
            kit.client.call("PaiPlugin", "ListCampaigns", {})
    assert campaign.deleted and not kit.resources.leaks
    kit.close()


def test_cleanup_deletes_what_the_kit_created_and_sweeping_spares_the_rest(emulator):
    cred = Credential("bearer", secret="sweep")
    kit = Kit(_target(emulator, cred, run_id="sweep1"), Options())
    other = kit.client.call("PaiPlugin", "CreateCampaign", {"Name": "not-the-kits"}, observe=False)
    with kit.resources.scope():
        job = kit.resources.create("pai-dlc.Job")        # running jobs are stopped before deleting
        kit.resources.ensure_state(job, "running")
    assert kit.client.call("pai-dlc", "GetJob", {"JobId": job.id}).status == 404
    leftover = kit.client.call("PaiPlugin", "CreateCampaign", {"Name": PREFIX + "sweep1-leftover"}, observe=False)
    kit.close()                                          # sweeps this run's prefix
    ids = {c["Id"] for c in KitClient(_target(emulator, cred)).call("PaiPlugin", "ListCampaigns", {}).data["Data"]["Campaigns"]}
    assert other.data["Data"]["Id"] in ids and leftover.data["Data"]["Id"] not in ids


# ------------------------------------------------------------------------------- CLI, recording, drift

def test_sanitizer_normalises_ids_times_request_ids_and_run_id():
    s = Sanitizer("run42")
    doc = {"JobId": "dlcabc123def456", "RequestId": "A-B", "GmtCreateTime": "2024-01-02T03:04:05Z",
           "CreatedTime": "2024-01-02 03:04:05", "Time": 1616987726587, "DisplayName": "fakepai-ct-run42-job-1",
           "Events": ["pod dlcabc123def456-worker-0 started"], "PodCount": 2}
    s.learn(doc)
    assert s.doc(doc) == {"JobId": "<id>", "RequestId": "<request-id>", "GmtCreateTime": "<timestamp>",
                          "CreatedTime": "<timestamp>", "Time": "<timestamp>", "DisplayName": "fakepai-ct-<run>-job-1",
                          "Events": ["pod <id>-worker-0 started"], "PodCount": 2}


def test_conformance_cli_records_and_two_targets_show_no_drift(tmp_path, emulator, clean_env):
    """`fakepai conformance` against a URL emulator and against the in-process fake record the
    same sanitised exchanges; `fakepai drift` finds nothing, and finds a planted difference."""
    from fakepai.cli import main as cli
    token = "kit-cli-token"
    clean_env.setenv("FAKEPAI_CT_DASHSCOPE_API_KEY", token)
    runs = {}
    for name, target in (("url", emulator.url), ("fake", "fake")):
        rec, report = tmp_path / f"rec-{name}", tmp_path / f"{name}.md"
        code = cli(["conformance", "--target", target, "--report", str(report), "-q", "-p", "no:cacheprovider",
                    "-k", "Campaign", "--pai-record", str(rec)])
        assert code == 0, report.read_text() if report.exists() else "no report"
        assert "| PaiPlugin | CreateCampaign | **passed** |" in report.read_text()
        runs[name] = rec
    recorded = list(runs["url"].rglob("*.json"))
    assert recorded and not any("authorization" in p.read_text().lower() or token in p.read_text() for p in recorded)
    # Everything the URL run created is gone from its account.
    assert KitClient(_target(emulator, Credential("bearer", secret=token))).call(
        "PaiPlugin", "ListCampaigns", {}).data["Data"]["TotalCount"] == 0

    assert compare_recordings(runs["url"], runs["fake"]) == []
    planted = next(p for p in recorded if p.name.startswith("PaiPlugin.GetCampaign"))
    doc = json.loads(planted.read_text())
    doc["response"]["body"]["Data"]["Name"] = 7
    planted.write_text(json.dumps(doc))
    divergences = compare_recordings(runs["url"], runs["fake"])
    assert [(d.operation, d.path, d.kind) for d in divergences] == [("PaiPlugin GetCampaign", "$.Data.Name", "type")]
    assert drift_main(str(runs["url"]), str(runs["fake"])) == 1
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"accepted": [{"operation": "PaiPlugin GetCampaign", "path": "$.Data.Name"}]}))
    assert drift_main(str(runs["url"]), str(runs["fake"]), baseline=str(baseline)) == 0


def test_the_whole_kit_passes_against_the_emulator(tmp_path):
    """`fakepai conformance` (the whole kit) against the in-process fake: every operation the
    emulator implements passes; the only acceptable skip is an operation it does not implement."""
    report = tmp_path / "conformance.json"
    code = _kit_run(["--pai-target", "fake", "-q", "--pai-report", str(report)])
    data = json.loads(report.read_text())
    verdicts = {op: entry["result"] for op, entry in data["operations"].items()}
    failed = {op: [t["details"] for t in entry["tests"] if t["outcome"] == "failed"]
              for op, entry in data["operations"].items() if entry["result"] == "failed"}
    assert code == 0 and not failed, failed
    assert set(verdicts.values()) <= {"passed", "skipped"}, verdicts
    reasons = {d for entry in data["operations"].values() for t in entry["tests"] if t["outcome"] == "skipped"
               for d in t["details"]}
    assert all(r.startswith("not implemented by target") for r in reasons), reasons
    assert not data["leaks"]
