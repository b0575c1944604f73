"""`Emulator.invoke`, the one way an operation runs: the wire pipeline, the journal's replay, the
demo and the console all reach the handlers through it (docs/architecture.md, "Running an
operation"). What could differ from the separate paths it replaced is tested here."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from fakepai import FakePAI, demo
from fakepai.emulator import Emulator, Settings
from fakepai.wire.auth import Principal

DEMO_STATE = Path(__file__).resolve().parents[1] / "data" / "demo_state.json"
T = 1_780_000_000.0               # the instant the demo account below is opened and read at
VERSIONS = {"PaiStudio": "2022-01-12", "pai-dlc": "2020-12-03", "PaiPlugin": "2022-01-12"}
DEMO_LISTS = [
    ("PaiStudio", "ListTrainingJobs", {"WorkspaceId": "12345", "PageSize": 100}),
    ("pai-dlc", "ListJobs", {"WorkspaceId": "12345", "PageSize": 100}),
    ("pai-dlc", "ListJobTemplates", {"WorkspaceId": "12345"}),
    ("pai-dlc", "ListTensorboards", {"WorkspaceId": "12345"}),
    ("PaiPlugin", "ListCampaigns", {}),
    ("PaiPlugin", "ListTrainingJobs", {}),
]


def demo_state() -> dict:
    """What the demo makes in a fresh account opened at T (seed 0), as the API lists it then;
    request ids and the server's own address left out."""
    out = {}
    with FakePAI(demo=True, rate_limit=False) as pai:
        pai.set_clock(now=T, speed=0)
        with pai.http(bearer="demo-digest") as http:
            for product, action, params in DEMO_LISTS:
                r = http.get(f"/api/{product}/{VERSIONS[product]}/{action}", params=params)
                assert r.status_code == 200, r.text
                body = json.loads(r.text.replace(pai.url, "http://HOST").replace(pai.endpoint, "HOST"))
                body.pop("RequestId", None)
                out[f"{product} {action}"] = body
    return out


def test_the_demo_makes_what_it_made_through_direct_handler_calls():
    """tests/data/demo_state.json was written by the demo of before, which called the handlers
    itself with unbound dicts; through `Emulator.invoke` (bound, journaled) it makes the same
    resources with the same ids, times and fields. It was rewritten once since, for one deliberate
    change: the two running jobs are made a little in the past (Running from the start). Rewrite
    it (`python -m tests.server.test_invoke`) only for such a change, and read the diff."""
    assert demo_state() == json.loads(DEMO_STATE.read_text(encoding="utf-8"))


def test_a_demo_call_that_fails_is_raised_never_skipped(monkeypatch):
    monkeypatch.setattr(demo, "_TRAINING_JOBS", [("demo-broken", "no-such-outcome", 0)])
    with pytest.raises(demo.DemoError, match="PaiStudio CreateTrainingJob was refused .*InvalidParameter"):
        Emulator(Settings(demo=True))


def test_a_failing_demo_is_a_500_for_the_call_that_opens_the_account(monkeypatch, tmp_path):
    """With a state file the demo is made on an account's first call: a broken demo is fakepai's
    bug, answered 500 InternalError, not the client's 400."""
    monkeypatch.setattr(demo, "_TRAINING_JOBS", [("demo-broken", "no-such-outcome", 0)])
    with FakePAI(demo=True, state_file=str(tmp_path / "state.pkl"), rate_limit=False) as pai:
        with pai.http(bearer="first") as http:
            r = http.get("/api/PaiStudio/2022-01-12/ListTrainingJobs")
    assert (r.status_code, r.json()["Code"]) == (500, "InternalError")


def test_the_demo_made_at_start_follows_the_phase_profile():
    """The accounts opened at start get the demo through the same call as any request, so under
    the same `--phase-seconds` (before, those plans were made without it)."""
    with FakePAI(demo=True, phase_seconds={"Creating": 3600}, rate_limit=False) as pai:
        with pai.http() as http:       # the README's key `test` is opened at start: use its account
            http.headers["Authorization"] = "Bearer test"
            jobs = http.get("/api/PaiStudio/2022-01-12/ListTrainingJobs", params={"WorkspaceId": "12345"}).json()
    statuses = {j["TrainingJobName"]: j["Status"] for j in jobs["TrainingJobs"]}
    assert statuses["demo-mnist-succeeded"] == "Creating"     # made 10 minutes ago; Creating lasts an hour


JOB = {"TrainingJobName": "kept", "WorkspaceId": "12345", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"}
TEMPLATE_CONTENT = {"JobType": "PyTorchJob", "UserCommand": "python train.py", "Priority": 3,
                    "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": "img:1", "EcsSpec": "ecs.gn7i-c8g1.2xlarge"}]}


def _run(emu: Emulator, who: Principal, product: str, action: str, params: dict, n: int) -> dict:
    return emu.invoke(emu.catalog.get(product, action), who, params, request_id=f"r{n}")


def _made(emu: Emulator, who: Principal, dlc_job: str) -> tuple:
    """What was made, whatever the clock says now: ids, names, creation times, a job's merge."""
    jobs = _run(emu, who, "PaiStudio", "ListTrainingJobs", {"PageSize": 100}, 0)["TrainingJobs"]
    job = _run(emu, who, "pai-dlc", "GetJob", {"JobId": dlc_job}, 0)
    return ([(j["TrainingJobId"], j["TrainingJobName"], j["GmtCreateTime"]) for j in jobs],
            (job["JobId"], job["Priority"], job["UserCommand"], job["GmtCreateTime"]))


def test_writes_that_open_a_demo_account_replay_after_a_crash_to_the_same_ids(tmp_path):
    """An account's first call may be a write or a read: the demo fills the account inside it
    (one journal record covers the demo's own writes), then the call runs. Replayed through the
    same call, every id comes out the same, and a job made from a template still takes the
    template's Priority (the binder's default is not something the caller sent:
    `Params.supplied` is kept in the journal)."""
    state = tmp_path / "state.pkl"

    def start() -> Emulator:
        return Emulator(Settings(demo=True, state_file=str(state), durability="write", rate_limit=False))

    who, reader = Principal("replayed", "replayed", "bearer"), Principal("reads-first", "reads-first", "bearer")
    emu = start()
    _run(emu, who, "PaiStudio", "CreateTrainingJob", JOB, 1)
    _run(emu, reader, "PaiStudio", "ListTrainingJobs", {}, 4)
    _run(emu, reader, "PaiStudio", "CreateTrainingJob", JOB, 5)
    template = _run(emu, who, "pai-dlc", "CreateJobTemplate", {
        "TemplateName": "t", "WorkspaceId": "12345", "Content": json.dumps(TEMPLATE_CONTENT)}, 2)["TemplateId"]
    job = _run(emu, who, "pai-dlc", "CreateJob", {
        "DisplayName": "from-template", "JobType": "PyTorchJob", "WorkspaceId": "12345",
        "TemplateId": template}, 3)["JobId"]
    made, issued = _made(emu, who, job), emu.ids.issued
    assert len(made[0]) == 4 and made[1][1:3] == (3, "python train.py")    # the demo's three, and ours
    emu.journal._unlock()             # as the kernel does for a killed server: no compaction, no snapshot
    again = start()
    assert again.ids.issued == issued
    assert _made(again, who, job) == made
    assert len(_run(again, reader, "PaiStudio", "ListTrainingJobs", {}, 6)["TrainingJobs"]) == 4
    again.journal._unlock()


if __name__ == "__main__":         # rewrite the golden file after a deliberate change to the demo
    DEMO_STATE.write_text(json.dumps(demo_state(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    sys.exit(0)
