"""`fakepai serve --demo`: a demo workspace (12345) in every account, the first time it is seen.
The accounts of the README's examples (access key `test`, bearer token `test`) exist from the
start (and again after a reset), so the console shows the demo before any client has called;
with a state file they are made on their first call, like every other account.

The demo is made through the same handlers a client would call, so it is exactly what the API
would have produced: in PaiStudio a training job that already succeeded, one that failed and one
that runs now; in pai-dlc a finished job, a running one, one that restarts after faults, a job
template and a TensorBoard; in PaiPlugin a campaign with a training job.
"""
from __future__ import annotations

from fakepai.emulator import Emulator
from fakepai.errors import PaiError
from fakepai.services.registry import Context, handler_for, operator_context
from fakepai.state.store import AccountState
from fakepai.wire.auth import token_fingerprint

DEMO_WORKSPACE = "12345"
# The README's access key id and the account its `Authorization: Bearer test` curl lands in.
START_ACCOUNTS = ("test", token_fingerprint("test"))

_TRAINING_JOBS = [
    ("demo-mnist-succeeded", "succeed@5", -600),
    ("demo-resnet-failed", "fail", -300),
    ("demo-llm-finetune-running", "succeed@3600", 0),
]


def install_demo(emulator: Emulator) -> None:
    emulator.world.on_new_account = lambda account: _seed(emulator, account)
    # With --state-file the journal replays every write with the ids it drew, so the demo may only
    # be made inside journaled requests (an account's first call), never ahead of them.
    if not emulator.settings.state_file:
        emulator.world.start_accounts = START_ACCOUNTS
        emulator.world.open_start_accounts()


def _call(ctx: Context, product: str, action: str, params: dict):
    handler = handler_for(product, action)
    if handler is None:
        return None
    try:
        return handler(ctx, params)
    except PaiError:
        return None


def _context(emulator: Emulator, account: AccountState, offset: float) -> Context:
    return operator_context(emulator, account, request_id="demo", clock=_Shifted(emulator.clock, offset))


_DLC_SPEC = {"Type": "Worker", "PodCount": 1, "EcsSpec": "ecs.gn7i-c8g1.2xlarge",
             "Image": "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch:2.1.2-gpu-py310-cu121-ubuntu22.04"}


def _seed(emulator: Emulator, account: AccountState) -> None:
    _seed_paistudio(emulator, account)
    _seed_dlc(emulator, account)
    _seed_paiplugin(emulator, account)


def _seed_dlc(emulator: Emulator, account: AccountState) -> None:
    past, now = _context(emulator, account, -900), _context(emulator, account, 0)
    finished = _call(past, "pai-dlc", "CreateJob", {
        "DisplayName": "demo-dlc-finished", "JobType": "PyTorchJob", "WorkspaceId": DEMO_WORKSPACE,
        "UserCommand": "python train.py --epochs 3", "JobSpecs": [_DLC_SPEC],
        "Settings": {"Tags": {"fakepai.outcome": "succeed@120"}}})
    _call(now, "pai-dlc", "CreateJob", {
        "DisplayName": "demo-dlc-running", "JobType": "PyTorchJob", "WorkspaceId": DEMO_WORKSPACE,
        "UserCommand": "torchrun train.py", "JobSpecs": [dict(_DLC_SPEC, PodCount=2)],
        "Settings": {"EnableSanityCheck": True, "Tags": {"fakepai.outcome": "succeed@3600"}}})
    # Recovered from one fault already, and another is due about a minute after start-up.
    _call(past, "pai-dlc", "CreateJob", {
        "DisplayName": "demo-dlc-restarting", "JobType": "PyTorchJob", "WorkspaceId": DEMO_WORKSPACE,
        "UserCommand": "torchrun train.py", "JobSpecs": [dict(_DLC_SPEC, PodCount=2)],
        "Settings": {"EnableErrorMonitoringInAIMaster": True,
                     "Tags": {"fakepai.outcome": "succeed@3600+restarts=30s,900s"}}})
    _call(now, "pai-dlc", "CreateJobTemplate", {
        "TemplateName": "demo-pytorch-template", "WorkspaceId": DEMO_WORKSPACE, "Description": "A demo template",
        "Content": '{"JobType":"PyTorchJob","UserCommand":"echo hello","JobSpecs":[{"Type":"Worker","PodCount":1,'
                   '"Image":"' + _DLC_SPEC["Image"] + '","EcsSpec":"ecs.gn7i-c8g1.2xlarge"}]}',
        "Constraints": {"JobSpecs[0].Image": "locked", "JobType": "locked"}})
    if finished:
        _call(now, "pai-dlc", "CreateTensorboard", {
            "JobId": finished["JobId"], "WorkspaceId": DEMO_WORKSPACE, "DisplayName": "demo-tensorboard",
            "SummaryPath": "oss://demo-bucket.oss-cn-hangzhou-internal.aliyuncs.com/demo/tensorboard/"})


def _seed_paiplugin(emulator: Emulator, account: AccountState) -> None:
    ctx = _context(emulator, account, -600)
    campaign = _call(ctx, "PaiPlugin", "CreateCampaign", {"Name": "demo-campaign", "Remark": "demo"})
    if campaign:
        _call(ctx, "PaiPlugin", "CreateTrainingJob", {
            "Name": "demo-user-recall", "Algorithm": "user_recall", "CampaignId": campaign["Id"],
            "DataPath": "oss://demo-bucket/plugin/data/", "Remark": "demo",
            "UserConfig": '{"start_date": "2026-01-01", "end_date": "2026-01-31"}'})


def _seed_paistudio(emulator: Emulator, account: AccountState) -> None:
    for name, outcome, offset in _TRAINING_JOBS:
        ctx = _context(emulator, account, offset)
        _call(ctx, "PaiStudio", "CreateTrainingJob", {
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
