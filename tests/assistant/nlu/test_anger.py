"""Anger: insults, threats and shouting hand off; a polite complaint does not."""

from __future__ import annotations

import pytest

from gridcare.assistant.nlu.anger import is_angry


@pytest.mark.parametrize(
    "text",
    [
        "你们这什么破服务",
        "垃圾公司",
        "气死我了，三天了还没电",
        "再不来我就投诉你们",
        "再不修好我就打12345",
        "停电一整天了!!!",
        "怎么还不来电！！！",
        "到底修不修?!?!",
        "你们这帮废物",
        "我要曝光你们",
        "服务太差了😡",
        "電費亂收，騙子",
    ],
)
def test_angry_messages(text: str) -> None:
    assert is_angry(text)


@pytest.mark.parametrize(
    "text",
    [
        "您好，我想投诉一下抄表员态度不好",
        "我要投诉",
        "请问电费怎么算",
        "停电了，什么时候来电？",
        "垃圾分类的时候电线能扔吗",
        "滚动缴费是什么意思",
        "谢谢你们！",
        "usb充电口坏了",
    ],
)
def test_calm_messages(text: str) -> None:
    assert not is_angry(text)
