"""The one StartTime/EndTime parser (`fakepai.state.paging.time_window`) and the three kinds of
window it reads: a list's creation window (a week ago .. now; reversed matches nothing), DLC
telemetry (a span before now .. now) and PaiStudio telemetry (open sides; a whole-second EndTime
covers its second). A reversed telemetry window is 400: the binder's, from the schemas' `notAfter`
rule (fakepai/rules.py)."""
from __future__ import annotations

import pytest

from fakepai.errors import PaiError
from fakepai.state.paging import WEEK, creation_window, time_window
from fakepai.timestamps import iso_z
from tests.dlc.calls import GW, create

NOW = 1_800_000_000.0


def test_absent_sides_take_the_callers_defaults_or_stay_open():
    assert time_window({}) == (None, None)
    assert time_window({}, since=NOW - 60, until=NOW) == (NOW - 60, NOW)
    assert creation_window({}, NOW) == (NOW - WEEK, NOW)
    assert time_window({"StartTime": None, "EndTime": None}, since=1.0, until=2.0) == (1.0, 2.0)


def test_an_empty_time_is_not_an_absent_one():
    """The schemas declare StartTime/EndTime `format: date-time`: "" is refused, naming the parameter."""
    with pytest.raises(PaiError) as refused:
        time_window({"StartTime": ""}, since=1.0, until=2.0)
    assert refused.value.status == 400 and "StartTime" in refused.value.message


def test_an_absent_end_never_falls_before_the_start():
    # A poller moving StartTime past the newest line gets an empty window, not an error.
    assert time_window({"StartTime": iso_z(NOW + 30)}, since=NOW - 60, until=NOW) == (NOW + 30, NOW + 30)


def test_a_reversed_window_matches_nothing_where_it_is_read():
    # Refusing a reversed window is the binder's, where the schema declares the `notAfter` rule
    # (telemetry reads: test_a_reversed_telemetry_window_is_400_naming_start_time below).
    reversed_window = {"StartTime": iso_z(NOW), "EndTime": iso_z(NOW - 1)}
    assert time_window(reversed_window) == (NOW, NOW - 1)
    assert creation_window(reversed_window, NOW) == (NOW, NOW - 1)        # matches nothing
    # An EndTime before the default start is no reversed request: an empty window, not an error.
    assert time_window({"EndTime": iso_z(NOW - 2 * WEEK)}, since=NOW - WEEK, until=NOW) == (NOW - WEEK, NOW - 2 * WEEK)


def test_a_reversed_telemetry_window_is_400_naming_start_time(gw, fakepai, dlc_client):
    job = create(dlc_client)
    now = fakepai.now()
    for name, params in (("GetJobEvents", {}), ("GetJobMetrics", {"MetricType": "CpuCoreUsage"})):
        refused = gw.get(f"{GW}/{name}", params={**params, "JobId": job, "StartTime": iso_z(now), "EndTime": iso_z(now - 1)})
        assert (refused.status_code, refused.json()["Code"]) == (400, "InvalidParameter"), refused.text
        assert '"StartTime"' in refused.json()["Message"] and "later than EndTime" in refused.json()["Message"]
    # The times as sent: an end a half second before the start is reversed.
    refused = gw.get(f"{GW}/GetJobEvents", params={"JobId": job, "StartTime": "2027-01-15T08:00:00.5Z",
                                                         "EndTime": "2027-01-15T08:00:00Z"})
    assert refused.status_code == 400 and '"StartTime"' in refused.json()["Message"], refused.text
    assert gw.get(f"{GW}/GetJobEvents", params={"JobId": job, "EndTime": iso_z(now - 2 * WEEK)}).status_code == 200


def test_a_time_that_does_not_parse_is_400_naming_it():
    for name in ("StartTime", "EndTime"):
        with pytest.raises(PaiError) as info:
            time_window({name: "yesterday"})
        assert info.value.code == "InvalidParameter" and f'"{name}"' in info.value.message


def test_a_whole_second_end_covers_its_second_where_asked():
    assert time_window({"EndTime": iso_z(NOW)}, whole_second_end=True) == (None, NOW + 0.999999)
    assert time_window({"EndTime": iso_z(NOW)}) == (None, NOW)


def test_through_the_gateway_a_list_answers_a_reversed_window_empty(gw, fakepai, dlc_client):
    # (A reversed telemetry window through the gateway: tests/paistudio/test_telemetry.py.)
    create(dlc_client)
    now = fakepai.now()
    assert gw.get(f"{GW}/ListJobs").json()["TotalCount"] == 1
    body = gw.get(f"{GW}/ListJobs", params={"StartTime": iso_z(now + 1), "EndTime": iso_z(now - 3600)})
    assert body.status_code == 200 and body.json()["TotalCount"] == 0 and body.json()["Jobs"] == []
