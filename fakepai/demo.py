"""`fakepai serve --demo`: a demo workspace (12345) in every account, the first time it is seen.

The demo is made through the same handlers a client would call, so it is exactly what the API
would have produced: a job that already succeeded, one that failed, and one that runs now.
"""
from __future__ import annotations

from fakepai.emulator import Emulator
from fakepai.errors import PaiError
from fakepai.services.registry import Context, handler_for
from fakepai.state.store import AccountState, user_id_for

DEMO_WORKSPACE = "12345"

_TRAINING_JOBS = [
    ("demo-mnist-succeeded", "succeed@5", -600),
    ("demo-resnet-failed", "fail", -300),
    ("demo-llm-finetune-running", "succeed@3600", 0),
]


def install_demo(emulator: Emulator) -> None:
    emulator.world.on_new_account = lambda account: _seed(emulator, account)


def _call(ctx: Context, product: str, action: str, params: dict):
    handler = handler_for(product, action)
    if handler is None:
        return None
    try:
        return handler(ctx, params)
    except PaiError:
        return None


def _seed(emulator: Emulator, account: AccountState) -> None:
    clock = emulator.clock
    for name, outcome, offset in _TRAINING_JOBS:
        ctx = Context(account=account, clock=_Shifted(clock, offset), ids=emulator.ids, request_id="demo",
                      account_id=account.account_id, region=emulator.settings.region,
                      user_id=user_id_for(account.account_id), check_workspace=lambda ws: None)
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
