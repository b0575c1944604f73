"""The `fakepai` command (also `python -m fakepai`).

Everything the command cannot do is refused before anything is announced: one line on stderr,
exit status 2. Every `serve` option can also come from the environment (`FAKEPAI_<OPTION>`, see
`_environment_args`); an option on the command line beats its variable.

Each command imports what only it needs when it runs (the server for `serve`, the kit for
`conformance`): no cycle is behind that, but `fakepai --help` and the pytest plugin (which imports
the option parsers here into every pytest session) stay light, and the kit's dependencies
(`fakepai[conformance]`) may be missing.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys

import fakepai
from fakepai.clock import checked_speed
from fakepai.sim.timeline import check_phase_seconds

ENV_PREFIX = "FAKEPAI_"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class Refused(Exception):
    """A one-line reason the command cannot run (printed as `fakepai <command>: <reason>`)."""


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line (`fakepai serve: argument --port: ...`), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message}\n")


# -- option types: each checks what the command can actually do ----------------------------------

def parse_phase_seconds(text: str) -> dict[str, float]:
    """`Running=5,Queuing=1` -> {"Running": 5.0, "Queuing": 1.0}."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        status, _, seconds = item.partition("=")
        try:
            value = float(seconds)
        except ValueError:
            value = -1.0
        if not status.strip() or value < 0:
            raise argparse.ArgumentTypeError(f"expected STATUS=SECONDS with SECONDS >= 0, got {item!r}")
        out[status.strip()] = value
    try:
        check_phase_seconds(out)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return out


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a TCP port is 0..65535 (0 picks a free one), got {text!r}")
    return port


def parse_seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def parse_speed(text: str) -> float:
    try:
        return checked_speed(float(text))        # the control plane's rule (PUT /_fakepai/clock)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e) if "speed" in str(e) else f"not a number: {text!r}")


# -- configuration from the environment ----------------------------------------------------------

def _env_name(action: argparse.Action) -> str:
    return ENV_PREFIX + action.dest.upper()


def _document_environment(parser: argparse.ArgumentParser) -> None:
    """Name each option's variable in its help, so `--help` shows every one."""
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            action.help = f"{action.help} [env {_env_name(action)}]"


def _environment_args(parser: argparse.ArgumentParser, environ) -> list[str]:
    """The options set by `FAKEPAI_<OPTION>` variables, as command-line arguments to put before the
    user's own (so a flag given on the command line wins). Works from the parser itself: an option
    added to `serve` has its variable with no further code. A bad value raises Refused naming the
    variable, checked with the option's own type and choices."""
    out = []
    for action in parser._actions:
        name = _env_name(action)
        if not action.option_strings or action.dest == "help" or name not in environ:
            continue
        text, flag = environ[name], action.option_strings[-1]
        if action.nargs == 0:           # a switch such as --demo
            if text.strip().lower() not in _TRUE | _FALSE:
                raise Refused(f"{name}={text!r}: expected one of 1/0, true/false, yes/no, on/off")
            out += [flag] if text.strip().lower() in _TRUE else []
            continue
        try:
            value = action.type(text) if action.type else text
        except (argparse.ArgumentTypeError, ValueError, TypeError) as e:
            raise Refused(f"{name}={text!r}: {e}") from None
        if action.choices is not None and value not in action.choices:
            raise Refused(f"{name}={text!r}: expected one of {', '.join(map(str, action.choices))}")
        out += [flag, text]
    return out


# -- serve ---------------------------------------------------------------------------------------

def _listen(host: str, port: int) -> socket.socket:
    """Bind before announcing anything: a port in use is refused, and --port 0 is reported as
    the port actually chosen."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)    # as uvicorn does
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise Refused(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.set_inheritable(True)
    return sock


def _announce(args, endpoint: str) -> None:
    print(f"fakepai {fakepai.__version__} serving PAI (PaiStudio 2022-01-12, pai-dlc 2020-12-03, "
          f"PaiPlugin 2022-01-12) at http://{endpoint}  auth={args.auth} rate-limit={args.rate_limit} speed={args.speed:g}")
    # In strict mode only the credentials file's keys work: the examples name them, never a secret.
    key, token = ("<AccessKeyId>", "<token>") if args.auth == "strict" else ("test", "test")
    print("Point an official SDK at it" + (f" (with a key from {args.credentials})" if args.auth == "strict" else "") + ":")
    print(f"  Config(access_key_id='{key}', access_key_secret='{key.replace('Id', 'Secret')}', endpoint='{endpoint}', "
          f"protocol='http', region_id='{args.region}')")
    print("Or curl it" + (f" (with a bearer token from {args.credentials})" if args.auth == "strict" else "") + ":")
    print(f"  curl -H 'Authorization: Bearer {token}' 'http://{endpoint}/api/PaiStudio/2022-01-12/ListTrainingJobs?PageSize=10'")
    if args.demo:
        print("Demo workspace: WorkspaceId=12345, in every account (a reset brings it back)")
    print(f"Web console and control plane: http://{endpoint}/_fakepai/   (health, reset, clock, faults, requests, usage)"
          + ("; admin token required (header x-fakepai-admin-token, or open it once with ?token=<token>)"
             if args.admin_token else ""))
    if args.state_file:
        print(f"State file: {args.state_file} (every write journaled before it is answered, durability={args.durability})")
    print(flush=True)


def _serve(args) -> int:
    import uvicorn

    from fakepai.app import SHUTDOWN_GRACE_SECONDS, build_app
    from fakepai.emulator import Emulator, Settings
    from fakepai.serving import collect_less_often, uvicorn_options

    settings = Settings(host=args.host, port=args.port, auth=args.auth, credentials_file=args.credentials,
                        rate_limit=args.rate_limit == "on", speed=args.speed, demo=args.demo,
                        phase_seconds=args.phase_seconds, state_file=args.state_file, durability=args.durability, seed=args.seed,
                        region=args.region, log_level=args.log_level, admin_token=args.admin_token)
    try:
        emulator = Emulator(settings)
    except (OSError, ValueError) as e:
        raise Refused(str(e)) from None
    sock = _listen(args.host, args.port)
    settings.port = sock.getsockname()[1]
    app = build_app(emulator=emulator)
    _announce(args, f"[{args.host}]:{settings.port}" if ":" in args.host else f"{args.host}:{settings.port}")
    # uvicorn hands a captured Ctrl-C / SIGTERM back to the previous handler once it has shut down
    # (and the app has saved the state file); a quiet handler lets us choose the exit status.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options("debug" if args.log_level == "debug" else "warning"),
                                           timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS))
    collect_less_often()
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if app.state.save_error else 0


def _serve_parser(sub) -> argparse.ArgumentParser:
    serve = sub.add_parser("serve", help="run the emulator",
                           description="Run the emulator. Every option can also be set with an environment variable "
                                       "FAKEPAI_<OPTION> (shown with each); an option on the command line wins.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8642, help="TCP port (default 8642; 0 picks a free one)")
    serve.add_argument("--auth", choices=["any", "strict", "off"], default="any",
                       help="any: a credential is required but not verified (default); strict: signatures "
                            "verified against --credentials; off: no credential needed")
    serve.add_argument("--credentials", metavar="FILE",
                       help="JSON file of access keys / bearer tokens (for --auth strict; accounts in any mode)")
    serve.add_argument("--rate-limit", choices=["on", "off"], default="on",
                       help="throttle per account and operation as PAI does (default on)")
    serve.add_argument("--speed", type=parse_speed, default=1.0,
                       help="virtual clock speed: 1 = real time (default), 0 frozen, up to 1e6")
    serve.add_argument("--phase-seconds", type=parse_phase_seconds, default={}, metavar="STATUS=S,...",
                       help="how long job phases last, e.g. Running=5,Queuing=1 (every product's plans)")
    serve.add_argument("--seed", type=parse_seed, default=0, help="seed of generated ids and random faults (default 0)")
    serve.add_argument("--region", default="cn-hangzhou", help="region the emulator reports (default cn-hangzhou)")
    serve.add_argument("--demo", action="store_true", help="start with a demo workspace (12345) and jobs")
    serve.add_argument("--admin-token", metavar="TOKEN",
                       help="require this token on the control plane /_fakepai/ (header x-fakepai-admin-token, "
                            "or open /_fakepai/?token=TOKEN once in a browser); needed to bind beyond loopback")
    serve.add_argument("--state-file", metavar="PATH",
                       help="keep state across restarts and crashes: loaded at start if present, every write "
                            "journaled before it is answered (docs/durability.md; pickles: trusted files only)")
    serve.add_argument("--durability", choices=["fsync", "write"], default="fsync",
                       help="with --state-file, when a write is answered: fsync (default) once its journal record is "
                            "on disk (survives a machine crash); write once it is handed to the OS (survives kill -9)")
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default="info",
                       help="info (default): one line per request (time, account, product, action, status, ms); "
                            "warning: only problems")
    serve.set_defaults(func=_serve)
    return serve


# -- the other commands --------------------------------------------------------------------------

def _coverage(args) -> int:
    from fakepai.coverage import coverage_markdown, coverage_report
    report = coverage_report()
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        print(coverage_markdown(report), end="")
    return 0


def _openapi(args) -> int:
    from fakepai.openapi import build_openapi
    text = json.dumps(build_openapi(), indent=2) + "\n"
    if args.output and args.output != "-":
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise Refused(f"cannot write {args.output}: {e.strerror or e}") from None
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _kit_options(conf: argparse.ArgumentParser) -> None:
    """The kit's own pytest options (contract_tests/plugin.py), shown by `conformance --help` and
    handed on to pytest; `--target` and `--report` are short for `--pai-target` / `--pai-report`."""
    group = conf.add_argument_group("contract kit options (passed to pytest; any other argument, "
                                    "such as -k or --junitxml FILE, goes to pytest as well)")
    short = {"--pai-target": "--target", "--pai-report": "--report"}

    class Collect:
        def getgroup(self, *_args, **_kwargs):
            return self

        def addini(self, *_args, **_kwargs):
            pass

        def addoption(self, *names, **kwargs):
            kwargs.pop("type", None)        # pytest checks the values; here they are only passed on
            kwargs["default"] = argparse.SUPPRESS    # only what the user gave is passed on
            aliases = [short[n] for n in names if n in short]
            group.add_argument(*aliases, *names, dest=names[0].lstrip("-").replace("-", "_"), **kwargs)

    try:
        from contract_tests.plugin import pytest_addoption
    except ImportError:
        conf.epilog = f"The kit's own options are listed once its dependencies are installed: {_front_door().KIT_EXTRA}"
        return
    pytest_addoption(Collect())


def _front_door():
    from contract_tests import front_door
    return front_door


def _conformance(args) -> int:
    door = _front_door()
    missing = door.missing_dependency()
    if missing:
        raise Refused(missing)
    try:
        door.check_target(args.pai_target, allow_skip=getattr(args, "pai_allow_skip", False))
    except door.FrontDoorError as e:
        raise Refused(str(e)) from None
    import pytest

    from contract_tests import plugin
    # The plugin module itself (already imported for this parser's options) registers the kit's
    # --pai-* options even where the pytest11 entry point is not installed (a plain checkout); the
    # entry point has the module's name, so pytest does not load it twice. `-p contract_tests.plugin`
    # would make pytest import it again and warn that it cannot rewrite its asserts.
    return int(pytest.main(["--pyargs", "contract_tests", *args.kit_args, *args.pytest_args], plugins=[plugin]))


def _kit_argv(conf: argparse.ArgumentParser, args) -> list[str]:
    """The kit options given (or defaulted) in `args`, as pytest arguments."""
    out = []
    for action in conf._actions:
        if not action.option_strings or action.dest == "help":
            continue
        value, flag = getattr(args, action.dest, None), action.option_strings[-1]
        if action.nargs == 0:
            out += [flag] if value else []
        elif isinstance(value, list):
            for item in value:
                out += [flag, str(item)]
        elif value is not None:
            out += [flag, str(value)]
    return out


def _drift(args) -> int:
    from contract_tests.drift import main as drift_main
    try:
        return drift_main(args.dir_a, args.dir_b, baseline=args.baseline, write_baseline=args.write_baseline,
                          as_json=args.format == "json")
    except (FileNotFoundError, ValueError) as e:
        raise Refused(str(e)) from None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _Parser(prog="fakepai", description="In-memory emulator of Alibaba Cloud PAI training-job APIs.")
    parser.add_argument("--version", action="version", version=f"fakepai {fakepai.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = _serve_parser(sub)

    cov = sub.add_parser("coverage", help="list the in-scope operations and whether they are implemented")
    cov.add_argument("--format", choices=["markdown", "json"], default="markdown")
    cov.set_defaults(func=_coverage)

    oa = sub.add_parser("openapi", help="write the OpenAPI 3.0.3 document generated from schemas/")
    oa.add_argument("-o", "--output", default="-", help="file to write (default: standard output)")
    oa.set_defaults(func=_openapi)

    conf = sub.add_parser("conformance", help="run the contract test kit against a target",
                          description="Run the contract test kit (pytest) against fake (an in-process emulator), "
                                      "an emulator URL, or live PAI.")
    _kit_options(conf)
    conf.set_defaults(func=_conformance)

    drift = sub.add_parser("drift", help="compare two --pai-record recordings field by field")
    drift.add_argument("dir_a")
    drift.add_argument("dir_b")
    drift.add_argument("--baseline", metavar="FILE", help="JSON file of accepted divergences")
    drift.add_argument("--write-baseline", metavar="FILE", help="accept every current divergence into FILE")
    drift.add_argument("--format", choices=["text", "json"], default="text")
    drift.set_defaults(func=_drift)

    _document_environment(serve)
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        if command == "serve":
            at = argv.index("serve") + 1
            argv[at:at] = _environment_args(serve, os.environ)
        # Anything `conformance` does not know is for pytest (`-k ListJobs -x --junitxml r.xml`).
        args, extra = parser.parse_known_args(argv)
        if extra and args.command != "conformance":
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        if args.command == "conformance":
            args.pytest_args = [a for a in extra if a != "--"]
            args.kit_args = _kit_argv(conf, args)
            args.pai_target = getattr(args, "pai_target", None) or "fake"
        return args.func(args)
    except Refused as e:
        print(f"fakepai {command}: {e}", file=sys.stderr)
        return 2
