"""The kit's pytest plugin: command-line options, the session `contract_kit` fixture, markers,
and the Markdown report.

It is registered through the `pytest11` entry point (so `pytest --pyargs contract_tests
--pai-target …` works from anywhere) and can also be loaded explicitly with
`-p contract_tests.plugin`. Everything it does beyond adding options is limited to tests that
live in the `contract_tests` package, so installing fakepai changes nothing for other suites.
"""
from __future__ import annotations

import pytest

from contract_tests.checks import ContractViolation, Finding
from contract_tests.client import BudgetExhausted
from contract_tests.report import ReportCollector
from contract_tests.resources import NotImplementedByTarget, SetupFailed

_COLLECTOR = pytest.StashKey[ReportCollector]()
_KIT = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("fakepai contract kit", "fakepai contract test kit (contract_tests)")
    g.addoption("--pai-target", default="fake", metavar="fake|URL|live",
                help="fake (in-process emulator, default), an emulator URL, or live PAI")
    g.addoption("--pai-region", default=None, help="live region (default $PAI_REGION or cn-hangzhou)")
    g.addoption("--pai-workspace", default=None, help="workspace id (default $PAI_WORKSPACE_ID)")
    g.addoption("--pai-endpoint", action="append", default=[], metavar="PRODUCT=HOST",
                help="live: another host for a product, e.g. PaiStudio=pai.cn-hangzhou.data.aliyun.com")
    g.addoption("--pai-allow-mutations", action="store_true", default=False,
                help="live: allow creating (and deleting) fakepai-ct-* resources; read-only otherwise")
    g.addoption("--pai-max-requests", type=int, default=None, metavar="N",
                help="stop sending after N requests (cleanup excepted)")
    g.addoption("--pai-report", default=None, metavar="FILE", help="write the conformance report here (Markdown; JSON if FILE ends in .json)")
    g.addoption("--pai-record", default=None, metavar="DIR", help="record every exchange, sanitised, under DIR")
    g.addoption("--pai-examples", type=int, default=2, metavar="N", help="hypothesis examples per rule (default 2)")
    g.addoption("--pai-check-throttling", action="store_true", default=False,
                help="URL/live: also run the throttling checks (they burst requests on purpose)")
    g.addoption("--pai-check-auth", action="store_true", default=False,
                help="URL/live: also run the authentication checks (they send bad credentials on purpose)")
    g.addoption("--pai-allow-skip", action="store_true", default=False,
                help="live without credentials: skip every test (exit 0) instead of refusing to run")
    g.addoption("--pai-wait-timeout", type=float, default=900.0, metavar="SECONDS",
                help="live: how long to wait for a resource to reach a state")


def _endpoints(config: pytest.Config) -> dict[str, str]:
    out = {}
    for spec in config.getoption("--pai-endpoint") or []:
        product, sep, host = spec.partition("=")
        if not sep or product not in ("PaiStudio", "pai-dlc", "PaiPlugin") or not host:
            raise pytest.UsageError(f"--pai-endpoint wants PRODUCT=HOST with PRODUCT one of PaiStudio, pai-dlc, "
                                    f"PaiPlugin; got {spec!r}")
        out[product] = host
    return out


def _ours(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    return bool(module) and module.__name__.startswith("contract_tests.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mutating: the test creates or changes resources")
    config.addinivalue_line("markers", "operation(action, ..., product=None): the PAI operation(s) a contract test exercises")
    from contract_tests.front_door import FrontDoorError, check_target
    try:    # before any test runs: a target the kit cannot test is one line, not a failed run
        check_target(config.getoption("--pai-target", "fake"), allow_skip=config.getoption("--pai-allow-skip", False))
    except FrontDoorError as e:
        raise pytest.UsageError(str(e)) from None
    collector = config.stash[_COLLECTOR] = ReportCollector()
    if config.getoption("--pai-target", "fake") == "live":
        from contract_tests.target import make_target
        live = make_target("live", region=config.getoption("--pai-region"), workspace=config.getoption("--pai-workspace"),
                           endpoints=_endpoints(config))
        collector.target, collector.skip_reason = live.describe(), live.skip_reason


@pytest.fixture(scope="session")
def contract_kit(request: pytest.FixtureRequest):
    """The kit for this run: target, signed client, resources (cleaned up at the end)."""
    from contract_tests.kit import Kit, Options
    from contract_tests.recording import Recorder
    from contract_tests.target import make_target

    opt = request.config.getoption
    target = make_target(opt("--pai-target"), region=opt("--pai-region"), workspace=opt("--pai-workspace"),
                         endpoints=_endpoints(request.config))
    collector = request.config.stash[_COLLECTOR]
    collector.target = target.describe()
    if target.skip_reason:
        collector.skip_reason = target.skip_reason
        pytest.skip(target.skip_reason)
    options = Options(allow_mutations=opt("--pai-allow-mutations"), max_requests=opt("--pai-max-requests"),
                      examples=opt("--pai-examples"), check_throttling=opt("--pai-check-throttling"),
                      check_auth=opt("--pai-check-auth"), wait_timeout=opt("--pai-wait-timeout"))
    recorder = Recorder(opt("--pai-record"), target.run_id) if opt("--pai-record") else None
    kit = Kit(target, options, recorder)
    request.config.stash[_KIT] = kit
    kit.start()
    try:
        yield kit
    finally:
        kit.close()
        collector.leaks = list(kit.resources.leaks)
        collector.requests = kit.client.sent
        collector.answers, collector.throttled = kit.protocol.answers, kit.protocol.throttled
        collector.billed = dict(kit.client.billed)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    """A 501 from the target (an operation it does not implement yet) and an exhausted request
    budget are facts about the run, not failures of the target: they become skips with the why."""
    if not _ours(pyfuncitem):
        return (yield)
    kit = pyfuncitem.config.stash.get(_KIT, None)
    if kit is not None:
        kit.protocol.take()          # answers before this test (session setup) are not its own
    try:
        result = yield
    except NotImplementedByTarget as e:
        pytest.skip(str(e))
    except BudgetExhausted as e:
        pytest.skip(str(e))
    except SetupFailed as e:
        _blame_setup(pyfuncitem.config.stash.get(_KIT, None), e)
    kit = pyfuncitem.config.stash.get(_KIT, None)
    if kit is not None:
        _protocol_violation(kit.protocol.take())
    return result


def _blame_setup(kit, e: SetupFailed) -> None:
    """A setup step broken by another operation's answer: reported once, against that
    operation; every later test that needs it is skipped as "blocked by" it."""
    if e.operation is None or kit is None:
        raise e
    if e.operation in kit.blockers:
        pytest.skip(f"blocked by {e.operation}: {e}")
    kit.blockers.add(e.operation)
    violation = ContractViolation(e.operation, "its answer broke the setup of other tests (they are reported as "
                                  f"blocked by {e.operation})", [Finding("setup", "setup step", "success", str(e))],
                                  e.exchange)
    violation.blocking = True
    raise violation from None


def _protocol_violation(seen: list) -> None:
    """Headers every answer must carry (checks.protocol_findings), blamed on the operation that
    answered without them."""
    if not seen:
        return
    operation, _, exchange = seen[0]
    findings = [Finding(f.path, f"{f.problem} [{op}: {ex.brief()}]", f.expected, f.actual)
                for op, f, ex in seen if op == operation]
    others = sorted({op for op, _, _ in seen} - {operation})
    what = "answers break the protocol" + (f" (so do {', '.join(others)})" if others else "")
    raise ContractViolation(operation, what, findings, exchange)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _ours(item):
        return
    reason = item.config.stash[_COLLECTOR].skip_reason
    if reason:
        # Raised here (not in a fixture) so every test reports the same location: one line in -rs.
        pytest.skip(reason)
    kit = item.config.stash.get(_KIT, None)
    if kit is not None and kit.recorder is not None:
        kit.recorder.test = item.nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if _ours(item):
        item.config.stash[_COLLECTOR].add(item, call, report)
    return report


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not any("contract_tests" in str(a) for a in config.invocation_params.args):
        return []      # another suite: the plugin stays silent
    return [f"fakepai contract kit: target={config.getoption('--pai-target')} (see contract_tests/README.md)"]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    collector = session.config.stash.get(_COLLECTOR, None)
    path = session.config.getoption("--pai-report")
    if collector is None or not path:
        return
    from fakepai.catalog import default_catalog
    collector.write(path, default_catalog())


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    collector = config.stash.get(_COLLECTOR, None)
    if collector is None or not collector.results:
        return
    if collector.skip_reason:
        terminalreporter.write_line(f"fakepai contract kit: skipped — {collector.skip_reason}", yellow=True)
    for leak in collector.leaks:
        terminalreporter.write_line(f"fakepai contract kit: could not delete {leak}", red=True)
    path = config.getoption("--pai-report")
    if path:
        terminalreporter.write_line(f"fakepai contract kit: conformance report written to {path}")
    if collector.billed:
        from fakepai.usage import run_summary
        for line in run_summary(collector.billed):
            terminalreporter.write_line(f"fakepai contract kit: {line}")
