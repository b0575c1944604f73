"""The `fakepai` command as a user runs it: every case is a real process.

What it cannot do is refused before anything is announced (one line on stderr, exit 2, nothing on
stdout); every `serve` option also comes from a FAKEPAI_<OPTION> variable, the option winning;
`--log-level info` prints an access line per request; the state file fails loudly; the kit's
front door checks its target before any test runs.
"""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from fakepai import FakePAI, __version__
from fakepai.clock import checked_speed
from tests.helpers import FAKEPAI, QUIET, ServedProcess, assert_refused, env_without_fakepai, run_fakepai


def _speed_rule(value: float) -> str:
    with pytest.raises(ValueError) as refused:
        checked_speed(value)
    return str(refused.value)


# ------------------------------------------------------------------------------- refusals

def test_version():
    out = run_fakepai("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"fakepai {__version__}"


@pytest.mark.parametrize("argv, env, fragments", [
    (["serve", "--port", "99999"], {}, ["--port", "0..65535", "99999"]),
    (["serve", "--port", "http"], {}, ["--port"]),
    (["serve", "--speed", "-1"], {}, ["--speed", _speed_rule(-1)]),
    (["serve", "--speed", "1e9"], {}, ["--speed", _speed_rule(1e9)]),
    (["serve", "--speed", "nan"], {}, ["--speed"]),
    (["serve", "--log-level", "loud"], {}, ["--log-level"]),
    (["serve", "--phase-seconds", "Running=-3"], {}, ["--phase-seconds"]),
    # A misspelt status used to be accepted and set nothing.
    (["serve", "--phase-seconds", "Runing=5"], {}, ["--phase-seconds", "'Runing'", "Running"]),
    (["serve"], {"FAKEPAI_PHASE_SECONDS": "Queueing=1"}, ["FAKEPAI_PHASE_SECONDS", "'Queueing'", "Queuing"]),
    (["serve"], {"FAKEPAI_PORT": "99999"}, ["FAKEPAI_PORT", "0..65535"]),
    (["serve"], {"FAKEPAI_SPEED": "-1"}, ["FAKEPAI_SPEED", _speed_rule(-1)]),
    (["serve"], {"FAKEPAI_AUTH": "loose"}, ["FAKEPAI_AUTH", "any, strict, off"]),
    (["serve"], {"FAKEPAI_DEMO": "maybe"}, ["FAKEPAI_DEMO"]),
    (["serve"], {"FAKEPAI_RATE_LIMIT": "sometimes"}, ["FAKEPAI_RATE_LIMIT"]),
    (["serve"], {"FAKEPAI_LOG_LEVEL": "loud"}, ["FAKEPAI_LOG_LEVEL"]),
    (["serve"], {"FAKEPAI_SEED": "abc"}, ["FAKEPAI_SEED", "expected a whole number, got 'abc'"]),
    (["serve", "--auth", "strict", "--credentials", "/no/such/credentials.json"], {}, ["credentials.json"]),
    (["conformance", "--target", "ftp://example.com"], {}, ["'fake', 'live' or an http(s) URL"]),
    (["coverage", "--no-such-option"], {}, ["unrecognized arguments"]),
])
def test_what_the_command_cannot_do_is_one_line_and_exit_2(argv, env, fragments):
    assert_refused(run_fakepai(*argv, env=env_without_fakepai(**env)), *fragments)


def test_the_speed_rule_is_the_control_planes(tmp_path):
    """--speed and PUT /_fakepai/clock refuse the same values with the same words."""
    with FakePAI() as pai:
        answer = httpx.put(f"{pai.url}/_fakepai/clock", json={"speed": 1e9})
    assert answer.status_code == 400 and _speed_rule(1e9) in answer.json()["Message"]
    assert_refused(run_fakepai("serve", "--speed", "1e9"), _speed_rule(1e9))


def test_a_port_in_use_is_refused_before_serving_is_announced():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_refused(run_fakepai("serve", "--port", str(port)), f"127.0.0.1:{port}", "in use")
        assert_refused(run_fakepai("serve", env=env_without_fakepai(FAKEPAI_PORT=str(port))), "in use")


def test_unwritable_state_file_and_openapi_output_are_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert_refused(run_fakepai("serve", "--state-file", str(blocker / "state.pkl")), str(blocker / "state.pkl"))
    assert_refused(run_fakepai("serve", "--state-file", str(tmp_path)), str(tmp_path), "directory")
    assert_refused(run_fakepai("openapi", "-o", str(blocker / "openapi.json")), str(blocker / "openapi.json"))
    assert not list(tmp_path.glob("*.probe"))


# ------------------------------------------------------------------------------- help

def test_every_serve_option_has_help_and_names_its_variable():
    out = run_fakepai("serve", "--help")
    assert out.returncode == 0
    text = re.sub(r"\s+", " ", out.stdout)
    options = re.findall(r" (--[a-z-]+)(?: [A-Z_=.,]+)? ", out.stdout.split("options:")[1])
    assert {"--port", "--host", "--speed", "--state-file", "--demo", "--log-level", "--credentials"} <= set(options)
    for option in set(options) - {"--help"}:
        variable = "FAKEPAI_" + option[2:].upper().replace("-", "_")
        described = re.search(re.escape(option) + r"(?: [A-Z_=.,{}a-z|]+)? (.+?) \[env " + variable + r"\]", text)
        assert described and len(described.group(1)) > 10, (option, text)


def test_conformance_help_shows_the_kits_options_and_hands_the_rest_to_pytest():
    out = run_fakepai("conformance", "--help")
    assert out.returncode == 0
    text = re.sub(r"\s+", " ", out.stdout)
    for option in ("--target", "--pai-target", "--report", "--pai-report", "--pai-allow-skip", "--pai-allow-mutations",
                   "--pai-record", "--pai-workspace"):
        assert option in text, option
    assert "goes to pytest" in text and "-k" in text and "--junitxml" in text


# ------------------------------------------------------------------------------- configuration

def _health(server) -> dict:
    return httpx.get(f"{server.url}/_fakepai/health").json()


def test_every_serve_option_can_come_from_the_environment_and_the_option_wins(tmp_path):
    env = env_without_fakepai(FAKEPAI_PORT="0", FAKEPAI_SPEED="0", FAKEPAI_AUTH="off", FAKEPAI_DEMO="yes",
                              FAKEPAI_RATE_LIMIT="off", FAKEPAI_REGION="cn-shanghai", FAKEPAI_LOG_LEVEL="warning",
                              FAKEPAI_PHASE_SECONDS="Running=5", FAKEPAI_STATE_FILE=str(tmp_path / "state.pkl"))
    with ServedProcess(options=(), env=env) as server:
        health = _health(server)
        assert health["auth"] == "off" and health["rateLimit"] is False and health["clock"]["speed"] == 0
        jobs = httpx.get(f"{server.url}/api/PaiStudio/2022-01-12/ListTrainingJobs", params={"WorkspaceId": "12345"})
        assert jobs.status_code == 200 and jobs.json()["TotalCount"] == 3      # demo data, no credential needed
        assert "region_id='cn-shanghai'" in server.proc.stdout.readline() + server.proc.stdout.readline()
        code, _, _ = server.stop()
    assert code == 0 and (tmp_path / "state.pkl").exists()

    with ServedProcess("--speed", "2", "--auth", "any", options=(), env=env) as server:
        health = _health(server)
        assert health["clock"]["speed"] == 2 and health["auth"] == "any"


# ------------------------------------------------------------------------------- the banner

def _banner(server) -> str:
    """The banner's lines up to the control plane's."""
    lines = [server.banner]
    while "control plane: http" not in lines[-1]:
        lines.append(server.proc.stdout.readline())
    return "".join(lines)


def test_the_banners_examples_work_as_printed():
    with ServedProcess("--demo", options=QUIET) as server:
        banner = _banner(server)
        config = dict(re.findall(r"(\w+)='([^']*)'", re.search(r"Config\((.*)\)", banner).group(1)))
        from alibabacloud_paistudio20220112 import models
        from alibabacloud_paistudio20220112.client import Client
        from alibabacloud_tea_openapi.models import Config
        jobs = Client(Config(**config)).list_training_jobs(models.ListTrainingJobsRequest(workspace_id="12345"))
        assert jobs.body.total_count == 3
        header, url = re.search(r"curl -H '([^']+)' '([^']+)'", banner).groups()
        name, value = header.split(": ", 1)
        assert httpx.get(url, headers={name: value}).json()["TotalCount"] == 3


def test_the_banner_in_strict_mode_offers_no_credential_the_server_refuses(tmp_path):
    creds = tmp_path / "creds.json"
    creds.write_text('{"accessKeys": [{"accessKeyId": "AK", "accessKeySecret": "SK"}]}')
    with ServedProcess("--auth", "strict", "--credentials", str(creds)) as server:
        banner = _banner(server)
        # It used to print Config(access_key_id='test', ...) and 'Bearer test': both refused here.
        assert "'test'" not in banner and "Bearer test" not in banner, banner
        assert f"with a key from {creds}" in banner and "access_key_id='<AccessKeyId>'" in banner


# ------------------------------------------------------------------------------- log level

ACCESS_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ bearer-\w+ PaiStudio ListTrainingJobs 200 [\d.]+ms$", re.M)


@pytest.mark.parametrize("level, lines", [(None, 2), ("warning", 0)])
def test_log_level_info_prints_one_access_line_per_request(level, lines):
    with ServedProcess(*(["--log-level", level] if level else []), options=("--port", "0")) as server:
        for _ in range(2):
            httpx.get(f"{server.url}/api/PaiStudio/2022-01-12/ListTrainingJobs", params={"WorkspaceId": "1"},
                      headers={"Authorization": "Bearer x"})
        code, out, _ = server.stop()
    assert code == 0 and len(ACCESS_LINE.findall(out)) == lines, out


# ------------------------------------------------------------------------------- state file

def test_a_state_file_that_cannot_be_written_any_more_is_a_json_error_and_a_failing_exit(tmp_path):
    folder = tmp_path / "state"
    path = folder / "state.pkl"
    with ServedProcess("--state-file", str(path), options=("--port", "0")) as server:
        assert httpx.post(f"{server.url}/_fakepai/snapshot").json() == {"saved": str(path)}
        shutil.rmtree(folder)                                    # the snapshot, its journal and lock
        folder.write_text("the folder became a file")           # nothing can be written there now
        answer = httpx.post(f"{server.url}/_fakepai/snapshot")
        assert answer.status_code == 500 and answer.headers["content-type"] == "application/json"
        body = answer.json()
        assert body["Code"] == "InternalError" and str(path) in body["Message"] and body["RequestId"]
        code, _, err = server.stop()
    assert code == 1 and f"could not save the state to {path}" in err, (code, err)


# ------------------------------------------------------------------------------- the kit's front door

class _NotPAI(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>not here</html>")

    def log_message(self, *args):
        pass


def test_conformance_refuses_a_target_it_cannot_test_before_any_test_runs():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    assert_refused(run_fakepai("conformance", "--target", f"http://127.0.0.1:{dead}"), "nothing is listening")

    web = HTTPServer(("127.0.0.1", 0), _NotPAI)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        assert_refused(run_fakepai("conformance", "--target", f"http://127.0.0.1:{web.server_port}"),
                       "neither a fakepai emulator nor a PAI endpoint")
    finally:
        web.shutdown()
        web.server_close()

    with socket.socket() as silent:            # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        assert_refused(run_fakepai("conformance", "--target", f"http://127.0.0.1:{silent.getsockname()[1]}"),
                       "did not answer")
        assert time.monotonic() - started < 30


def test_conformance_live_without_credentials_fails_unless_skipping_is_allowed():
    env = {k: v for k, v in env_without_fakepai().items()
           if not k.startswith(("ALIBABA_CLOUD_", "DASHSCOPE", "PAI_"))}
    assert_refused(run_fakepai("conformance", "--target", "live", env=env), "DASHSCOPE_API_KEY",
                   "ALIBABA_CLOUD_ACCESS_KEY_ID", "PAI_WORKSPACE_ID", "--pai-allow-skip")
    allowed = run_fakepai("conformance", "--target", "live", "--pai-allow-skip", "-q", "-p", "no:cacheprovider",
                      env=env, timeout=300)
    assert allowed.returncode == 0 and " skipped" in allowed.stdout and " passed" not in allowed.stdout, allowed.stdout


def test_conformance_against_a_served_emulator_passes_options_on_to_pytest(tmp_path):
    with ServedProcess(options=QUIET) as server:
        out = run_fakepai("conformance", "--target", server.url, "--report", str(tmp_path / "r.md"), "-q",
                      "-p", "no:cacheprovider", "-k", "ListCampaigns", "--junitxml", str(tmp_path / "j.xml"),
                      timeout=300)
    assert out.returncode == 0 and " passed" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
    assert "ListCampaigns" in (tmp_path / "r.md").read_text() and (tmp_path / "j.xml").exists()


# ------------------------------------------------------------------------------- the pytest fixture's settings

FIXTURE_TEST = '''
import os

def test_settings(fakepai):
    assert fakepai.emulator.clock.speed == float(os.environ["WANT_SPEED"])
    assert fakepai.settings.auth == "off" and fakepai.settings.phase_seconds == {"Running": 5.0}
    assert fakepai.emulator.throttler.enabled is True
'''


def test_fixture_settings_come_from_the_ini_file_and_the_command_line_wins(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nfakepai_speed = 0\nfakepai_auth = off\n"
                                         "fakepai_phase_seconds = Running=5\nfakepai_rate_limit = on\n")
    (tmp_path / "test_project.py").write_text(FIXTURE_TEST)

    def project_pytest(*argv: str, speed: str) -> subprocess.CompletedProcess:
        return subprocess.run([FAKEPAI[0], "-m", "pytest", "-q", "-p", "no:cacheprovider", *argv], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, env=env_without_fakepai(WANT_SPEED=speed))

    for argv, speed in (([], "0"), (["--fakepai-speed", "3"], "3")):
        out = project_pytest(*argv, speed=speed)
        assert out.returncode == 0 and "1 passed" in out.stdout, out.stdout + out.stderr
    bad = project_pytest("--fakepai-speed", "-1", speed="0")
    assert bad.returncode != 0 and "--fakepai-speed" in bad.stderr and _speed_rule(-1) in bad.stderr, bad.stderr
    # strict without credentials stops the run once, naming the options (it used to error every test)
    bad = project_pytest("--fakepai-auth", "strict", speed="0")
    assert bad.returncode == 4 and "--fakepai-credentials" in bad.stderr and "needs credentials" in bad.stderr, bad.stderr
    assert "test_settings" not in bad.stdout + bad.stderr


def test_a_client_fixture_without_its_sdk_fails_the_test_and_names_the_package(tmp_path):
    # The project's environment lacks the PaiPlugin SDK (a None in sys.modules makes its import
    # fail as a missing package does). The fixture used to skip the test: exit 0, CI green.
    (tmp_path / "conftest.py").write_text("import sys\nsys.modules['alibabacloud_paiplugin20220112'] = None\n")
    (tmp_path / "test_project.py").write_text("def test_campaigns(paiplugin_client):\n    pass\n")
    out = subprocess.run([FAKEPAI[0], "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, env=env_without_fakepai())
    assert out.returncode != 0 and "1 error" in out.stdout and "skipped" not in out.stdout, out.stdout
    assert "pip install alibabacloud-paiplugin20220112" in out.stdout, out.stdout
