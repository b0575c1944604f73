"""Peak RSS of the server while a client sends a big body without credentials (issue #11 §2).

    python benchmarks/bench_body_rss.py            # 400 MB body
    python benchmarks/bench_body_rss.py --mb 1000

Starts `python -m fakepai serve` in a subprocess, streams the body over a raw socket (declared
Content-Length, no Authorization header) and reads the server's VmHWM from /proc before and after.
"""
from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers import ServedProcess  # noqa: E402  (no pytest: benchmarks run without it)


def _peak_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=400)
    size = ap.parse_args().mb << 20
    with ServedProcess() as served:
        before = _peak_mb(served.proc.pid)
        with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
            sock.sendall(f"POST /api/PaiStudio/2022-01-12/CreateTrainingJob HTTP/1.1\r\nHost: a\r\n"
                         f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode())
            chunk, sent = b"x" * (1 << 20), 0
            try:
                while sent < size:
                    sock.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass                         # the server closed the connection: it has answered
            status = sock.recv(200).split(b"\r\n")[0].decode()
        print(f"{size >> 20} MB body, no credential: sent {sent >> 20} MB; answer {status!r}; "
              f"server peak RSS {before} MB -> {_peak_mb(served.proc.pid)} MB")


if __name__ == "__main__":
    main()
