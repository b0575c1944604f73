"""Flow control: a token bucket per (account, product, action), as the real gateway's user flow
control (seed: 100 QPS per account, some APIs 10 QPS). Over the limit -> 429 Throttling.User
with Retry-After (seconds) and x-acs-retry-after (milliseconds): the latter is what makes the
official SDKs raise ThrottlingException(retry_after=...).
"""
from __future__ import annotations

import math
import time

from fakepai.errors import PaiError

THROTTLED_MESSAGE = "Request was denied due to user flow control."
_PRUNE_FLOOR = 4096          # buckets kept before idle ones are looked for


def throttling_error(retry_after_seconds: float) -> PaiError:
    ms = max(1, int(math.ceil(retry_after_seconds * 1000)))
    return PaiError(429, "Throttling.User", THROTTLED_MESSAGE,
                    headers={"Retry-After": str(max(1, math.ceil(retry_after_seconds))), "x-acs-retry-after": str(ms)})


class Throttler:
    def __init__(self, enabled: bool = True, overrides: dict[str, float] | None = None, *, monotonic=time.monotonic):
        self.enabled = enabled
        self.overrides = dict(overrides or {})  # action or "Product:Action" -> QPS
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}
        self._prune_at = _PRUNE_FLOOR

    def rate_for(self, product: str, action: str, default: float) -> float:
        return self.overrides.get(f"{product}:{action}", self.overrides.get(action, default))

    def check(self, account: str, product: str, action: str, rate: float) -> None:
        """Take one token or raise the throttling error. Burst capacity equals one second's rate."""
        if not self.enabled:
            return
        rate = self.rate_for(product, action, rate)
        if rate <= 0:
            raise throttling_error(1.0)
        key = (account, product, action)
        now = self._monotonic()
        tokens, last = self._buckets.get(key, (rate, now))
        tokens = min(rate, tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            raise throttling_error((1.0 - tokens) / rate)
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > self._prune_at:
            self._prune(now)

    def _prune(self, now: float) -> None:
        """Drop buckets idle for a second: they have refilled (burst = one second's rate), and a
        full bucket is what a missing one starts as. Callers that come once (a stream of unknown
        tokens) then cost nothing after a second; pruning again waits for the dict to double."""
        self._buckets = {key: b for key, b in self._buckets.items() if now - b[1] < 1.0}
        self._prune_at = max(_PRUNE_FLOOR, 2 * len(self._buckets))

    def reset(self) -> None:
        self._buckets.clear()
