"""The small tables that turn schemas into runnable cases.

`KINDS`: how each resource is created, read, stopped, deleted and listed. `RECIPES`: for the
operations where a valid request cannot be derived from the schema alone, the resource the path
names (and the state it must be in) and the parameter values that make the request meaningful.
Every other operation gets a derived recipe (see `recipe_for`): path parameters from the resource
its `x-operation.resource` names — a fresh one for mutating operations, the session's shared one
for reads — and minimal values for the remaining required parameters.

Values below are the smallest real-looking ones (live mode sends them to PAI): the cheapest ECS
spec, a public PyTorch image, a command that prints one metric line and exits.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from fakepai.catalog import Operation

from contract_tests.resources import Kind, Resource, ResourceManager, dig
from contract_tests.values import minimal_params
from contract_tests.vocabulary import DLC_JOB, DLC_TENSORBOARD, PAISTUDIO_TRAINING_JOB

IMAGE = "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:1.12-cpu-py39-ubuntu20.04"
ECS_SPEC = "ecs.c6.large"
COMMAND = "python -c \"print('epoch 1 train:loss=0.5')\""
OSS = "oss://fakepai-ct.oss-cn-hangzhou.aliyuncs.com/fakepai-ct/"


def algorithm_spec() -> dict:
    return {"Command": ["python", "-c", "print('epoch 1 train:loss=0.5')"], "Image": IMAGE, "JobType": "PyTorchJob",
            "MetricDefinitions": [{"Name": "loss", "Regex": r".*train:loss=([-+]?[0-9]*\.?[0-9]+).*"}],
            "SupportedInstanceTypes": [ECS_SPEC]}


def job_content() -> dict:
    return {"JobType": "PyTorchJob", "UserCommand": "echo fakepai-ct",
            "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": IMAGE, "EcsSpec": ECS_SPEC}]}


def _ws(mgr: ResourceManager) -> str:
    return mgr.target.workspace_id


def _run_label(mgr: ResourceManager) -> dict:
    return {"fakepai-ct-run": mgr.target.run_id}


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("PaiStudio.TrainingJob", "PaiStudio", "CreateTrainingJob",
         lambda m, name, deps: {
             "TrainingJobName": name, "WorkspaceId": _ws(m), "AlgorithmSpec": algorithm_spec(),
             "ComputeResource": {"EcsSpec": ECS_SPEC, "EcsCount": 1},
             "OutputChannels": [{"Name": "model", "OutputUri": OSS + name + "/"}],
             "Labels": [{"Key": "fakepai-ct-run", "Value": m.target.run_id}],
             "Scheduler": {"MaxRunningTimeInSeconds": 3600}},
         id_path="TrainingJobId", id_param="TrainingJobId", get="GetTrainingJob", delete="DeleteTrainingJob",
         stop="StopTrainingJob", list="ListTrainingJobs", list_items="TrainingJobs", list_id="TrainingJobId",
         list_name="TrainingJobName", name_param="TrainingJobName", status_path="Status",
         running=frozenset({"Running"}),
         terminal=frozenset({"Succeed", "Failed", "Terminated", "CreateFailed", "InitializeFailed"}),
         deletable=frozenset({"Succeed", "Failed", "Terminated", "CreateFailed", "InitializeFailed"})),
    Kind("PaiStudio.Algorithm", "PaiStudio", "CreateAlgorithm",
         lambda m, name, deps: {"AlgorithmName": name, "DisplayName": name, "WorkspaceId": _ws(m),
                                "AlgorithmDescription": "created by the fakepai contract kit"},
         id_path="AlgorithmId", id_param="AlgorithmId", get="GetAlgorithm", delete="DeleteAlgorithm",
         list="ListAlgorithms", list_items="Algorithms", list_id="AlgorithmId", list_name="AlgorithmName",
         name_param="AlgorithmName"),
    Kind("PaiStudio.AlgorithmVersion", "PaiStudio", "CreateAlgorithmVersion",
         lambda m, name, deps: {"AlgorithmId": deps["AlgorithmId"].id, "AlgorithmVersion": "v" + name.rsplit("-", 1)[-1] + ".0.0",
                                "AlgorithmSpec": algorithm_spec()},
         id_path="AlgorithmVersion", id_param="AlgorithmVersion", get="GetAlgorithmVersion",
         delete="DeleteAlgorithmVersion", list="ListAlgorithmVersions", list_items="AlgorithmVersions",
         list_id="AlgorithmVersion", needs={"AlgorithmId": "PaiStudio.Algorithm"}, parent_params=("AlgorithmId",)),
    Kind("pai-dlc.Job", "pai-dlc", "CreateJob",
         lambda m, name, deps: {"DisplayName": name, "WorkspaceId": _ws(m), **job_content(),
                                "Settings": {"Tags": _run_label(m)}},
         id_path="JobId", id_param="JobId", get="GetJob", delete="DeleteJob", stop="StopJob", list="ListJobs",
         list_items="Jobs", list_id="JobId", list_name="DisplayName", name_param="DisplayName", status_path="Status",
         running=frozenset({"Running"}), terminal=frozenset({"Succeeded", "Failed", "Stopped"}),
         deletable=frozenset({"Succeeded", "Failed", "Stopped"})),
    Kind("pai-dlc.JobTemplate", "pai-dlc", "CreateJobTemplate",
         lambda m, name, deps: {"TemplateName": name, "WorkspaceId": _ws(m), "Content": json.dumps(job_content()),
                                "Description": "created by the fakepai contract kit", "Metadata": _run_label(m)},
         id_path="TemplateId", id_param="TemplateId", get="GetJobTemplate", delete="DeleteJobTemplate",
         list="ListJobTemplates", list_items="JobTemplates", list_id="TemplateId", list_name="TemplateName",
         name_param="TemplateName"),
    Kind("pai-dlc.Tensorboard", "pai-dlc", "CreateTensorboard",
         lambda m, name, deps: {"DisplayName": name, "WorkspaceId": _ws(m), "JobId": deps["JobId"].id,
                                "SummaryRelativePath": "tensorboard/", "MaxRunningTimeMinutes": 240},
         id_path="TensorboardId", id_param="TensorboardId", get="GetTensorboard", delete="DeleteTensorboard",
         stop="StopTensorboard", list="ListTensorboards", list_items="Tensorboards", list_id="TensorboardId",
         list_name="DisplayName", name_param="DisplayName", status_path="Status",
         running=frozenset({"Running"}), terminal=frozenset({"Stopped", "Failed", "Creating_Failed", "Deleted"}),
         deletable=frozenset({"Stopped", "Failed", "Creating_Failed"}), needs={"JobId": "pai-dlc.Job"}),
    Kind("PaiPlugin.Campaign", "PaiPlugin", "CreateCampaign",
         lambda m, name, deps: {"Name": name, "Remark": f"fakepai contract kit run {m.target.run_id}"},
         id_path="Data.Id", id_param="Id", get="GetCampaign", delete="DeleteCampaign", list="ListCampaigns",
         list_items="Data.Campaigns", list_id="Id", list_name="Name"),
    Kind("PaiPlugin.Algorithm", "PaiPlugin", None, None, id_path="Data.Id", id_param="Id", get="GetAlgorithm",
         list="ListAlgorithms", list_items="Data.Algorithms", list_id="Id", list_name="Name"),
    Kind("PaiPlugin.TrainingJob", "PaiPlugin", "CreateTrainingJob",
         lambda m, name, deps: {"Name": name, "Algorithm": deps["Algorithm"].id, "CampaignId": deps["CampaignId"].id,
                                "DataPath": OSS + "plugin/", "Remark": "fakepai contract kit",
                                "UserConfig": json.dumps({"start_date": "2024-01-01", "end_date": "2024-01-31"})},
         id_path="Data.Id", id_param="Id", get="GetTrainingJob", delete="DeleteTrainingJob", list="ListTrainingJobs",
         list_items="Data.TrainingJobs", list_id="Id", list_name="Name", status_path="Data.Status",
         running=frozenset({2}), terminal=frozenset({3, 4}),
         needs={"Algorithm": "PaiPlugin.Algorithm", "CampaignId": "PaiPlugin.Campaign"}),
]}

# Status vocabularies double-check the kinds (a typo here would make waits hang).
assert KINDS["PaiStudio.TrainingJob"].terminal <= PAISTUDIO_TRAINING_JOB
assert KINDS["pai-dlc.Job"].terminal <= DLC_JOB and KINDS["pai-dlc.Tensorboard"].terminal <= DLC_TENSORBOARD

_KIND_BY_RESOURCE = {
    ("PaiStudio", "TrainingJob"): "PaiStudio.TrainingJob", ("PaiStudio", "Algorithm"): "PaiStudio.Algorithm",
    ("PaiStudio", "AlgorithmVersion"): "PaiStudio.AlgorithmVersion", ("pai-dlc", "Job"): "pai-dlc.Job",
    ("pai-dlc", "JobTemplate"): "pai-dlc.JobTemplate", ("pai-dlc", "Tensorboard"): "pai-dlc.Tensorboard",
    ("PaiPlugin", "Campaign"): "PaiPlugin.Campaign", ("PaiPlugin", "TrainingJob"): "PaiPlugin.TrainingJob",
    ("PaiPlugin", "Algorithm"): "PaiPlugin.Algorithm",
}


@dataclass
class Recipe:
    kind: str | None = None          # the resource the path parameters address
    fresh: bool | None = None        # a resource of its own (default: when the operation mutates)
    state: str = "any"               # any | running | terminal | stopped
    overrides: dict = field(default_factory=dict)      # extra create parameters for that resource
    creates: str | None = None       # a Create operation: the kind whose create parameters to send
    params: dict | Callable[[ResourceManager, Resource | None], dict] = field(default_factory=dict)
    derive: Callable[[dict], dict] | None = None       # more path params from the resource's Get body
    required: tuple[str, ...] = ()   # required by the product though the schema cannot say so (error contract)


def _first_instance(body: dict) -> dict:
    return {"InstanceId": dig(body, "Instances.0.Name")}


def _first_pod(body: dict) -> dict:
    return {"PodId": dig(body, "Pods.0.PodId")}


def _new_algorithm_version(m: ResourceManager, res: Resource | None) -> dict:
    return {"AlgorithmVersion": "v" + m.new_name("v").rsplit("-", 1)[-1] + ".0.1", "AlgorithmSpec": algorithm_spec()}


RECIPES: dict[tuple[str, str], Recipe] = {
    # -- PaiStudio --------------------------------------------------------------------------------
    ("PaiStudio", "CreateTrainingJob"): Recipe(creates="PaiStudio.TrainingJob"),
    ("PaiStudio", "CreateAlgorithm"): Recipe(creates="PaiStudio.Algorithm"),
    ("PaiStudio", "CreateAlgorithmVersion"): Recipe(kind="PaiStudio.Algorithm", fresh=False, params=_new_algorithm_version),
    ("PaiStudio", "UpdateAlgorithm"): Recipe(params={"DisplayName": "fakepai-ct updated", "AlgorithmDescription": "updated"}),
    ("PaiStudio", "UpdateAlgorithmVersion"): Recipe(params=lambda m, r: {"AlgorithmSpec": algorithm_spec()}),
    ("PaiStudio", "StopTrainingJob"): Recipe(),
    ("PaiStudio", "DeleteTrainingJob"): Recipe(state="terminal"),
    ("PaiStudio", "UpdateTrainingJobLabels"): Recipe(params={"Labels": [{"Key": "fakepai-ct-extra", "Value": "1"}]}),
    ("PaiStudio", "DeleteTrainingJobLabels"): Recipe(params={"Keys": "fakepai-ct-run"}),
    ("PaiStudio", "ListTrainingJobInstanceEvents"): Recipe(state="running", derive=_first_instance),
    ("PaiStudio", "ListTrainingJobInstanceMetrics"): Recipe(state="running", params={"MetricType": "CpuCoreUsage"}),
    ("PaiStudio", "ListTrainingJobLogs"): Recipe(state="running"),
    ("PaiStudio", "GetTrainingJobLatestMetrics"): Recipe(state="running"),
    ("PaiStudio", "ListTrainingJobMetrics"): Recipe(state="running"),
    ("PaiStudio", "ListTrainingJobOutputModels"): Recipe(fresh=True, state="terminal"),
    # -- pai-dlc ----------------------------------------------------------------------------------
    # behavior.md §2.3: MissingParameter for these (the schema cannot require them: a job made
    # from a template may leave them to the template, behavior.md §6.3).
    ("pai-dlc", "CreateJob"): Recipe(creates="pai-dlc.Job", required=("DisplayName", "JobType", "JobSpecs", "UserCommand")),
    ("pai-dlc", "CreateJobTemplate"): Recipe(creates="pai-dlc.JobTemplate"),
    ("pai-dlc", "CreateTensorboard"): Recipe(creates="pai-dlc.Tensorboard"),
    ("pai-dlc", "UpdateJob"): Recipe(params={"Description": "updated by the fakepai contract kit"}),
    ("pai-dlc", "StopJob"): Recipe(),
    ("pai-dlc", "DeleteJob"): Recipe(state="terminal"),
    ("pai-dlc", "GetPodEvents"): Recipe(state="running", derive=_first_pod),
    ("pai-dlc", "GetPodLogs"): Recipe(state="running", derive=_first_pod),
    ("pai-dlc", "GetJobMetrics"): Recipe(state="running", params={"MetricType": "CpuCoreUsage"}),
    ("pai-dlc", "GetJobSanityCheckResult"): Recipe(fresh=True, state="running", params={"SanityCheckNumber": 1},
                                                   overrides={"Settings": {"EnableSanityCheck": True}}),
    ("pai-dlc", "ListJobSanityCheckResults"): Recipe(fresh=True, state="running",
                                                     overrides={"Settings": {"EnableSanityCheck": True}}),
    ("pai-dlc", "UpdateJobTemplate"): Recipe(params={"Description": "updated by the fakepai contract kit"}),
    ("pai-dlc", "SetJobTemplateDefaultVersion"): Recipe(params={"Version": 1}),
    ("pai-dlc", "UpdateTensorboard"): Recipe(params={"MaxRunningTimeMinutes": 120}),
    ("pai-dlc", "StopTensorboard"): Recipe(state="running"),
    ("pai-dlc", "StartTensorboard"): Recipe(state="stopped"),
    ("pai-dlc", "DeleteTensorboard"): Recipe(state="terminal"),
    # -- PaiPlugin --------------------------------------------------------------------------------
    ("PaiPlugin", "CreateCampaign"): Recipe(creates="PaiPlugin.Campaign"),
    ("PaiPlugin", "CreateTrainingJob"): Recipe(creates="PaiPlugin.TrainingJob"),
    ("PaiPlugin", "UpdateCampaign"): Recipe(params={"Remark": "updated by the fakepai contract kit"}),
}


def recipe_for(op: Operation) -> Recipe:
    recipe = RECIPES.get(op.key, Recipe())
    if recipe.kind is None and op.path_params and not recipe.creates:
        recipe = _with(recipe, kind=_KIND_BY_RESOURCE.get((op.product, op.resource or "")))
    if recipe.fresh is None:
        recipe = _with(recipe, fresh=op.mutating)
    return recipe


def _with(recipe: Recipe, **changes) -> Recipe:
    from dataclasses import replace
    return replace(recipe, **changes)


@dataclass
class Prepared:
    op: Operation
    params: dict
    resource: Resource | None = None


def prepare(mgr: ResourceManager, op: Operation) -> Prepared:
    """A valid request for `op`, with whatever it needs created (inside the caller's scope)."""
    recipe = recipe_for(op)
    if op.mutating:
        mgr.require_mutations(f"{op.product} {op.action} mutates")
    params: dict[str, Any] = minimal_params(op)
    if "WorkspaceId" in op.params:
        params["WorkspaceId"] = mgr.target.workspace_id
    resource = None
    if recipe.creates:
        kind = mgr.kinds[recipe.creates]
        deps = {p: mgr.shared(k) for p, k in kind.needs.items()}
        params.update(kind.create_params(mgr, mgr.new_name(kind.name.split(".")[-1].lower()), deps))
    elif recipe.kind:
        if recipe.fresh:
            resource = mgr.create(recipe.kind, overrides=recipe.overrides)
        elif recipe.overrides:
            resource = mgr.create(recipe.kind, overrides=recipe.overrides, session=False)
        else:
            resource = mgr.shared(recipe.kind, recipe.state)
        mgr.ensure_state(resource, recipe.state)
        params.update(resource.params)
        if recipe.derive:
            derived = recipe.derive(mgr.body(resource))
            missing = [k for k, v in derived.items() if not v]
            if missing:
                from contract_tests.resources import SetupFailed
                raise SetupFailed(f"{resource.kind.name} {resource.id} has no {', '.join(missing)} to address",
                                  f"{resource.kind.product} {resource.kind.get}")
            params.update(derived)
    extra = recipe.params(mgr, resource) if callable(recipe.params) else recipe.params
    params.update(extra)
    return Prepared(op, params, resource)
