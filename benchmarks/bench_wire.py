#!/usr/bin/env python
"""Wire-layer benchmark for fakepai (issue 2 §7). A script, not a test:

    python benchmarks/bench_wire.py            # full run, ~1-2 min on 2 cores
    python benchmarks/bench_wire.py --quick    # smaller numbers, for a smoke run

In one run it starts, each in its own subprocess (so neither shares the measuring client's GIL):
  * fakepai, exactly as a user would: `python -m fakepai serve --port P --rate-limit off`
    (auth mode `any`, so `Authorization: Bearer k` selects one account);
  * a bare Starlette + uvicorn hello-world app (one JSON route returning a small dict), served
    with the same uvicorn defaults (uvloop + httptools when installed), as the yardstick.
Both are driven on loopback with keep-alive connections, and it reports requests/s and p50/p99
latency for
  * GetTrainingJob   GET /api/v1/trainingjobs/{id}
  * ListTrainingJobs GET /api/v1/trainingjobs?WorkspaceId=W&PageNumber=10&PageSize=10, with
    10,000 jobs in W, and the same page of a workspace holding 100 jobs,
  * CreateTrainingJob POST /api/PaiStudio/2022-01-12/CreateTrainingJob (the gateway form), the
    same body each time, into a workspace of its own,
as ratios to the bare app measured in the same run. Then: server start to first 200 (subprocess
and in-process `FakePAI().start()`), and `FakePAI.reset()` with 10,000 jobs present.

State measured: 10,000 + 100 jobs created over HTTP, then the clock advanced an hour and frozen,
so every job is Succeed (its full body, telemetry included) and every request reads the same.

Client choice (why two): requests are sent one after another on ONE keep-alive connection,
  * by one `httpx.Client` -- what a test suite or SDK user does; its own per-request cost
    (~150-250 us of Python) is part of every number, which narrows the gap between the apps;
  * by a minimal raw-socket HTTP/1.1 client (~10-20 us per request) -- so the figures are
    dominated by the server's own cost; this is the stricter comparison and the one the
    targets are judged on (the httpx figures are printed alongside, with their own verdict).
With 2 cores and one server process, sequential requests keep the server on one core and the
client on the other; extra client threads would only contend for the client's GIL. When the
machine has >= 2 CPUs, the client is pinned to CPU 0 and each server to CPU 1 to cut noise.
Endpoints are measured in interleaved rounds (bare, get, list 10k, list 100, repeat); the fastest
round is reported (other load only ever slows a round down), next to the server process's own CPU
time per request (from /proc), which other load on the machine barely moves.

`--breakdown` prints, instead, where a request's server time goes stage by stage (in-process).
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TOKEN = "k"
BIG_WS, SMALL_WS = "W", "W100"
POPULATE_BATCH = 50   # jobs created per loop callback in the reset measurement
CREATE_BODY = {"TrainingJobName": "j", "WorkspaceId": BIG_WS, "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"}
CREATE_PATH = "/api/PaiStudio/2022-01-12/CreateTrainingJob"
CREATE_WS = "WC"      # where the measured CreateTrainingJob requests put their jobs
# Issue #14's targets: each endpoint's req/s over the bare app's, raw client, same run.
TARGETS = {"get": 0.8, "list10k": 0.65, "list100": 0.65, "create": 0.5}


# -- the bare yardstick app (run in a subprocess via --serve-bare PORT) ----------------------------
def bare_app():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def hello(request):
        return JSONResponse({"hello": "world", "n": 1})

    return Starlette(routes=[Route("/hello", hello)])


def serve_bare(port: int) -> None:
    import uvicorn
    # Same uvicorn settings as `fakepai serve` (cli.py), so the only difference is the app.
    uvicorn.run(bare_app(), host=HOST, port=port, log_level="warning", access_log=False, lifespan="off")


# -- helpers -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def steal_ticks() -> int:
    """The machine's CPU time stolen by the hypervisor so far, in clock ticks (0 where unknown).
    On a shared VM a round that loses its vCPU for 50-150 ms shows up here, not in our code."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8])
    except (OSError, IndexError, ValueError):
        return 0


def pin(pid: int, cpu: int) -> None:
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(pid, {cpu})
        except OSError:
            pass


class _IdleClosed(Exception):
    """The server had closed the keep-alive connection before this request was answered."""


class RawClient:
    """The smallest keep-alive HTTP/1.1 client: one connection, one request at a time, responses
with Content-Length (what uvicorn sends for these apps)."""

    def __init__(self, port: int, headers: dict[str, str]):
        self.port = port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.host = f"{HOST}:{port}"
        self._connect()

    def _connect(self) -> None:
        self.sock = socket.create_connection((HOST, self.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def request_bytes(self, path: str, method: str = "GET", body: bytes = b"") -> bytes:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}"
        if method != "GET":
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return (head + "\r\n").encode() + body

    def send(self, req: bytes) -> tuple[int, bytes]:
        try:
            return self._exchange(req)
        except _IdleClosed:
            # uvicorn drops a connection idle for 5 s (timeout_keep_alive), e.g. the bare app's
            # while the other endpoints are measured; nothing was answered, so send it again.
            self.sock.close()
            self._connect()
            return self._exchange(req)

    def _recv(self, got_any: bool) -> bytes:
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            if got_any:
                raise ConnectionError("the server closed the connection mid-response")
            raise _IdleClosed()
        return data

    def _exchange(self, req: bytes) -> tuple[int, bytes]:
        try:
            self.sock.sendall(req)
        except (BrokenPipeError, ConnectionResetError):
            raise _IdleClosed()
        buf = self.buf
        while (end := buf.find(b"\r\n\r\n")) < 0:
            buf += self._recv(bool(buf))
        head = buf[:end].decode("latin-1")
        status = int(head[9:12])
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        need = end + 4 + length
        while len(buf) < need:
            buf += self._recv(True)
        self.buf = buf[need:]
        return status, buf[end + 4:need]

    def close(self) -> None:
        self.sock.close()


def answers_200(port: int, path: str) -> bool:
    """One GET on a fresh connection; False while nothing listens. (Cheap: polling must not
    steal CPU from the server that is starting, as a new httpx.Client per poll would.)"""
    try:
        client = RawClient(port, {"Connection": "close"})
    except OSError:
        return False
    try:
        status, _ = client.send(client.request_bytes(path))
        return status == 200
    except OSError:
        return False
    finally:
        client.close()


def start_server(argv: list[str], port: int, timeout: float = 20.0) -> tuple[subprocess.Popen, float]:
    """Spawn a server (pinned to CPU 1) and poll it until it answers 200; (process, seconds to 200)."""
    path = "/hello" if "--serve-bare" in argv else "/_fakepai/health"
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=lambda: pin(0, 1))
    deadline = t0 + timeout
    while not answers_200(port, path):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        if time.perf_counter() > deadline:
            proc.kill()
            raise TimeoutError(f"{argv} did not answer in {timeout}s")
        time.sleep(0.002)
    return proc, time.perf_counter() - t0


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def fakepai_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "fakepai", "serve", "--host", HOST, "--port", str(port), "--rate-limit", "off",
            "--log-level", "warning"]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc; 0 elsewhere, and the CPU columns read 0)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def git_revision() -> str:
    """The commit measured (and whether the working tree differs from it)."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "fakepai"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return f"{rev}{' + uncommitted fakepai/ changes' if dirty else ''}" if rev else "unknown"


def pct(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def run_batch(send, n: int, server_pid: int | None = None) -> dict:
    """n sequential requests through `send()`: wall-clock requests/s, per-request latency, and the
    server's own CPU time per request (unaffected by other load on the machine)."""
    lat = [0.0] * n
    clock = time.perf_counter
    cpu0 = cpu_seconds(server_pid) if server_pid else 0.0
    t_start = clock()
    for i in range(n):
        t0 = clock()
        send()
        lat[i] = clock() - t0
    elapsed = clock() - t_start
    cpu = cpu_seconds(server_pid) - cpu0 if server_pid else 0.0
    lat.sort()
    return {"rps": n / elapsed, "server_cpu_us": cpu / n * 1e6, "p50_us": pct(lat, 0.50) * 1e6, "p99_us": pct(lat, 0.99) * 1e6,
            "mean_us": statistics.fmean(lat) * 1e6, "n": n}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# -- phases ------------------------------------------------------------------------------------
def measure_interpreter_start(rounds: int) -> float:
    """`python -c pass` on CPU 1: the floor under any subprocess start."""
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, preexec_fn=lambda: pin(0, 1))
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure_subprocess_start(rounds: int) -> tuple[list[float], list[float]]:
    """Seconds from spawn to the first 200 of /_fakepai/health, and the CPU the server had used by
    then (the part of the start that other load on the machine cannot inflate)."""
    times, cpu = [], []
    for _ in range(rounds):
        port = free_port()
        proc, seconds = start_server(fakepai_argv(port), port)
        cpu.append(cpu_seconds(proc.pid))
        stop_server(proc)
        times.append(seconds)
    return times, cpu


def populate_http(port: int, workspace: str, count: int) -> float:
    """Create `count` jobs with CreateTrainingJob in the gateway form, one request after another on
    one keep-alive connection (the raw client: an httpx.Client would double the time); seconds."""
    client = RawClient(port, {"Authorization": f"Bearer {TOKEN}"})
    req = client.request_bytes(CREATE_PATH, "POST", json.dumps(dict(CREATE_BODY, WorkspaceId=workspace)).encode())
    t0 = time.perf_counter()
    try:
        for _ in range(count):
            status, body = client.send(req)
            if status != 200:
                raise RuntimeError(f"CreateTrainingJob answered {status}: {body[:300]!r}")
    finally:
        client.close()
    return time.perf_counter() - t0


def measure_throughput(bare: subprocess.Popen, bare_port: int, pai: subprocess.Popen, pai_port: int, job_id: str,
                       n: int, rounds: int, jobs: int) -> dict:
    import httpx
    auth = {"Authorization": f"Bearer {TOKEN}"}
    # Creates go to their own workspace, so the list pages measured keep their totals.
    create_body = json.dumps(dict(CREATE_BODY, WorkspaceId=CREATE_WS)).encode()
    paths = {
        "bare": (bare_port, "/hello", None),
        "get": (pai_port, f"/api/v1/trainingjobs/{job_id}", None),
        "list10k": (pai_port, f"/api/v1/trainingjobs?WorkspaceId={BIG_WS}&PageNumber=10&PageSize=10", None),
        "list100": (pai_port, f"/api/v1/trainingjobs?WorkspaceId={SMALL_WS}&PageNumber=10&PageSize=10", None),
        "create": (pai_port, CREATE_PATH, create_body),
    }
    results: dict[str, dict[str, list[dict]]] = {"httpx": {k: [] for k in paths}, "raw": {k: [] for k in paths}}
    httpx_clients = {p: httpx.Client(base_url=f"http://{HOST}:{p}", headers=auth) for p in {bare_port, pai_port}}
    raw_clients = {p: RawClient(p, auth) for p in {bare_port, pai_port}}

    def senders(name):
        port, path, body = paths[name]
        hc, rc = httpx_clients[port], raw_clients[port]
        req = rc.request_bytes(path) if body is None else rc.request_bytes(path, "POST", body)

        def via_httpx():
            r = hc.get(path) if body is None else hc.post(path, content=body,
                                                          headers={"Content-Type": "application/json"})
            if r.status_code != 200:
                raise RuntimeError(f"{name}: {r.status_code} {r.text[:300]}")

        def via_raw():
            status, body = rc.send(req)
            if status != 200:
                raise RuntimeError(f"{name}: {status} {body[:300]!r}")

        return {"httpx": via_httpx, "raw": via_raw}

    send = {name: senders(name) for name in paths}
    # Sanity: the list pages hold what they should.
    for name, expect_total in (("list10k", jobs), ("list100", 100)):
        got = httpx_clients[pai_port].get(paths[name][1]).json()
        if int(got["TotalCount"]) != expect_total or len(got["TrainingJobs"]) != 10:
            raise RuntimeError(f"{name}: TotalCount {got['TotalCount']}, {len(got['TrainingJobs'])} jobs on page 10")
    for mode in ("raw", "httpx"):
        for name in paths:                       # warm-up: connections, caches, branch predictors
            run_batch(send[name][mode], max(200, n // 10))
        for _ in range(rounds):
            for name in paths:
                pid = bare.pid if paths[name][0] == bare_port else pai.pid
                results[mode][name].append(run_batch(send[name][mode], n, pid))
    for c in httpx_clients.values():
        c.close()
    for c in raw_clients.values():
        c.close()
    # Other load on the machine only ever slows a round down, so the fastest round stands for the
    # wall-clock figures; the server's CPU time per request is the median over the rounds.
    out: dict[str, dict[str, dict]] = {}
    for mode, per in results.items():
        out[mode] = {}
        for name, rs in per.items():
            best = dict(max(rs, key=lambda r: r["rps"]))
            best["server_cpu_us"] = statistics.median(r["server_cpu_us"] for r in rs)
            best["rounds_rps"] = [round(r["rps"]) for r in rs]
            out[mode][name] = best
    return out


def measure_in_process(reset_rounds: int, jobs: int, warm_starts: int) -> dict:
    """In-process start to first 200 (cold = first in this process, then warm), and reset() cost."""
    import httpx
    t0 = time.perf_counter()
    from fakepai.server import FakePAI
    import_s = time.perf_counter() - t0

    def start_once():
        t = time.perf_counter()
        pai = FakePAI(rate_limit=False, auth="any").start()
        r = httpx.get(pai.url + "/_fakepai/health")
        assert r.status_code == 200
        return pai, time.perf_counter() - t

    pai, cold = start_once()
    warm = []
    for _ in range(warm_starts):
        other, seconds = start_once()
        other.stop()
        warm.append(seconds)

    from fakepai.services.registry import Context, handler_for
    from fakepai.state.store import Garbage, user_id_for
    from fakepai.wire.auth import RawRequest
    from fakepai.wire.binding import bind

    emu = pai.emulator
    op = emu.catalog.get("PaiStudio", "CreateTrainingJob")
    create = handler_for("PaiStudio", "CreateTrainingJob")
    body = json.dumps(CREATE_BODY).encode()
    principal = emu.auth.authenticate(RawRequest("POST", CREATE_PATH, [], {"authorization": f"Bearer {TOKEN}"}, body))

    def create_jobs(count: int) -> None:
        # The CreateTrainingJob handler called directly (bound exactly as the wire layer binds),
        # on the server's loop like every request.
        ctx = Context(account=emu.world.account(principal.account_id), clock=emu.clock, ids=emu.ids,
                      request_id="bench", account_id=principal.account_id, region=emu.settings.region,
                      user_id=user_id_for(principal.account_id), check_workspace=lambda ws: None)
        for _ in range(count):
            create(ctx, bind(op, {}, [], "application/json", body))

    def populate() -> None:
        # As a test's requests would arrive: the loop runs other work (here, the freeing of the
        # state the previous reset dropped) between batches. Over HTTP the same 10,000 creates
        # take 10-40 s; called directly, ~1-2 s.
        for _ in range(jobs // POPULATE_BATCH):
            pai._on_loop(create_jobs, POPULATE_BATCH)

    def timed_reset(into: dict) -> None:
        into.setdefault("pending", []).append(len(emu.world.garbage))
        steal = steal_ticks()
        t, c = time.perf_counter(), time.process_time()
        pai.reset()
        into.setdefault("wall", []).append(time.perf_counter() - t)
        into.setdefault("cpu", []).append(time.process_time() - c)   # the caller waits idle: the loop's work
        into.setdefault("steal", []).append(steal_ticks() - steal)

    # 1. The fixture's case: a test creates the jobs, then the fixture resets.
    test_like, populate_s = {}, []
    for _ in range(reset_rounds):
        t = time.perf_counter()
        populate()
        populate_s.append(time.perf_counter() - t)
        timed_reset(test_like)

    # 2. Worst case: the whole state appears in one loop callback (as a state file or snapshot
    # load does) and is reset at once, round after round. The loop never has time to free the
    # state dropped before, so Garbage's bound makes the reset free the oldest one itself.
    pai._on_loop(create_jobs, jobs)
    snapshot = pickle.dumps(emu.world.accounts[principal.account_id], protocol=pickle.HIGHEST_PROTOCOL)
    pai.reset()

    def restore():
        emu.world.accounts[principal.account_id] = pickle.loads(snapshot)

    bulk = {}
    for _ in range(max(3, reset_rounds // 3)):
        pai._on_loop(restore)
        timed_reset(bulk)
    empty = []
    for _ in range(50):
        t = time.perf_counter()
        pai.reset()
        empty.append(time.perf_counter() - t)
    pai.stop()
    return {"import_s": import_s, "cold_start_s": cold, "warm_start_s": warm, "reset": test_like,
            "reset_bulk": bulk, "garbage_bound": Garbage.MAX_PENDING, "reset_empty_s": empty, "populate_s": populate_s, "jobs": jobs}


def breakdown(jobs: int) -> None:
    """`--breakdown`: where a request's server time goes, stage by stage, in this process (no
    HTTP), on the same state the HTTP run measures (jobs in W and W100, all Succeed, clock
    frozen). Best of 7 batches per stage, so other load on the machine matters little."""
    import asyncio
    import cProfile
    import pstats
    import timeit

    from fakepai.app import build_app
    from fakepai.emulator import Emulator, Settings
    from fakepai.ids import request_id
    from fakepai.services import registry
    from fakepai.services.registry import Context, handler_for
    from fakepai.state.store import user_id_for
    from fakepai.wire.auth import RawRequest
    from fakepai.wire.binding import bind
    from fakepai.wire.rendering import success_response

    emu = Emulator(Settings(rate_limit=False))
    app = build_app(emulator=emu)
    headers = {"authorization": f"Bearer {TOKEN}", "host": HOST}
    principal = emu.auth.authenticate(RawRequest("GET", "/", [], headers, b""))
    ctx = Context(account=emu.world.account(principal.account_id), clock=emu.clock, ids=emu.ids, request_id="r",
                  account_id=principal.account_id, region=emu.settings.region,
                  user_id=user_id_for(principal.account_id), check_workspace=lambda ws: None)
    create_op = emu.catalog.get("PaiStudio", "CreateTrainingJob")
    create = handler_for("PaiStudio", "CreateTrainingJob")
    for workspace, count in ((BIG_WS, jobs), (SMALL_WS, 100)):
        body = json.dumps(dict(CREATE_BODY, WorkspaceId=workspace)).encode()
        for _ in range(count):
            job_id = create(ctx, bind(create_op, {}, [], "application/json", body))["TrainingJobId"]
    emu.clock.freeze()
    emu.clock.advance(3600)

    # This process's CPU time, not wall-clock time: on a shared machine another process taking the
    # core would otherwise be counted as ours.
    cpu = time.process_time

    def best_us(fn, n=300) -> float:
        return min(timeit.repeat(fn, number=n, repeat=7, timer=cpu)) / n * 1e6

    async def asgi(target, path: str, query: str = "", method: str = "GET", body: bytes = b"") -> None:
        sent = dict(headers, **({"content-type": "application/json", "content-length": str(len(body))} if body else {}))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                 "root_path": "", "headers": [(k.encode(), v.encode()) for k, v in sent.items()],
                 "client": (HOST, 1), "server": (HOST, 1)}

        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start" and message["status"] >= 500:
                raise RuntimeError(f"{method} {path} answered {message['status']}")

        for _ in range(200):
            await target(scope, receive, send)

    def asgi_us(target, path, query="", method="GET", body=b"") -> float:
        loop = asyncio.new_event_loop()
        try:
            return min(timeit.repeat(lambda: loop.run_until_complete(asgi(target, path, query, method, body)), number=1,
                                     timer=cpu, repeat=7)) / 200 * 1e6
        finally:
            loop.close()

    def asgi_calls(target, path, query="", method="GET", body=b"") -> float:
        """Function calls per request (cProfile's count, C functions included): served, each
        costs far more than here (caches cooled between requests), so this count, which no other
        load moves, tracks the served CPU per request closely (README, "the served gap")."""
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(asgi(target, path, query, method, body))     # warm, as measured
            profile = cProfile.Profile()
            profile.enable()
            loop.run_until_complete(asgi(target, path, query, method, body))
            profile.disable()
        finally:
            loop.close()
        return sum(row[1] for row in pstats.Stats(profile).stats.values()) / 200

    bare = bare_app()
    create_body = json.dumps(dict(CREATE_BODY, WorkspaceId=CREATE_WS)).encode()
    cases = [("GetTrainingJob", "GET", f"/api/v1/trainingjobs/{job_id}", [], b""),
             (f"ListTrainingJobs p10, {jobs:,} jobs", "GET", "/api/v1/trainingjobs",
              [("WorkspaceId", BIG_WS), ("PageNumber", "10"), ("PageSize", "10")], b""),
             ("ListTrainingJobs p10, 100 jobs", "GET", "/api/v1/trainingjobs",
              [("WorkspaceId", SMALL_WS), ("PageNumber", "10"), ("PageSize", "10")], b""),
             ("CreateTrainingJob (gateway form)", "POST", CREATE_PATH, [], create_body)]
    print(f"\nper-request server time by stage, in-process, us of CPU (best of 7 batches); bare Starlette app: "
          f"{asgi_us(bare, '/hello'):.0f} us, {asgi_calls(bare, '/hello'):.0f} calls")
    for name, method, path, query, body in cases:
        route = emu.router.resolve(method, path, headers)
        op = route.operation
        content_type = "application/json" if body else ""
        raw = RawRequest(method, path, query, headers, body)
        params = bind(op, route.path_values, query, content_type, body)
        handler = handler_for(op.product, op.action)
        result = handler(ctx, params)
        stages = {
            "route": best_us(lambda: emu.router.resolve(method, path, headers)),
            "auth": best_us(lambda: emu.auth.authenticate(raw)),
            "bind+validate": best_us(lambda: bind(op, route.path_values, query, content_type, body)),
            "handler": best_us(lambda: handler(ctx, params), 100),
            "render": best_us(lambda: success_response(op, result, "r")),
            "request id": best_us(request_id),
            "request log": best_us(lambda: emu.requests.add(0.0, "r", "a", op.product, op.action, method, path, 200,
                                                            None, 0.1, "native")),
        }
        query_string = "&".join(f"{k}={v}" for k, v in query)
        whole = asgi_us(app, path, query_string, method, body)
        # The same request with the handler swapped for one returning its result ready-made: what
        # the wire layer (+ Starlette) costs for this very response; the rest is the service's.
        real = registry._HANDLERS[op.key]
        registry._HANDLERS[op.key] = lambda ctx, params: result
        try:
            wire = asgi_us(app, path, query_string, method, body)
        finally:
            registry._HANDLERS[op.key] = real
        calls = asgi_calls(app, path, query_string, method, body)
        print(f"  {name:<34} whole app {whole:5.0f} = wire {wire:4.0f} + service {whole - wire:5.0f}, {calls:4.0f} calls;  "
              + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    # The wire layer's floor: the same pipeline with a handler that does almost nothing.
    print(f"  {'GetTrainingJob of an unknown id':<34} whole app {asgi_us(app, '/api/v1/trainingjobs/trainnosuchjob'):6.0f}"
          f"  (the wire layer's floor: route, auth, bind, a dict lookup, 404 rendering, request log)")


# -- report ------------------------------------------------------------------------------------
def report(args, facts, sub_starts, create_s, tp, inproc, total_s) -> dict:
    print()
    print(f"fakepai wire benchmark  ({facts['python']}, nproc={facts['nproc']}, {facts['machine']}, "
          f"uvicorn {facts['uvicorn']}, loop={facts['loop']}, http={facts['http']}; fakepai at {facts['git']})")
    print(f"populate: {args.jobs:,} + 100 jobs via HTTP CreateTrainingJob (one keep-alive connection) in {create_s:.1f} s "
          f"({(args.jobs + 100) / create_s:,.0f} creates/s)")
    summary = {"facts": facts, "populate_http_s": create_s, "throughput": tp}
    names = {"bare": "bare Starlette hello", "get": "GetTrainingJob",
             "list10k": f"ListTrainingJobs p10, {args.jobs:,} jobs", "list100": "ListTrainingJobs p10, 100 jobs",
             "create": "CreateTrainingJob (gateway form)"}
    for mode, label in (("raw", "raw-socket client: server-bound, the targets are judged here"),
                        ("httpx", "httpx.Client: end to end, its own ~150-250 us per request included")):
        r = tp[mode]
        bare, bare_cpu = r["bare"]["rps"], r["bare"]["server_cpu_us"]
        print(f"\n[{label}]")
        print(f"  {args.requests:,} sequential keep-alive requests per round, {args.rounds} rounds: fastest round shown; "
              f"server CPU/request = median over rounds")
        print(f"  {'endpoint':<36}{'req/s':>8}{'p50 us':>8}{'p99 us':>8}{'x bare':>8}{'srv CPU us':>11}{'x bare':>8}")
        for key, name in names.items():
            x = r[key]
            cpu_ratio = bare_cpu / x["server_cpu_us"] if x["server_cpu_us"] else float("nan")
            print(f"  {name:<36}{x['rps']:>8,.0f}{x['p50_us']:>8.0f}{x['p99_us']:>8.0f}{x['rps'] / bare:>8.2f}"
                  f"{x['server_cpu_us']:>11.0f}{cpu_ratio:>8.2f}")
        ratios = {key: r[key]["rps"] / bare for key in TARGETS}
        for key, floor in TARGETS.items():
            cpu = bare_cpu / r[key]["server_cpu_us"] if r[key]["server_cpu_us"] else float("nan")
            print(f"  target {names[key]} >= {floor:.2f}x bare req/s: {ratios[key]:.2f}x wall-clock "
                  f"{verdict(ratios[key] >= floor)}; {cpu:.2f}x by server CPU")
        get_ratio = ratios["get"]
        get_cpu_ratio = bare_cpu / r["get"]["server_cpu_us"] if r["get"]["server_cpu_us"] else float("nan")
        list_ratio = r["list10k"]["mean_us"] / r["list100"]["mean_us"]
        list_cpu_ratio = (r["list10k"]["server_cpu_us"] / r["list100"]["server_cpu_us"]
                          if r["list100"]["server_cpu_us"] else float("nan"))
        print(f"  target list cost {args.jobs:,} vs 100 jobs <= 1.5x: {list_ratio:.2f}x mean latency "
              f"{verdict(list_ratio <= 1.5)}; {list_cpu_ratio:.2f}x server CPU {verdict(list_cpu_ratio <= 1.5)}")
        summary[mode] = {"ratios": ratios, "get_ratio": get_ratio, "get_cpu_ratio": get_cpu_ratio,
                         "list_ratio": list_ratio, "list_cpu_ratio": list_cpu_ratio}
    reset_ms = reset_figures(inproc["reset"])["median_ms"]
    sub_med = statistics.median(sub_starts)
    warm = statistics.fmean(inproc["warm_start_s"]) if inproc["warm_start_s"] else float("nan")
    print("\n[start and reset]")
    print(f"  subprocess `python -m fakepai serve` to first 200: median {sub_med:.3f} s "
          f"(runs: {', '.join(f'{s:.3f}' for s in sub_starts)}; server CPU by then median "
          f"{statistics.median(facts['subprocess_start_cpu_s']):.2f} s)  target < 1 s  {verdict(sub_med < 1.0)}")
    print(f"  in-process FakePAI().start() to first 200: first {inproc['cold_start_s'] * 1e3:.0f} ms "
          f"(after `import fakepai.server` {inproc['import_s'] * 1e3:.0f} ms), then mean {warm * 1e3:.0f} ms  "
          f"target < 1 s  {verdict(inproc['cold_start_s'] < 1.0)}")
    print_reset(inproc)
    print(f"  FakePAI.reset() on empty state: mean {statistics.fmean(inproc['reset_empty_s']) * 1e3:.2f} ms "
          f"(the cross-thread hop onto the server loop)")
    print(f"  (jobs created before each reset by the CreateTrainingJob handler, {POPULATE_BATCH} per loop "
          f"callback: mean {statistics.fmean(inproc['populate_s']):.2f} s, not timed)")
    print(f"  (`python -c pass` alone: {facts['python_c_pass_s']:.3f} s)")
    print(f"\nload average at start {facts['loadavg_at_start'][0]:.2f}, at end {os.getloadavg()[0]:.2f}; "
          f"total run time {total_s:.0f} s ({', '.join(f'{k} {v} s' for k, v in facts['phase_seconds'].items())})")
    summary.update({"subprocess_start_s": sub_starts, "in_process": inproc, "reset_mean_ms": reset_ms})
    return summary


def reset_figures(rounds: dict) -> dict:
    ms = sorted(x * 1e3 for x in rounds["wall"])
    slow = {i for i, x in enumerate(rounds["wall"]) if x * 1e3 >= 5}
    return {"rounds": len(ms), "median_ms": statistics.median(ms), "mean_ms": statistics.fmean(ms),
            "p90_ms": ms[min(len(ms) - 1, int(len(ms) * 0.9))], "max_ms": ms[-1],
            "cpu_mean_ms": statistics.fmean(rounds["cpu"]) * 1e3, "slow_rounds": len(slow),
            "slow_with_steal": len({i for i in slow if rounds["steal"][i]}),
            "max_pending": max(rounds["pending"])}


def print_reset(inproc: dict) -> None:
    """The reset figures, judged on the median of the fixture's case. On this shared VM a round
    now and then loses the CPU for tens of milliseconds to the hypervisor (steal, counted per
    round), and a mean of a few dozen rounds then mostly measures that; the mean is printed too."""
    jobs = f"{inproc['jobs']:,}"
    test_like, bulk = reset_figures(inproc["reset"]), reset_figures(inproc["reset_bulk"])
    print(f"  FakePAI.reset() with {jobs} jobs a test created, {test_like['rounds']} rounds: median "
          f"{test_like['median_ms']:.2f} ms, p90 {test_like['p90_ms']:.2f} ms, mean {test_like['mean_ms']:.2f} ms, "
          f"max {test_like['max_ms']:.2f} ms (process CPU during the call, mean {test_like['cpu_mean_ms']:.2f} ms)  "
          f"target < 5 ms  {verdict(test_like['median_ms'] < 5)}")
    print(f"    rounds >= 5 ms: {test_like['slow_rounds']}, of which with hypervisor steal during the call: "
          f"{test_like['slow_with_steal']}; dropped states still being freed when a reset came: at most "
          f"{test_like['max_pending']}")
    print(f"  worst case, {jobs} jobs loaded in one loop callback and reset at once, {bulk['rounds']} rounds: "
          f"median {bulk['median_ms']:.2f} ms, mean {bulk['mean_ms']:.2f} ms (the loop never had time to free "
          f"the states dropped before, so past {inproc['garbage_bound']} pending the reset frees the oldest itself)")
    inproc["reset_summary"] = {"test_like": test_like, "bulk": bulk}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=1000, help="requests per endpoint per round")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per endpoint (requests x rounds >= 2000)")
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs in the big workspace")
    parser.add_argument("--reset-only", action="store_true", help="only the in-process start and reset figures (~1 min)")
    parser.add_argument("--reset-rounds", type=int, default=20, help="reset() measurements with --jobs jobs present")
    parser.add_argument("--start-rounds", type=int, default=5, help="subprocess starts to time")
    parser.add_argument("--quick", action="store_true", help="smaller run for a smoke test (figures not comparable)")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    parser.add_argument("--breakdown", action="store_true",
                        help="only print where a request's server time goes, stage by stage (in-process, ~20 s)")
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return 0
    if args.quick:
        args.requests, args.rounds, args.jobs, args.reset_rounds, args.start_rounds = 500, 1, 1000, 3, 2
    sys.path.insert(0, str(ROOT))   # run from a checkout without installing
    if args.breakdown:
        breakdown(args.jobs)
        return 0

    began = time.perf_counter()
    import importlib.util

    import uvicorn
    # What uvicorn's "auto" picks for both servers.
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    facts = {"python": f"Python {platform.python_version()}", "nproc": os.cpu_count(), "machine": platform.machine(),
             "uvicorn": uvicorn.__version__, "loop": loop, "http": http, "platform": platform.platform(),
             "loadavg_at_start": os.getloadavg(), "git": git_revision()}
    pin(0, 0)   # this process (the client) on CPU 0; servers on CPU 1

    # In-process first: its "first start" is then a genuinely cold one (catalog, schemas, services).
    phases = facts["phase_seconds"] = {}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 1)
        mark = now

    print("in-process start and reset ...", flush=True)
    inproc = measure_in_process(args.reset_rounds, args.jobs, warm_starts=3)
    phase("in-process start + reset")
    if args.reset_only:
        print_reset(inproc)
        return 0
    print("subprocess start ...", flush=True)
    sub_starts, sub_cpu = measure_subprocess_start(args.start_rounds)
    facts["subprocess_start_cpu_s"] = sub_cpu
    facts["python_c_pass_s"] = measure_interpreter_start(3)
    phase("subprocess starts")

    bare_port, pai_port = free_port(), free_port()
    bare, _ = start_server([sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(bare_port)], bare_port)
    pai, _ = start_server(fakepai_argv(pai_port), pai_port)
    try:
        print(f"creating {args.jobs:,} + 100 jobs over HTTP ...", flush=True)
        create_s = populate_http(pai_port, BIG_WS, args.jobs)
        create_s += populate_http(pai_port, SMALL_WS, 100)
        phase("HTTP populate")
        import httpx
        # Every job in its final state, and time stopped: each request then reads the same thing
        # (a job's body depends on its phase; these are the Succeed bodies, telemetry included).
        control = f"http://{HOST}:{pai_port}/_fakepai/clock"
        httpx.put(control, json={"speed": 0}).raise_for_status()
        httpx.post(control + "/advance", json={"seconds": 3600}).raise_for_status()
        listed = httpx.get(f"http://{HOST}:{pai_port}/api/v1/trainingjobs?WorkspaceId={BIG_WS}&PageSize=1",
                           headers={"Authorization": f"Bearer {TOKEN}"}).json()
        job_id = listed["TrainingJobs"][0]["TrainingJobId"]
        if listed["TrainingJobs"][0]["Status"] != "Succeed":
            raise RuntimeError(f"expected a Succeed job after advancing the clock: {listed}")
        print("measuring ...", flush=True)
        tp = measure_throughput(bare, bare_port, pai, pai_port, job_id, args.requests, args.rounds, args.jobs)
        phase("throughput")
    finally:
        stop_server(bare)
        stop_server(pai)
    summary = report(args, facts, sub_starts, create_s, tp, inproc, time.perf_counter() - began)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
