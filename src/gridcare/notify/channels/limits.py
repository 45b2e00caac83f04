"""Per-gateway send rate: a token bucket per channel in each worker process, so a burst of
10,000 outage notices does not exceed what the SMS provider accepts
(`GRIDCARE_NOTIFY_RATE_<CHANNEL>` messages per second; 0 = unlimited).

>>> t = [0.0]
>>> bucket = TokenBucket(rate=2.0, burst=2, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
>>> [round(bucket.take(), 2) for _ in range(4)]
[0.0, 0.0, 0.5, 0.5]
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cache

from django.conf import settings


class TokenBucket:
    """`take()` blocks until a token is free and returns how long it waited (seconds)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = rate, max(1, burst)
        self.clock, self.sleep = clock, sleep
        self.tokens = float(self.burst)
        self.stamp = clock()
        self.lock = threading.Lock()

    def take(self) -> float:
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
            if wait:
                self.sleep(wait)
                self.stamp = self.clock()
                self.tokens = 1.0
            self.tokens -= 1
            return wait


@cache
def bucket_for(channel: str) -> TokenBucket | None:
    rate = float(settings.NOTIFY_GATEWAY_RATES.get(channel, 0) or 0)
    return TokenBucket(rate=rate, burst=max(1, int(rate))) if rate > 0 else None


def wait_for_gateway(channel: str) -> float:
    bucket = bucket_for(channel)
    return bucket.take() if bucket is not None else 0.0
