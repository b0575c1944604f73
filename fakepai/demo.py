"""`fakepai serve --demo`: a demo workspace (12345) in every account, the first time it is seen.
The accounts of the README's examples (access key `test`, bearer token `test`) exist from the
start (and again after a reset), so the console shows the demo before any client has called;
with a state file they are made on their first call, like every other account.

The demo is made through the same call a client's request reaches (`Emulator.invoke`: bound
against the schema, journaled with the account), so it is exactly what the API would have
produced, and a demo call that fails is a bug that is raised, never skipped: in PaiStudio a training job that already succeeded, one that failed and one
that runs now; in pai-dlc a finished job, a running one, one that restarts after faults, a job
template and a TensorBoard; in PaiPlugin a campaign with a training job.
"""
from __future__ import annotations

from fakepai.errors import PaiError
from fakepai.state.store import AccountState
from fakepai.wire.auth import token_fingerprint

DEMO_WORKSPACE = "12345"
# The README's access key id and the account its `Authorization: Bearer test` curl lands in.
START_ACCOUNTS = ("test", token_fingerprint("test"))

# (name, outcome, created this many seconds before the account is opened). The running ones are
# made a little in the past, past their phases before Running (PaiStudio 8 s; pai-dlc at most
# about 90 s with its sanity check), so the console shows them Running from the start.
_TRAINING_JOBS = [
    ("demo-mnist-succeeded", "succeed@5", -600),
    ("demo-resnet-failed", "fail", -300),
    ("demo-llm-finetune-running", "succeed@3600", -60),
]


def install_demo(emulator) -> None:
    emulator.world.on_new_account = lambda account: _seed(emulator, account)
    # With --state-file the journal replays every write with the ids it drew, so the demo may only
    # be made inside journaled requests (an account's first call), never ahead of them.
    if not emulator.settings.state_file:
        emulator.world.start_accounts = START_ACCOUNTS
        emulator.world.open_start_accounts()


class _Caller:
    """Calls operations in one account, `offset` seconds away from now (demo jobs are made in the past)."""

    def __init__(self, emulator, account: AccountState, offset: float):
        self.emulator, self.account_id = emulator, account.account_id
        self.clock = _Shifted(emulator.clock, offset)

    def __call__(self, product: str, action: str, params: dict) -> dict:
        op = self.emulator.catalog.get(product, action)
        if op is None:
            raise DemoError(f"the demo calls {product} {action}, which the catalog does not have")
        try:
            return self.emulator.invoke(op, self.account_id, params, request_id="demo", clock=self.clock)
        except PaiError as e:
            # Not the client's error, though a client's first call may be what fills the account:
            # the pipeline answers it 500 InternalError and logs this.
            raise DemoError(f"the demo's {product} {action} was refused ({e}): fakepai/demo.py is wrong") from e


class DemoError(RuntimeError):
    """The demo could not be made: a bug in fakepai, never the caller's mistake."""


_DLC_SPEC = {"Type": "Worker", "PodCount": 1, "EcsSpec": "ecs.gn7i-c8g1.2xlarge",
             "Image": "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch:2.1.2-gpu-py310-cu121-ubuntu22.04"}


def _seed(emulator, account: AccountState) -> None:
    _seed_paistudio(emulator, account)
    _seed_dlc(emulator, account)
    _seed_paiplugin(emulator, account)


def _seed_dlc(emulator, account: AccountState) -> None:
    past, recent, now = _Caller(emulator, account, -900), _Caller(emulator, account, -120), _Caller(emulator, account, 0)
    finished = past("pai-dlc", "CreateJob", {
        "DisplayName": "demo-dlc-finished", "JobType": "PyTorchJob", "WorkspaceId": DEMO_WORKSPACE,
        "UserCommand": "python train.py --epochs 3", "JobSpecs": [_DLC_SPEC],
        "Settings": {"Tags": {"fakepai.outcome": "succeed@120"}}})
    recent("pai-dlc", "CreateJob", {
        "DisplayName": "demo-dlc-running", "JobType": "PyTorchJob", "WorkspaceId": DEMO_WORKSPACE,
        "UserCommand": "torchrun train.py", "JobSpecs": [dict(_DLC_SPEC, PodCount=2)],
        "Settings": {"EnableSanityCheck": True, "Tags": {"fakepai.outcome": "succeed@3600"}}})
    # Recovered from one fault already, and another is due about a minute after start-up.
    past("pai-dlc", "CreateJob", {
        "DisplayName": "demo-dlc-restarting", "JobType": "PyTorchJob", "WorkspaceId": DEMO_WORKSPACE,
        "UserCommand": "torchrun train.py", "JobSpecs": [dict(_DLC_SPEC, PodCount=2)],
        "Settings": {"EnableErrorMonitoringInAIMaster": True,
                     "Tags": {"fakepai.outcome": "succeed@3600+restarts=30s,900s"}}})
    now("pai-dlc", "CreateJobTemplate", {
        "TemplateName": "demo-pytorch-template", "WorkspaceId": DEMO_WORKSPACE, "Description": "A demo template",
        "Content": '{"JobType":"PyTorchJob","UserCommand":"echo hello","JobSpecs":[{"Type":"Worker","PodCount":1,'
                   '"Image":"' + _DLC_SPEC["Image"] + '","EcsSpec":"ecs.gn7i-c8g1.2xlarge"}]}',
        "Constraints": {"JobSpecs[0].Image": "locked", "JobType": "locked"}})
    now("pai-dlc", "CreateTensorboard", {
        "JobId": finished["JobId"], "WorkspaceId": DEMO_WORKSPACE, "DisplayName": "demo-tensorboard",
        "SummaryPath": "oss://demo-bucket.oss-cn-hangzhou-internal.aliyuncs.com/demo/tensorboard/"})


def _seed_paiplugin(emulator, account: AccountState) -> None:
    call = _Caller(emulator, account, -600)
    campaign = call("PaiPlugin", "CreateCampaign", {"Name": "demo-campaign", "Remark": "demo"})
    call("PaiPlugin", "CreateTrainingJob", {
        "Name": "demo-user-recall", "Algorithm": "user_recall", "CampaignId": campaign["Id"],
        "DataPath": "oss://demo-bucket/plugin/data/", "Remark": "demo",
        "UserConfig": '{"start_date": "2026-01-01", "end_date": "2026-01-31"}'})


def _seed_paistudio(emulator, account: AccountState) -> None:
    for name, outcome, offset in _TRAINING_JOBS:
        _Caller(emulator, account, offset)("PaiStudio", "CreateTrainingJob", {
            "TrainingJobName": name, "WorkspaceId": DEMO_WORKSPACE,
            "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai", "AlgorithmVersion": "v0.1.0",
            "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": 1},
            "OutputChannels": [{"Name": "model", "OutputUri": f"oss://demo-bucket.oss-cn-hangzhou-internal.aliyuncs.com/{name}/model/"}],
            "Labels": [{"Key": "fakepai.outcome", "Value": outcome}, {"Key": "project", "Value": "demo"}],
        })


class _Shifted:
    """The emulator's clock, seen `offset` seconds away: demo jobs are created in the past."""

    def __init__(self, clock, offset: float):
        self._clock, self._offset = clock, offset

    def now(self) -> float:
        return self._clock.now() + self._offset
