"""--state-file keeps every acknowledged write (issue #11 §4; docs/durability.md): the journal
survives SIGKILL at any instant, replays to the same ids and timelines, keeps steering and used
nonces, refuses damaged files in one line, and reads by unknown credentials keep nothing."""
from __future__ import annotations

import gc
import json
import pickle
import signal
import threading
import time

import httpx
import pytest

from fakepai import FakePAI
from fakepai.wire import signing
from tests.helpers import ServedProcess
from tests.server.crash_loop import BEARER, GW, crash_loop, serve_refuses

JOB = {"TrainingJobName": "kept", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"}
DLC = "/api/pai-dlc/2020-12-03"


@pytest.mark.parametrize("durability,kills", [("fsync", 14), ("write", 6)])
def test_sigkill_at_random_points_of_a_write_and_save_loop_loses_no_acknowledged_write(tmp_path, durability, kills):
    state = tmp_path / "state.pkl"
    # Temp files an older fakepai's interrupted saves left: cleaned at the first start.
    (tmp_path / "state.pkl8f3k2l.tmp").write_bytes(b"x" * 100)
    (tmp_path / "state.pkl.tmp-99999").write_bytes(b"x" * 100)
    report = crash_loop(state, kills=kills, seed=kills, extra=("--durability", durability))
    assert report.kills == kills and report.acknowledged >= kills and report.saves >= kills // 2
    assert report.lost == 0, report.lost_ids
    assert report.reissued == 0
    assert report.temps_after_start == 0
    assert report.most_files <= 2 + kills          # the snapshot, its lock, the segments not compacted yet


def _views(http: httpx.Client, train_id: str, dlc_id: str) -> list:
    """What a client sees of the two jobs, request ids left out."""
    def body(r: httpx.Response):
        assert r.status_code == 200, r.text
        data = r.json()
        data.pop("RequestId", None)
        return data
    return [body(http.get(f"{GW}/GetTrainingJob/{train_id}")),
            body(http.get(f"{GW}/ListTrainingJobLogs/{train_id}", params={"PageSize": 100})),
            body(http.get(f"{GW}/ListTrainingJobEvents/{train_id}")),
            body(http.get(f"{GW}/ListTrainingJobs")),
            body(http.get(f"{DLC}/GetJob", params={"JobId": dlc_id})),
            body(http.get(f"{DLC}/ListJobs"))]


def test_after_sigkill_the_replay_gives_the_same_ids_timelines_and_steering(tmp_path):
    """Writes, a reset, a scripted outcome and clock moves, then kill -9: a restart shows exactly
    what the client saw (the clock is frozen, so both starts read at the same instant)."""
    state = tmp_path / "state.pkl"
    with ServedProcess("--state-file", str(state), "--speed", "0") as served:
        with httpx.Client(base_url=served.url, headers=BEARER, timeout=10) as http:
            before_reset = http.post(f"{GW}/CreateTrainingJob", json=JOB).json()["TrainingJobId"]
            assert http.post("/_fakepai/reset").status_code == 200
            assert http.post("/_fakepai/clock/advance", json={"seconds": 7200}).status_code == 200
            train = http.post(f"{GW}/CreateTrainingJob", json=JOB).json()["TrainingJobId"]
            dlc = http.post(f"{DLC}/CreateJob", json={
                "DisplayName": "d", "JobType": "PyTorchJob", "WorkspaceId": "1", "UserCommand": "python t.py",
                "JobSpecs": [{"Type": "Worker", "PodCount": 2, "EcsSpec": "ecs.gn7i-c8g1.2xlarge", "Image": "img"}]}
            ).json()["JobId"]
            assert http.put(f"/_fakepai/jobs/{train}/outcome", json={"result": "fail"}).status_code == 200
            assert http.post("/_fakepai/clock/advance", json={"seconds": 90}).status_code == 200
            assert http.put(f"/_fakepai/jobs/{dlc}/outcome", json={"result": "succeed", "after": 30}).status_code == 200
            assert http.post("/_fakepai/clock/advance", json={"seconds": 900}).status_code == 200
            seen = _views(http, train, dlc)
            clock = http.get("/_fakepai/clock").json()["epoch"]
        served.stop(signal.SIGKILL)
    with ServedProcess("--state-file", str(state), "--speed", "0") as served:
        with httpx.Client(base_url=served.url, headers=BEARER, timeout=10) as http:
            assert http.get("/_fakepai/clock").json()["epoch"] == clock
            assert _views(http, train, dlc) == seen
            assert seen[0]["Status"] == "Failed"
            # The reset is kept too: the job from before it is gone (the reset restarted the id
            # sequence, so its id is the first job's after it).
            assert train == before_reset and seen[3]["TotalCount"] == 1
            again = http.post(f"{GW}/CreateTrainingJob", json=JOB).json()["TrainingJobId"]
            assert again not in (train, dlc)        # the id sequence went on from where it was


def _v4(payload: dict) -> bytes:
    return b"fakepai-state/4\n" + pickle.dumps({"format": "fakepai-state/4", **payload})


GOOD = {"accounts": {}, "now": 1.0e9, "ids": (0, 0), "nonces": [], "journal": 0}


@pytest.mark.parametrize("content,says", [
    (b"not a pickle", "is not a fakepai state file (found no fakepai format tag; this fakepai reads fakepai-state/4)"),
    (pickle.dumps(["a", "list"]), "is not a fakepai state file (found a pickle that is not a fakepai state"),
    (b"fakepai-state/9\n" + pickle.dumps({}), "is a fakepai-state/9 state file; this fakepai reads only fakepai-state/4"),
    (_v4({**GOOD, "accounts": ["x"]}), "is a damaged fakepai-state/4 file (found fakepai-state/4; field 'accounts' is list)"),
    (_v4({k: v for k, v in GOOD.items() if k != "ids"}), "field 'ids' is missing"),
    (_v4({**GOOD, "ids": (0, -1)}), "field 'ids' is not (seed, issued)"),
    (_v4({**GOOD, "accounts": {"a": "not an account"}}), "account 'a' is not an account"),
    (_v4(GOOD)[:-9], "is a damaged fakepai-state/4 file (found fakepai-state/4; unpickling failed"),
], ids=["foreign", "foreign-pickle", "newer", "bad-field", "missing-field", "bad-ids", "bad-account", "truncated"])
def test_a_damaged_or_foreign_state_file_is_refused_in_one_line(tmp_path, content, says):
    path = tmp_path / "state.pkl"
    path.write_bytes(content)
    line = serve_refuses(path)
    assert str(path) in line and says in line


def _journaled_state(tmp_path):
    """A state file whose journal holds three writes (the server was killed before any compaction)."""
    state = tmp_path / "state.pkl"
    with ServedProcess("--state-file", str(state)) as served:
        with httpx.Client(base_url=served.url, headers=BEARER) as http:
            ids = [http.post(f"{GW}/CreateTrainingJob", json=JOB).json()["TrainingJobId"] for _ in range(3)]
        served.stop(signal.SIGKILL)
    [segment] = tmp_path.glob("state.pkl.journal-*")
    return state, segment, ids


def test_a_torn_last_journal_record_is_dropped_and_damage_before_the_end_is_refused(tmp_path):
    state, segment, ids = _journaled_state(tmp_path)
    data = segment.read_bytes()
    segment.write_bytes(data + data[-40:-3])        # a record cut short by the crash: never acknowledged
    with ServedProcess("--state-file", str(state)) as served:
        with httpx.Client(base_url=served.url, headers=BEARER) as http:
            assert all(http.get(f"{GW}/GetTrainingJob/{i}").status_code == 200 for i in ids)
        served.stop(signal.SIGKILL)
    damaged = bytearray(segment.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF              # a flipped byte with good records after it
    segment.write_bytes(bytes(damaged))
    line = serve_refuses(state)
    assert f"{segment} is damaged at byte" in line and "fakepai-journal/1" in line


def test_a_used_signature_nonce_is_refused_after_a_kill_and_restart(tmp_path):
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"accessKeys": [{"accessKeyId": "AK1", "accessKeySecret": "s3cret", "accountId": "a1"}]}))
    state = tmp_path / "state.pkl"
    argv = ("--state-file", str(state), "--auth", "strict", "--credentials", str(creds))
    path = f"{GW}/ListTrainingJobs"
    with ServedProcess(*argv) as served:
        host = served.endpoint
        headers = signing.sign_acs3("GET", path, [], {"host": host}, b"", "AK1", "s3cret")
        assert httpx.get(served.url + path, headers=headers).status_code == 200    # a read: captured on the wire
        served.stop(signal.SIGKILL)
    # The capture is replayed byte for byte (its signed `host` header included) on the restarted server.
    with ServedProcess(*argv) as served:
        r = httpx.get(served.url + path, headers=headers)
        assert (r.status_code, r.json()["Code"]) == (400, "SignatureNonceUsed")
        fresh = signing.sign_acs3("GET", path, [], {"host": host}, b"", "AK1", "s3cret")
        assert httpx.get(served.url + path, headers=fresh).status_code == 200


def test_reads_and_rejected_writes_by_unknown_credentials_keep_no_account():
    with FakePAI(rate_limit=False) as pai:
        with pai.http(bearer="writer") as http:
            assert http.post(f"{GW}/CreateTrainingJob", json=JOB).status_code == 200
        with httpx.Client(base_url=pai.url) as http:
            for n in range(2000):
                r = http.get(f"{GW}/ListTrainingJobs", headers={"Authorization": f"Bearer reader-{n}"})
                assert r.status_code == 200 and r.json()["TotalCount"] == 0     # an empty account
            for n in range(200):                    # writes that are rejected keep nothing either
                r = http.post(f"{GW}/CreateTrainingJob", json={"WorkspaceId": "1"}, headers={"Authorization": f"Bearer bad-{n}"})
                assert r.status_code == 400
            assert http.get("/_fakepai/health").json()["accounts"] == 1


def test_the_server_answers_while_it_compacts(tmp_path):
    """Compaction forks: the snapshot is written by a child while the server answers."""
    with FakePAI(state_file=str(tmp_path / "state.pkl"), durability="write", rate_limit=False) as pai:
        from fakepai.wire.auth import Principal
        emu = pai.emulator
        op = emu.catalog.get("PaiStudio", "CreateTrainingJob")
        who = Principal("fakepai-test-key", "fakepai-test-key", "acs3")

        def populate():
            for n in range(8000):
                emu.invoke(op, who, dict(JOB), request_id=f"r{n}")
        pai._on_loop(populate)
        save = {}

        def snapshot():
            save["start"] = time.monotonic()
            assert httpx.post(f"{pai.url}/_fakepai/snapshot", timeout=60).status_code == 200
            save["end"] = time.monotonic()
        saver = threading.Thread(target=snapshot)
        reads = []                                  # (sent, answered) of reads sent while the save ran
        with pai.http() as http:
            saver.start()
            while "end" not in save:
                sent = time.monotonic()
                assert http.get(f"{GW}/ListTrainingJobs", params={"PageSize": 1}).status_code == 200
                reads.append((sent, time.monotonic()))
                time.sleep(0.002)
            saver.join()
        during = [(a, b) for a, b in reads if save["start"] <= a and b <= save["end"]]
        # Saving the state inline on the loop, as before the journal, kept every read waiting for
        # the whole save; now reads keep being answered, each in a small part of it.
        took = save["end"] - save["start"]
        assert len(during) >= 3, (len(reads), took)
        assert max(b - a for a, b in during) < 0.75 * took, (max(b - a for a, b in during), took)
    with FakePAI(state_file=str(tmp_path / "state.pkl")) as pai, pai.http() as http:
        assert http.get(f"{GW}/ListTrainingJobs").json()["TotalCount"] == 8000


def test_the_servers_collector_leaves_the_forked_state_alone_while_the_writer_runs(tmp_path, monkeypatch):
    """A full collection in the server while the snapshot writer shares its pages walks (and so
    copies) every page: 1.6 s at 100,000 jobs (benchmarks/README.md). The objects that existed at
    the fork are frozen until the writer has exited."""
    from fakepai.state import journal
    frozen_at_fork = []
    fork_writer = journal._fork_writer

    def watched(*args, **kwargs):
        frozen_at_fork.append(gc.get_freeze_count())
        return fork_writer(*args, **kwargs)
    monkeypatch.setattr(journal, "_fork_writer", watched)
    with FakePAI(state_file=str(tmp_path / "state.pkl"), durability="write", rate_limit=False) as pai:
        with pai.http() as http:
            assert http.post(f"{GW}/CreateTrainingJob", json=JOB).status_code == 200
        assert httpx.post(f"{pai.url}/_fakepai/snapshot", timeout=60).status_code == 200
        assert gc.get_freeze_count() == 0                       # thawed once the writer is done
    assert frozen_at_fork and frozen_at_fork[0] > 10_000        # the whole heap at the fork


def test_the_throttle_forgets_callers_idle_for_a_second():
    """A stream of one-off credentials must not grow the throttle's buckets forever either."""
    from fakepai.wire.throttle import Throttler
    now = [0.0]
    throttler = Throttler(monotonic=lambda: now[0])
    for n in range(40_000):
        now[0] += 0.001                         # 1,000 new callers a second
        throttler.check(f"token-{n}", "PaiStudio", "ListTrainingJobs", 100)
    assert len(throttler._buckets) <= 10_000
    throttler.check("token-39999", "PaiStudio", "ListTrainingJobs", 1)      # still throttles a recent caller
    with pytest.raises(Exception, match="flow control"):
        throttler.check("token-39999", "PaiStudio", "ListTrainingJobs", 1)


def test_demo_accounts_replay_with_the_same_ids_after_sigkill(tmp_path):
    """--demo fills each new account (drawing ids) on its first read: that is journaled too."""
    argv = ("--state-file", str(tmp_path / "state.pkl"), "--demo", "--speed", "0")
    with ServedProcess(*argv) as served:
        with httpx.Client(base_url=served.url, headers=BEARER) as http:
            jobs = http.get(f"{GW}/ListTrainingJobs", params={"WorkspaceId": "12345"}).json()
            created = http.post(f"{GW}/CreateTrainingJob", json=JOB).json()["TrainingJobId"]
        served.stop(signal.SIGKILL)
    with ServedProcess(*argv) as served:
        with httpx.Client(base_url=served.url, headers=BEARER) as http:
            again = http.get(f"{GW}/ListTrainingJobs", params={"WorkspaceId": "12345"}).json()
            def made(listing):     # the clock resumed at real time, so statuses moved on; what was made did not
                return [(j["TrainingJobId"], j["TrainingJobName"], j["GmtCreateTime"]) for j in listing["TrainingJobs"]]
            assert jobs["TotalCount"] >= 3 and made(again) == made(jobs)
            assert http.get(f"{GW}/GetTrainingJob/{created}").status_code == 200


def test_a_second_server_on_the_same_state_file_is_refused(tmp_path, monkeypatch):
    from fakepai.state import journal
    from fakepai.state.snapshot import StateFileError
    monkeypatch.setattr(journal, "_LOCK_WAIT_SECONDS", 0.2)
    with FakePAI(state_file=str(tmp_path / "state.pkl")):
        with pytest.raises(StateFileError, match="in use by another fakepai"):
            FakePAI(state_file=str(tmp_path / "state.pkl"))
    with FakePAI(state_file=str(tmp_path / "state.pkl")):     # free again once the first one stopped
        pass


def test_restarts_without_a_compaction_do_not_pile_up_segments(tmp_path):
    """Every start begins a segment; a crash (here: dropping the emulator with its lock released,
    as the kernel does for a killed process) leaves it. A start that finds many folds them in."""
    from fakepai.emulator import Emulator, Settings
    from fakepai.state.journal import _MAX_SEGMENTS_AT_START
    state = tmp_path / "state.pkl"
    for _ in range(3 * _MAX_SEGMENTS_AT_START):
        Emulator(Settings(state_file=str(state))).journal._unlock()
        assert len(list(tmp_path.glob("state.pkl.journal-*"))) <= _MAX_SEGMENTS_AT_START + 1
    assert state.exists()
