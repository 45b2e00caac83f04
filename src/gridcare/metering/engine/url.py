"""Which compute engine runs the aggregates, and Spark's session settings, parsed strictly.

`GRIDCARE_WAREHOUSE_URL` names the engine; it is read once at startup (settings) with these
functions, so a typo stops the process with a message instead of failing at the first import.

| URL                                  | engine                                                  |
| ------------------------------------ | ------------------------------------------------------- |
| `duckdb://` (default), `duckdb:///f` | DuckDB in this process (in memory, or a database file)  |
| `local`, `local[4]`, `local[*]`      | PySpark in this process (Spark's local master)           |
| `spark://host:7077[,host2:7077]`     | PySpark driver here, a Spark standalone cluster          |
| `yarn`                               | PySpark driver here, a YARN cluster (HADOOP_CONF_DIR)    |
| `k8s://https://host:6443`            | PySpark driver here, Kubernetes                          |
| `sc://host:15002`                    | a Spark Connect server (the driver runs there)           |

Spark master URLs are handed to Spark as written. Spark settings (executor memory, shuffle
partitions, queue, …) come as one JSON object (`GRIDCARE_SPARK_CONF`), see `parse_spark_conf`.
Framework-free and cheap to import (no Ibis): settings imports it.

>>> parse_engine_url("spark://10.0.0.5:7077")
EngineUrl(kind=<EngineKind.SPARK: 'spark'>, url='spark://10.0.0.5:7077')
>>> parse_spark_conf('{"spark.executor.memory": "8g", "spark.sql.shuffle.partitions": 400}')
{'spark.executor.memory': '8g', 'spark.sql.shuffle.partitions': '400'}
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class EngineKind(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"  # a PySpark driver in this process, any Spark master
    SPARK_CONNECT = "spark-connect"


@dataclass(frozen=True)
class EngineUrl:
    kind: EngineKind
    url: str  # as given: a DuckDB URL, a Spark master URL or an `sc://` URL


#: Spark's own master URL forms (Spark 4: local, standalone, YARN, Kubernetes).
_MASTER: Final = re.compile(
    r"local(\[(\*|[1-9]\d*)(,[1-9]\d*)?\])?"
    r"|local-cluster\[[1-9]\d*,[1-9]\d*,[1-9]\d*\]"
    r"|spark://[^\s/:,]+:\d+(,[^\s/:,]+:\d+)*"
    r"|yarn"
    r"|k8s://\S+"
)
_CONNECT: Final = re.compile(r"sc://[^\s/:]+(:\d+)?(/;\S*)?")
#: Settings the engine fixes itself: results depend on them (UTC times, timestamps that
#: DuckDB and pyarrow read), and the master comes from the URL.
_ENGINE_OWNED: Final = frozenset(
    {
        "spark.master",
        "spark.remote",
        "spark.sql.session.timeZone",
        "spark.sql.parquet.outputTimestampType",
    }
)
_FORMS: Final = (
    "duckdb://, local[*], spark://host:7077, yarn, k8s://https://host:port or sc://host:15002"
)


def parse_engine_url(text: str) -> EngineUrl:
    """The engine `text` names (see the module table); ValueError saying what is accepted."""
    url = text.strip()
    if url.startswith("duckdb://"):
        return EngineUrl(EngineKind.DUCKDB, url)
    if url.startswith("sc://"):
        if not _CONNECT.fullmatch(url):
            raise ValueError(f"{text!r} is not a Spark Connect URL: use sc://host:15002")
        return EngineUrl(EngineKind.SPARK_CONNECT, url)
    if _MASTER.fullmatch(url):
        return EngineUrl(EngineKind.SPARK, url)
    if url.startswith("spark://local"):  # the form this setting once took
        raise ValueError(
            f"{text!r} is not a Spark master URL: for Spark in this process use local[*]"
        )
    raise ValueError(f"{text!r} names no engine: use one of {_FORMS}")


def parse_spark_conf(text: str, kind: EngineKind = EngineKind.SPARK) -> dict[str, str]:
    """Spark settings from a JSON object of `spark.*` keys to strings, numbers or booleans
    (empty text: none); ValueError naming the first bad entry. Through Spark Connect only
    `spark.sql.*` settings can be set per session: the rest is the server's configuration."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(data, dict):
        raise ValueError('must be a JSON object, e.g. {"spark.executor.memory": "8g"}')
    return check_spark_conf(data, kind)


def check_spark_conf(conf: Mapping[str, object], kind: EngineKind) -> dict[str, str]:
    """`conf` as Spark's text values, refused (ValueError) where Spark would reject or
    silently ignore an entry, or where it would change what the engine computes."""
    out: dict[str, str] = {}
    for key, value in conf.items():
        if not isinstance(key, str) or not key.startswith("spark."):
            raise ValueError(f"{key!r}: Spark settings start with 'spark.'")
        if key in _ENGINE_OWNED:
            raise ValueError(f"{key!r} is set by GridCare itself (or by GRIDCARE_WAREHOUSE_URL)")
        if kind is EngineKind.SPARK_CONNECT and not key.startswith("spark.sql."):
            raise ValueError(
                f"{key!r}: through Spark Connect only spark.sql.* settings apply per session;"
                " set the others in the Connect server's configuration"
            )
        if kind is EngineKind.DUCKDB:
            raise ValueError(f"{key!r}: Spark settings need a Spark GRIDCARE_WAREHOUSE_URL")
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            out[key] = str(value)
        else:
            raise ValueError(f"{key!r}: the value must be a string, number or boolean")
    return out
