"""Every operation at its declared maxima buys bounded reads (issue #11 §1; docs/limits.md).

For each of the 62 operations: its prerequisites are made as tests/every_operation_cases.py makes
them; then one request built from the operation's request schema with every integer and number at
its declared maximum, every list at maxItems and every map at maxProperties (items and values
built the same way, nested as deep as the schema goes; free JSON values nested to the parser's
depth limit), every boolean on, and strings at maxLength, goes through the real wire. What the
schema cannot say (ids of existing resources, the job's roles, instance types, OSS URIs, outcome
tags) comes from the case's own valid request or from VALID below. Then the clock moves a week, so
jobs have run (and restarted, where the outcome tag asks for it), and every read operation of the
product that can show the resource (Get, List, logs, metrics, events, pods, versions) is called
with its own integers at their maxima. Each read must answer 2xx (404 once the operation deleted
what it reads) in a bounded number of bytes and a bounded amount of allocated memory.

A request at *every* maximum at once is far larger than any body fakepai accepts (16 roles x 1000
init containers x 1000 args x 64 KiB ...): the operation's body cap (8 MiB) bounds it first, and
a request over the cap is refused before it is read (tests/test_wire_bounds.py). So the builder
shares a byte budget out over the fields: numbers, booleans and enums are always at their maximum;
lists and maps get as many items as the budget holds, up to maxItems / maxProperties; strings are
as long as their share allows, up to maxLength. The budget is in bytes, not wall-clock time, and
memory is measured with tracemalloc in the served emulator's process (this one): load cannot make
the test flaky.
"""
from __future__ import annotations

import itertools
import json
import math
import re
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

import alibabacloud_pai_dlc20201203.models as dm

from fakepai.catalog import Operation, default_catalog
from fakepai.jsontext import MAX_DEPTH
from fakepai.services.dlc import telemetry
from fakepai.sim.metrics import MAX_RESPONSE_POINTS, TIME_STEPS
from tests.operations.every_operation_cases import CASES, SEED_TEMPLATE, Gw, World
from tests.operations.test_every_operation import send

CATALOG = default_catalog()
BUDGET = 256 * 1024               # bytes one built request's body may take (the body cap is 8 MiB)
QUERY_BUDGET = 16 * 1024          # and its query (request line and headers: at most 64 KiB, URL-encoded)
WIDE_SHARE = 64 * 1024            # bytes of each body parameter of a wide request (strings short, lists long)
# Per read: what it may answer and allocate. A read shows what was written (Get echoes the spec),
# so its size is allowed the written bytes on top of a fixed budget; it must not multiply them.
READ_BYTES = 2 * 1024 * 1024
READ_PEAK_BYTES = 64 * 1024 * 1024
# No wall-clock bound: the machine is shared and load would make one flaky. Bytes and allocated
# memory bound the work; seconds are measured and printed (-s) only. A read that never ends still
# fails, at the client's timeout.
READ_TIMEOUT = 60.0
WEEK = 7 * 86400

# -- building a request at its maxima -------------------------------------------------------------


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = {**CATALOG.definition(schema["$ref"]), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _types(schema: dict) -> set:
    t = schema.get("type")
    return {t} if isinstance(t, str) else set(t or ())


def _free(depth: int):
    """A free JSON value nested as deep as the parser takes (jsontext.MAX_DEPTH, from the root)."""
    value: object = "leaf"
    for _ in range(max(0, MAX_DEPTH - depth - 2)):
        value = {"d": value}
    return value


_UNIQUE = itertools.count()


def _string(schema: dict, budget: int, salt: str) -> str:
    """At maxLength (within the budget), and unique: lists of names hold no duplicates."""
    if schema.get("format") == "date-time":
        return "2026-01-01T00:00:00Z"
    salt = f"{salt}-{next(_UNIQUE)}-"
    longest = schema.get("maxLength", 65536)
    size = max(schema.get("minLength", 0), min(longest, budget - 2), len(salt))
    return (salt + "x" * size)[:min(size, longest)]


def build(schema: dict, budget: int, salt: str = "v", depth: int = 1, wide: bool = False):
    """The value of `schema` at its maxima within about `budget` bytes of JSON (`wide`: every
    string as short as it may be, so lists and maps hold as many items as the budget allows)."""
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][-1] if isinstance(schema["enum"][-1], int) else schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    types = _types(schema)
    if not types:
        return _free(depth)
    if "object" in types:
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        out = {}
        if props:
            share = max(8, budget // len(props))
            for name, sub in props.items():
                out[name] = build(sub, share, f"{salt[:8]}.{name}"[:40], depth + 1, wide)
        elif extra is not False:
            values = extra if isinstance(extra, dict) else {}
            smallest = len(json.dumps(build(values, 0, salt, depth + 1, True))) + 10
            n = min(schema.get("maxProperties", 1000), max(1, budget // smallest))
            share = max(8, budget // n)
            for i in range(n):
                out[f"k{i:04d}"] = build(values, share, f"{salt[:6]}{i}", depth + 1, wide)
        return out
    if "array" in types:
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        smallest = len(json.dumps(build(items, 0, salt, depth + 1, True))) + 2
        n = min(schema.get("maxItems", 1000), max(schema.get("minItems", 0), 1, budget // smallest))
        share = budget // n
        return [build(items, share, f"{salt[:8]}{i}", depth + 1, wide) for i in range(n)]
    if "integer" in types:
        return schema.get("maximum", 2**63 - 1)
    if "number" in types:
        return schema.get("maximum", 1.7976931348623157e308)
    if "boolean" in types:
        return True
    return _string(schema, 0 if wide else budget, salt)


# -- what a schema cannot say: values the handlers need to be valid -------------------------------

# (product, action) -> {dotted path: value}; a path step `*` is every item of a list. Applied over
# the built request, after the case's own request (ids, names), so only what the handler checks.
OUTCOME = "fakepai.outcome"        # the job runs the whole week (and restarts, where it can)
DROP = object()                    # leave the field out
BASE = object()                    # the case's own value
_SPEC_HYPER = {"AlgorithmSpec.HyperParameters.*.Range": DROP,
               "AlgorithmSpec.HyperParameters.*.DefaultValue": "0"}
VALID: dict[tuple[str, str], dict] = {
    ("PaiPlugin", "CreateTrainingJob"): {"UserConfig": json.dumps({"start_date": "2024-01-01"})},
    ("PaiStudio", "CreateAlgorithmVersion"): _SPEC_HYPER,
    ("PaiStudio", "UpdateAlgorithmVersion"): _SPEC_HYPER,
    ("PaiStudio", "CreateTrainingJob"): {**_SPEC_HYPER,
                                         "Labels": lambda labels: [{"Key": OUTCOME, "Value": f"succeed@{WEEK}"}, *labels[1:]],
                                         "AlgorithmName": DROP, "AlgorithmProvider": DROP, "AlgorithmVersion": DROP,
                                          "ComputeResource.ResourceId": DROP},
    ("pai-dlc", "CreateJob"): {"Settings.Tags": lambda tags: {**tags, OUTCOME: f"succeed@{WEEK}+restarts=1"},
                               # the env spellings are outcomes too (x-fakepai-outcome): the same one
                               "Envs": lambda envs: {**envs, OUTCOME: f"succeed@{WEEK}+restarts=1",
                                                     "FAKEPAI_OUTCOME": f"succeed@{WEEK}+restarts=1"},
                               "Settings.ErrorMonitoringArgs": "--max-num-of-job-restart=1",
                               "TemplateId": DROP, "TemplateVersion": DROP, "JobSpecs.*.ResourceConfig": DROP,
                               "JobSpecs.*.SpotSpec.SpotPriceLimit": DROP,
                               "DataSources.*.MountAccess": "RO", "UserVpc.DefaultRoute": "eth0",
                               "Settings.Driver": "535.161.08"},
    ("pai-dlc", "CreateTensorboard"): {"Priority": "9", "Accessibility": "PUBLIC", "SourceType": DROP,
                                       "Options": json.dumps({"MountPath": "/mnt/data"}), "SourceId": DROP, "JobId": DROP,
                                       "Uri": BASE, "DataSourceType": "OSS",
                                       "DataSources.*.Path": lambda old: "oss://bucket/" + old[:1000],
                                       "DataSources.*.DataSourceType": "OSS",
                                       "TensorboardDataSources.*.SourceType": "datasource",
                                       "TensorboardDataSources.*.Uri": lambda old: "oss://bucket/" + old[:1000],
                                       "TensorboardDataSources.*.DataSourceType": "OSS"},
    ("pai-dlc", "GetPodEvents"): {"PodUid": DROP},
    ("pai-dlc", "GetPodLogs"): {"PodUid": DROP, "Containers": DROP},
    ("pai-dlc", "ListEcsSpecs"): {"ResourceType": "ECS"},
    ("pai-dlc", "SetJobTemplateDefaultVersion"): {"Version": BASE},
    ("pai-dlc", "UpdateJob"): {"JobSpecs": DROP},
    ("pai-dlc", "UpdateJobTemplate"): {"Constraints": SEED_TEMPLATE["Constraints"]},
    ("pai-dlc", "UpdateTensorboard"): {"Accessibility": "PUBLIC", "Priority": "9"},
    ("pai-dlc", "ListJobs"): {"Status": "Succeeded", "EnableAssignNode": "true",
                              "NumericRangeField": DROP,
                              "NumericRangeMin": DROP, "NumericRangeMax": DROP},
    ("PaiStudio", "ListTrainingJobInstanceMetrics"): {"InstanceId": DROP},
}
# By parameter name, in every operation: a time is a time.
TIMES = {"StartTime", "EndTime"}


def _set(doc, path: list[str], value) -> None:
    step, rest = path[0], path[1:]
    if step == "*":
        for item in doc:
            _set(item, rest, value) if rest else None
        return
    if isinstance(doc, list):                      # a list step by index: "Items.0.Name"
        if rest:
            _set(doc[int(step)], rest, value)
        else:
            doc[int(step)] = value
        return
    if not rest:
        if value is DROP:
            doc.pop(step, None)
        elif value is BASE:
            pass
        else:
            doc[step] = value(doc.get(step)) if callable(value) else value
        return
    if step not in doc or doc[step] is None:
        doc[step] = {}
    _set(doc[step], rest, value)




# Free text: the built string (at its maxLength) wins over the case's, which names nothing.
FREE_TEXT = {"DisplayName", "Description", "Remark", "Name", "TrainingJobName", "UserCommand", "TemplateName"}


def _merge(built, base):
    """The case's valid request over the built one: its strings (ids, URIs, instance types, except
    FREE_TEXT) and its lists' lengths (roles, channels) win; numbers and switches stay at their
    maxima."""
    if isinstance(base, dict) and isinstance(built, dict):
        if built and all(re.fullmatch(r"k\d{4}", k) for k in built):
            return base                  # a map: the case's entries, not the built ones as well
        return {**built, **{k: built[k] if k in FREE_TEXT and isinstance(built.get(k), str)
                            else _merge(built.get(k), v) for k, v in base.items()}}
    if isinstance(base, list) and isinstance(built, list) and built:
        return [_merge(built[min(i, len(built) - 1)], item) for i, item in enumerate(base)]
    if isinstance(base, (int, float, bool)) and type(built) is type(base):
        return built
    return base


def request_at_maxima(op: Operation, base: Gw, start: float, now: float, variant: dict | None = None,
                      wide: bool = False, fields: dict | None = None) -> Gw:
    """`variant` overrides VALID; `fields` ({dotted path: value}) go in before VALID, which still
    makes what the handlers check valid (an OSS URI stays one)."""
    in_query = {n for n, spec in op.params.items()
                if spec.get("x-in") in ("query", "path") or op.method in ("GET", "DELETE")}
    shares = {True: QUERY_BUDGET // max(1, len(in_query)), False: BUDGET // max(1, len(op.params) - len(in_query))}
    if wide:                           # short strings: each body parameter may take WIDE_SHARE
        shares[False] = WIDE_SHARE
    params = {name: build(spec, shares[name in in_query], name, wide=wide) for name, spec in op.params.items()}
    given = json.loads(base.raw_body) if base.raw_body is not None else base.params
    case = {k: v for k, v in given.items() if k in op.params}
    params = _merge(params, case)
    for dotted, value in {**(fields or {}), **VALID.get(op.key, {}), **(variant or {})}.items():
        if value is BASE:
            value = case[dotted]
        _set(params, dotted.split("."), value)
    for name in TIMES & set(params):
        params[name] = _iso(start if name == "StartTime" else now)
    for name, spec in op.params.items():
        if spec.get("x-json-string") and name in params:
            params[name] = json.dumps(params[name])
    return Gw(params, ids=base.ids, segments=base.segments)


# -- reading back ----------------------------------------------------------------------------------

# Which resource an id parameter names (PaiPlugin's `Id` is the operation's own resource).
ID_PARAMS = {"TrainingJobId": "TrainingJob", "AlgorithmId": "Algorithm", "AlgorithmVersion": "AlgorithmVersion",
             "InstanceId": "Instance", "JobId": "Job", "PodId": "Pod", "TensorboardId": "Tensorboard",
             "TemplateId": "JobTemplate", "CampaignId": "Campaign"}
SETUP_IDS = {"PaiStudio": {"job": "TrainingJob", "algo": "Algorithm", "v": "AlgorithmVersion", "master": "Instance"},
             "pai-dlc": {"job": "Job", "pod": "Pod", "tb": "Tensorboard", "tpl": "JobTemplate"},
             "PaiPlugin": {"campaign": "Campaign", "job": "TrainingJob"}}
CREATED_IDS = {("PaiPlugin", "CreateCampaign"): "Campaign", ("PaiPlugin", "CreateTrainingJob"): "TrainingJob"}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_params(op: Operation, ids: dict, start: float, now: float) -> dict | None:
    """The read's ids, its integers at their maxima (PageNumber 1: the page that shows the
    resource), its switches on, its window the resource's whole life; None when a required id is
    not known."""
    params = {}
    for name, spec in op.params.items():
        resource = op.resource if name == "Id" else ID_PARAMS.get(name)
        if resource is not None:
            if resource in ids:
                params[name] = ids[resource]
            elif name in op.required:
                return None
        elif name == "PageNumber":
            params[name] = 1
        elif name in ("StartTime", "EndTime"):
            params[name] = _iso(start if name == "StartTime" else now)
        elif "enum" in spec:
            if name in op.required or name == "TimeStep":
                params[name] = spec["enum"][-1] if name == "TimeStep" else spec["enum"][0]
        elif spec.get("type") == "integer" and "Range" not in name:
            params[name] = 1 if name == "SanityCheckNumber" else spec["maximum"]
        elif spec.get("type") == "boolean" and name not in ("DownloadToFile", "FromAllWorkspaces"):
            params[name] = True
        elif name in op.required:
            return None
    if op.key == ("pai-dlc", "GetJobMetrics"):
        # The finest step the week allows: points per pod series, and in all pods' series.
        points = min(telemetry.MAX_POINTS, MAX_RESPONSE_POINTS // ids.get("pods", 1))
        params["TimeStep"] = f"{math.ceil((now - start) / (points - 1))}s"
    if op.key == ("PaiStudio", "ListTrainingJobInstanceMetrics"):
        # Every instance at the finest step, over the longest window that allows.
        params.pop("InstanceId", None)
        points = MAX_RESPONSE_POINTS // ids.get("instances", 1)
        params["StartTime"] = _iso(max(start, now - (points - 1) * TIME_STEPS["10s"]))
    if op.key == ("PaiPlugin", "GetAlgorithm"):
        params["Id"] = "user_recall"
    return params


def _ids_in(body, out: dict, product: str) -> None:
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ID_PARAMS and isinstance(value, str) and ID_PARAMS[key] not in out:
                out[ID_PARAMS[key]] = value
            elif isinstance(value, (dict, list)):
                _ids_in(value, out, product)


def _said(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    message = re.sub(r"x{20,}", "x...", str(body.get("Message")))
    return f"{response.status_code} {body.get('Code')}: {message[:400]}"


def _peak_bytes(call) -> int:
    """Peak bytes allocated while `call` runs: the served emulator runs in this process."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def gw(fakepai_server):
    """The shared gateway client (tests/conftest.py), with a timeout load cannot reach."""
    with fakepai_server.http(timeout=READ_TIMEOUT) as client:
        yield client


@pytest.fixture(scope="module")
def amplification():
    """Bytes a read added per byte a maxed field added, printed at the end (-s) for docs/limits.md."""
    rows: list[tuple] = []
    yield rows
    worst: dict = {}
    for product, action, read, ratio, *why in rows:
        print(product, action, read, ratio, *why) if read == "refused" else None
        if read != "refused":
            worst[(product, action)] = max(worst.get((product, action), (-1.0, "")), (ratio, read))
    for key, (ratio, read) in sorted(worst.items(), key=lambda kv: -kv[1][0]):
        print("amplification", *key, read, ratio)


@pytest.fixture(scope="module")
def measured():
    """The largest read per operation, printed at the end (-s) for docs/limits.md."""
    table: dict[str, tuple] = {}
    yield table
    for key in sorted(table):
        print(key, *table[key])


def _elastic_job_of_1000_pods(w: World) -> dict:
    job = w.dlc.create_job(dm.CreateJobRequest(
        display_name="elastic", job_type="ElasticBatchJob", user_command="python train.py", workspace_id="12345",
        job_specs=[dm.JobSpec(type="Worker", pod_count=1000, image="img", ecs_spec="ecs.gn7i-c8g1.2xlarge")],
        settings=dm.JobSettings(tags={OUTCOME: "hang"}))).body.job_id
    w.until(lambda: w.dlc_get(job)["Status"], "Running", step=5)
    return {"job": job}


# Corners one request cannot reach at once: (setup instead of the case's, values over VALID).
VARIANTS = {
    ("pai-dlc", "CreateJob", "100 restarts"): (None, {
        "JobSpecs.*.PodCount": 10,                         # 10 pods x 100 restarts: x-fakepai-maxPodRestarts
        "Settings.Tags": lambda tags: {**tags, OUTCOME: f"succeed@{WEEK}+restarts=100"},
        "Settings.ErrorMonitoringArgs": "--max-num-of-job-restart=100"}),
    ("pai-dlc", "UpdateJob", "scaled out"): (_elastic_job_of_1000_pods, {   # 999 pods scaled out, keeping their lives
        "JobSpecs": lambda specs: [{**specs[0], "Type": "Worker", "PodCount": 1}]}),
}
OPERATIONS = sorted([(p, a, "") for p, a in CATALOG.operations] + list(VARIANTS))


@dataclass
class Written:
    """What one write at maxima led to: its answer, the ids it made or touched, the bytes it sent,
    the DLC job as GetJob shows it a week later (when there is one) and every later read."""
    response: object
    request: dict
    written: int
    job: dict | None
    reads: list = field(default_factory=list)     # (read action, expected status, response, seconds, url, params)


def write_then_read(fakepai, gw, world: World, op: Operation, setup, values=None, wide: bool = False,
                    fields: dict | None = None) -> Written:
    """Make the operation's prerequisites, send its request built at maxima (`wide`: strings minimal),
    move the clock a week and call every read of the product that can show the resource."""
    product, action = op.key
    case = CASES[op.key]
    made = setup(world)
    ids = {SETUP_IDS[product][k]: v for k, v in made.items() if k in SETUP_IDS[product]}
    start = fakepai.now() - 60
    if "Job" in ids and product == "pai-dlc":       # pods scaled out later still have metric series
        before = gw.get(f"/api/pai-dlc/{op.version}/GetJob", params={"JobId": ids["Job"]}).json()
        ids["pods"] = len(before.get("Pods") or [])

    request = request_at_maxima(op, case.gw(made), start, fakepai.now(), values, wide=wide, fields=fields)
    response = send(gw, op, request)
    outcome = Written(response, request.params, len(json.dumps(request.params)), None)
    if response.status_code != 200:
        return outcome
    body = response.json()
    if op.key in CREATED_IDS:
        ids[CREATED_IDS[op.key]] = body["Data"]["Id"]
    elif not action.startswith(("Delete", "Get", "List")):
        _ids_in(body, ids, product)
    gone = op.resource if action == f"Delete{op.resource}" else None

    fakepai.advance(WEEK)              # the job ran (and restarted, and its logs grew) meanwhile
    version = op.version
    if "Job" in ids and product == "pai-dlc" and gone != "Job":
        outcome.job = gw.get(f"/api/pai-dlc/{version}/GetJob", params={"JobId": ids["Job"]}).json()
        pods = outcome.job.get("Pods") or []
        if pods:
            ids.setdefault("Pod", pods[0]["PodId"])
            ids["pods"] = max(ids.get("pods", 0), len(pods))
    if "TrainingJob" in ids and product == "PaiStudio" and gone != "TrainingJob":
        got = gw.get(f"/api/PaiStudio/{version}/GetTrainingJob", params={"TrainingJobId": ids["TrainingJob"]}).json()
        instances = got.get("Instances") or []
        if instances:
            ids.setdefault("Instance", instances[0]["Name"])
            ids["instances"] = len(instances)
    now = fakepai.now()

    for read in CATALOG.by_product(product):
        if read.mutating:
            continue
        params = read_params(read, ids, start, now)
        if params is None:
            continue
        url = f"/api/{product}/{version}/{read.action}"
        began = time.perf_counter()
        got = gw.get(url, params=params)
        seconds = time.perf_counter() - began
        needs_gone = gone is not None and any(
            (read.resource if n == "Id" else ID_PARAMS.get(n)) == gone for n in params if n in read.required)
        outcome.reads.append((read.action, 404 if needs_gone else 200, got, seconds, url, params))
    return outcome


@pytest.mark.parametrize("product,action,variant", OPERATIONS,
                         ids=[f"{p}-{a}" + (f"-{v}" if v else "") for p, a, v in OPERATIONS])
def test_every_operation_at_its_maxima_buys_bounded_reads(product, action, variant, fakepai, gw, measured,
                                                          paistudio_client, dlc_client, paiplugin_client):
    op = CATALOG.get(product, action)
    fakepai.freeze_clock()
    world = World(fakepai, paistudio_client, dlc_client, paiplugin_client)
    setup, values = VARIANTS.get((product, action, variant), (None, None))
    outcome = write_then_read(fakepai, gw, world, op, setup or CASES[op.key].setup, values)
    assert outcome.response.status_code == 200, (product, action, _said(outcome.response))
    if action == "CreateJob":         # it runs all week, and restarted as its outcome tag asked
        restarts = 100 if variant == "100 restarts" else 1
        assert (outcome.job["Status"], outcome.job["RestartTimes"]) == ("Running", f"{restarts}/{restarts}")
    written, largest = outcome.written, (0, 0.0, "")
    for read_action, status, got, seconds, url, params in outcome.reads:
        assert got.status_code == status, (read_action, _said(got))
        assert len(got.content) <= READ_BYTES + 2 * written, (read_action, len(got.content), written)
        largest = max(largest, (len(got.content), round(seconds, 3), read_action, url, params))
    assert outcome.reads
    # The largest read once more, for the memory it takes to build (tracemalloc slows it down).
    size, seconds, action, url, params = largest
    peak = _peak_bytes(lambda: gw.get(url, params=params))
    assert peak <= READ_PEAK_BYTES, (action, peak)
    measured[f"{product} {op.action} {variant}".strip()] = (written, len(outcome.reads), action, size, seconds, peak)


# -- one field at its maximum, the rest minimal: no read multiplies what was written --------------
#
# The shared budget above hides a product: one field copied into every item of a list (a
# TensorBoard's SummaryPath into each of its DataSources: 116 KB written, 131 MB on every read)
# is caught only when that field is long *and* the list is long. So here the request is built
# wide (every list and map as long as the body budget allows, with items as short as they may be,
# numbers at their maxima) and then each free-text string alone is set to its maxLength (at most
# FIELD_CHARS): what that adds to a read must stay within AMPLIFICATION times what it added to the
# request, plus READ_SLACK. A field's string is set in the first item of each list it is in.

FIELD_CHARS = 16 * 1024           # a string at maxLength, up to 16 KiB: copies show at any length, and it is cheaper
# What a read legitimately answers for one written byte: a Get echoes a field once; ListJobs /
# ListTrainingJobs echo it again on their page. Measured today (print with -s): at most 1.1
# (docs/limits.md). 4 leaves room for an echo in two places and JSON escaping, and is far from a
# field copied into every item of a list (x100, x1000).
AMPLIFICATION = 4
# Bytes a read may add whatever was written: ids and names echoed per pod or per item, and the
# copies a bound keeps small (SummaryPath, at most 1023 characters, into at most 100 sources: 200 KB).
READ_SLACK = 256 * 1024
GROUPS = 3                        # requests per operation besides the wide one: fields shared out
_BUILT = re.compile(r".*-\d+-")   # a string the builder made (not an id or URI from the case)


def amplified(base: int, size: int, added: int) -> bool:
    """Whether a read of `size` bytes, `base` before `added` bytes were written, multiplied them."""
    return size - base > READ_SLACK + AMPLIFICATION * added


def free_text_paths(value, schema: dict, path: tuple = ()):
    """(path, maxLength) of each string the builder made where any text is valid (no enum,
    pattern or format); a list step is its first item, a map step its first entry."""
    schema = _resolve(schema)
    if isinstance(value, dict):
        props, extra = schema.get("properties") or {}, schema.get("additionalProperties")
        entries = list(value.items()) if props else list(value.items())[:1]     # a map: its first entry
        for key, sub in entries:
            inner = props.get(key, extra if isinstance(extra, dict) else None)
            if inner is not None:
                yield from free_text_paths(sub, inner, (*path, key))
    elif isinstance(value, list) and value and isinstance(schema.get("items"), dict):
        yield from free_text_paths(value[0], schema["items"], (*path, 0))
    elif (isinstance(value, str) and _BUILT.fullmatch(value) and "string" in _types(schema)
          and not {"enum", "pattern", "format"} & set(schema) and not any("." in str(p) for p in path)):
        yield path, min(schema.get("maxLength", FIELD_CHARS), FIELD_CHARS)


WRITES = sorted(key for key in CATALOG.operations if CATALOG.get(*key).mutating)


@pytest.mark.parametrize("product,action", WRITES, ids=[f"{p}-{a}" for p, a in WRITES])
def test_no_field_at_its_maximum_is_multiplied_into_a_read(product, action, fakepai, gw, amplification,
                                                           paistudio_client, dlc_client, paiplugin_client):
    op = CATALOG.get(product, action)
    world = World(fakepai, paistudio_client, dlc_client, paiplugin_client)

    def run(fields: dict | None = None) -> Written:
        fakepai.reset()
        fakepai.freeze_clock()
        return write_then_read(fakepai, gw, world, op, CASES[op.key].setup, wide=True, fields=fields)

    def check(group: list) -> int:
        """Requests accepted with the group's fields at their maxima; a refused group is halved
        until the field a handler refuses (an instance type, a role name) is left out alone."""
        long = {".".join(map(str, path)): (marker(path) + "x" * size)[:size] for path, size in group}
        maxed = run(long)
        if maxed.response.status_code != 200:
            if len(group) > 1:
                return check(group[:len(group) // 2]) + check(group[len(group) // 2:])
            amplification.append((product, action, "refused", sorted(long), _said(maxed.response)))
            return 0
        added = maxed.written - wide.written
        for read, status, got, *_ in maxed.reads:
            size = len(got.content)
            amplification.append((product, action, read, round((size - base.get(read, 0)) / max(1, added), 2)))
            assert not amplified(base.get(read, 0), size, added), (read, base.get(read), size, added, sorted(long))
            for path, length in group:          # each field on its own: how often the read shows it
                copies = got.text.count(marker(path))
                assert not amplified(0, copies * length, length), (read, ".".join(map(str, path)), length, copies)
        return 1

    wide = run()
    assert wide.response.status_code == 200, (product, action, _said(wide.response))
    base = {read: len(got.content) for read, _, got, *_ in wide.reads}
    sent = {name: json.loads(value) if op.params[name].get("x-json-string") and isinstance(value, str) else value
            for name, value in wide.request.items()}      # JSON text: its fields are set before it is written
    paths = sorted(p for name, value in sent.items() for p in free_text_paths(value, op.params[name], (name,)))
    markers = {path: f"@{i:04d}@" for i, (path, _) in enumerate(paths)}
    marker = markers.__getitem__
    accepted = sum(check(paths[i::GROUPS]) for i in range(min(GROUPS, len(paths))))
    assert accepted or not paths, (product, action, "no request with a field at its maximum was accepted")


def _tensorboard_answer(summary_path: str, sources: int) -> int:
    """Bytes of a GetTensorboard answer that copies SummaryPath into each data source, as it did."""
    board = {"TensorboardId": "tb", "SummaryPath": summary_path, "DataSources": [
        {"DataSourceId": f"d{i}", "SummaryPath": summary_path, "FullSummaryPath": f"oss://bucket/{summary_path}"}
        for i in range(sources)]}
    return sum(map(len, json.JSONEncoder().iterencode(board)))


@pytest.mark.parametrize("longest,most,caught", [
    (65536, 1000, True),          # the declarations when it was found: 116 KB written, 131 MB read
    (FIELD_CHARS, 130, True),     # the wide request: a 16 KiB field, ~130 sources in its 64 KiB share
    (1023, 100, False),           # today's bounds: at most ~200 KB of copies, within READ_SLACK
])
def test_a_field_copied_into_every_item_is_amplification(longest, most, caught):
    """The check itself, on the answer the TensorBoard handler gave: the property fails on it."""
    added = longest - 1
    base, size = _tensorboard_answer("s", most), _tensorboard_answer("s" * longest, most)
    assert amplified(base, size, added) is caught, (base, size, added)
    assert not amplified(base, base + added, added)          # an echo, once, is not


# -- what the property found, and the bounds it needed ---------------------------------------------

DLC = "/api/pai-dlc/2020-12-03"
ST = "/api/PaiStudio/2022-01-12"
BIG_DLC_JOB = {"DisplayName": "big", "JobType": "PyTorchJob", "UserCommand": "python train.py", "WorkspaceId": "1",
               "JobSpecs": [{"Type": "Worker", "PodCount": 1000, "Image": "img", "EcsSpec": "ecs.gn7i-c8g1.2xlarge"}],
               "Settings": {"Tags": {OUTCOME: f"succeed@{WEEK}"}}}
BIG_TRAINING_JOB = {"TrainingJobName": "big", "WorkspaceId": "1",
                    "AlgorithmSpec": {"Command": ["python", "train.py"], "Image": "img", "JobType": "PyTorchJob"},
                    "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": 1000},
                    "Labels": [{"Key": OUTCOME, "Value": f"succeed@{WEEK}"}]}


def _refused(response, field: str, *words: str) -> None:
    assert response.status_code == 400, _said(response)
    body = response.json()
    assert body["Code"] == "InvalidParameter" and f'"{field}"' in body["Message"], body
    assert all(w in body["Message"] for w in words), body


def test_metrics_of_a_thousand_pods_over_a_week_are_bounded_in_all(fakepai, gw):
    """Was: 11,000 points for each of 1,000 pods (11 million; the read did not end within 60 s)."""
    fakepai.freeze_clock()
    start = fakepai.now()
    job = gw.post(f"{DLC}/CreateJob", json=BIG_DLC_JOB).json()["JobId"]
    fakepai.advance(WEEK)
    window = {"JobId": job, "MetricType": "GpuCoreUsage", "StartTime": _iso(start), "EndTime": _iso(fakepai.now())}
    finest_per_pod = f"{math.ceil(WEEK / telemetry.MAX_POINTS)}s"         # allowed per pod series
    _refused(gw.get(f"{DLC}/GetJobMetrics", params={**window, "TimeStep": finest_per_pod}),
             "TimeStep", f"at most {MAX_RESPONSE_POINTS} in all")
    allowed = gw.get(f"{DLC}/GetJobMetrics", params={**window, "TimeStep": f"{math.ceil(WEEK / 39)}s"})
    assert allowed.status_code == 200 and len(allowed.json()["PodMetrics"]) == 1000
    assert sum(len(p["Metrics"]) for p in allowed.json()["PodMetrics"]) <= MAX_RESPONSE_POINTS


def test_instance_metrics_of_a_thousand_instances_over_a_week_are_bounded_in_all(fakepai, gw):
    """Was: 60,480 points for each of 1,000 instances at TimeStep 10s (60 million)."""
    fakepai.freeze_clock()
    job = gw.post(f"{ST}/CreateTrainingJob", json=BIG_TRAINING_JOB).json()["TrainingJobId"]
    fakepai.advance(WEEK)
    read = {"TrainingJobId": job, "MetricType": "GpuCoreUsage", "TimeStep": "10s"}
    _refused(gw.get(f"{ST}/ListTrainingJobInstanceMetrics", params=read), "TimeStep",
             "1000 instances", f"at most {MAX_RESPONSE_POINTS} in all")
    hourly = gw.get(f"{ST}/ListTrainingJobInstanceMetrics",
                    params={**read, "TimeStep": "1h", "StartTime": _iso(fakepai.now() - 12 * 3600)})
    assert hourly.status_code == 200 and len(hourly.json()["InstanceMetrics"]) == 1000
    instance = gw.get(f"{ST}/GetTrainingJob", params={"TrainingJobId": job}).json()["Instances"][0]["Name"]
    one = gw.get(f"{ST}/ListTrainingJobInstanceMetrics",              # one instance: four days at 10 s
                 params={**read, "InstanceId": instance, "StartTime": _iso(fakepai.now() - 4 * 86400)})
    assert one.status_code == 200 and abs(len(one.json()["InstanceMetrics"][0]["Metrics"]) - 4 * 8640) <= 1
    assert len(one.content) <= READ_BYTES


def test_pod_logs_answer_at_most_the_declared_lines(fakepai, gw):
    """Was: MaxLines up to 100,000, a 10 MB answer (~100 bytes a line)."""
    declared = CATALOG.get("pai-dlc", "GetPodLogs").params["MaxLines"]["maximum"]
    fakepai.freeze_clock()
    job = gw.post(f"{DLC}/CreateJob", json={**BIG_DLC_JOB, "JobSpecs": [{**BIG_DLC_JOB["JobSpecs"][0], "PodCount": 1}]})
    job = job.json()["JobId"]
    fakepai.advance(WEEK)
    pod = {"JobId": job, "PodId": f"{job}-worker-0"}
    _refused(gw.get(f"{DLC}/GetPodLogs", params={**pod, "MaxLines": 100000}), "MaxLines", f"maximum {declared}")
    most = gw.get(f"{DLC}/GetPodLogs", params={**pod, "MaxLines": declared})
    assert most.status_code == 200 and len(most.json()["Logs"]) == declared and len(most.content) <= READ_BYTES


def _job_specs(action: str) -> dict:
    return CATALOG.get("pai-dlc", action).params["JobSpecs"]


def test_the_work_a_job_buys_is_declared_in_its_schema_and_published(fakepai, gw):
    """pods x restarts and scaled-out pods were code constants; the outcome tag's grammar had no
    declared bounds. Now the schemas declare them (x-fakepai-*) and the OpenAPI publishes them."""
    create, update = _job_specs("CreateJob"), _job_specs("UpdateJob")
    assert create["x-fakepai-maxPodRestarts"] == update["x-fakepai-maxPodRestarts"] == 1000
    assert create["x-fakepai-maxTotalPodCount"] == update["x-fakepai-maxTotalPodCount"] == 1000
    assert update["x-fakepai-maxScaledOutPods"] == 1000
    settings = CATALOG.definition("https://fakepai.local/schemas/_shared/pai-dlc.json#/$defs/JobSettings.request")
    tag = settings["properties"]["Tags"]["properties"][OUTCOME]
    bounds = {"maxRestarts": 100, "maxFaultTimes": 100, "maxSeconds": 315360000}
    assert tag["x-fakepai-outcome"] == {**bounds, "restartable": True, "phases": tag["x-fakepai-outcome"]["phases"]}
    studio_labels = CATALOG.get("PaiStudio", "CreateTrainingJob").params["Labels"]
    assert studio_labels["x-fakepai-outcome"] == {**bounds, "restartable": False,
                                                  "phases": ["Creating", "Created", "Initializing", "Submitted", "Running"]}
    published = json.dumps(gw.get("/_fakepai/openapi.json").json())
    for keyword in ("x-fakepai-maxPodRestarts", "x-fakepai-maxScaledOutPods", "x-fakepai-maxTotalPodCount",
                    "x-fakepai-outcome"):
        assert f'"{keyword}"' in published, keyword


def _restarting_job(pods: int, restarts) -> dict:
    return {**BIG_DLC_JOB, "JobSpecs": [{**BIG_DLC_JOB["JobSpecs"][0], "PodCount": pods}],
            "Settings": {"EnableErrorMonitoringInAIMaster": True, "ErrorMonitoringArgs": "--max-num-of-job-restart=100",
                         "Tags": {OUTCOME: f"succeed@{WEEK}+restarts={restarts}"}}}


@pytest.mark.parametrize("pods,restarts,accepted", [
    (1000, 1, True), (500, 2, True), (10, 100, True),        # at the declared product
    (1000, 2, False), (11, 100, False),                      # one pod life past it
    (1, 101, False), (1, ",".join(f"{s}s" for s in range(1, 102)), False),     # past the tag's own bounds
])
def test_the_declared_job_bounds_are_the_enforced_ones(fakepai, gw, pods, restarts, accepted):
    fakepai.freeze_clock()
    response = gw.post(f"{DLC}/CreateJob", json=_restarting_job(pods, restarts))
    if accepted:
        assert response.status_code == 200, _said(response)
        job = response.json()["JobId"]
        fakepai.advance(WEEK)
        got = gw.get(f"{DLC}/GetJob", params={"JobId": job})
        assert got.status_code == 200 and len(got.content) <= READ_BYTES
        lives = sum(1 + len(p.get("HistoryPods") or []) for p in got.json()["Pods"])
        assert lives <= pods + _job_specs("CreateJob")["x-fakepai-maxPodRestarts"]
    else:
        _refused(response, f"Settings.Tags.{OUTCOME}")
        assert gw.get(f"{DLC}/ListJobs").json()["TotalCount"] in (0, "0")      # nothing was created


def _tensorboard(summary_path: str, sources: int) -> dict:
    return {"DisplayName": "tb", "WorkspaceId": "1", "SummaryPath": summary_path,
            "DataSources": [{"DataSourceId": f"d{i}", "Path": f"oss://bucket/runs/{i}/"} for i in range(sources)]}


def test_a_tensorboard_summary_path_is_not_multiplied_by_its_data_sources(fakepai, gw):
    """Was: SummaryPath is copied into every DataSources item (SummaryPath, FullSummaryPath), so a
    116 KB request (1000 sources, a 64 KiB path) answered 131 MB on every Get and List."""
    create = CATALOG.get("pai-dlc", "CreateTensorboard").params
    longest, most = create["SummaryPath"]["maxLength"], create["DataSources"]["maxItems"]
    _refused(gw.post(f"{DLC}/CreateTensorboard", json=_tensorboard("s" * 65536, 1)), "SummaryPath", f"{longest}")
    _refused(gw.post(f"{DLC}/CreateTensorboard", json=_tensorboard("s", 1000)), "DataSources", f"at most {most}")
    board = gw.post(f"{DLC}/CreateTensorboard", json=_tensorboard("s" * longest, most)).json()["TensorboardId"]
    for read, params in (("GetTensorboard", {"TensorboardId": board}), ("ListTensorboards", {"Verbose": "true"})):
        got = gw.get(f"{DLC}/{read}", params=params)
        assert got.status_code == 200 and len(got.content) <= READ_BYTES / 4, (read, len(got.content))
