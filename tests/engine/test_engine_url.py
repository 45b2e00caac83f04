"""GRIDCARE_WAREHOUSE_URL and GRIDCARE_SPARK_CONF: Spark's master URLs pass as written,
anything else is refused with a message saying what is accepted."""

from __future__ import annotations

import pytest

from gridcare.metering.engine.url import EngineKind, parse_engine_url, parse_spark_conf


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("duckdb://", EngineKind.DUCKDB),
        ("duckdb:///var/gridcare/engine.db", EngineKind.DUCKDB),
        ("local", EngineKind.SPARK),
        ("local[4]", EngineKind.SPARK),
        ("local[*]", EngineKind.SPARK),
        ("local[4,2]", EngineKind.SPARK),
        ("spark://10.0.0.5:7077", EngineKind.SPARK),
        ("spark://master-a:7077,master-b:7077", EngineKind.SPARK),
        ("yarn", EngineKind.SPARK),
        ("k8s://https://10.0.0.1:6443", EngineKind.SPARK),
        ("sc://spark-connect:15002", EngineKind.SPARK_CONNECT),
        ("sc://127.0.0.1:15002/;user_id=gridcare", EngineKind.SPARK_CONNECT),
    ],
)
def test_spark_master_urls_are_taken_as_spark_writes_them(url: str, kind: EngineKind) -> None:
    parsed = parse_engine_url(url)
    assert (parsed.kind, parsed.url) == (kind, url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("spark://local", "use local[*]"),
        ("spark://local[4]", "use local[*]"),
        ("spark://host", "names no engine"),  # a standalone master needs its port
        ("local[0]", "names no engine"),
        ("mesos://host:5050", "names no engine"),  # gone in Spark 4
        ("postgresql://db/gridcare", "names no engine"),
        ("sc://", "not a Spark Connect URL"),
        ("", "names no engine"),
    ],
)
def test_other_urls_are_refused_with_what_is_accepted(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("*", r"\*")):
        parse_engine_url(url)


def test_spark_conf_is_a_json_object_of_spark_settings() -> None:
    text = '{"spark.executor.memory": "8g", "spark.sql.shuffle.partitions": 400,'
    text += ' "spark.dynamicAllocation.enabled": true, "spark.yarn.queue": "meters"}'
    assert parse_spark_conf(text) == {
        "spark.executor.memory": "8g",
        "spark.sql.shuffle.partitions": "400",
        "spark.dynamicAllocation.enabled": "true",
        "spark.yarn.queue": "meters",
    }
    assert parse_spark_conf("") == {}


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("spark.executor.memory=8g", EngineKind.SPARK, "not JSON"),
        ('["spark.executor.memory"]', EngineKind.SPARK, "JSON object"),
        ('{"executor.memory": "8g"}', EngineKind.SPARK, "start with 'spark.'"),
        ('{"spark.executor.memory": null}', EngineKind.SPARK, "string, number or boolean"),
        ('{"spark.sql.session.timeZone": "Asia/Shanghai"}', EngineKind.SPARK, "set by GridCare"),
        ('{"spark.master": "yarn"}', EngineKind.SPARK, "set by GridCare"),
        ('{"spark.executor.memory": "8g"}', EngineKind.SPARK_CONNECT, "Connect server"),
        ('{"spark.sql.shuffle.partitions": 8}', EngineKind.DUCKDB, "Spark GRIDCARE_WAREHOUSE_URL"),
    ],
)
def test_bad_spark_conf_is_refused_naming_the_entry(
    text: str, kind: EngineKind, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_spark_conf(text, kind)


def test_spark_connect_takes_session_sql_settings() -> None:
    conf = '{"spark.sql.shuffle.partitions": 64}'
    assert parse_spark_conf(conf, EngineKind.SPARK_CONNECT) == {
        "spark.sql.shuffle.partitions": "64"
    }
