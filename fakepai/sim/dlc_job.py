"""What a DLC job says about itself over time, as functions of the virtual clock: job events, pod
events, pod logs and resource-metric series (behavior.md §5.7, §5.8).

Everything is generated from the job's plan and id, never stored: a line, event or point exists
once its time is <= now and never changes afterwards (logs are append-only, so clients can page by
moving StartTime forward). Lists are chronological. A pod's training-progress lines are a lazy
`LogStream` and its other lines `TimedLines`, so a page costs O(lines asked for) however long the
job has run; metric series are `range_series` points and progress figures `Curve`s, with
`fakepai.sim.noise` as the one source of randomness.

The generators read the job through `DlcJob`, which the service implements over its record
(fakepai/services/dlc/telemetry.py, `JobFacts`): the plan's timeline, the pod lives it schedules
(fakepai.sim.pod_lives), the faults it scripts, and what the spec says per role (image, GPUs,
command); which containers a read asks for is the handler's business.
"""
from __future__ import annotations

from typing import Protocol, Sequence

from fakepai.sim.logs import Lines, LogStream, TimedLines
from fakepai.sim.metrics import Curve, range_series
from fakepai.sim.noise import unit
from fakepai.sim.pod_lives import DELETED, PodLife
from fakepai.sim.timeline import Timeline

PROGRESS_EVERY = 10.0          # seconds between two training-progress lines
PROGRESS_SCALE = 75            # progress lines over which loss/accuracy settle (decay exp(-0.04 k))
NAMESPACE = "pai-dlc"
GPU_METRICS = ("GpuCoreUsage", "GpuMemoryUsage")      # a pod without GPUs has no such series


class Fault(Protocol):
    last_words: tuple[str, ...]
    exit_code: int | None       # None: the node is gone, so the log just stops


class DlcJob(Protocol):
    job_id: str
    timeline: Timeline
    display_name: str
    reserve_seconds: float
    quota: str | None               # ResourceId: the job queues in a resource quota
    tide: bool                      # Settings.EnableTideResource
    sanity_enabled: bool
    timeout_code: str               # the ReasonCode of a run killed at JobMaxRunningTimeMinutes
    main_container: str
    data_sources: Sequence[dict]
    launch_settings: dict           # Settings as the job was launched (UpdateJob changes the record, not the past)

    def lives(self) -> Sequence[PodLife]: ...
    def rank(self, pod_id: str) -> tuple[int, int]: ...                 # (rank, pods in the roster)
    def image(self, role: str) -> str: ...
    def gpus(self, role: str) -> int: ...
    def gpu_card(self, role: str) -> tuple[str | None, str | None]: ...  # (default driver, GPU type)
    def command(self, role: str) -> str: ...                              # as launched
    def node_name(self, life: PodLife) -> str: ...
    def fault_times(self) -> list[float]: ...       # one per restart, then the one that failed the job
    def restart_count(self) -> int: ...
    def culprit(self, k: int) -> tuple[str, int, int] | None: ...       # (PodId, attempt, span) of fault k
    def fault(self, k: int) -> Fault: ...


def run_window(job: DlcJob, since: float | None = None) -> tuple[float | None, float | None, str | None]:
    """(start, end, status after) of the first Running phase of the plan that has not ended by
    `since` (a pod's container start: after a restart, the run its replacement takes part in)."""
    phases = job.timeline.phases
    for i, phase in enumerate(phases):
        if phase.status != "Running":
            continue
        nxt = phases[i + 1] if i + 1 < len(phases) else None
        if since is not None and nxt is not None and nxt.start <= since:
            continue
        return phase.start, (nxt.start if nxt else None), (nxt.status if nxt else None)
    return None, None, None


def created_by(job: DlcJob, now: float) -> list[PodLife]:
    """Every pod life created by `now` (replacements after a restart too), in roster order."""
    return [life for life in job.lives() if life.created <= now]


# -- job events -----------------------------------------------------------------------------------

def _phase_event(job: DlcJob, status: str, reason: str | None) -> str:
    minutes = int(job.reserve_seconds // 60)
    quota = job.quota
    return {
        "Creating": f"Job {job.job_id} is created.",
        "Queuing": (f"Job is queuing in resource quota {quota}." if quota else "Job is queuing, waiting for resources.")
        + (" It may use idle (tide) resources." if job.tide else ""),
        "Bidding": "Job is bidding for spot resources.",
        "EnvPreparing": "Resources are allocated; preparing the job environment.",
        "SanityChecking": "Sanity check started.",
        "Running": "Job is running.",
        "Restarting": reason or "Job is restarting after a fault.",
        "SucceededReserving": f"Job succeeded; its environment is reserved for {minutes} minute(s).",
        "FailedReserving": f"Job failed; its environment is reserved for {minutes} minute(s). {reason or ''}".rstrip(),
        "Succeeded": "Job succeeded.",
        "Failed": (reason if reason.startswith("Job failed") else f"Job failed: {reason}") if reason else "Job failed.",
        "Stopping": "Job is being stopped by user.",
        "Stopped": "Job is stopped.",
    }.get(status, f"Job status changed to {status}.")


def job_events(job: DlcJob, now: float) -> list[tuple[float, str]]:
    events = [(phase.start, _phase_event(job, phase.status, phase.reason_message))
              for phase, _ in job.timeline.passed(now)]
    events += [(life.created, f"Created pod: {life.slot.pod_id}") for life in created_by(job, now)]
    return events


# -- pod events -----------------------------------------------------------------------------------

def _pull_seconds(pod_id: str) -> float:
    # 2..4 s: with the <= 5 s creation stagger the pull ends before EnvPreparing (>= 10 s) does.
    return round(2 + 2 * unit("pull", pod_id), 3)


def pod_events(job: DlcJob, life: PodLife) -> list[tuple[float, str]]:
    pod = life.slot.pod_id
    image = job.image(life.slot.role)
    container = job.main_container
    node = job.node_name(life)
    events = [(life.created, f"Successfully assigned {NAMESPACE}/{pod} to {node}"),
              (life.created + 0.5, f'Pulling image "{image}"'),
              (life.created + _pull_seconds(pod), "Successfully pulled image.")]
    if life.started is not None:
        events += [(life.started, f"Created container {container}"), (life.started, f"Started container {container}")]
    k = _ended_by_fault(job, life)
    if k:
        faulty, f = job.culprit(k), job.fault(k)
        if faulty is not None and faulty[0] != pod:
            events.append((life.finished, f"Killing container {container}: the job {_after_fault(job, k)} after a fault in {faulty[0]}."))
        elif f.exit_code is None:
            events.append((life.finished, f"Node {node} is not ready: the pod is lost."))
        else:
            events.append((life.finished, f"Container {container} failed (exit code {f.exit_code})."))
    elif life.finished is not None:
        if life.end_status == "Succeeded":
            events.append((life.finished, f"Container {container} completed (exit code 0)."))
        elif job.timeline.entered("Stopping", life.finished) is not None:
            events.append((life.finished, f"Stopping container {container}"))
        elif life.end_status == DELETED:
            events.append((life.finished, f"Stopping container {container}: the pod is scaled out (exit code 143)."))
        elif job.timeline.at(life.finished).reason_code == job.timeout_code:
            events.append((life.finished, f"Stopping container {container}: the job exceeded its maximum running time (exit code 143)."))
        else:
            events.append((life.finished, f"Container {container} failed (exit code 1)."))
    return [(t, text) for t, text in events if life.finished is None or t <= life.finished]


# -- pod logs -------------------------------------------------------------------------------------

_LOSS, _ACCURACY, _THROUGHPUT = Curve("falling"), Curve("rising"), Curve("rate")


def progress_line(pod_id: str, k: int) -> str:
    """The pod's k-th (1-based) training-progress line: 50 steps a line, 10 lines an epoch."""
    loss = _LOSS.value(f"{pod_id}/loss", k, PROGRESS_SCALE)
    acc = _ACCURACY.value(f"{pod_id}/accuracy", k, PROGRESS_SCALE)
    speed = _THROUGHPUT.value(f"{pod_id}/throughput", k, PROGRESS_SCALE)
    return f"Epoch {(k - 1) // 10 + 1} Step {50 * k}: loss={loss:.4f} accuracy={acc:.4f} throughput={speed:.1f} samples/s"


def _command_start(job: DlcJob, life: PodLife) -> float | None:
    """When the user command starts in this pod: when the job starts Running, or when the pod's
    container starts if that is later (a pod added while the job runs); None if it never does."""
    run_start, _, _ = run_window(job, life.started)
    if run_start is None or life.started is None or (life.finished is not None and run_start >= life.finished):
        return None
    return max(run_start, life.started)


def progress_stream(job: DlcJob, life: PodLife, done: int | None = None) -> LogStream | None:
    """The pod's training-progress lines: one every PROGRESS_EVERY s after the command starts,
    until just before it ends (its last words follow). Lazy: a line is written when a page reads it.
    A replacement after a restart resumes from the checkpoint: its lines carry on from the last
    step its earlier lives printed (the plan's run takes as long in all, as GetJobMetrics shows)."""
    begin = _command_start(job, life)
    if begin is None:
        return None
    _, run_end, _ = run_window(job, life.started)
    pod = life.slot.pod_id
    if done is None:
        done = _printed_before(job, life)
    return LogStream(start=begin + PROGRESS_EVERY, step=PROGRESS_EVERY, per_record=1,
                     record=lambda k: (progress_line(pod, done + k + 1),), end=None if run_end is None else run_end - 0.2)


def _printed_before(job: DlcJob, life: PodLife) -> int:
    """Progress lines the pod's earlier lives printed (0 for a first life). How many lines a life
    prints does not depend on where its numbering starts, so each earlier life is counted once."""
    if life.attempt == 0:
        return 0
    done = 0
    for earlier in job.lives():
        if earlier.slot == life.slot and earlier.attempt < life.attempt and earlier.finished is not None:
            stream = progress_stream(job, earlier, done=0)
            done += 0 if stream is None else stream.records(earlier.finished)
    return done


def main_log(job: DlcJob, life: PodLife) -> list[Lines]:
    """The main container's log: its fixed lines and its progress lines (fixed first on a tie)."""
    progress = progress_stream(job, life)
    fixed = TimedLines(_main_lines(job, life, progress))
    return [fixed] if progress is None else [fixed, progress]


def _main_lines(job: DlcJob, life: PodLife, progress: LogStream | None) -> list[tuple[float, str]]:
    """The fixed lines of the main container: pull, start, settings, command, data, how it ended."""
    pod = life.slot.pod_id
    image = job.image(life.slot.role)
    lines = [(life.created + 0.5, f"[dlc] Pulling image {image}"),
             (life.created + _pull_seconds(pod), f"[dlc] Successfully pulled image {image}")]
    if life.started is None:
        if life.finished is not None:
            lines.append((life.finished, "[dlc] The job ended before the container started."))
        return lines
    lines.append((life.started, f"[dlc] Container started on node {job.node_name(life)}."))
    lines += [(life.started + 0.05, text) for text in _settings_lines(job, life.slot.role)]
    _, run_end, after = run_window(job, life.started)
    run_start = _command_start(job, life)
    if run_start is None:
        if job.sanity_enabled:
            lines.append((life.started + 0.1, "[dlc] Waiting for the sanity check before running the user command."))
        if life.finished is not None:
            lines.append((life.finished, "[dlc] The user command did not start: the job ended during its sanity check."))
        return lines
    rank, pods = job.rank(pod)
    # The command the job was launched with: an UpdateJob of UserCommand changes the record, not
    # what already ran (logs are append-only).
    command = job.command(life.slot.role)
    # The command line follows the container's start-up lines even when both come at once.
    run_start = max(run_start, life.started + 0.1)
    lines += [(run_start, f"+ {command}"),
              (run_start + 0.5, f"{job.display_name} started: rank {rank} of {pods}.")]
    for k, ds in enumerate(job.data_sources):
        where = ds.get("MountPath") or "/mnt/data"
        lines.append((run_start + 1 + 0.1 * k, f"Reading data from {where} ({ds.get('Uri') or ds.get('DataSourceId') or 'dataset'})."))
    if life.end_status == DELETED and (run_end is None or life.finished < run_end):
        return lines + [(life.finished, "[dlc] Received SIGTERM: the pod is scaled out."),
                        (life.finished, "[dlc] Process exited with code 143.")]
    if run_end is None:
        return lines
    phase = job.timeline.at(run_end)
    if after in ("Succeeded", "SucceededReserving"):
        done = _printed_before(job, life) + (progress.records(run_end) if progress else 0)
        steps = 50 * done                                                   # the last progress line's step
        lines += [(run_end - 0.2, f"Training finished after {steps} steps."), (run_end, "[dlc] Process exited with code 0.")]
    elif k := _ended_by_fault(job, life):
        lines += _fault_ending(job, life, k, run_end)
    elif after == "Stopping":
        lines += [(run_end, "[dlc] Received SIGTERM: the job is being stopped."), (run_end, "[dlc] Process exited with code 143.")]
    elif phase.reason_code == job.timeout_code:
        lines += [(run_end, "[dlc] Received SIGTERM: the job exceeded its maximum running time."),
                  (run_end, "[dlc] Process exited with code 143.")]
    else:
        lines += [(run_end - 0.2, "Traceback (most recent call last):"),
                  (run_end - 0.2, '  File "train.py", line 128, in <module>'),
                  (run_end - 0.1, f"RuntimeError: {phase.reason_message or 'training failed'}"),
                  (run_end, "[dlc] Process exited with code 1.")]
    return lines


def _ended_by_fault(job: DlcJob, life: PodLife) -> int:
    """k when the life's command ended at fault k (1-based: the restarts', then the one past the
    cap), else 0. The command, not the pod: a job that reserves its environment keeps the pods
    after the fault that failed it."""
    if life.end_status != "Failed" or life.started is None:
        return 0
    _, run_end, _ = run_window(job, life.started)
    faults = job.fault_times()
    return faults.index(run_end) + 1 if run_end in faults else 0


def _after_fault(job: DlcJob, k: int) -> str:
    return "restarts" if k <= job.restart_count() else "fails"


def _fault_ending(job: DlcJob, life: PodLife, k: int, at: float) -> list[tuple[float, str]]:
    """How a pod's log ends at fault k: the faulty pod with the fault's own last words and exit
    code; AIMaster stops the others (for the job-level restart, or as the job fails)."""
    faulty = job.culprit(k)
    if faulty is not None and faulty[0] == life.slot.pod_id:
        f = job.fault(k)
        out = [(at - 0.1, text) for text in f.last_words]
        if f.exit_code is not None:
            out.append((at, f"[dlc] Process exited with code {f.exit_code}."))
        return out
    where = faulty[0] if faulty is not None else "another pod"
    return [(at, f"[aimaster] A fault in {where} {_after_fault(job, k)} the job: sending SIGTERM."),
            (at, "[dlc] Process exited with code 143.")]


def _settings_lines(job: DlcJob, role: str) -> list[str]:
    """What the job's Settings visibly change inside the pod when its container starts."""
    settings = job.launch_settings
    lines = []
    gpus = job.gpus(role)
    if gpus:
        default_driver, gpu_type = job.gpu_card(role)
        driver = settings.get("Driver") or default_driver or "535.161.08"
        lines.append(f"[dlc] NVIDIA driver {driver}: {gpus} x {gpu_type or 'GPU'} visible.")
    if settings.get("EnableRDMA"):
        lines.append("[dlc] RDMA is enabled: RDMA network devices are allocated to the pod.")
    if settings.get("EnableOssAppend"):
        lines.append("[dlc] OSS append writes are enabled on mounted OSS paths.")
    if settings.get("EnableErrorMonitoringInAIMaster"):
        args = settings.get("ErrorMonitoringArgs") or "default arguments"
        lines.append(f"[aimaster] Fault-tolerance monitoring is enabled ({args}).")
    return lines


def sidecar_log(life: PodLife, name: str) -> list[tuple[float, str]]:
    lines = []
    if life.started is not None:
        lines.append((life.started, f"[{name}] sidecar started."))
    if life.finished is not None:
        lines.append((life.finished, f"[{name}] sidecar stopped."))
    return lines


# -- metrics --------------------------------------------------------------------------------------

def series(job: DlcJob, life: PodLife, metric: str, start: float, stop: float, step: int,
           now: float) -> list[tuple[float, float]]:
    """The pod life's points of the range query start, start+step, ... <= stop (see range_series)."""
    if life.started is None or (metric in GPU_METRICS and job.gpus(life.slot.role) == 0):
        return []
    # While a finished job is reserved its pods live on, but the user command has exited: they idle.
    _, run_end, after = run_window(job, life.started)
    idle_from = run_end if after in ("SucceededReserving", "FailedReserving") else None
    return range_series(life.slot.pod_id, metric, life.started, life.finished, start, stop, step, now,
                        idle_from=idle_from)
