"""Locust users for the service benchmark (run by bench/service/storm.py and inbox.py,
which pass everything through environment variables).

StormUser: repair reports (POST /api/v1/service/orders) until BENCH_TOTAL are sent, paced
so that all of them go out in BENCH_SECONDS, each for an account on one of the storm's
three feeders, from the 95598 hotline with its call record and a unique CTI id.
InboxUser: an agent paging through the inbox with a state filter
(GET /api/v1/service/orders?state=…&page=…), named per filter for the percentiles.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, constant_throughput, task

TOKEN = os.environ.get("BENCH_TOKEN", "")
TOTAL = int(os.environ.get("BENCH_TOTAL", "10000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
USERS = int(os.environ.get("BENCH_USERS", "50"))
PREFIX = os.environ.get("BENCH_PREFIX", "storm")
_accounts_file = os.environ.get("BENCH_ACCOUNTS", "")
ACCOUNTS: list[str] = json.loads(Path(_accounts_file).read_text()) if _accounts_file else []
STATES = os.environ.get("BENCH_STATES", "accepted,dispatched,taken,arrived").split(",")
PAGES = int(os.environ.get("BENCH_PAGES", "50"))
_sent = itertools.count()
TITLES = ("家中突然停电", "整栋楼停电", "雷雨后小区停电", "线路跳闸，片区停电", "电线被风刮断")


class StormUser(FastHttpUser):
    wait_time = constant_throughput(TOTAL / SECONDS / USERS)

    @task
    def report(self) -> None:
        i = next(_sent)
        if i >= TOTAL:
            self.environment.runner.quit()
            return
        rng = random.Random(i)
        body = {
            "order_type": "fault_repair",
            "origin": "hotline",
            "title": rng.choice(TITLES),
            "account_number": ACCOUNTS[rng.randrange(len(ACCOUNTS))],
            "category_code": "fault.low_voltage.no_power",
            "contact_data": {
                "recording_ref": f"cti://rec/{PREFIX}/{i}",
                "duration_seconds": 60 + i % 300,
            },
            "source_ref": f"{PREFIX}-{i}",
        }
        self.client.post(
            "/api/v1/service/orders", json=body, headers={"Authorization": f"Bearer {TOKEN}"},
            name="POST /api/v1/service/orders",
        )  # fmt: skip


class InboxUser(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("BENCH_RATE", "1")))

    @task
    def page(self) -> None:
        state = random.choice(STATES)
        page = random.randint(1, PAGES)
        self.client.get(
            f"/api/v1/service/orders?state={state}&page={page}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            name=f"GET orders?state={state}",
        )
