"""PaiPlugin 2022-01-12 operations (behavior.md §8). Handlers return only `Data`: the wire layer
wraps it in the `{Data, ErrorCode, ErrorMessage, RequestId}` envelope and renders errors inside it.

Decisions where the reference is silent are marked [INFERRED] next to the code applying them.
"""
from __future__ import annotations

import re

from fakepai import jsontext
from fakepai.errors import invalid_parameter, invalid_status, not_found
from fakepai.services.paiplugin import PRODUCT
from fakepai.services.paiplugin.algorithms import ALGORITHMS
from fakepai.services.paiplugin.models import (
    SUBMITTED, Campaign, PluginStore, TrainingJob, parse_outcome,
)
from fakepai.services.registry import Context, operation
from fakepai.sim import outcomes
from fakepai.sim.timeline import Outcome
from fakepai.state.paging import ListSpec, contains, contains_ci, equals

DELETED = "OK"  # Delete* answer Data as a string; "OK" per behavior.md §8.


def _text(params: dict, name: str) -> str:
    value = params.get(name)
    return "" if value is None else str(value)


def _listed(spec: ListSpec, params: dict, items, key: str, render, where=()) -> dict:
    chosen, total = spec.select(params, items, where=where)
    return {key: [render(i) for i in chosen], "TotalCount": total, **spec.page_params(params)}


def _plugin_list(action: str, filters: dict) -> ListSpec:
    # Lists are newest first [INFERRED]; seq breaks ties between equal creation times.
    return ListSpec(PRODUCT, action, sort_keys={"created": lambda r: (r.created, r.seq)},
                    default_sort="created", filters=filters)


# -- algorithms ------------------------------------------------------------------------------

# Id is an exact match, Name a case-insensitive substring (DESIGN §3's name-filter rule). The
# catalogue keeps its own order.
LIST_ALGORITHMS = ListSpec(PRODUCT, "ListAlgorithms", sort_keys={"catalogue": lambda a: 0},
                           default_sort="catalogue", default_order="asc",
                           filters={"Id": equals("id"), "Name": contains("name")})


@operation(PRODUCT, "ListAlgorithms")
def list_algorithms(ctx: Context, params: dict) -> dict:
    return _listed(LIST_ALGORITHMS, params, ALGORITHMS.values(), "Algorithms", lambda a: a.summary())


@operation(PRODUCT, "GetAlgorithm")
def get_algorithm(ctx: Context, params: dict) -> dict:
    algo = ALGORITHMS.get(params["Id"])
    if algo is None:
        raise not_found("Algorithm", params["Id"])
    return algo.detail()


# -- campaigns -------------------------------------------------------------------------------

def _campaign(store: PluginStore, campaign_id: str) -> Campaign:
    campaign = store.campaigns.get(campaign_id)
    if campaign is None:
        raise not_found("Campaign", campaign_id)
    return campaign


@operation(PRODUCT, "CreateCampaign")
def create_campaign(ctx: Context, params: dict) -> dict:
    # Name is required (the schema): a campaign without one cannot be found by ListCampaigns' filter.
    store = ctx.store(PluginStore)
    now = ctx.now()
    campaign = Campaign(id=ctx.ids.uuid(), name=params["Name"], remark=_text(params, "Remark"),
                        created=now, updated=now, seq=store.next_seq())
    store.campaigns[campaign.id] = campaign
    return campaign.to_api()


@operation(PRODUCT, "GetCampaign")
def get_campaign(ctx: Context, params: dict) -> dict:
    return _campaign(ctx.store(PluginStore), params["Id"]).to_api()


LIST_CAMPAIGNS = _plugin_list("ListCampaigns", {"Name": contains("name"),
                                                 "Remark": contains("remark")})


@operation(PRODUCT, "ListCampaigns")
def list_campaigns(ctx: Context, params: dict) -> dict:
    return _listed(LIST_CAMPAIGNS, params, ctx.store(PluginStore).campaigns.values(), "Campaigns", Campaign.to_api)


@operation(PRODUCT, "UpdateCampaign")
def update_campaign(ctx: Context, params: dict) -> dict:
    campaign = _campaign(ctx.store(PluginStore), params["Id"])
    # Only the fields sent change; an update that sends nothing still touches UpdatedTime. [INFERRED]
    if params.get("Name") is not None:
        campaign.name = params["Name"]
    if params.get("Remark") is not None:
        campaign.remark = params["Remark"]
    campaign.updated = ctx.now()
    return campaign.to_api()


@operation(PRODUCT, "DeleteCampaign")
def delete_campaign(ctx: Context, params: dict) -> dict | str:
    store = ctx.store(PluginStore)
    campaign = _campaign(store, params["Id"])
    jobs = sum(1 for j in store.jobs.values() if j.campaign_id == campaign.id)
    # A campaign still referenced by training jobs cannot go: their CampaignId would dangle.
    # [INFERRED] (DESIGN §3's InvalidStatus style)
    if jobs:
        raise invalid_status(f"Campaign can't be deleted, because it has {jobs} training job(s)")
    del store.campaigns[campaign.id]
    return DELETED


# -- training jobs ---------------------------------------------------------------------------

def _job(store: PluginStore, job_id: str) -> TrainingJob:
    job = store.jobs.get(job_id)
    if job is None:
        raise not_found("TrainingJob", job_id)
    return job


def _check_user_config(text: str) -> None:
    """UserConfig travels as a JSON string (seed: "used to set parameters such as start_date and
    end_date"); anything but a JSON object is rejected up front."""
    try:
        value = jsontext.loads(text)
    except ValueError:
        raise invalid_parameter("UserConfig", "must be a JSON object string, e.g. {\"start_date\": \"2024-01-01\"}")
    if not isinstance(value, dict):
        raise invalid_parameter("UserConfig", f"must be a JSON object, got {type(value).__name__}")


@operation(PRODUCT, "CreateTrainingJob")
def create_training_job(ctx: Context, params: dict) -> dict:
    store = ctx.store(PluginStore)
    # Every check runs before anything is stored, so a rejected request changes nothing.
    # The SDK marks no field required; a training job without an algorithm has nothing to train,
    # so the schema requires Algorithm [INFERRED], and DataPath's scheme.
    algorithm = params["Algorithm"]
    if algorithm not in ALGORITHMS:
        raise not_found("Algorithm", algorithm)
    campaign_id = _text(params, "CampaignId")
    if campaign_id:
        _campaign(store, campaign_id)
    data_path = _text(params, "DataPath")
    user_config = _text(params, "UserConfig")
    if user_config:
        _check_user_config(user_config)

    now = ctx.now()
    outcome = Outcome()
    if not data_path:
        # No data, no training: the job is accepted but fails once submitted, and History says
        # why. [INFERRED] (the field is optional in the SDK, so it is not rejected up front)
        outcome = Outcome(result="fail", phase=SUBMITTED, after=5.0, reason_code="DataPathEmpty",
                          reason_message="Error: DataPath is empty; there is no training data to read.")
    job = TrainingJob(id=ctx.ids.uuid(), name=_text(params, "Name"), algorithm=algorithm,
                      campaign_id=campaign_id, data_path=data_path, remark=_text(params, "Remark"),
                      user_config=user_config, training_schedule_id="", created=now,
                      seq=store.next_seq(), timeline=store.new_timeline(now, outcome))
    store.jobs[job.id] = job
    return job.to_api(now)


@operation(PRODUCT, "GetTrainingJob")
def get_training_job(ctx: Context, params: dict) -> dict:
    return _job(ctx.store(PluginStore), params["Id"]).to_api(ctx.now())


LIST_TRAINING_JOBS = _plugin_list("ListTrainingJobs", {
    "CampaignId": equals("campaign_id"),
    "Name": contains("name"),
    "Remark": contains("remark"),
    "TrainingScheduleId": equals("training_schedule_id"),
})


@operation(PRODUCT, "ListTrainingJobs")
def list_training_jobs(ctx: Context, params: dict) -> dict:
    store = ctx.store(PluginStore)
    now = ctx.now()
    where = []
    if params.get("CampaignName"):
        campaign_ids = {c.id for c in store.campaigns.values() if contains_ci(c.name, params["CampaignName"])}
        where.append(lambda j: j.campaign_id in campaign_ids)
    if params.get("Status") is not None:      # a status as of now; 0 is a status
        where.append(lambda j: int(j.status(now)) == params["Status"])
    return _listed(LIST_TRAINING_JOBS, params, store.jobs.values(), "TrainingJobs", lambda j: j.to_api(now), where)


@operation(PRODUCT, "DeleteTrainingJob")
def delete_training_job(ctx: Context, params: dict) -> str:
    store = ctx.store(PluginStore)
    job = _job(store, params["Id"])
    # PaiPlugin has no stop operation, so deleting is allowed in every status (it cancels a live
    # job). [INFERRED]
    del store.jobs[job.id]
    return DELETED


# -- scripted outcomes (PUT /_fakepai/jobs/{id}/outcome, FakePAI.set_outcome) ------------------

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# PaiPlugin ids are UUIDs; other services' ids are left alone.
@outcomes.scripted(PluginStore, "jobs", accepts=lambda rid: bool(_UUID.match(rid)))
def _rescript(job: TrainingJob, now: float, spec: dict) -> None:
    job.rescript(now, parse_outcome(spec))
