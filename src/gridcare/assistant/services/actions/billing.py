"""Money actions: the bill of a month (bill_query), what to pay and where (payment), and
arrears with the reconnection order's progress (reconnect). Reads only, through billing's
selectors under the party's actor; the pay link is the portal's pay page."""

from __future__ import annotations

import datetime as dt

from gridcare.assistant.selectors.party import reconnection_order_of
from gridcare.assistant.services.actions.base import (
    CapabilityMissing,
    Party,
    Step,
    chinese_date,
    chinese_month,
    kwh,
    portal_link,
    yuan,
)
from gridcare.billing.choices import BillStatus, SupplyState
from gridcare.billing.selectors.bills import (
    BillRow,
    Comparison,
    Dues,
    account_dues,
    bill_detail,
    billing_account_get,
    bills_of_account,
)
from gridcare.customers.models import Account
from gridcare.service.choices import OrderState

BILL_STATUS = {
    BillStatus.ISSUED: "未缴费",
    BillStatus.PARTIALLY_PAID: "部分已缴",
    BillStatus.PAID: "已缴清",
}
ORDER_STATE = {
    OrderState.ACCEPTED: "已受理，等待派工",
    OrderState.DISPATCHED: "已派工",
    OrderState.TAKEN: "抢修人员已接单",
    OrderState.ARRIVED: "工作人员已到达现场",
    OrderState.RESOLVED: "已恢复供电",
    OrderState.RETURN_VISIT: "已恢复供电（回访中）",
    OrderState.ARCHIVED: "已完成",
    OrderState.CANCELLED: "已取消",
    OrderState.MERGED: "已合并处理",
}
SUPPLY_STATE = {
    SupplyState.CONNECTED: "正常供电",
    SupplyState.DISCONNECTION_REQUESTED: "已安排欠费停电",
    SupplyState.DISCONNECTED: "已欠费停电",
    SupplyState.RECONNECTION_REQUESTED: "已安排复电",
}


NOT_BILLED_ONLINE = "该户号的电费数据还没有接入线上服务"


def _dues(party: Party, account: Account) -> Dues:
    """What the account owes; an account billing has no profile for is not billed here."""
    assert party.actor is not None
    dues = account_dues(user=party.actor, number=account.number)
    if dues.account.profile is None:
        raise CapabilityMissing(NOT_BILLED_ONLINE)
    return dues


def _month(value: str) -> dt.date | None:
    """`YYYY-MM` (the NLU's month entity) as the month's first day."""
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        return None


def bill_query(*, party: Party, account: Account, months: tuple[str, ...]) -> Step:
    """The asked month's bill (default: the latest billed month) with amount, kWh, due
    date, whether it is paid, and the usage against last month and last year."""
    assert party.actor is not None
    if billing_account_get(user=party.actor, number=account.number).profile is None:
        raise CapabilityMissing(NOT_BILLED_ONLINE)
    rows = [
        r
        for r in bills_of_account(user=party.actor, number=account.number)
        if r.bill.status != BillStatus.CANCELLED
    ]
    data = {"account": account.number}
    if not rows:
        text = f"户号 {account.number} 目前还没有出账的电费账单。新户通常在首个抄表周期结束后出账。"
        return Step(text, action="bill_query", data=data | {"bill": None})
    wanted = next((m for m in map(_month, months) if m is not None), None)
    row = next((r for r in rows if r.bill.period == wanted), None) if wanted else rows[0]
    note = ""
    if row is None and wanted is not None and wanted >= party.today.replace(day=1):
        # "这个月的电费" before this month is billed: the latest bill is what is meant.
        note = f"{chinese_month(wanted)}的电费还没有出账，下面是最近一期账单。\n"
        row = rows[0]
    if row is None:
        assert wanted is not None
        latest = rows[0].bill.period
        text = (
            f"户号 {account.number} 没有{chinese_month(wanted)}的账单，"
            f"最近一期是{chinese_month(latest)}。需要查最近一期吗？"
        )
        return Step(
            text, options=("查最近一期账单",), action="bill_query", data=data | {"bill": None}
        )
    comparison = bill_detail(user=party.actor, number=row.bill.number).comparison
    links = [portal_link("查看账单", "billing_bill", row.bill.number)]
    options: tuple[str, ...] = ()
    if row.outstanding > 0:
        links.append(portal_link("去缴费", "billing_pay", account.number))
        options = ("交电费",)
    return Step(
        note + _bill_text(account, row, comparison),
        options=options,
        links=tuple(links),
        action="bill_query",
        data=data | {"bill": row.bill.number, "period": row.bill.period.isoformat()},
    )


def _bill_text(account: Account, row: BillRow, comparison: Comparison) -> str:
    bill = row.bill
    lines = [
        f"户号 {account.number} {chinese_month(bill.period)}电费账单：",
        f"电费 {yuan(bill.total)}，用电 {kwh(bill.energy_kwh)} 度；缴费截止日 {chinese_date(bill.due_date)}。",
    ]
    status = BILL_STATUS.get(BillStatus(bill.status), "")
    if row.outstanding > 0:
        owed = f"状态：{status}，待缴 {yuan(row.outstanding)}"
        if row.overdue:
            owed += f"（已逾期，当前违约金 {yuan(row.late_fee)}）"
        lines.append(owed + "。")
    else:
        lines.append(f"状态：{status}。")
    lines.append(_usage_text(comparison))
    return "\n".join(line for line in lines if line)


def _usage_text(comparison: Comparison) -> str:
    parts = []
    for label, change in (
        ("上月", comparison.kwh_vs_last_month),
        ("去年同月", comparison.kwh_vs_last_year),
    ):
        if change is not None:
            parts.append(f"较{label}{'增加' if change >= 0 else '减少'} {abs(change)}%")
    return f"用电量{'，'.join(parts)}。" if parts else ""


def payment(*, party: Party, account: Account) -> Step:
    """What the account owes and the portal page to pay it (or to top up a prepaid one)."""
    dues = _dues(party, account)
    link = portal_link(
        "去缴费" if not dues.account.is_prepaid else "去充值", "billing_pay", account.number
    )
    data = {"account": account.number, "amount_due": str(dues.amount_due)}
    if dues.account.is_prepaid:
        text = (
            f"户号 {account.number} 是预付费（费控）户，当前余额 {yuan(dues.account.balance)}。"
            "可以点击下方链接在线充值，到账后自动恢复或继续供电。"
        )
    elif dues.amount_due > 0:
        text = f"户号 {account.number} 当前应缴 {yuan(dues.amount_due)}，" + _owed_parts(dues)
        text += "点击下方链接即可在线缴费（支持微信、支付宝）。"
    else:
        text = f"户号 {account.number} 目前没有待缴电费。如需预存电费，也可以通过下方链接办理。"
    return Step(text, links=(link,), action="payment", data=data)


def _owed_parts(dues: Dues) -> str:
    parts = [f"共 {len(dues.open_bills)} 期账单未缴清"]
    if dues.late_fee > 0:
        parts.append(f"其中违约金 {yuan(dues.late_fee)}")
    return "，".join(parts) + "。"


def reconnect(*, party: Party, account: Account) -> Step:
    """Arrears (amount due, late fee), the supply state, and the reconnection order."""
    assert party.actor is not None
    dues = _dues(party, account)
    assert dues.account.profile is not None
    supply = SupplyState(dues.account.profile.supply_state)
    order = reconnection_order_of(actor=party.actor, account=account)
    data: dict[str, object] = {
        "account": account.number,
        "amount_due": str(dues.amount_due),
        "late_fee": str(dues.late_fee),
        "supply_state": supply.value,
        "order": order.number if order else "",
    }
    lines = [f"户号 {account.number} 供电状态：{SUPPLY_STATE[supply]}。"]
    links = []
    if dues.amount_due > 0 and not dues.account.is_prepaid:
        lines.append(f"当前欠费 {yuan(dues.amount_due)}（其中违约金 {yuan(dues.late_fee)}）。")
    elif dues.account.is_prepaid and dues.account.balance < 0:
        lines.append(f"预付费余额 {yuan(dues.account.balance)}，充值到正数后即可复电。")
    if dues.amount_due > 0:
        lines.append("缴清后系统会自动生成复电工单，工作人员将尽快恢复供电。")
        links.append(portal_link("去缴费", "billing_pay", account.number))
    if order is not None:
        state = ORDER_STATE.get(OrderState(order.state), order.state)
        lines.append(f"复电工单 {order.number}：{state}。")
        links.append(portal_link("查看复电进度", "order", order.number))
    options: tuple[str, ...] = ()
    if dues.amount_due <= 0 and supply == SupplyState.CONNECTED:
        lines.append("账户没有欠费。如果家里仍然没电，可能是停电或户内故障。")
        options = ("查询停电", "我要报修")
    return Step(
        "\n".join(lines), options=options, links=tuple(links), action="reconnect", data=data
    )
