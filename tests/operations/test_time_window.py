"""The one StartTime/EndTime parser (`fakepai.state.paging.time_window`) and the three kinds of
window it reads: a list's creation window (a week ago .. now; reversed matches nothing), DLC
telemetry (a span before now .. now; reversed is 400) and PaiStudio telemetry (open sides; a
whole-second EndTime covers its second; reversed is 400)."""
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


def test_a_reversed_window_is_400_naming_start_time_unless_a_list_filter_reads_it():
    reversed_window = {"StartTime": iso_z(NOW), "EndTime": iso_z(NOW - 1)}
    with pytest.raises(PaiError) as info:
        time_window(reversed_window)
    assert (info.value.status, info.value.code) == (400, "InvalidParameter") and '"StartTime"' in info.value.message
    assert creation_window(reversed_window, NOW) == (NOW, NOW - 1)        # matches nothing


def test_a_time_that_does_not_parse_is_400_naming_it():
    for name in ("StartTime", "EndTime"):
        with pytest.raises(PaiError) as info:
            time_window({name: "yesterday"})
        assert info.value.code == "InvalidParameter" and f'"{name}"' in info.value.message


def test_a_whole_second_end_covers_its_second_where_asked():
    assert time_window({"EndTime": iso_z(NOW)}, whole_second_end=True) == (None, NOW + 0.999999)
    assert time_window({"EndTime": iso_z(NOW)}) == (None, NOW)
    # The order check reads the times as sent: an end a half second before the start is reversed.
    with pytest.raises(PaiError):
        time_window({"StartTime": "2027-01-15T08:00:00.5Z", "EndTime": "2027-01-15T08:00:00Z"}, whole_second_end=True)


def test_through_the_gateway_a_list_answers_a_reversed_window_empty(gw, fakepai, dlc_client):
    # (A reversed telemetry window through the gateway: tests/paistudio/test_telemetry.py.)
    create(dlc_client)
    now = fakepai.now()
    assert gw.get(f"{GW}/ListJobs").json()["TotalCount"] == 1
    body = gw.get(f"{GW}/ListJobs", params={"StartTime": iso_z(now + 1), "EndTime": iso_z(now - 3600)})
    assert body.status_code == 200 and body.json()["TotalCount"] == 0 and body.json()["Jobs"] == []
