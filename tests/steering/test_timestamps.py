"""The wire's time formats, one function each (fakepai/timestamps.py): what each prints."""
from fakepai.timestamps import epoch_ms, iso_cst_micros, iso_z, month_utc, parse_iso, wall_cst, wall_utc

T = 1700000000.343005        # 2023-11-14 22:13:20.343005 UTC


def test_each_formatter_prints_what_its_name_says():
    assert iso_z(T) == "2023-11-14T22:13:20Z"
    assert iso_cst_micros(T) == "2023-11-15T06:13:20.343005+08:00"
    assert wall_cst(T) == "2023-11-15 06:13:20"
    assert wall_utc(T) == "2023-11-14 22:13:20"
    assert month_utc(T) == "2023-11"
    assert epoch_ms(T) == 1700000000343


def test_the_iso_forms_read_back_to_the_same_instant():
    assert parse_iso(iso_z(T)) == 1700000000
    assert parse_iso(iso_cst_micros(T)) == T
