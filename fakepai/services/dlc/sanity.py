"""Sanity checks (behavior.md §5.9): the check runs a job passes through in `SanityChecking`, and
GetJobSanityCheckResult / ListJobSanityCheckResults over them.

With `Settings.EnableSanityCheck` the job enters SanityChecking after EnvPreparing. A check run has
five phases in order — CheckInit, DeviceCheck, SingleNodeCommCheck, TwoNodeCommCheck,
AllNodeCommCheck [SDK] — each reported as {CheckNumber, Phase, Status, Message, StartedAt,
FinishedAt} with local `+08:00` microsecond timestamps as in the [META] demo. Status is
`Succeeded` [META demo]; `Running` (no FinishedAt yet), `Failed` and `Stopped` are [INFERRED].
The check items named in Message (gemm_*, allreduce_*, alltoall_*, mini_gpt, nic_status,
network_connectivity) come from Alibaba's diagnostics notes [SKILL].

fakepai conventions in `Settings.SanityCheckArgs` (real arguments such as
`--sanity-check-timing=...` are kept and ignored):
  --fakepai-fail-phase=<Phase>  the (last) check run fails in <Phase>; the job fails with
                                ReasonCode `SanityCheckFailed` [INFERRED code]
  --fakepai-check-runs=<N>      N runs (1..10). Runs 1..N-1 find a faulty node in DeviceCheck,
                                isolate it and re-run ("automatically isolates faulty nodes",
                                [DOC sanity-check]); run N decides the job.
A scripted outcome can fail the check too: `{"result": "fail", "phase": "SanityChecking"}` fails
whichever phase is running half way through, `{"result": "fail", "phase": "DeviceCheck"}` that
phase of the last run.
"""
from __future__ import annotations

from fakepai.services.dlc import PRODUCT, sanity_runs, seeded
from fakepai.services.dlc.job_spec import totals
from fakepai.services.dlc.job_store import get_record
from fakepai.services.dlc.pods import roster
from fakepai.services.dlc.sanity_runs import EPS, Entry, SanityConfig
from fakepai.services.registry import Context, operation
from fakepai.state.paging import ListSpec
from fakepai.timestamps import iso_cst_micros

FAILED_CODE = "SanityCheckFailed"


# -- messages -------------------------------------------------------------------------------------

def _succeeded_message(entry: Entry, job_id: str, body: dict) -> str:
    pods = roster(job_id, body)
    n = len(pods)
    if entry.isolates:
        bad = pods[int(seeded.unit("isolate", job_id, entry.run) * n)].pod_id
        return f"nic_status failed on {bad}: link down on eth1. The node was isolated and the check is re-run."
    if entry.phase == "CheckInit":
        return f"Sanity check environment is ready on {n} pod(s)."
    if entry.phase == "DeviceCheck":
        gpus = int(totals(body)[1])
        devices = f"{gpus} GPU(s)" if gpus else f"{n} CPU node(s)"
        return f"gemm_fp16, gemm_bf16 and nic_status passed on {devices}."
    if entry.phase == "SingleNodeCommCheck":
        bw = seeded.between(80, 160, "bw-intra", job_id)
        return f"allreduce_intra_node passed on {n} pod(s), bus bandwidth {bw:.1f} GB/s."
    if entry.phase == "TwoNodeCommCheck":
        if n < 2:
            return "Skipped: the job runs on a single node."
        return f"allreduce_inter_node passed on {n - 1} node pair(s)."
    return f"alltoall and mini_gpt passed on {n} pod(s)."


def failure_message(entry: Entry, job_id: str, body: dict) -> str:
    pods = roster(job_id, body) or []
    n = max(len(pods), 1)
    pick = pods[int(seeded.unit("sanity-bad", job_id) * len(pods))].pod_id if pods else job_id
    if entry.phase == "CheckInit":
        return f"network_connectivity failed on {pick}: cannot reach the check coordinator."
    if entry.phase == "DeviceCheck":
        gpu = int(seeded.unit("sanity-gpu", job_id) * 8)
        tflops = seeded.between(20, 60, "sanity-tflops", job_id)
        return f"gemm_fp16 failed on {pick} GPU {gpu}: {tflops:.1f} TFLOPS, below the 100 TFLOPS threshold."
    if entry.phase == "SingleNodeCommCheck":
        return f"allreduce_intra_node failed on {pick}: NCCL timeout after 300 s."
    if entry.phase == "TwoNodeCommCheck":
        bw = seeded.between(1, 5, "sanity-bw", job_id)
        return f"allreduce_inter_node failed on {pick}: bus bandwidth {bw:.1f} GB/s below the 20 GB/s threshold."
    return f"mini_gpt failed on {n} pod(s): loss is NaN at step 20."


def failure_reason(config: SanityConfig, offset: float, job_id: str, body: dict) -> tuple[str, str]:
    """The job's ReasonCode/ReasonMessage when its check fails `offset` seconds into SanityChecking."""
    entry = config.entry_ending_by(offset)
    return FAILED_CODE, f"Sanity check {entry.run} failed in {entry.phase}: {failure_message(entry, job_id, body)}"


# -- the runs as seen at a time -------------------------------------------------------------------

def runs_at(record, now: float) -> list[list[dict]]:
    """The job's check runs at `now`, each a list of phase items in phase order."""
    config: SanityConfig = record.plan.sanity
    phases = record.plan.timeline.phases
    index = next((i for i, p in enumerate(phases) if p.status == "SanityChecking"), None)
    if not config.enabled or index is None or phases[index].start > now:
        return []
    begin = phases[index].start
    following = phases[index + 1] if index + 1 < len(phases) else None
    # Where the check stops: the next phase's start; a hang leaves one phase running forever.
    cut = following.start if following else begin + config.total_seconds() / 2
    ending = following.status if following else "hang"
    runs: dict[int, list[dict]] = {}
    for entry in config.entries():
        a, b = begin + entry.start, begin + entry.end
        if a > now or a >= cut - EPS:
            break
        item = {"CheckNumber": entry.run, "Phase": entry.phase, "StartedAt": iso_cst_micros(a)}
        interrupted = ending in ("Failed", "Stopping", "Stopped", "hang") and cut <= b + EPS
        if interrupted and ending == "hang":
            item.update(Status=sanity_runs.RUNNING, Message="Checking.")
        elif interrupted and cut <= now:
            if ending == "Failed":
                item.update(Status=sanity_runs.FAILED, Message=failure_message(entry, record.job_id, record.body))
            else:
                item.update(Status=sanity_runs.STOPPED, Message="Sanity check interrupted: the job is being stopped.")
            item["FinishedAt"] = iso_cst_micros(cut)
        elif min(b, cut) <= now:
            item.update(Status=sanity_runs.FAILED if entry.isolates else sanity_runs.SUCCEEDED,
                        Message=_succeeded_message(entry, record.job_id, record.body),
                        FinishedAt=iso_cst_micros(min(b, cut)))
        else:
            item.update(Status=sanity_runs.RUNNING, Message="Checking.")
        runs.setdefault(entry.run, []).append(item)
        if interrupted:
            break
    return [runs[k] for k in sorted(runs)]


# -- handlers -------------------------------------------------------------------------------------

@operation(PRODUCT, "GetJobSanityCheckResult")
def get_job_sanity_check_result(ctx: Context, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    runs = runs_at(record, ctx.now())
    number = params["SanityCheckNumber"]
    # A run that has not happened (yet) has no items: an empty list, not an error [INFERRED].
    items = runs[number - 1] if number <= len(runs) else []
    phase = params.get("SanityCheckPhase")
    if phase:
        items = [item for item in items if item["Phase"] == phase]
    return {"JobId": record.job_id, "SanityCheckResult": items}


# The job's sanity-check runs, each (its number - 1, its items): chronological (asc) unless Order
# says desc [INFERRED: the default is not documented]; no filters, no paging in the schema.
LIST_SANITY_CHECK_RUNS = ListSpec(PRODUCT, "ListJobSanityCheckResults", sort_keys={"run": lambda run: run[0]},
                                  default_sort="run", default_order="asc")


@operation(PRODUCT, "ListJobSanityCheckResults")
def list_job_sanity_check_results(ctx: Context, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    chosen, total = LIST_SANITY_CHECK_RUNS.select(params, enumerate(runs_at(record, ctx.now())))
    return {"SanityCheckResults": [run for _, run in chosen], "TotalCount": total}

