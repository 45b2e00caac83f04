"""The dialogue's own small vocabulary: yes / no / cancel in the ways people type them,
the quick replies it offers (and recognises when tapped), and the prompts per intent.

These are the assistant's words, not the NLU's job: "好的" answers a question the bot
asked, whatever intent the sentence would have on its own.
"""

from __future__ import annotations

import re
import unicodedata

#: Filler the customer adds after a yes or a no ("好的呀", "算了吧", "不用了谢谢").
_FILLER_CHARS = frozenset("吧啊呀哈呢嘛哦噢喔了的")
_THANKS = re.compile(r"(谢谢(你|您)?|多谢)$")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)

YES = frozenset(
    {
        "是", "是的", "是啊", "对", "对的", "对啊", "好", "好的", "好啊", "行", "可以",
        "嗯", "嗯嗯", "恩", "确认", "确定", "确认提交", "提交", "没问题", "没错", "要",
        "需要", "同意", "ok", "okay", "yes", "y", "sure", "是在用电地址", "在用电地址",
        "用电地址", "就在用电地址", "是就在用电地址", "需要转人工", "转人工客服",
    }
)  # fmt: skip
NO = frozenset(
    {
        "不", "不是", "否", "不要", "不用", "不需要", "不对", "先不", "先不用", "暂时不用",
        "取消", "算了", "不提交", "no", "n", "nope", "不办", "不办了",
    }
)  # fmt: skip
#: Words that drop whatever the bot was asking, at any point.
CANCEL = frozenset({"取消", "算了", "不办了", "不要了", "退出", "cancel", "不用了", "不用"})

MENU = ("查电费", "交电费", "停电查询", "我要报修", "转人工客服")
#: The quick replies the bot offers, and the intent each one stands for when tapped.
OPTION_INTENTS: dict[str, str] = {
    "查电费": "bill_query",
    "查最近一期账单": "bill_query",
    "交电费": "payment",
    "停电查询": "outage_query",
    "查询停电": "outage_query",
    "我要报修": "fault_report",
    "查询欠费": "reconnect",
    "转人工客服": "human_agent",
    "绑定户号": "account_binding",
    "我要投诉": "complaint",
    "提建议": "suggestion",
}
#: How each intent is offered when the bot is unsure which one the customer means.
INTENT_PROMPTS: dict[str, str] = {
    "bill_query": "查电费",
    "payment": "交电费",
    "reconnect": "查询欠费",
    "outage_query": "停电查询",
    "fault_report": "我要报修",
    "complaint": "我要投诉",
    "suggestion": "提建议",
    "account_binding": "绑定户号",
    "human_agent": "转人工客服",
}


def plain(text: str) -> str:
    """Lower-case, half-width, without spaces and punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def _forms(text: str) -> set[str]:
    """The text as typed and without its trailing filler ("算了" is a word, "不用了" is
    "不用" with filler)."""
    word = _THANKS.sub("", plain(text)) or plain(text)
    forms = {word}
    while len(word) > 1 and word[-1] in _FILLER_CHARS:
        word = word[:-1]
        forms.add(word)
    return forms


def is_no(text: str) -> bool:
    return bool(_forms(text) & NO)


def is_yes(text: str) -> bool:
    return not is_no(text) and bool(_forms(text) & YES)


def is_cancel(text: str) -> bool:
    return bool(_forms(text) & CANCEL)


def option_intent(text: str) -> str:
    """The intent of a quick reply the bot offered, typed or tapped exactly; "" otherwise."""
    return OPTION_INTENTS.get(plain(text), "")


def choice_index(text: str) -> int | None:
    """ "1", "第一个", "第2个" → 0-based index; None when the text is not a choice."""
    word = plain(text)
    match = re.fullmatch(r"第?([1-9]|[一二三四五六七八九])(个|项)?", word)
    if match is None:
        return None
    digit = match.group(1)
    return "一二三四五六七八九".find(digit) if not digit.isdigit() else int(digit) - 1


#: A 户号 as customers type it: 10–13 digits on their own (issue 27); a mobile number is not one.
ACCOUNT_DIGITS = re.compile(r"(?<!\d)\d{10,13}(?!\d)")
MOBILE = re.compile(r"1[3-9]\d{9}")


def accounts_named(text: str, extracted: tuple[str, ...]) -> tuple[str, ...]:
    """The 户号 a message names: the NLU's, and any other run of 10–13 digits that is not
    a mobile number. The second look is deliberate: whether the customer named someone
    else's account decides what the bot may say, so it must not hang on one extractor."""
    found = list(extracted)
    for digits in ACCOUNT_DIGITS.findall(text):
        if not MOBILE.fullmatch(digits) and digits not in found:
            found.append(digits)
    return tuple(found)


def account_chosen(text: str, numbers: tuple[str, ...], *, named: tuple[str, ...]) -> str:
    """Which of `numbers` (the list offered) an answer picks: one it names, its position
    ("第2个"), or the only one ending in the digits given ("尾号0001"); "" if none."""
    for number in named:
        if number in numbers:
            return number
    index = choice_index(text)
    if index is not None and index < len(numbers):
        return numbers[index]
    tails = re.findall(r"\d{4,13}", plain(text))
    matches = {n for t in tails for n in numbers if n.endswith(t)}
    return matches.pop() if len(matches) == 1 else ""


#: What a place a crew can drive to has: a street, a number, a village, an estate, a building.
_PLACE = re.compile(
    r"路|街|道|巷|弄|胡同|号|村|镇|乡|小区|花园|苑|社区|大厦|公寓|栋|幢|单元|区|县|市"
)


def place_named(addresses: tuple[str, ...]) -> str:
    """The first of the NLU's addresses that names a place to send a crew to ("华师路 8
    号"), not a spot inside the home ("卧室插座"); "" when none does. A repair's location
    decides where the crew goes, so the dialogue takes only what reads as a place."""
    return next((a for a in addresses if _PLACE.search(a)), "")
