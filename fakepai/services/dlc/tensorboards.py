"""pai-dlc TensorBoards: create from a job or from data sources, get, list, update, start, stop,
delete, with statuses on the virtual clock (behavior.md §7).

Life of a TensorBoard (DESIGN §3 decision, capitalised statuses): `Creating -> Running -> Stopped`
(by StopTensorboard, or automatically after `MaxRunningTimeMinutes` of running), or `Failed`.
StartTensorboard begins a new run on the same timeline, so the history of earlier runs stays.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from html import escape

from fakepai.errors import DLC_NOT_FOUND, invalid_parameter, invalid_status, missing_parameter
from fakepai.services.dlc import PRODUCT
from fakepai.services.dlc.job_store import JobRecord, get_record
from fakepai.services.registry import Context, operation
from fakepai.sim import outcomes
from fakepai.sim.timeline import FOREVER, Lifecycle, Outcome, Phase, Timeline, plan, replan
from fakepai.state.paging import ListSpec, contains_ci, creation_window
from fakepai.state.store import AccountStore
from fakepai.timestamps import iso_z

CREATING_SECONDS = 30.0
# Reason codes follow the DLC job style (`JobStoppedByUser`); the real TensorBoard codes are
# undocumented beyond the GetTensorboard demo's "Delete by user" [INFERRED].
LIFECYCLE = Lifecycle(
    steps=[("Creating", CREATING_SECONDS), ("Running", FOREVER)],
    running="Running", succeeded="Stopped", failed="Failed",
    success_reason=("TensorboardAutoStopped", "Tensorboard is stopped after reaching its maximum running time."),
    failure_reason=("TensorboardFailed", "Tensorboard failed."),
    timeout_reason=("TensorboardTimeout", "Tensorboard timed out."),
)
TERMINAL = {"Stopped", "Failed"}
LIVE = {"Creating", "Running"}
STOPPED_BY_USER = ("TensorboardStoppedByUser", "Tensorboard is stopped by user.")
ACCESSIBILITY = ("PUBLIC", "PRIVATE")
URI_TYPES = {"oss": "OSS", "nas": "NAS"}
SOURCE_TYPES = ("datasource", "dlcjob")
# CreateTensorboard `SourceType` values naming another product's resource the TensorBoard belongs
# to, its data still given by Uri / DataSources: alipai's `Estimator.tensorboard()` sends
# SourceType=TrainingJob + SourceId=<PaiStudio TrainingJobId> + Uri, and finds the board again with
# ListTensorboards(SourceType, SourceId) [PAISDK pai/estimator.py, pai/tensorboard.py]. `job`
# (a DLC job, the data found from the job) is the other form. Matched case-insensitively.
SOURCE_LABELS = {"trainingjob": "TrainingJob"}
# Where the emulator serves a TensorBoard's app page (control/routes.py): 200 while it runs, so
# alipai's TensorBoard.wait() (a GET of TensorboardUrl until it is not 5xx) finishes offline.
APP_PATH = "/_fakepai/tensorboards/{}/"
# Fields a non-verbose ListTensorboards item leaves out ([INFERRED] reading of `Verbose`).
DETAIL_FIELDS = ("TensorboardDataSources", "TensorboardSpec", "Options")
# A sharing token lives 7 days: GetToken's default ExpireTime (604800 s) [SDK GetTokenRequest].
TOKEN_SECONDS = 604800
_TOKEN_KEY = hashlib.sha256(b"fakepai tensorboard sharing token").digest()


@dataclass
class Tensorboard:
    id: str
    seq: int
    created: float
    user_id: str
    source_type: str            # "job", "datasource" or a SOURCE_LABELS value: what ListTensorboards' SourceType matches
    fields: dict                # the stored configuration, in response field names
    timeline: Timeline
    run_start: float            # start of the current run (creation, or the last StartTensorboard)
    outcome: Outcome = field(default_factory=Outcome)
    modified: float = 0.0
    source_id: str | None = None    # the SourceId given with a SOURCE_LABELS SourceType

    @property
    def max_minutes(self) -> int | None:
        return self.fields.get("MaxRunningTimeMinutes")

    def durations(self) -> dict[str, float]:
        # No MaxRunningTimeMinutes: it runs until stopped.
        return {"Running": self.max_minutes * 60.0 if self.max_minutes else FOREVER}

    def status(self, now: float) -> str:
        return self.timeline.status_at(now)

    def token(self) -> str:
        """The sharing token of the current run: the credential that opens TensorboardUrl without an
        account (what GetTensorboard's `Token` parameter and GetTensorboardSharedUrl links carry).
        Shaped as the GetTensorboard doc's example, an HS256 JWT with {exp, iat, user_id, target_id,
        target_type: "tensorboard"} [DOC]. [INFERRED] Issued when the run starts (creation or
        StartTensorboard) so every read of one run shows the same token; a new run, a new token.
        A run longer than the token's 7 days still shows it after `exp`: nothing here checks it."""
        def part(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        def encode(obj: dict) -> str:
            return part(json.dumps(obj, separators=(",", ":")).encode())

        issued = int(self.run_start)
        claims = {"exp": issued + TOKEN_SECONDS, "iat": issued, "user_id": self.user_id,
                  "target_id": self.id, "target_type": "tensorboard"}
        signed = encode({"alg": "HS256", "typ": "JWT"}) + "." + encode(claims)
        return signed + "." + part(hmac.new(_TOKEN_KEY, signed.encode(), hashlib.sha256).digest())

    def view(self, now: float, base_url: str = "", region: str = "") -> dict:
        phase = self.timeline.at(now)
        out = copy.deepcopy(self.fields)
        out["TensorboardUrl"] = app_url(base_url, region, self.id)
        running = sum((end if end is not None else now) - p.start
                      for p, end in self.timeline.passed(now) if p.status == "Running")
        out.update({
            "TensorboardId": self.id, "Status": phase.status, "UserId": self.user_id,
            "GmtCreateTime": iso_z(self.created), "GmtModifyTime": iso_z(max(self.modified, phase.start)),
            # Duration: seconds spent Running so far, over every run, as a string [SDK type].
            "Duration": str(int(running)),
            "Token": self.token(),
        })
        if out.get("QuotaId"):
            # "The name of the resource quota used by TensorBoard" [SDK]. Quotas are not modelled, so
            # [INFERRED] the quota is named by its id, as DLC GetJob's ResourceQuotaName (= ResourceId).
            out["QuotaName"] = out["QuotaId"]
        if phase.reason_code:
            out["ReasonCode"], out["ReasonMessage"] = phase.reason_code, phase.reason_message or ""
        if phase.status in TERMINAL:
            out["GmtFinishTime"] = iso_z(phase.start)
        return out


def app_url(base_url: str, region: str, tb_id: str) -> str:
    """TensorboardUrl: the emulator's own app page when the request says where the emulator is
    (always, through the server), else the shape of PAI's proxy URL [INFERRED]."""
    if base_url:
        return base_url.rstrip("/") + APP_PATH.format(tb_id)
    return f"https://pai-dlc-proxy-{region}.aliyun.com/tensorboard/{tb_id}/"


def app_page(emulator, tb_id: str) -> tuple[int, str]:
    """(HTTP status, HTML) of the TensorBoard app page: 200 while the TensorBoard is Running, 503
    while it is Creating or once it has stopped or failed (a real gateway has no app behind it
    then; alipai keeps waiting on 5xx), 404 for an id no account has. The page needs no
    credentials, like the sharing link [INFERRED]."""
    for account in list(emulator.world.accounts.values()):
        store = account.peek(TensorboardStore)
        tb = store.boards.get(tb_id) if store is not None else None
        if tb is None:
            continue
        status = tb.status(emulator.clock.now())
        name = escape(tb.fields.get("DisplayName") or tb_id)
        if status == "Running":
            return 200, (f"<!doctype html><title>TensorBoard {name}</title><h1>TensorBoard {name}</h1>"
                         f"<p>Served by fakepai: TensorBoard {escape(tb_id)} is Running.</p>")
        return 503, f"<!doctype html><title>TensorBoard {name}</title><p>TensorBoard {escape(tb_id)} is {status}.</p>"
    return 404, f"<!doctype html><p>No TensorBoard {escape(tb_id)}.</p>"


class TensorboardStore(AccountStore):
    def __init__(self):
        super().__init__()
        self.boards: dict[str, Tensorboard] = {}


def _board(ctx: Context, params: dict) -> Tensorboard:
    # A TensorBoard is looked up inside the workspace the caller names, when it names one.
    return ctx.lookup(ctx.store(TensorboardStore).boards, "Tensorboard", params["TensorboardId"],
                      lambda tb: tb.fields.get("WorkspaceId"), named_workspace=params.get("WorkspaceId"),
                      code=DLC_NOT_FOUND)


def _find_job(ctx: Context, job_id: str) -> JobRecord:
    """The account's DLC job, or 404 NotFound; 403 Forbidden.RAM when it is in a workspace the
    caller's key may not use (a reference is no way around a workspace limit, docs/security.md)."""
    return get_record(ctx, job_id)


# -- validation of the settings every write shares -----------------------------------------------

def _priority(value) -> str | None:
    """Priority travels as a string, 1 (lowest) .. 9 (highest) [SDK comment]."""
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 9:
        raise invalid_parameter("Priority", f"{value!r} is not an integer from 1 to 9")
    return str(int(text))


def _accessibility(value) -> str | None:
    if value is None:
        return None
    if value.upper() not in ACCESSIBILITY:
        raise invalid_parameter("Accessibility", f"{value!r} is not one of PUBLIC, PRIVATE")
    return value.upper()


def _positive(name: str, value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid_parameter(name, f"{value!r} must be a positive integer")
    return value


def _uri_type(name: str, uri: str) -> str:
    """The storage type a URI names (`oss://` -> OSS, `nas://` -> NAS). That it agrees with the
    DataSourceType given beside it [SDK comment on CreateTensorboard.Uri] is the schema's rule."""
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    kind = URI_TYPES.get(scheme)
    if kind is None:
        raise invalid_parameter(name, f"{uri!r} is not an oss:// or nas:// URI")
    return kind


def _join(base: str, tail: str | None) -> str:
    return base if not tail else base.rstrip("/") + "/" + tail.lstrip("/")


# -- sources: a job, or data sources (mutually exclusive, behavior.md §7 [SKILL e80d822 §1.3]) -----

_JOB_KEYS = ("JobId", "SourceId", "SourceType")


def _source_label(value: str | None) -> str | None:
    """A SOURCE_LABELS SourceType in its canonical spelling; None for none or `job`; else 400."""
    if not value or value.lower() == "job":
        return None
    label = SOURCE_LABELS.get(value.lower())
    if label is None:
        raise invalid_parameter("SourceType", f"{value!r} is not one of job, {', '.join(SOURCE_LABELS.values())}")
    return label


def _sources(ctx: Context, params: dict) -> tuple[str, dict, str | None]:
    """("job" | "datasource" | a source label, the source fields to store, the label's SourceId),
    or a 4xx naming the bad parameter. Which combinations of sources are allowed is the schema's
    (CreateTensorboard's allOf): a job or data sources, not both; a label's board names its
    SourceId, reads Uri or data sources and has no JobId."""
    label = _source_label(params.get("SourceType"))
    if label:
        # Another product's resource owns the board; its data comes from Uri / data sources.
        return label, _data_source(ctx, params), params["SourceId"]
    if any(params.get(k) for k in _JOB_KEYS):
        return "job", _job_source(ctx, params), None
    return "datasource", _data_source(ctx, params), None      # the schema requires a job or data key


def _job_source(ctx: Context, params: dict) -> dict:
    source_type = params.get("SourceType")
    if source_type is not None and source_type.lower() != "job":
        raise invalid_parameter("SourceType", f"{source_type!r} is not supported; the only source type is job")
    job_id, source_id = params.get("JobId"), params.get("SourceId")
    if job_id and source_id and job_id != source_id:
        raise invalid_parameter("SourceId", f"names job {source_id!r} but JobId names {job_id!r}")
    job_id = job_id or source_id
    if not job_id:
        raise missing_parameter("SourceId")
    job = _find_job(ctx, job_id)
    out = {"JobId": job_id, "_job_name": job.body.get("DisplayName"), "_workspace": job.workspace_id}
    for key in ("SummaryPath", "SummaryRelativePath"):
        if params.get(key):
            out[key] = params[key]
    return out


def _data_source(ctx: Context, params: dict) -> dict:
    out: dict = {}
    specs: list[dict] = []
    if params.get("Uri"):
        out["DataSourceType"] = _uri_type("Uri", params["Uri"])
    elif params.get("DataSourceType"):
        kind = params["DataSourceType"].upper()
        if kind not in URI_TYPES.values():
            raise invalid_parameter("DataSourceType", f"{params['DataSourceType']!r} is not one of OSS, NAS")
        out["DataSourceType"] = kind
    for key in ("DataSourceId", "SummaryPath", "SummaryRelativePath"):
        if params.get(key):
            out[key] = params[key]
    for i, item in enumerate(params.get("DataSources") or []):
        where = f"DataSources[{i}]"
        if not isinstance(item, dict):
            raise invalid_parameter(where, "expected an object")
        if not item.get("DataSourceId") and not item.get("Path"):
            raise missing_parameter(f"{where}.DataSourceId")
        spec = {"SourceType": "datasource", "Id": item.get("DataSourceId"), "Name": item.get("DisplayName"),
                "DirectoryName": item.get("DisplayName") or item.get("DataSourceId")}
        if item.get("Path"):
            spec["DataSourceType"] = _uri_type(f"{where}.Path", item["Path"])
            spec["Uri"] = item["Path"]
            spec["SummaryPath"] = params.get("SummaryPath") or ""
            spec["FullSummaryPath"] = _join(item["Path"], params.get("SummaryPath"))
        specs.append(spec)
    for i, item in enumerate(params.get("TensorboardDataSources") or []):
        specs.append(_tensorboard_data_source(ctx, f"TensorboardDataSources[{i}]", item))
    if specs:
        out["TensorboardDataSources"] = [{k: v for k, v in s.items() if v is not None} for s in specs]
        out.setdefault("DataSourceId", next((s["Id"] for s in specs if s.get("Id")), None))
    return {k: v for k, v in out.items() if v is not None}


def _tensorboard_data_source(ctx: Context, where: str, item: dict) -> dict:
    if not isinstance(item, dict):
        raise invalid_parameter(where, "expected an object")
    spec = copy.deepcopy(item)
    kind = (spec.get("SourceType") or "datasource").lower()
    if kind not in SOURCE_TYPES:
        raise invalid_parameter(f"{where}.SourceType", f"{spec['SourceType']!r} is not one of datasource, dlcjob")
    spec["SourceType"] = kind
    if kind == "dlcjob":
        if not spec.get("Id"):
            raise missing_parameter(f"{where}.Id")
        job = _find_job(ctx, spec["Id"])
        spec.setdefault("Name", job.body.get("DisplayName"))
    elif not spec.get("Id") and not spec.get("Uri"):
        raise missing_parameter(f"{where}.Uri")
    if spec.get("Uri"):
        spec["DataSourceType"] = _uri_type(f"{where}.Uri", spec["Uri"])
        spec.setdefault("FullSummaryPath", _join(spec["Uri"], spec.get("SummaryPath")))
    spec.setdefault("DirectoryName", spec.get("Name") or spec.get("Id"))
    return spec


# -- operations ----------------------------------------------------------------------------------

@operation(PRODUCT, "CreateTensorboard")
def create_tensorboard(ctx: Context, params: dict) -> dict:
    source_type, source, source_id = _sources(ctx, params)
    settings = {
        "Priority": _priority(params.get("Priority")) or "1",
        "Accessibility": _accessibility(params.get("Accessibility")) or "PRIVATE",
        "MaxRunningTimeMinutes": _positive("MaxRunningTimeMinutes", params.get("MaxRunningTimeMinutes")),
        "Cpu": _positive("Cpu", params.get("Cpu")),
        "Memory": _positive("Memory", params.get("Memory")),
        # JSON text of an object, or empty: the schema's `x-fakepai-jsonText` (fakepai/rules.py).
        "Options": params.get("Options"),
        "TensorboardSpec": copy.deepcopy(params.get("TensorboardSpec")) or None,
        "QuotaId": params.get("QuotaId") or None,
    }
    store, now = ctx.store(TensorboardStore), ctx.now()
    tb_id = ctx.ids.prefixed("tb", 14)
    job_name, job_workspace = source.pop("_job_name", None), source.pop("_workspace", None)
    workspace = params.get("WorkspaceId") or job_workspace
    fields_ = {
        **source, **{k: v for k, v in settings.items() if v is not None},
        "DisplayName": params.get("DisplayName") or job_name or f"tensorboard-{tb_id}",
    }
    if workspace:
        fields_["WorkspaceId"] = workspace
    # The creator's name, as DLC jobs report it (the account's key id), so ListTensorboards'
    # Username filter has something to match.
    fields_["Username"] = ctx.account_id
    store.seq += 1
    tb = Tensorboard(id=tb_id, seq=store.seq, created=now, user_id=ctx.user_id, source_type=source_type,
                     fields=fields_, timeline=Timeline([]), run_start=now, modified=now, source_id=source_id)
    tb.timeline = plan(LIFECYCLE, now, tb.outcome, durations=tb.durations())
    store.boards[tb_id] = tb
    out = {"TensorboardId": tb_id}
    for key in ("JobId", "DataSourceId"):
        if fields_.get(key):
            out[key] = fields_[key]
    return out


@operation(PRODUCT, "GetTensorboard")
def get_tensorboard(ctx: Context, params: dict) -> dict:
    # `JodId` (sic, in the spec) and `Token` are accepted and ignored: the id names the TensorBoard,
    # and the caller is already signed in as its account. `Token` (the response's sharing token)
    # lets someone outside the account view it; cross-account sharing is not modelled.
    return _board(ctx, params).view(ctx.now(), ctx.base_url, ctx.region)


def _payment_type(tb: Tensorboard) -> str:
    # Pay-as-you-go when it runs on its own ECS spec (TensorboardSpec); otherwise free [SDK comments].
    return "Postpaid" if (tb.fields.get("TensorboardSpec") or {}).get("EcsType") else "Free"


def _source_ids(tb: Tensorboard) -> set[str]:
    ids = {tb.fields.get("JobId"), tb.fields.get("DataSourceId"), tb.source_id}
    ids.update(s.get("Id") for s in tb.fields.get("TensorboardDataSources", []))
    return {i for i in ids if i}


def _eq_ci(value: str | None, wanted: str | None) -> bool:
    return not wanted or (value or "").lower() == wanted.lower()


LIST_TENSORBOARDS = ListSpec(
    PRODUCT, "ListTensorboards",
    sort_keys={"GmtCreateTime": lambda tb: (tb.created, tb.seq),
               "DisplayName": lambda tb: (tb.fields["DisplayName"], tb.seq)},
    default_sort="GmtCreateTime",
    filters={
        "WorkspaceId": lambda tb, v: tb.fields.get("WorkspaceId") == v,
        "JobId": lambda tb, v: tb.fields.get("JobId") == v,
        "QuotaId": lambda tb, v: tb.fields.get("QuotaId") == v,
        "TensorboardId": lambda tb, v: tb.id == v,
        "SourceId": lambda tb, v: v in _source_ids(tb),
        "SourceType": lambda tb, v: _eq_ci(tb.source_type, v),
        "DisplayName": lambda tb, v: contains_ci(tb.fields["DisplayName"], v),
        "Accessibility": lambda tb, v: _eq_ci(tb.fields.get("Accessibility"), v),
        "PaymentType": lambda tb, v: _eq_ci(_payment_type(tb), v),
        "UserId": lambda tb, v: tb.user_id == v,
        # Username is fuzzy, as in ListJobs (DESIGN §3: name filters are case-insensitive substrings).
        "Username": lambda tb, v: contains_ci(tb.fields.get("Username"), v),
    })


@operation(PRODUCT, "ListTensorboards")
def list_tensorboards(ctx: Context, params: dict) -> dict:
    now = ctx.now()
    start, end = creation_window(params, now)
    where = [lambda tb: start <= tb.created <= end]
    if not params.get("WorkspaceId"):
        where.append(lambda tb: ctx.may_use_workspace(tb.fields.get("WorkspaceId")))   # every workspace the key may use
    if params.get("Status"):
        # Statuses are matched case-insensitively (DESIGN §3; the demo shows "running").
        where.append(lambda tb: _eq_ci(tb.status(now), params["Status"]))
    if params.get("ShowOwn", True):
        where.append(lambda tb: tb.user_id == ctx.user_id)
    chosen, total = LIST_TENSORBOARDS.select(params, ctx.store(TensorboardStore).boards.values(), where=where)
    items = []
    for tb in chosen:
        item = tb.view(now, ctx.base_url, ctx.region)
        if not params.get("Verbose"):
            for name in DETAIL_FIELDS:
                item.pop(name, None)
        items.append(item)
    return {"Tensorboards": items, "TotalCount": total}


@operation(PRODUCT, "UpdateTensorboard")
def update_tensorboard(ctx: Context, params: dict) -> dict:
    """Accessibility, MaxRunningTimeMinutes and Priority travel in the query [SDK]. A new
    MaxRunningTimeMinutes moves the auto-stop of the current run (at once if already exceeded)."""
    tb = _board(ctx, params)
    changes = {
        "Accessibility": _accessibility(params.get("Accessibility")),
        "Priority": _priority(params.get("Priority")),
        "MaxRunningTimeMinutes": _positive("MaxRunningTimeMinutes", params.get("MaxRunningTimeMinutes")),
    }
    now = ctx.now()
    tb.fields.update({k: v for k, v in changes.items() if v is not None})
    if changes["MaxRunningTimeMinutes"] is not None and tb.status(now) in LIVE:
        replan(tb.timeline, LIFECYCLE, tb.run_start, now, tb.outcome, durations=tb.durations(), terminal=TERMINAL)
    tb.modified = now
    return {"TensorboardId": tb.id}


def _board_in(ctx: Context, params: dict, allowed: set[str], verb: str) -> tuple[Tensorboard, float]:
    """The TensorBoard and `now`, if its status allows `verb`; else 400 InvalidStatus (DESIGN §3)."""
    tb = _board(ctx, params)
    now = ctx.now()
    status = tb.status(now)
    if status not in allowed:
        raise invalid_status(f"Tensorboard can't be {verb}, because it is {status}")
    return tb, now


@operation(PRODUCT, "StartTensorboard")
def start_tensorboard(ctx: Context, params: dict) -> dict:
    tb, now = _board_in(ctx, params, TERMINAL, "started")
    # A new run: Creating again, a fresh auto-stop; a scripted outcome applied to the last run is spent.
    tb.run_start, tb.outcome, tb.modified = now, Outcome(), now
    tb.timeline.cut(now, plan(LIFECYCLE, now, tb.outcome, durations=tb.durations()).phases)
    return {"TensorboardId": tb.id}


@operation(PRODUCT, "StopTensorboard")
def stop_tensorboard(ctx: Context, params: dict) -> dict:
    tb, now = _board_in(ctx, params, LIVE, "stopped")
    # No Stopping state for TensorBoards (DESIGN §3): it is Stopped at once.
    tb.timeline.cut(now, [Phase("Stopped", now, *STOPPED_BY_USER)])
    tb.modified = now
    return {"TensorboardId": tb.id}


@operation(PRODUCT, "DeleteTensorboard")
def delete_tensorboard(ctx: Context, params: dict) -> dict:
    """"Deletes a stopped TensorBoard" [META]; a Failed one is not running either, so it may go too."""
    tb, _ = _board_in(ctx, params, TERMINAL, "deleted")
    del ctx.store(TensorboardStore).boards[tb.id]
    return {"TensorboardId": tb.id}


@outcomes.scripted(TensorboardStore, "boards", accepts=lambda rid: rid.startswith("tb"))
def _rescript(tb, now: float, spec: dict) -> None:
    """Scripted outcomes for TensorBoards (`PUT /_fakepai/jobs/tb.../outcome`): fail in Creating or
    Running, hang, or stop after N seconds of running (`succeed`), for the current run."""
    outcome = Outcome.parse(spec)
    replan(tb.timeline, LIFECYCLE, tb.run_start, now, outcome, durations=tb.durations(), terminal=TERMINAL)
    tb.outcome = outcome
