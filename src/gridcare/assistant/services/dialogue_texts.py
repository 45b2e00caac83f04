"""What the assistant says in the moments every dialogue shares (greeting, goodbye, not
understood, handing over, cancelled) and the questions it asks (which account, where),
with their quick replies. Chinese, as the conversation itself (see actions/base.py)."""

from __future__ import annotations

from typing import Any

from gridcare.assistant.services.actions.base import Party, Step, bind_link, premise_address

GREETING = (
    "您好，我是供电服务智能客服，可以帮您查电费、交电费、查询停电、故障报修，"
    "也可以解答电价政策和用电业务问题。请问有什么可以帮您？"
)
GOODBYE = "不客气，感谢您的咨询，祝您用电愉快！如有需要随时找我。"
WHAT_I_DO = "我可以帮您查电费、交电费、查询停电、故障报修，或解答电价和用电业务问题。"
OUT_OF_SCOPE = "抱歉，这个问题超出了我的服务范围。" + WHAT_I_DO
EMPTY = "请输入您想咨询的问题，例如“查电费”“停电了什么时候来电”。"
CLARIFY = "抱歉，我没有完全理解您的意思。您可以换个说法，或者选择下面的问题："
HANDOFF = "好的，正在为您转接人工客服，请稍候。客服接入后会在这里回复您；紧急停电抢修请拨打 95598。"
ANGER = "非常抱歉给您带来不便，我马上为您转接人工客服，请稍候。"
LOW_CONFIDENCE = "抱歉，我还是没能理解您的问题，为您转接人工客服，请稍候。"
NOTHING_MORE = "好的。还有其他问题随时问我。"
CANCELLED = "好的，已取消，没有为您提交任何内容。还有什么可以帮您？"
NEED_BINDING = (
    "办理这项业务需要先绑定您的户号。请点击下方“绑定户号”，输入户号并用预留手机号验证即可。"
)
CONFIRM_OPTIONS = ("确认", "取消")
ADDRESS_OPTION = "是，在用电地址"
ASK_ADDRESS = "请告诉我故障的具体地址（区、街道、小区、楼栋），方便抢修人员尽快找到。"
ACCOUNT_OPTIONS_MAX = 6


def ask_account(party: Party, intent: str, slots: dict[str, Any], text: str) -> Step:
    question = text or f"您名下有 {len(party.numbers)} 个户号，请问要办理哪一个？"
    pending = {"intent": intent, "awaiting": "account", "slots": slots}
    options = party.numbers[:ACCOUNT_OPTIONS_MAX]
    return Step(question, options=options, action="ask_account", pending=pending)


def ask_address(party: Party, intent: str, slots: dict[str, Any]) -> Step:
    account = party.account(slots.get("account", ""))
    where = premise_address(account, masked=True) if account is not None else ""
    text = f"故障地点是在户号的用电地址（{where}）吗？如果不是，请告诉我具体地址。"
    pending = {"intent": intent, "awaiting": "address", "slots": slots}
    return Step(text, options=(ADDRESS_OPTION,), action="ask_address", pending=pending)


def not_yours(party: Party, number: str, intent: str, slots: dict[str, Any]) -> Step:
    """A 户号 that is not one of the customer's: the same words whether it exists or not,
    nothing about it, and how to bind it; the customer's own accounts to choose instead."""
    text = (
        f"户号 {number} 没有绑定在您的账号下，我不能查询或办理它的业务。"
        "如果这是您本人的户号，请先通过“绑定户号”用该户号的预留手机号验证，绑定后再来查询。"
    )
    waiting = intent != "outage_query" and bool(party.accounts)
    return Step(
        text,
        options=party.numbers[:ACCOUNT_OPTIONS_MAX],
        links=(bind_link(),),
        action="account_not_bound",
        intent=intent,
        pending={"intent": intent, "awaiting": "account", "slots": slots} if waiting else None,
    )


def binding(party: Party) -> Step:
    if party.numbers:
        bound = "、".join(party.numbers)
        text = f"您已绑定户号 {bound}。如需绑定其他户号，请点击下方链接，用该户号的预留手机号验证即可。"
    else:
        text = (
            "绑定户号后就可以查电费、交电费、报修了。请点击下方链接，输入户号并用预留手机号验证。"
        )
    return Step(text, links=(bind_link(),), action="account_binding", intent="account_binding")
