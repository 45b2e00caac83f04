"""The server-side SQL of `generate.py`: each statement fills rows `%(lo)s..%(hi)s` of one
kind from `generate_series`, picking accounts from `bench_accounts` by index. `t` is the
moment in the year (0 at its start, 1 at its end) that trends follow."""

from __future__ import annotations

from typing import Any

Rules = dict[tuple[str, str], tuple[int, str, int]]

TIME = "%(start)s::timestamptz + t * interval '365 days'"
ACCOUNT = "JOIN bench_accounts a ON a.idx = 1 + floor(x.ra0 * %(n_accounts)s)::int"
TYPES = (
    ("fault_repair", 0.50), ("consultation", 0.70), ("service_request", 0.79),
    ("complaint", 0.87), ("report", 0.91), ("opinion", 0.94), ("suggestion", 0.97),
)  # fmt: skip


def _case(column: str, mapping: dict[str, str], default: str = "NULL") -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v}" for k, v in mapping.items())
    return f"CASE {column} {whens} ELSE {default} END"


def _rule(rules: Rules, clock: str, column: str) -> tuple[str, str]:
    """(rule id CASE, limit CASE) of `clock` by `column` (area class or order type)."""
    mine = {key: value for (c, key), value in rules.items() if c == clock}
    return (
        _case(column, {k: str(v[0]) for k, v in mine.items()}),
        _case(column, {k: str(v[2]) for k, v in mine.items()}),
    )


def _clock(
    rules: Rules, clock: str, by: str, start: str, stop: str, deadline: str, where: str
) -> str:
    rule, limit = _rule(rules, clock, by)
    unit = next((v[1] for (c, _), v in rules.items() if c == clock), "hours")
    return f"""
    INSERT INTO service_slaclock (clock, step, unit, "limit", started_at, deadline_at, warn_at,
        provisional, stopped_at, stopped_by, warned_at, escalated_at, escalate_at, budget, rule_id, order_id)
    SELECT '{clock}', '', '{unit}', lim, st, dl, st + (dl - st) * 0.8, false, sp,
        CASE WHEN sp IS NULL THEN '' ELSE '{stop.split("|")[1]}' END,
        CASE WHEN sp IS NULL OR sp > st + (dl - st) * 0.8 THEN st + (dl - st) * 0.8 END,
        CASE WHEN sp IS NULL OR sp > dl THEN dl END, dl, dl - st, rid, id
    FROM (SELECT j.id, {rule} AS rid, {limit} AS lim, {start} AS st, {stop.split("|")[0]} AS sp,
                 j.order_type, j.area_class, j.created, j.arrive
          FROM j WHERE {where}) c
    CROSS JOIN LATERAL (SELECT {deadline} AS dl) d
    WHERE rid IS NOT NULL"""


def orders(categories: str, rules: Rules, agents: str, teams: str) -> str:
    kinds = " ".join(f"WHEN rt < {share} THEN '{kind}'" for kind, share in TYPES)
    working = (
        "(date_trunc('day', st AT TIME ZONE 'Asia/Shanghai') + interval '8 days' "
        "- interval '1 second') AT TIME ZONE 'Asia/Shanghai'"
    )
    open_ = "resolved > %(end)s"
    clocks = [
        _clock(rules, "repair_arrival", "j.area_class", "j.created", "j.arrive|arrive",
               "st + lim * interval '1 minute'", "j.order_type = 'fault_repair'"),
        _clock(rules, "repair_restoration", "j.area_class", "j.arrive", "j.resolved|resolve",
               "st + lim * interval '1 hour'", "j.order_type = 'fault_repair' AND j.arrive IS NOT NULL"),
        _clock(rules, "complaint_contact", "j.order_type", "j.created", "j.contacted|contact",
               "st + lim * interval '1 hour'", "j.order_type = 'complaint'"),
        _clock(rules, "complaint_reply", "j.order_type", "j.created", "j.resolved|resolve",
               working, "j.order_type = 'complaint'"),
        _clock(rules, "reply", "j.order_type", "j.created", "j.resolved|resolve", working,
               "j.order_type NOT IN ('complaint', 'fault_repair')"),
    ]  # fmt: skip
    clock_ctes = ",\n".join(f"clk{i} AS ({c})" for i, c in enumerate(clocks))
    return f"""
WITH x AS MATERIALIZED (
    SELECT g, random() AS t, random() AS rt, random() AS ro, random() AS rc, random() AS rk,
           random() AS rarr, random() AS rr, random() AS rv, random() AS rg, random() AS ra0
    FROM generate_series(%(lo)s, %(hi)s) AS g
), typed AS (
    SELECT x.*, CASE {kinds} ELSE 'praise' END AS order_type, {TIME} AS created,
           a.account_id, a.customer_id, a.station_id, a.transformer_id, a.feeder_id, a.area_class
    FROM x {ACCOUNT}
), timed AS (
    SELECT typed.*,
        CASE WHEN order_type = 'fault_repair' THEN created
            + {_case("area_class", {"urban": "45", "rural": "90"}, "120")}
              * (0.25 + 0.85 * power(rarr, 1.5)) * interval '1 minute' END AS arrive,
        CASE WHEN order_type = 'complaint' THEN created + (0.5 + 30 * rv) * interval '1 hour' END
            AS contacted_at
    FROM typed
), src AS MATERIALIZED (
    SELECT timed.*, 'BM' || lpad(g::text, 10, '0') AS number,
        CASE WHEN ro < 0.30 + 0.35 * t
            THEN (ARRAY['wechat','h5','web','alipay','assistant'])[1 + floor(rc * 5)::int]
            ELSE (ARRAY['hotline','hotline','hotline','business_hall'])[1 + floor(rc * 4)::int]
        END AS origin,
        {categories} AS category_id,
        CASE order_type
            WHEN 'fault_repair' THEN arrive + (20 + 200 * rr) * interval '1 minute'
            WHEN 'complaint' THEN created + (0.5 + 9 * rr) * interval '1 day'
            WHEN 'consultation' THEN created + (0.2 + 8 * rr) * interval '1 hour'
            ELSE created + (2 + 96 * rr) * interval '1 hour' END AS resolved
    FROM timed
), ins AS (
    INSERT INTO service_workorder (number, order_type, origin, state, priority, title, description,
        contact_name, contact_mobile, address, area_class, risk_score, risk_reasons, source_ref,
        data, created_at, updated_at, resolved_at, closed_at, version, account_id, customer_id,
        category_id, org_unit_id, team_id, assignee_id, transformer_id, feeder_id)
    SELECT number, order_type, origin,
        CASE WHEN {open_} THEN 'dispatched' ELSE 'archived' END, 'normal', '基准工单', '',
        '客户', '139****0000', '', area_class, 0, '[]', '', '{{}}', created,
        LEAST(resolved + interval '1 day', %(end)s), CASE WHEN {open_} THEN NULL ELSE resolved END,
        CASE WHEN {open_} THEN NULL ELSE resolved + interval '1 day' END, 3, account_id,
        customer_id, category_id, station_id,
        ({teams})[1 + floor(rg * cardinality({teams}))::int],
        ({agents})[1 + floor(rk * cardinality({agents}))::int],
        CASE WHEN order_type = 'fault_repair' THEN transformer_id END,
        CASE WHEN order_type = 'fault_repair' THEN feeder_id END
    FROM src RETURNING id, number
), j AS (
    SELECT ins.id, src.order_type, src.area_class, src.created, src.origin, src.rv,
        CASE WHEN src.arrive <= %(end)s THEN src.arrive END AS arrive,
        CASE WHEN src.contacted_at <= %(end)s THEN src.contacted_at END AS contacted,
        CASE WHEN src.resolved <= %(end)s THEN src.resolved END AS resolved
    FROM ins JOIN src USING (number)
),
{clock_ctes},
ev AS (
    INSERT INTO service_workorderevent (kind, from_state, to_state, at, note, public, data, order_id)
    SELECT e.kind, e.f, e.s, e.at, '', true, '{{}}', j.id
    FROM j CROSS JOIN LATERAL (VALUES
        ('created', '', 'accepted', j.created), ('arrive', 'taken', 'arrived', j.arrive),
        ('resolve', 'taken', 'resolved', j.resolved),
        ('archive', 'return_visit', 'archived', j.resolved + interval '1 day')) AS e(kind, f, s, at)
    WHERE e.at IS NOT NULL AND e.at <= %(end)s
), rv AS (
    INSERT INTO service_returnvisit (channel, token_digest, sent_at, due_at, rating, comment,
        responded_at, outcome, order_id, flagged)
    SELECT 'sms', md5('bench-visit:' || j.id), j.resolved + interval '2 hours',
        j.resolved + interval '3 days', r.rating, '', j.resolved + interval '5 hours',
        CASE WHEN r.rating >= 3 THEN 'satisfied' ELSE 'escalated' END, j.id, false
    FROM j CROSS JOIN LATERAL (SELECT CASE WHEN j.rv < 0.65 THEN 5 WHEN j.rv < 0.85 THEN 4
        WHEN j.rv < 0.93 THEN 3 WHEN j.rv < 0.97 THEN 2 ELSE 1 END AS rating) r
    WHERE j.resolved IS NOT NULL AND j.resolved + interval '1 day' <= %(end)s
      AND j.order_type IN ('fault_repair', 'complaint', 'service_request')
      AND mod(j.id, 10) < 6
)
SELECT count(*) FROM ins"""


def contacts(agents: str, clerks: str) -> str:
    return f"""
INSERT INTO customers_interaction (channel, direction, occurred_at, summary, body, links,
    external_id, data, account_id, agent_id, customer_id)
SELECT channel, CASE WHEN rd < 0.95 THEN 'inbound' ELSE 'outbound' END, at, '基准接触', '',
    '{{}}', '',
    CASE channel
        WHEN 'counter' THEN jsonb_build_object(
            'queue_number', 'A' || lpad((1 + floor(rw * 200))::int::text, 3, '0'),
            'wait_seconds', greatest(30, ((840 - 480 * t) * (0.4 + 1.2 * rw))::int),
            'service_seconds', (180 + 600 * rs)::int)
        WHEN 'hotline' THEN jsonb_build_object(
            'recording_ref', 'cti://bench/' || g, 'duration_seconds', (60 + 540 * rs)::int)
        ELSE '{{}}'::jsonb END,
    a.account_id,
    CASE channel
        WHEN 'hotline' THEN ({agents})[1 + floor(rs * cardinality({agents}))::int]
        WHEN 'counter' THEN ({clerks})[1 + floor(rs * cardinality({clerks}))::int] END,
    a.customer_id
FROM (
    SELECT g, t, rd, rw, rs, ra0, {TIME} AS at,
        CASE WHEN ro < 0.35 + 0.30 * t
            THEN (ARRAY['wechat','wechat','portal','app','chatbot','alipay','web_chat'])[1 + floor(rc * 7)::int]
            ELSE (ARRAY['hotline','hotline','hotline','counter','counter'])[1 + floor(rc * 5)::int]
        END AS channel
    FROM (SELECT g, random() AS t, random() AS ro, random() AS rc, random() AS rd,
                 random() AS rw, random() AS rs, random() AS ra0
          FROM generate_series(%(lo)s, %(hi)s) AS g) r
) x {ACCOUNT}"""


SESSIONS = f"""
INSERT INTO assistant_botsession (channel, sender, status, state, started_at, last_at, ended_at,
    handoff_reason, handoff_intent, version, customer_id)
SELECT CASE WHEN rc < 0.6 THEN 'wechat' ELSE 'web_chat' END, 'bench:' || g,
    CASE WHEN rh < 0.2 THEN 'handed_off' ELSE 'ended' END, '{{}}', at,
    at + interval '4 minutes', at + interval '5 minutes',
    CASE WHEN rh < 0.2 THEN (ARRAY['asked','low_confidence','anger','capability'])[1 + floor(rh * 20)::int] ELSE '' END,
    '', 1, a.customer_id
FROM (SELECT g, t, rc, rh, ra0, {TIME} AS at
      FROM (SELECT g, random() AS t, random() AS rc, random() AS rh, random() AS ra0
            FROM generate_series(%(lo)s, %(hi)s) AS g) r) x {ACCOUNT}"""


def notifications(template_id: int) -> str:
    return f"""
INSERT INTO notify_notification (idempotency_key, channel, purpose, urgent, context, subject,
    body, destination, status, reason, attempts, claimed_by, provider_message_id, batch,
    created_at, sent_at, account_id, customer_id, template_id)
SELECT 'bench:' || g, (ARRAY['sms','sms','wechat','portal'])[1 + floor(rc * 4)::int], 'service',
    false, '{{}}', '', '您的工单已处理。', '139****0000',
    CASE WHEN rs < 0.96 THEN 'sent' WHEN rs < 0.99 THEN 'failed' ELSE 'suppressed' END,
    CASE WHEN rs < 0.96 THEN '' WHEN rs < 0.99 THEN 'gateway_error' ELSE 'opted_out' END,
    1, '', '', '', at, CASE WHEN rs < 0.96 THEN at + interval '20 seconds' END,
    a.account_id, a.customer_id, {template_id}
FROM (SELECT g, rc, rs, ra0, {TIME} AS at
      FROM (SELECT g, random() AS t, random() AS rc, random() AS rs, random() AS ra0
            FROM generate_series(%(lo)s, %(hi)s) AS g) r) x {ACCOUNT}"""


PAYMENTS = f"""
INSERT INTO billing_payment (out_trade_no, provider, amount, refunded, status, provider_txn_id,
    created_at, paid_at, checkout, reference, version, account_id)
SELECT 'BMP' || lpad(g::text, 12, '0'),
    CASE WHEN ro < 0.45 + 0.30 * t THEN (ARRAY['wechat','alipay'])[1 + floor(rc * 2)::int]
         WHEN ro < 0.90 + 0.05 * t THEN 'bank_transfer' ELSE 'counter_cash' END,
    round((30 + 370 * rc)::numeric, 2), 0, 'paid', 'T' || g, at, at + interval '1 minute',
    '{{}}', '', 1, a.account_id
FROM (SELECT g, t, ro, rc, {TIME} AS at
      FROM (SELECT g, random() AS t, random() AS ro, random() AS rc
            FROM generate_series(%(lo)s, %(hi)s) AS g) r) x
JOIN bench_accounts a ON a.idx = 1 + mod(x.g - 1, %(n_accounts)s)"""

TABLES = (
    "service_workorder", "service_slaclock", "service_workorderevent", "service_returnvisit",
    "customers_interaction", "assistant_botsession", "notify_notification", "billing_payment",
    "customers_account",
)  # fmt: skip


def counts() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        found = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            found[table] = cursor.fetchone()[0]
    return found
