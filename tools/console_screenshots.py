"""Screenshots of the web console's main views for docs/console/ (docs/console.md shows them).

    .venv/bin/python tools/console_screenshots.py [OUTPUT_DIR]

Starts `FakePAI(demo=True)`, makes some traffic (a job of each product, a failed call, a fault
that fires), lets 20 virtual minutes pass, freezes the clock and photographs each view in
headless Chromium (/usr/bin/chromium, see tests/control/console_browser.py).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from fakepai.server import FakePAI  # noqa: E402
from tests.control.console_browser import launch  # noqa: E402

DEMO = "test"


def _traffic(pai: FakePAI) -> None:
    with pai.http(headers={"Authorization": f"acs {DEMO}:unsigned"}) as http:
        http.post("/api/PaiStudio/2022-01-12/CreateTrainingJob", json={
            "TrainingJobName": "bert-finetune", "WorkspaceId": "12345", "AlgorithmName": "pytorch_ddp",
            "AlgorithmProvider": "pai", "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": 2},
            "Labels": [{"Key": "fakepai.outcome", "Value": "fail@900"}]}).raise_for_status()
        http.get("/api/PaiStudio/2022-01-12/GetTrainingJob/trainmissing")            # 404
        pai.inject_fault(action="ListJobs", status=503, code="ServiceUnavailable", times=2)
        for _ in range(3):
            http.get("/api/pai-dlc/2020-12-03/ListJobs", params={"WorkspaceId": "12345"})
        pai.inject_fault(action="GetJob", latency_ms=200)
        for page in (1, 2):
            http.get("/api/PaiStudio/2022-01-12/ListTrainingJobs", params={"WorkspaceId": "12345", "PageNumber": page})


def _job_id(pai: FakePAI, product: str, name: str) -> str:
    with pai.http(headers={"Authorization": f"acs {DEMO}:unsigned"}) as http:
        if product == "pai-dlc":
            jobs = http.get("/api/pai-dlc/2020-12-03/ListJobs", params={"WorkspaceId": "12345"}).json()["Jobs"]
            return next(j["JobId"] for j in jobs if j["DisplayName"] == name)
        jobs = http.get("/api/PaiStudio/2022-01-12/ListTrainingJobs", params={"WorkspaceId": "12345"}).json()["TrainingJobs"]
        return next(j["TrainingJobId"] for j in jobs if j["TrainingJobName"] == name)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with FakePAI(demo=True, rate_limit=False) as pai, sync_playwright() as p:
        _traffic(pai)
        pai.advance(1200)
        pai.freeze_clock()
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})

        def shot(name: str, hash_: str, ready: str, full: bool = True, click: str | None = None) -> None:
            page.goto(f"{pai.url}/_fakepai/#{hash_}")
            page.wait_for_selector(ready)
            if click:
                page.locator(click).first.click()
            page.wait_for_timeout(1800)            # one more poll: every panel filled in
            page.screenshot(path=str(out / f"{name}.png"), full_page=full)
            print(out / f"{name}.png")

        shot("overview", "/overview", "#t-dlcJobs tr.job-row")
        shot("job-paistudio", f"/job/{DEMO}/PaiStudio/{_job_id(pai, 'PaiStudio', 'demo-llm-finetune-running')}",
             "#metric-charts path.series")
        shot("job-dlc", f"/job/{DEMO}/pai-dlc/{_job_id(pai, 'pai-dlc', 'demo-dlc-restarting')}", "#metric-charts path.series")
        shot("faults", "/faults", "#faults tr.fault-row")
        shot("requests", "/requests", "#requests tr.rq-row", full=False, click="#requests tr.rq-row:has-text('NotFound')")
        shot("usage", "/usage", "#usage-accounts table")
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "console")
