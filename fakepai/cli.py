"""The `fakepai` command (also `python -m fakepai`)."""
from __future__ import annotations

import argparse
import sys


def _phase_seconds(text: str) -> dict[str, float]:
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
    return out


def _serve(args) -> int:
    import uvicorn

    from fakepai.app import SHUTDOWN_GRACE_SECONDS, build_app
    from fakepai.emulator import Emulator, Settings

    settings = Settings(host=args.host, port=args.port, auth=args.auth, credentials_file=args.credentials,
                        rate_limit=args.rate_limit == "on", speed=args.speed, demo=args.demo,
                        phase_seconds=args.phase_seconds,
                        state_file=args.state_file, seed=args.seed, region=args.region,
                        admin_token=args.admin_token)
    try:
        emulator = Emulator(settings)
    except (OSError, ValueError) as e:
        print(f"fakepai: {e}", file=sys.stderr)
        return 2
    app = build_app(emulator=emulator)
    endpoint = f"{args.host}:{args.port}"
    print(f"fakepai {__import__('fakepai').__version__} serving PAI (PaiStudio 2022-01-12, pai-dlc 2020-12-03, "
          f"PaiPlugin 2022-01-12) at http://{endpoint}  auth={args.auth} rate-limit={args.rate_limit} speed={args.speed}")
    print("Point an official SDK at it:")
    print(f"  Config(access_key_id='test', access_key_secret='test', endpoint='{endpoint}', protocol='http', region_id='{args.region}')")
    print("Or curl the seed's gateway form:")
    print(f"  curl -H 'Authorization: Bearer test' 'http://{endpoint}/api/PaiStudio/2022-01-12/ListTrainingJobs?PageSize=10'")
    if args.demo:
        print("Demo workspace: WorkspaceId=12345 (see GET /_fakepai/health)")
    print(f"Control plane: http://{endpoint}/_fakepai/   (health, reset, clock, faults, requests)"
          + ("; admin token required (header x-fakepai-admin-token, or open it once with ?token=<token>)"
             if args.admin_token else ""), flush=True)
    if args.state_file:
        print(f"State file: {args.state_file} (saved on shutdown and on POST /_fakepai/snapshot)")
    # lifespan "on": the app saves the state file on shutdown (uvicorn re-raises SIGTERM after it).
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, lifespan="on",
                timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS)
    return 0


def _coverage(args) -> int:
    from fakepai.coverage import coverage_report
    report = coverage_report()
    if args.format == "json":
        import json
        print(json.dumps(report, indent=2))
    else:
        from fakepai.coverage import coverage_markdown
        print(coverage_markdown(report), end="")
    return 0


def _openapi(args) -> int:
    import json

    from fakepai.openapi import build_openapi
    text = json.dumps(build_openapi(), indent=2) + "\n"
    if args.output and args.output != "-":
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _conformance(args) -> int:
    import pytest
    # `-p contract_tests.plugin` registers the kit's --pai-* options even where the pytest11 entry
    # point is not installed (a plain checkout); with the entry point it is a no-op.
    argv = ["-p", "contract_tests.plugin", "--pyargs", "contract_tests", "--pai-target", args.target]
    if args.report:
        argv += ["--pai-report", args.report]
    return pytest.main([*argv, *args.pytest_args])


def _drift(args) -> int:
    from contract_tests.drift import main as drift_main
    try:
        return drift_main(args.dir_a, args.dir_b, baseline=args.baseline, write_baseline=args.write_baseline,
                          as_json=args.format == "json")
    except (FileNotFoundError, ValueError) as e:
        print(f"fakepai drift: {e}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fakepai", description="In-memory emulator of Alibaba Cloud PAI training-job APIs.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the emulator")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8642)
    serve.add_argument("--auth", choices=["any", "strict", "off"], default="any")
    serve.add_argument("--credentials", metavar="FILE", help="JSON file of access keys / bearer tokens (for --auth strict)")
    serve.add_argument("--rate-limit", choices=["on", "off"], default="on")
    serve.add_argument("--speed", type=float, default=1.0, help="virtual clock speed (1.0 = real time)")
    serve.add_argument("--phase-seconds", type=_phase_seconds, default={}, metavar="STATUS=S,...",
                       help="how long job phases last, e.g. Running=5,Queuing=1 (every product's plans)")
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument("--region", default="cn-hangzhou")
    serve.add_argument("--demo", action="store_true", help="start with a demo workspace and jobs")
    serve.add_argument("--admin-token", metavar="TOKEN",
                       help="require this token on the control plane /_fakepai/ (header x-fakepai-admin-token, "
                            "or open /_fakepai/?token=TOKEN once in a browser); needed to bind beyond loopback")
    serve.add_argument("--state-file", metavar="PATH",
                       help="keep state across restarts: loaded at start if present, saved on shutdown (a pickle: trusted files only)")
    serve.set_defaults(func=_serve)

    cov = sub.add_parser("coverage", help="list the in-scope operations and whether they are implemented")
    cov.add_argument("--format", choices=["markdown", "json"], default="markdown")
    cov.set_defaults(func=_coverage)

    oa = sub.add_parser("openapi", help="write the OpenAPI 3.1 document generated from schemas/")
    oa.add_argument("-o", "--output", default="-")
    oa.set_defaults(func=_openapi)

    conf = sub.add_parser("conformance", help="run the contract test kit against a target")
    conf.add_argument("--target", default="fake", help="fake | URL | live")
    conf.add_argument("--report", metavar="FILE", help="write the Markdown conformance report to FILE")
    conf.set_defaults(func=_conformance)

    drift = sub.add_parser("drift", help="compare two --pai-record recordings field by field")
    drift.add_argument("dir_a")
    drift.add_argument("dir_b")
    drift.add_argument("--baseline", metavar="FILE", help="JSON file of accepted divergences")
    drift.add_argument("--write-baseline", metavar="FILE", help="accept every current divergence into FILE")
    drift.add_argument("--format", choices=["text", "json"], default="text")
    drift.set_defaults(func=_drift)

    # Anything `conformance` does not know is for pytest (`-k ListJobs -x --junitxml r.xml`).
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "conformance":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "conformance":
        args.pytest_args = [a for a in extra if a != "--"]
    return args.func(args)
