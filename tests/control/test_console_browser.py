"""The web console as a person sees it: `fakepai serve --demo` in a subprocess, run from the wheel
installed into a folder of its own (the page and its files come from the package data), the page
in headless Chromium (tests/control/console_browser.py), the official SDKs calling the same server.

One server and one browser for the module; each test starts from a reset (the demo accounts come
back with it) and a fresh page.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx
import pytest
from alibabacloud_tea_openapi.models import Config
from playwright.sync_api import expect, sync_playwright

from fakepai.server import FakePAI
from tests.control.console_browser import launch
from tests.helpers import ServedProcess, built_wheel, env_without_fakepai, sdk_error

DEMO_KEY = "test"          # the README's access key id: its account holds the demo from the start
WAIT_MS = 15_000           # polling is every 1.5 s; a loaded 2-core machine may need several




@pytest.fixture(scope="module")
def server(tmp_path_factory):
    installed = tmp_path_factory.mktemp("installed")
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--no-deps", "--target", str(installed), str(built_wheel(tmp_path_factory))],
                   check=True, capture_output=True)
    code = ("import sys, fakepai; assert fakepai.__file__.startswith(sys.argv[1]), fakepai.__file__; "
            "from fakepai.cli import main; sys.exit(main(sys.argv[2:]))")
    with ServedProcess("--demo", command=[sys.executable, "-c", code, str(installed)],
                       env=env_without_fakepai(PYTHONPATH=str(installed)), cwd=installed) as served:
        yield served.url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(server, browser):
    httpx.post(f"{server}/_fakepai/reset", json={}).raise_for_status()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, errors


def _client(module, server: str):
    endpoint = server.removeprefix("http://")
    return module.Client(Config(access_key_id=DEMO_KEY, access_key_secret="secret", endpoint=endpoint,
                                protocol="http", region_id="cn-hangzhou"))


def _paistudio(server):
    from alibabacloud_paistudio20220112 import client
    return _client(client, server)


def _create_training_job(server, name: str, outcome: str) -> str:
    from alibabacloud_paistudio20220112 import models as m
    return _paistudio(server).create_training_job(m.CreateTrainingJobRequest(
        training_job_name=name, workspace_id="12345", algorithm_name="pytorch_ddp", algorithm_provider="pai",
        compute_resource=m.CreateTrainingJobRequestComputeResource(ecs_spec="ecs.gn7i-c8g1.2xlarge", ecs_count=1),
        labels=[m.CreateTrainingJobRequestLabels(key="fakepai.outcome", value=outcome)],
    )).body.training_job_id


def _row(page, section: str, name: str):
    return page.locator(f"#t-{section} tr.job-row", has=page.get_by_role("link", name=name, exact=True))


def test_demo_jobs_and_statuses_are_on_the_page_at_start(page, server):
    page.goto(f"{server}/_fakepai/")
    expect(page.locator("#accounts .account.selected .id")).to_have_text(DEMO_KEY, timeout=WAIT_MS)
    expect(_row(page, "trainingJobs", "demo-mnist-succeeded").locator(".status")).to_have_text("Succeed", timeout=WAIT_MS)
    expect(_row(page, "trainingJobs", "demo-resnet-failed").locator(".status")).to_have_text("Failed")
    expect(_row(page, "trainingJobs", "demo-resnet-failed").locator(".status")).to_have_class("status st-failed")
    # The running ones were made a little in the past: Running on the first look, not seconds later.
    expect(_row(page, "trainingJobs", "demo-llm-finetune-running").locator(".status")).to_have_text("Running", timeout=2000)
    expect(_row(page, "dlcJobs", "demo-dlc-running").locator(".status")).to_have_text("Running", timeout=2000)
    expect(_row(page, "dlcJobs", "demo-dlc-finished").locator(".status")).to_have_text("Succeeded")
    expect(_row(page, "dlcJobs", "demo-dlc-restarting").locator("td").nth(5)).to_have_text("1/10")
    expect(_row(page, "pluginJobs", "demo-user-recall").locator(".status")).to_have_text("Succeeded")
    expect(page.locator("#t-campaigns")).to_contain_text("demo-campaign")
    expect(page.locator("#t-jobTemplates tbody tr").first.locator("td")).to_have_text(
        ["demo-pytorch-template", re.compile(r"^tpl"), "1", "1", re.compile(r"Z$")])      # name, id, default, versions
    expect(page.locator("#t-tensorboards")).to_contain_text("demo-tensorboard")
    # Filters: product and status narrow what is shown.
    page.select_option("#f-product", "pai-dlc")
    expect(page.locator("#t-trainingJobs")).to_be_hidden(timeout=WAIT_MS)
    page.fill("#f-status", "Succeeded")
    expect(page.locator("#t-dlcJobs tr.job-row")).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator("#t-dlcJobs")).to_contain_text("demo-dlc-finished")


def test_a_created_job_appears_with_its_status_and_its_page_shows_logs_and_a_plot(page, server):
    page.goto(f"{server}/_fakepai/")
    expect(page.locator("#t-trainingJobs tr.job-row")).to_have_count(3, timeout=WAIT_MS)
    job_id = _create_training_job(server, "browser-made-job", "succeed@3600")
    row = _row(page, "trainingJobs", "browser-made-job")
    expect(row.locator(".status")).to_have_text("Creating", timeout=WAIT_MS)
    expect(row).to_contain_text(job_id)
    httpx.post(f"{server}/_fakepai/clock/advance", json={"seconds": 300}).raise_for_status()
    expect(row.locator(".status")).to_have_text("Running", timeout=WAIT_MS)
    row.get_by_role("link", name="browser-made-job").click()
    expect(page.locator("#job-status")).to_have_text("Running", timeout=WAIT_MS)
    expect(page.locator("#log-lines")).to_contain_text("loss=", timeout=WAIT_MS)
    loss = page.locator('#metric-charts path.series[data-series="loss"]')
    expect(loss).to_have_count(1, timeout=WAIT_MS)
    assert loss.get_attribute("d").count("L") > 50          # a curve of many points, not a dot
    expect(page.locator("#timeline g.phase[data-status='Running'][data-reached='true']")).to_have_count(1)
    expect(page.locator("#timeline g.phase[data-status='Succeed'][data-reached='false']")).to_have_count(1)
    expect(page.locator("#raw")).to_contain_text(f'"TrainingJobId": "{job_id}"')
    # Paging back through the log stops following the tail.
    where = page.locator("#log-where")
    expect(where).to_contain_text(re.compile(r"page (\d+) of \1 "))
    last = int(where.inner_text().split()[1])
    page.click("#log-older")
    expect(where).to_contain_text(f"page {last - 1} of ", timeout=WAIT_MS)
    expect(page.locator("#log-follow")).not_to_be_checked()


def test_a_dlc_job_page_shows_pods_lives_restarts_and_sanity_checks(page, server):
    httpx.post(f"{server}/_fakepai/clock/advance", json={"seconds": 600}).raise_for_status()
    page.goto(f"{server}/_fakepai/")
    _row(page, "dlcJobs", "demo-dlc-restarting").get_by_role("link").click()
    expect(page.locator("#pods")).to_contain_text("earlier life", timeout=WAIT_MS)
    expect(page.locator("#timeline g.phase[data-status='Restarting']")).to_have_count(2)
    expect(page.locator("#events")).to_contain_text("restarting (1 time(s))")
    expect(page.locator("#log-lines")).to_contain_text("loss=", timeout=WAIT_MS)
    expect(page.locator('#metric-charts path.series[data-series$="worker-0"]')).to_have_count(1, timeout=WAIT_MS)
    page.select_option("#metric-type", "MemoryUsage")
    expect(page.locator("#metric-type")).to_have_value("MemoryUsage", timeout=WAIT_MS)
    expect(page.locator('#metric-charts path.series[data-series$="worker-1"]')).to_have_count(1, timeout=WAIT_MS)
    page.go_back()
    _row(page, "dlcJobs", "demo-dlc-running").get_by_role("link").click()
    expect(page.locator("#outputs")).to_contain_text("DeviceCheck", timeout=WAIT_MS)


def test_a_paiplugin_job_page_shows_its_history_and_plan(page, server):
    page.goto(f"{server}/_fakepai/")
    _row(page, "pluginJobs", "demo-user-recall").get_by_role("link").click()
    expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=WAIT_MS)
    expect(page.locator("#log-lines")).to_contain_text("Training job queued.")
    expect(page.locator("#timeline g.phase")).to_have_count(4)
    assert [g.get_attribute("data-status") for g in page.locator("#timeline g.phase").all()] == [
        "Queued", "Submitted", "Running", "Succeeded"]
    expect(page.locator("#raw")).to_contain_text('"ErrorCode": 0')           # PaiPlugin's envelope, as the API sends it


def test_clock_controls_move_a_status_on_screen(page, server):
    job_id = _create_training_job(server, "clocked-job", "succeed@60")
    page.goto(f"{server}/_fakepai/#/job/{DEMO_KEY}/PaiStudio/{job_id}")
    expect(page.locator("#job-status")).to_have_text("Creating", timeout=WAIT_MS)
    page.click("#btn-freeze")
    expect(page.locator("#clock-speed")).to_have_text("0 (frozen)", timeout=WAIT_MS)
    assert httpx.get(f"{server}/_fakepai/clock").json()["speed"] == 0
    page.fill("#advance-seconds", "600")
    page.click("#btn-advance")
    expect(page.locator("#job-status")).to_have_text("Succeed", timeout=WAIT_MS)
    page.click("#btn-freeze")                                # now labelled Resume
    expect(page.locator("#clock-speed")).to_have_text("1×", timeout=WAIT_MS)


def test_scripting_an_outcome_from_the_job_page(page, server):
    job_id = _create_training_job(server, "doomed-job", "succeed@3600")
    page.goto(f"{server}/_fakepai/#/job/{DEMO_KEY}/PaiStudio/{job_id}")
    expect(page.locator("#job-status")).to_have_text("Creating", timeout=WAIT_MS)
    page.select_option("#o-result", "fail")
    page.fill("#o-phase", "Creating")
    page.click("#btn-outcome")
    expect(page.locator("#outcome-text")).to_contain_text("scripted: fail in Creating", timeout=WAIT_MS)
    expect(page.locator("#job-status")).to_have_text("CreateFailed", timeout=WAIT_MS)   # [SDK] a failure while creating


def test_a_fault_injected_from_the_page_fires_on_the_next_sdk_call(page, server):
    job_id = _create_training_job(server, "faulted-job", "succeed@3600")
    page.goto(f"{server}/_fakepai/#/faults")
    page.fill("#fa-action", "GetTrainingJob")
    page.fill("#fa-status", "503")
    page.fill("#fa-code", "ServiceUnavailable")
    page.fill("#fa-times", "1")
    page.click("#btn-add-fault")
    row = page.locator("#faults tr.fault-row")
    expect(row).to_have_count(1, timeout=WAIT_MS)
    expect(row.locator(".fired")).to_have_text("0")
    error = sdk_error(lambda: _paistudio(server).get_training_job(job_id))
    assert error.code == "ServiceUnavailable"
    assert _paistudio(server).get_training_job(job_id).body.training_job_id == job_id    # times=1: spent
    expect(row.locator(".fired")).to_have_text("1", timeout=WAIT_MS)
    page.click("#btn-clear-faults")
    expect(page.locator("#faults")).to_contain_text("No faults injected.", timeout=WAIT_MS)


def test_requests_view_filters_and_shows_a_detail_without_credentials(page, server):
    job_id = _create_training_job(server, "logged-job", "succeed@3600")
    sdk_error(lambda: _paistudio(server).get_training_job("trainnosuchjob"))
    page.goto(f"{server}/_fakepai/#/requests")
    expect(page.locator("#requests tr.rq-row")).to_have_count(2, timeout=WAIT_MS)
    page.select_option("#rq-status", "4xx")
    expect(page.locator("#requests tr.rq-row")).to_have_count(1, timeout=WAIT_MS)
    page.locator("#requests tr.rq-row").click()
    detail = page.locator("#rq-detail")
    expect(detail).to_contain_text("NotFound.TrainingJob")
    expect(detail).to_contain_text(DEMO_KEY)
    assert "secret" not in detail.inner_text().lower() and "authorization" not in detail.inner_text().lower()
    assert job_id


def test_usage_view_shows_requests_and_the_estimated_bill(page, server):
    _create_training_job(server, "metered-job", "succeed@3600")
    sdk_error(lambda: _paistudio(server).get_training_job("trainnosuchjob"))      # failed ones count too
    page.goto(f"{server}/_fakepai/#/usage")
    expect(page.locator("#usage-requests")).to_have_text("2", timeout=WAIT_MS)
    expect(page.locator("#usage-cost")).to_have_text("0.000 CNY")
    expect(page.locator("#usage-accounts")).to_contain_text("GetTrainingJob")
    expect(page.locator("#usage-pricing")).to_contain_text("1000 requests a month")


def test_reset_from_the_page_brings_the_demo_back(page, server):
    _create_training_job(server, "short-lived", "succeed@3600")
    page.goto(f"{server}/_fakepai/")
    expect(_row(page, "trainingJobs", "short-lived")).to_have_count(1, timeout=WAIT_MS)
    page.click("#btn-reset")
    page.click("#btn-reset")
    expect(_row(page, "trainingJobs", "short-lived")).to_have_count(0, timeout=WAIT_MS)
    expect(_row(page, "trainingJobs", "demo-mnist-succeeded")).to_have_count(1, timeout=WAIT_MS)


def test_with_an_admin_token_the_console_works_after_one_visit_with_it(browser):
    """The control plane's protection (fakepai/control/guard.py): with --admin-token, a browser opens
    /_fakepai/?token=TOKEN once and gets an HttpOnly cookie; the page then reads and steers with
    same-origin JSON fetches the cookie goes with. Without it, nothing."""
    token = "s3cret-console-token"
    with FakePAI(demo=True, admin_token=token) as pai:
        context = browser.new_context()
        try:
            pg = context.new_page()
            refused = pg.goto(f"{pai.url}/_fakepai/")
            assert refused.status == 401 and "AdminTokenRequired" in pg.content()
            pg.goto(f"{pai.url}/_fakepai/?token={token}")
            assert pg.url == f"{pai.url}/_fakepai/"                      # the token left the address bar
            expect(_row(pg, "trainingJobs", "demo-mnist-succeeded").locator(".status")).to_have_text("Succeed", timeout=WAIT_MS)
            with pg.expect_request(lambda r: r.method == "PUT" and r.url.endswith("/_fakepai/clock")) as sent:
                pg.click("#btn-freeze")
            expect(pg.locator("#clock-speed")).to_have_text("0 (frozen)", timeout=WAIT_MS)
            assert pai.emulator.clock.speed == 0
            headers = sent.value.all_headers()          # with the browser-set ones (Origin, Sec-Fetch-Site, Cookie)
            assert headers["content-type"] == "application/json" and json.loads(sent.value.post_data) == {"speed": 0}
            assert headers["origin"] == pai.url and headers["sec-fetch-site"] == "same-origin"
            assert "fakepai_admin=" in headers["cookie"] and token not in headers["cookie"]
        finally:
            context.close()
