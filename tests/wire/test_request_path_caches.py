"""What the request path keeps between requests to go faster (issue #14's speed work), and that
keeping it changes no answer: finished jobs' views (views._settled), routes (Router.resolve),
the workspace creation-index window, request ids, remembered bearer headers (test_auth.py),
the query split without parse_qsl, which names go together (checked by the binder by hand), a
finished job's body kept as JSON text."""
from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import time
import uuid
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest
from alibabacloud_paistudio20220112 import models as m
from hypothesis import given, settings
from jsonschema import Draft202012Validator
from hypothesis import strategies as st

from fakepai import jsontext
from fakepai.catalog import default_catalog
from fakepai.emulator import Emulator, Settings
from fakepai.ids import request_id
from fakepai.projection import Settled
from fakepai.server import FIXTURE_ACCESS_KEY
from fakepai.wire.auth import Principal
from fakepai.services.paistudio.store import _Window
from fakepai.catalog import REQUEST_FORMATS, RequestValidator
from fakepai.wire.binding import _PRESENCE, _Bounds, _passes_simple_checks, _presence_holds, _simple_checkers
from fakepai.wire.pipeline import _parse_query
from fakepai.wire.rendering import success_body, success_response
from fakepai.wire.routing import Router
from tests.paistudio.test_training_jobs import WS, create, get


def listed(client, job_id: str) -> dict:
    body = client.list_training_jobs(m.ListTrainingJobsRequest(workspace_id=WS, page_size=100)).body.to_map()
    (item,) = [j for j in body["TrainingJobs"] if j["TrainingJobId"] == job_id]
    return item


def test_a_finished_jobs_views_follow_label_changes_and_the_clock_moved_back(fakepai, paistudio_client):
    fakepai.freeze_clock()
    job_id = create(paistudio_client)
    running_at = fakepai.now() + 20          # Running: the plan is 8 s of set-up, then 30 s of running
    fakepai.advance(3600)
    first = get(paistudio_client, job_id)
    assert first["Status"] == listed(paistudio_client, job_id)["Status"] == "Succeed"
    again = get(paistudio_client, job_id)
    assert again.pop("RequestId") != first.pop("RequestId") and again == first

    paistudio_client.update_training_job_labels(job_id, m.UpdateTrainingJobLabelsRequest(
        labels=[m.UpdateTrainingJobLabelsRequestLabels(key="k", value="v")]))
    assert listed(paistudio_client, job_id)["Labels"] == [{"Key": "k", "Value": "v"}]
    assert get(paistudio_client, job_id)["Labels"] == [{"Key": "k", "Value": "v"}]

    ended_at = fakepai.now()
    fakepai.set_clock(running_at)             # back before the end: the kept views must not answer
    earlier = get(paistudio_client, job_id)
    assert earlier["Status"] == listed(paistudio_client, job_id)["Status"] != "Succeed"
    assert earlier["StatusTransitions"][-1]["Status"] == earlier["Status"]
    fakepai.set_clock(ended_at)
    assert get(paistudio_client, job_id)["Status"] == listed(paistudio_client, job_id)["Status"] == "Succeed"


def test_a_route_the_headers_decide_is_decided_again_for_each_request():
    # No two operations of today's catalogue share a native path, so make two that do: the same
    # path served by PaiStudio and by PaiPlugin, told apart by x-acs-action or the Host.
    studio_op = default_catalog().get("PaiStudio", "GetTrainingJob")
    plugin_op = dataclasses.replace(studio_op, product="PaiPlugin", action="GetPluginJob")
    router = Router(SimpleNamespace(operations={op.key: op for op in (studio_op, plugin_op)}))
    path = "/api/v1/trainingjobs/train1"
    answers = [router.resolve("GET", path, headers).operation.product for headers in (
        {"x-acs-action": "GetPluginJob"}, {"host": "pai.cn-hangzhou.aliyuncs.com"},
        {"host": "paiplugin.cn-hangzhou.aliyuncs.com"}, {"x-acs-action": "GetTrainingJob"})]
    assert answers == ["PaiPlugin", "PaiStudio", "PaiPlugin", "PaiStudio"]
    assert router._known == {}


def test_a_route_the_path_decides_is_kept_within_a_bound():
    router = Router(default_catalog())
    router.KNOWN_ROUTES = 3
    first = router.resolve("GET", "/api/v1/trainingjobs/train1", {})
    assert router.resolve("GET", "/api/v1/trainingjobs/train1", {}) is first
    assert (first.operation.action, first.path_values) == ("GetTrainingJob", {"TrainingJobId": "train1"})
    for i in range(10):
        route = router.resolve("GET", f"/api/v1/trainingjobs/train{i}", {})
        assert route.path_values == {"TrainingJobId": f"train{i}"}
        assert len(router._known) <= 3
    gateway = router.resolve("POST", "/api/PaiStudio/2022-01-12/CreateTrainingJob", {})
    assert (gateway.operation.action, gateway.form) == ("CreateTrainingJob", "gateway")


def test_the_creation_index_window_reads_as_the_slice_it_stands_for():
    rng = random.Random(14)
    items = list(range(40))
    for _ in range(3000):
        lo, hi = rng.randint(0, 40), rng.randint(0, 40)
        window, expected = _Window(items, lo, hi), items[lo:hi]
        assert len(window) == len(expected) and list(window) == expected
        assert list(reversed(window)) == expected[::-1]
        a, b = rng.choice([None, rng.randint(-45, 45)]), rng.choice([None, rng.randint(-45, 45)])
        step = rng.choice([None, 1, 2, -1, -3])
        assert window[a:b:step] == expected[a:b:step]
        i = rng.randint(-45, 45)
        assert (window[i] if -len(expected) <= i < len(expected) else None) == \
            (expected[i] if -len(expected) <= i < len(expected) else None)


def test_request_ids_are_upper_case_version_4_uuids():
    ids = [request_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for rid in ids:
        parsed = uuid.UUID(rid)
        assert (parsed.version, parsed.variant, str(parsed).upper()) == (4, uuid.RFC_4122, rid)
    assert {rid[19] for rid in ids} == set("89AB")


def test_seeding_the_random_module_does_not_repeat_request_ids():
    state = random.getstate()
    try:
        random.seed(7)
        first = request_id()
        random.seed(7)
        second = request_id()
    finally:
        random.setstate(state)
    assert first != second


def test_a_forked_child_draws_request_ids_of_its_own():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                             # the child: its next id, to the parent
        os.write(write, request_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    os.close(read)
    assert uuid.UUID(child).version == 4 and child != request_id()


@given(st.lists(st.tuples(st.text("ab%+=&; 2F", max_size=4), st.sampled_from(["", "=", "=="]),
                          st.text("ab%+=; 2F", max_size=4)), max_size=5),
       st.sampled_from(["&", "&&"]))
def test_the_query_is_split_as_parse_qsl_splits_it(fields, separator):
    text = separator.join(name + eq + value for name, eq, value in fields)
    assert _parse_query(text) == parse_qsl(text, keep_blank_values=True)


PRESENCE_OPERATIONS = [op for op in default_catalog().operations.values()
                       if (_simple_checkers(op) or {}).get(_PRESENCE)]


def test_some_operations_check_which_names_go_together_by_hand():
    assert "CreateTrainingJob" in {op.action for op in PRESENCE_OPERATIONS}


@given(st.sampled_from(PRESENCE_OPERATIONS), st.data())
def test_which_names_go_together_is_judged_as_json_schema_judges_it(op, data):
    # The binder's hand check of a root anyOf/oneOf/not of `required` lists, against jsonschema's
    # verdict on the same keywords, for any set of names sent.
    schema = {word: op.request_schema[word] for word in ("anyOf", "oneOf", "not") if word in op.request_schema}
    names = set(op.request_schema.get("properties", {}))
    for sets in _simple_checkers(op)[_PRESENCE].values():
        names.update(*sets)
    sent = data.draw(st.sets(st.sampled_from(sorted(names))))
    expected = Draft202012Validator(schema).is_valid({name: "x" for name in sent})
    assert _presence_holds(_simple_checkers(op)[_PRESENCE], {name: "x" for name in sent}.keys()) == expected


FLAT_PARAMETERS = [(op, name, op.params[name]) for op in default_catalog().operations.values()
                   for name, bounds in (_simple_checkers(op) or {}).items() if isinstance(bounds, _Bounds)]


def _near(spec: dict):
    """Values near what `spec` allows and refuses: its enum, its bounds, strings around its lengths."""
    low, high = spec.get("minimum", -3), spec.get("maximum", 3)
    lengths = {n for bound in (spec.get("minLength", 0), spec.get("maxLength", 4)) for n in (bound - 1, bound, bound + 1)
               if n >= 0}
    return st.one_of(st.sampled_from(spec.get("enum") or [None]), st.none(), st.booleans(),
                     st.integers(low - 2, low + 2), st.integers(high - 2, high + 2), st.floats(allow_nan=False),
                     st.sampled_from([low, high, float(low), float(high)]), st.text(" ab\t", max_size=6),
                     st.sampled_from(sorted(lengths)).map(lambda n: "a" * n), st.lists(st.integers(), max_size=1))


@settings(max_examples=500)      # 235 parameters: enough draws to reach each kind of bound often
@given(st.sampled_from(FLAT_PARAMETERS), st.data())
def test_a_flat_parameter_passes_the_binders_own_checks_as_json_schema_judges_it(flat, data):
    # The binder checks a flat parameter (type, enum, bounds, lengths, pattern) by hand from its
    # `_Bounds`, inline; jsonschema (the request validator's dialect) must give the same verdict.
    op, name, spec = flat
    value = data.draw(_near(spec))
    schema = {"type": "object", "properties": {name: spec}}
    alone = SimpleNamespace(key=("bounds-test", op.product, op.action, name), required=[], request_schema=schema)
    expected = RequestValidator(schema, format_checker=REQUEST_FORMATS).is_valid({name: value})
    assert _passes_simple_checks(alone, {name: value}) == expected


def test_a_settled_view_is_answered_with_the_bytes_its_body_would_serialise_to(fakepai, paistudio_client):
    # The kept JSON text of a finished job's view, with the request id written after it, against
    # the projected body serialised whole (what every other response is); and the views the kept
    # text must not serve (a RequestId key already there) or cannot (not Settled).
    fakepai.freeze_clock()
    job_id = create(paistudio_client)
    fakepai.advance(3600)
    op = default_catalog().get("PaiStudio", "GetTrainingJob")
    finished = fakepai._on_loop(fakepai.emulator.invoke, op, FIXTURE_ACCESS_KEY, {"TrainingJobId": job_id},
                                request_id="r")
    assert finished.__class__ is Settled and finished["Status"] == "Succeed"
    for result in (finished, Settled(), Settled(RequestId="old", A=1), Settled(A={"RequestId": "nested"}), {"A": 1}):
        for _ in range(2):                                  # made, then kept
            rid = request_id()
            assert success_response(op, result, rid).body == jsontext.dumps(success_body(op, result, rid))
    assert get(paistudio_client, job_id)["Status"] == "Succeed"


def test_a_list_page_takes_a_finished_jobs_kept_item_until_its_revision_or_plan_changes(fakepai, paistudio_client):
    # list_body tests a kept item inline (views._settled's test, without its calls): it must give
    # the kept item exactly when _settled would, and a fresh one after a label change or a new plan.
    from fakepai.services.paistudio import views
    from fakepai.services.paistudio.store import TrainingJobStore
    from fakepai.sim.timeline import Phase

    fakepai.freeze_clock()
    job_id = create(paistudio_client)
    fakepai.advance(3600)
    job = fakepai.emulator.world.account(FIXTURE_ACCESS_KEY).namespace(TrainingJobStore).jobs[job_id]
    now = fakepai.now()

    def item():
        (listed_item,) = views.list_body([job], 1, now)["TrainingJobs"]
        assert listed_item is views.training_job_item(job, now)       # the inline test agrees with _settled
        return listed_item

    kept = item()
    assert kept.__class__ is Settled and kept["Status"] == "Succeed" and item() is kept
    job.touch(now)                                        # a change through the API: the revision
    relabelled = item()
    assert relabelled is not kept and relabelled == views._training_job_item(job, now)
    assert item() is relabelled
    phases = job.timeline.phases                          # a new plan (a rescript replaces the list)
    job.timeline.phases = phases[:-1] + [Phase("Failed", phases[-1].start, "JobFailed", "failed")]
    failed = item()
    assert failed is not relabelled and failed["Status"] == "Failed" and failed == views._training_job_item(job, now)
    assert views.list_body([job], 1, phases[0].start)["TrainingJobs"][0]["Status"] != "Failed"   # before its end


@pytest.mark.parametrize("state_file", [False, True])
def test_a_write_runs_at_one_instant_with_or_without_a_state_file(tmp_path, state_file):
    # Without a state file `Journal.write` is the clock's pin alone (nothing to journal): the
    # handler must still see one instant, a write nested in it the same one, and the clock then
    # run on; with one, the same, and the write journaled once.
    emu = Emulator(Settings(speed=1e6, state_file=str(tmp_path / "state.pkl") if state_file else None))
    op = emu.catalog.get("PaiStudio", "CreateTrainingJob")
    who = Principal(account_id="acct", key_id="k", method="bearer")
    try:
        with emu.journal.write(op, who, dict(JOB_PARAMS), "r1"):
            at = emu.clock.now()
            time.sleep(0.002)                      # 2,000 s of virtual time at this speed
            with emu.journal.write(op, who, dict(JOB_PARAMS), "r2"):
                assert emu.clock.now() == at
            assert emu.clock.now() == at
        assert emu.clock.now() > at + 1000
        assert emu.journal._appended == (1 if state_file else 0)
    finally:
        asyncio.run(emu.journal.close())


JOB_PARAMS = {"TrainingJobName": "j", "WorkspaceId": "W", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"}
