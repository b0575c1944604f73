"""Coverage: every schema'd operation against the handler registry, and COVERAGE.md in sync."""
from __future__ import annotations

from pathlib import Path

from fakepai.catalog import default_catalog
from fakepai.cli import main
from fakepai.coverage import coverage_markdown, coverage_report
from fakepai.services.registry import implemented

COVERAGE_MD = Path(__file__).resolve().parents[2] / "COVERAGE.md"


def test_report_lists_every_operation_once():
    report = coverage_report()
    rows = [(p["product"], op["action"]) for p in report["products"] for op in p["operations"]]
    assert sorted(rows) == sorted(default_catalog().operations)
    assert report["total"] == len(rows)
    assert report["implemented"] == sum(1 for key in rows if key in implemented())
    plugin = next(p for p in report["products"] if p["product"] == "PaiPlugin")
    assert plugin["implemented"] == plugin["total"] == 11 and plugin["version"] == "2022-01-12"
    assert [p["product"] for p in report["products"]] == ["PaiStudio", "pai-dlc", "PaiPlugin"]


def test_committed_coverage_md_is_current():
    expected = coverage_markdown(coverage_report())
    assert COVERAGE_MD.read_text(encoding="utf-8") == expected, \
        "COVERAGE.md is stale: regenerate it with `fakepai coverage > COVERAGE.md`"


def test_cli_and_control_plane_agree(fakepai, capsys):
    assert main(["coverage"]) == 0
    assert capsys.readouterr().out == coverage_markdown(coverage_report())
    with fakepai.http() as http:
        served = http.get("/_fakepai/coverage").json()
    assert served == coverage_report()
    row = next(op for p in served["products"] for op in p["operations"] if op["action"] == "CreateCampaign")
    assert row == {"action": "CreateCampaign", "method": "POST", "path": "/api/v2/campaigns", "implemented": True}
