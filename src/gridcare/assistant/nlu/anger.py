"""Is the customer angry? Strong words, threats and shouting, not a polite complaint.

A message is angry when it has any of:

1. an insult or swear word (垃圾, 气死, 什么破, 废物, 骗子, 他妈 …);
2. a threat: a condition with a consequence (再不来我就投诉, 再不修就曝光) or an escalation
   beyond a complaint (告你们, 找媒体);
3. shouting: three or more exclamation marks in a row (!!!, ！！！, ?!?!), or an angry emoji.

"我想投诉抄表员的态度" is a complaint, not anger: the dialogue files it calmly. Anger
instead hands the conversation to a person (issue 27, must-have 4).
"""

from __future__ import annotations

import re

from gridcare.assistant.nlu.normalize import to_simplified

# How much of a message is read: shouting is in the first lines of a rant.
MAX_CHARS = 500

_STRONG_WORDS = (
    "气死", "什么破", "破系统", "破公司", "破电", "妈的", "他妈", "你妈", "tmd", "nmd",
    "滚蛋", "废物", "坑人", "坑爹", "骗子", "混蛋", "王八", "狗屁", "忍无可忍", "受够了",
    "草泥马", "操你", "傻逼", "傻x", "去死", "脑残", "有病啊", "吃屎", "畜生", "欺人太甚",
    "什么玩意", "搞什么鬼", "搞什么飞机", "太过分了", "气炸", "火大", "无耻", "黑心", "强盗",
    "土匪", "吸血", "fuck", "shit", "wtf", "damn",
)  # fmt: skip
_STRONG = re.compile(
    "|".join(re.escape(w) for w in _STRONG_WORDS)
    + r"|垃圾(?!桶|分类|站|车|袋|处理|回收|短信)|(?<![a-z])sb(?![a-z])|(?<![a-z])滚(?!动|筒)"
)
# A condition with a consequence (再不来我就投诉), or an escalation beyond a complaint.
_THREAT = re.compile(
    r"再(?:不|没|不给|不来|不修|不管).{0,16}?(?:就|我就|马上).{0,4}?"
    r"(?:投诉|曝光|告|起诉|打12398|打12345|找媒体|找记者|找领导)"
    r"|(?:曝光|告|起诉)你们|找(?:媒体|记者|电视台)|上网曝光|发到网上"
)
_SHOUTING = re.compile(r"[!！]{3,}|(?:[!！][?？]|[?？][!！]){2,}|[😡🤬😠💢👿]")


def is_angry(text: str) -> bool:
    """True for insults, threats or shouting (see the module docstring)."""
    simplified = to_simplified(text[:MAX_CHARS]).lower()
    return any(p.search(simplified) for p in (_STRONG, _THREAT, _SHOUTING))
