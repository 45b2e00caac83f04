"""The KPI catalogue: every metric the rollup writes and every KPI a dashboard, the index,
an alert or the monthly report reads. docs/kpis.md gives each one's formula.

A *metric* is what a fact row carries (`Fact.metric`); a *KPI* is a value computed from
one metric's facts over a period and scope, by its kind:

- COUNT: Σn
- RATIO: Σn / Σd, shown in % (none when Σd is 0: "no data", never 0 %)
- MEAN: Σtotal / Σn (none when Σn is 0)
- PER_10K: Σn of the metric / customers served × 10,000 (customers: the `customers`
  metric on the period's last day)

`source` is the app whose rows the metric comes from; a KPI whose app is not installed
reads "not available" instead of a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridcare.monitoring.choices import Unit


class Kind(StrEnum):
    COUNT = "count"
    RATIO = "ratio"
    MEAN = "mean"
    PER_10K = "per_10k"


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str | Promise
    kind: Kind
    unit: Unit
    #: The app label whose data this comes from (`service`, `assistant` …).
    source: str
    #: True: more is better; False: less is better; None: neither (a volume).
    higher_is_better: bool | None
    #: The fact metric it reads (its own code unless shared, as per-10k reads complaints).
    metric: str = ""
    #: What `Fact.channel` and `Fact.key` hold for this metric ("" = unused).
    channel_is: str = ""
    key_is: str = ""

    @property
    def fact_metric(self) -> str:
        return self.metric or self.code


CATALOGUE: tuple[Kpi, ...] = (
    Kpi("contacts", _("Contacts"), Kind.COUNT, Unit.COUNT, "customers", None,
        channel_is="interaction channel", key_is="direction"),
    Kpi("orders", _("Work orders"), Kind.COUNT, Unit.COUNT, "service", None,
        channel_is="order origin", key_is="order type"),
    Kpi("online_share", _("Online application share"), Kind.RATIO, Unit.PERCENT, "service",
        True, channel_is="order origin", key_is="application kind"),
    Kpi("fcr", _("First-contact resolution"), Kind.RATIO, Unit.PERCENT, "service", True,
        channel_is="order origin", key_is="order type"),
    Kpi("sla_compliance", _("SLA compliance"), Kind.RATIO, Unit.PERCENT, "service", True,
        channel_is="order origin", key_is="commitment (clock kind):order type"),
    Kpi("repair_arrival", _("Repair arrival time"), Kind.MEAN, Unit.MINUTES, "service",
        False, channel_is="", key_is="area class"),
    Kpi("repair_arrival_on_time", _("Repairs reached in time"), Kind.RATIO, Unit.PERCENT,
        "service", True, key_is="area class"),
    Kpi("repair_restoration", _("Repair restoration time"), Kind.MEAN, Unit.MINUTES,
        "service", False, key_is="area class"),
    Kpi("complaints", _("Complaints"), Kind.COUNT, Unit.COUNT, "service", False,
        channel_is="order origin", key_is="category code"),
    Kpi("complaints_per_10k", _("Complaints per 10,000 customers"), Kind.PER_10K,
        Unit.PER_10K, "service", False, metric="complaints"),
    Kpi("customers", _("Customers served"), Kind.COUNT, Unit.COUNT, "customers", None),
    Kpi("repeat_contacts", _("Repeat contacts within 30 days"), Kind.RATIO, Unit.PERCENT,
        "customers", False, channel_is="interaction channel"),
    Kpi("csat", _("Satisfaction (CSAT)"), Kind.RATIO, Unit.PERCENT, "service", True,
        channel_is="order origin", key_is="agent user id"),
    Kpi("csat_score", _("Average rating"), Kind.MEAN, Unit.SCORE, "service", True,
        channel_is="order origin", key_is="agent user id"),
    Kpi("hall_wait", _("Business-hall waiting time"), Kind.MEAN, Unit.SECONDS, "customers",
        False),
    Kpi("hall_service", _("Business-hall service time"), Kind.MEAN, Unit.SECONDS,
        "customers", None),
    Kpi("bot_containment", _("Assistant containment"), Kind.RATIO, Unit.PERCENT,
        "assistant", True, channel_is="channel"),
    Kpi("bot_handoffs", _("Assistant handoffs"), Kind.COUNT, Unit.COUNT, "assistant", None,
        key_is="handoff reason"),
    Kpi("notify_delivery", _("Notification delivery rate"), Kind.RATIO, Unit.PERCENT,
        "notify", True, channel_is="notification channel"),
    Kpi("payments", _("Payments"), Kind.COUNT, Unit.COUNT, "billing", None,
        channel_is="payment channel"),
    Kpi("payment_amount", _("Amount paid"), Kind.MEAN, Unit.YUAN, "billing", None,
        channel_is="payment channel"),
    Kpi("agent_orders", _("Orders handled"), Kind.COUNT, Unit.COUNT, "service", None,
        key_is="agent user id"),
    Kpi("agent_sla", _("Orders within their commitments"), Kind.RATIO, Unit.PERCENT,
        "service", True, key_is="agent user id"),
)  # fmt: skip

BY_CODE: dict[str, Kpi] = {kpi.code: kpi for kpi in CATALOGUE}

#: Channels that count as online (线上) on the one scale of the index; the rest (hotline,
#: business hall, counter, self-service terminal, system) are offline.
ONLINE_CHANNELS = frozenset(
    {"web", "h5", "wechat", "alipay", "app", "assistant", "web_chat", "portal", "chatbot"}
)


def kpi(code: str) -> Kpi:
    """The catalogue entry for `code`; KeyError names an unknown one."""
    return BY_CODE[code]
