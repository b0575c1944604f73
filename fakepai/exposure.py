"""Whether the emulator can be reached from elsewhere: `is_loopback` for bind addresses and Host
names, and the rule the emulator is built under (`check_exposure`): no bind beyond loopback
without an admin token, since the control plane (/_fakepai/: reset, faults, clock) would be open
to the network (docs/security.md, "The control plane"). The control plane's guard
(fakepai/control/guard.py) uses `is_loopback` against DNS rebinding.
"""
from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether a bind address or Host name stays on this machine (names other than localhost are
    not resolved: an unknown name counts as reachable from elsewhere)."""
    host = host.strip().strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, admin_token: str | None) -> None:
    """Refuse (ValueError, one line) to bind beyond loopback with no admin token."""
    if not admin_token and not is_loopback(host):
        raise ValueError(f"refusing to serve on {host or 'every interface'!s} without an admin token: the control "
                         "plane (/_fakepai/: reset, faults, clock) would be open to the network; pass "
                         "--admin-token TOKEN (or FAKEPAI_ADMIN_TOKEN), or bind to 127.0.0.1")
