"""The virtual clock (DESIGN §4): speed, freeze, set, advance — in Python, through FakePAI, through
the control plane's HTTP routes, and `fakepai serve --speed`."""
from __future__ import annotations

import pytest

from fakepai.clock import Clock
from fakepai.timestamps import iso_z, parse_iso
from tests.helpers import assert_refused, run_fakepai

T0 = 1_700_000_000.0   # 2023-11-14T22:13:20Z


class FakeMonotonic:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_clock_runs_at_its_speed_and_freezes():
    real = FakeMonotonic()
    clock = Clock(speed=10.0, start=T0, monotonic=real)
    assert clock.now() == T0
    real.t += 2
    assert clock.now() == T0 + 20           # 2 real seconds at speed 10
    clock.freeze()
    assert clock.speed == 0.0
    real.t += 1000
    assert clock.now() == T0 + 20           # frozen: real time passes, virtual time does not
    assert clock.advance(5) == T0 + 25 and clock.now() == T0 + 25
    clock.set(speed=2.0)                    # unfreezing keeps the current virtual time
    real.t += 3
    assert clock.now() == T0 + 31
    clock.set(now=T0)                       # setting the time keeps the speed
    real.t += 1
    assert clock.now() == T0 + 2 and clock.speed == 2.0


def test_clock_only_moves_forward_by_advance():
    clock = Clock(speed=0.0, start=T0)
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert clock.now() == T0
    assert clock.snapshot() == {"now": iso_z(T0), "epoch": T0, "speed": 0.0}


def test_iso_round_trip_and_offsets():
    assert iso_z(T0) == "2023-11-14T22:13:20Z"
    assert parse_iso("2023-11-14T22:13:20Z") == T0
    assert parse_iso("2023-11-15T06:13:20+08:00") == T0
    assert parse_iso("2023-11-14T22:13:20") == T0          # no offset: UTC
    with pytest.raises(ValueError):
        parse_iso("yesterday")


def test_fakepai_handle_freezes_sets_and_advances(fakepai):
    fakepai.freeze_clock()
    frozen = fakepai.now()
    assert fakepai.now() == frozen
    assert fakepai.advance(90) == pytest.approx(frozen + 90)
    fakepai.set_clock(now=T0)
    assert fakepai.now() == T0
    fakepai.set_clock(speed=1000.0)
    assert fakepai.emulator.clock.speed == 1000.0
    later = fakepai.now()
    assert later >= T0
    fakepai.reset()                          # a reset returns to real time at the configured speed
    assert fakepai.emulator.clock.speed == fakepai.settings.speed


def test_control_plane_clock_routes(fakepai):
    base = "/_fakepai/clock"
    with fakepai.http() as http:
        put = http.put(base, json={"now": "2023-11-14T22:13:20Z", "speed": 0})
        assert put.status_code == 200
        assert put.json() == {"now": "2023-11-14T22:13:20Z", "epoch": T0, "speed": 0.0}
        assert http.get(base).json()["epoch"] == T0
        advanced = http.post(f"{base}/advance", json={"seconds": 3600})
        assert advanced.status_code == 200 and advanced.json()["now"] == "2023-11-14T23:13:20Z"
        assert fakepai.now() == T0 + 3600
        # Epoch seconds are accepted for `now` too; the speed is kept when not given.
        assert http.put(base, json={"now": T0}).json() == {"now": iso_z(T0), "epoch": T0, "speed": 0.0}
        # Bad input: 400 with a reason, and the clock is left alone.
        for bad in ({"now": "not a time"}, {"speed": "fast"}):
            r = http.put(base, json=bad)
            assert r.status_code == 400 and "invalid clock setting" in r.json()["Message"]
        for bad in ({"seconds": -5}, {"seconds": "soon"}):
            r = http.post(f"{base}/advance", json=bad)
            assert r.status_code == 400 and "invalid advance" in r.json()["Message"]
        assert http.put(base, content=b"[1, 2]", headers={"content-type": "application/json"}).status_code == 400
        assert fakepai.now() == T0
        # The health endpoint reports the same clock.
        assert http.get("/_fakepai/health").json()["clock"]["epoch"] == T0


def test_jobs_follow_the_clock_set_over_http(fakepai):
    """Advancing through the control plane moves a job exactly as FakePAI.advance does."""
    base = "/_fakepai/clock"
    with fakepai.http() as http:
        http.put(base, json={"now": T0, "speed": 0})
        job = http.post("/api/PaiStudio/2022-01-12/CreateTrainingJob", json={
            "TrainingJobName": "clocked", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp",
            "AlgorithmProvider": "pai"}).json()["TrainingJobId"]
        status = lambda: http.get(f"/api/PaiStudio/2022-01-12/GetTrainingJob/{job}").json()["Status"]
        assert status() == "Creating"
        http.post(f"{base}/advance", json={"seconds": 9})
        assert status() == "Running"
        http.post(f"{base}/advance", json={"seconds": 3600})
        assert status() == "Succeed"
        created = http.get(f"/api/PaiStudio/2022-01-12/GetTrainingJob/{job}").json()["GmtCreateTime"]
        assert created == iso_z(T0)


def test_speed_option_makes_virtual_time_run_faster():
    from fakepai.server import FakePAI

    with FakePAI(speed=500.0, rate_limit=False) as pai:
        assert pai.emulator.clock.speed == 500.0
        start = pai.now()
        import time
        time.sleep(0.05)
        assert pai.now() - start >= 20          # 0.05 s real at 500x is 25 s virtual
        with pai.http() as http:
            assert http.get("/_fakepai/clock").json()["speed"] == 500.0


def test_phase_profile_sets_phase_lengths_for_every_product():
    """`phase_seconds` (CLI --phase-seconds) shortens phases in every product's plans, and replans
    made from the control plane agree with them."""
    from fakepai import FakePAI

    with FakePAI(phase_seconds={"Creating": 1, "Created": 1, "Initializing": 1, "Submitted": 1, "Running": 3,
                                "Queuing": 1, "EnvPreparing": 1}) as pai, pai.http() as http:
        pai.freeze_clock()
        train = http.post("/api/PaiStudio/2022-01-12/CreateTrainingJob", json={
            "TrainingJobName": "t", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"}).json()
        dlc = http.post("/api/pai-dlc/2020-12-03/CreateJob", json={
            "DisplayName": "d", "JobType": "PyTorchJob", "UserCommand": "python t.py",
            "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": "img", "EcsSpec": "ecs.g6.xlarge"}]}).json()
        pai.advance(7.5)
        assert http.get(f"/api/PaiStudio/2022-01-12/GetTrainingJob/{train['TrainingJobId']}").json()["Status"] == "Succeed"
        assert http.get(f"/api/pai-dlc/2020-12-03/GetJob/{dlc['JobId']}").json()["Status"] in {"Succeeded", "SucceededReserving"}


def test_cli_rejects_a_bad_phase_profile():
    assert_refused(run_fakepai("serve", "--phase-seconds", "Running=soon"), "STATUS=SECONDS")
