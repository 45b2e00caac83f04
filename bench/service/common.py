"""What the service benchmarks share: a fresh PostgreSQL database with the demo county in
it, a bearer token, gunicorn on 127.0.0.1, locust headless, and its CSV read back."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "var" / "bench" / "service"
BIN = Path(sys.executable).parent


def prepare_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str) -> None:
    os.environ["GRIDCARE_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.service.settings"
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def build_county(*, factor: float, seed: int = 2026) -> None:
    """Migrate and build the demo county (with its year of orders) into the database."""
    from django.core.management import call_command
    from django.utils import timezone

    from gridcare.demo.generator import demo_build
    from gridcare.demo.plan import DemoPlan

    call_command("migrate", verbosity=0)
    until = timezone.localdate() - dt.timedelta(days=1)
    demo_build(plan=DemoPlan(seed=seed, factor=factor), until=until)


def token_for(username: str) -> str:
    from gridcare.core.models import User
    from gridcare.core.services import api_token_issue

    user = User.objects.get(username=username)
    _, plaintext = api_token_issue(actor=user, user=user, name="bench", scopes=("read", "write"))
    return plaintext


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start_server(db_url: str, *, port: int, workers: int, hooks: bool = True) -> Server:
    """gunicorn (docs/deploy.md) with `workers` sync workers, as production runs it."""
    env = dict(os.environ)
    env.update(
        GRIDCARE_DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="bench.service.settings",
        PYTHONPATH=str(REPO),
        GRIDCARE_LOG_LEVEL="WARNING",
        BENCH_SERVICE_HOOKS="on" if hooks else "off",
    )
    OUT.mkdir(parents=True, exist_ok=True)
    log = open(OUT / f"gunicorn-{port}.log", "ab")  # noqa: SIM115
    argv = [str(BIN / "gunicorn"), "gridcare.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--chdir", str(REPO), "--preload"]  # fmt: skip
    process = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v1/docs", timeout=2)
            return Server(process, url)
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 120 s (see var/bench/service/)")


def run_locust(*, user_class: str, host: str, users: int, run_time: str, env: dict[str, str], name: str) -> dict[str, dict[str, str]]:  # fmt: skip
    """Run locust headless; returns its stats CSV rows by request name."""
    prefix = OUT / name
    argv = [str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), user_class,
            "--headless", "-u", str(users), "-r", str(users), "--run-time", run_time,
            "--host", host, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10"]  # fmt: skip
    subprocess.run(argv, env={**os.environ, **env, "BENCH_USERS": str(users)}, check=False,
                   stdout=subprocess.DEVNULL, stderr=open(OUT / f"{name}.log", "w"))  # noqa: SIM115  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def machine() -> str:
    import platform

    load = os.getloadavg()[0]
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load {load:.1f} at the start")  # fmt: skip
