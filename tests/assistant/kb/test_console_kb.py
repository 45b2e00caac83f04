"""Console pages of the knowledge base: every persona against every page and action (a
refused action changes nothing), the editor's flow and its refusals shown on the form,
and the unanswered list worked through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from gridcare.assistant.models import FaqEntry, UnansweredQuestion
from gridcare.assistant.services.kb import unanswered_log
from gridcare.testing.personas import World
from tests.api.test_permission_matrix import PERSONAS

BASE = "/console/assistant"
READERS = ("agent_s1", "agent_s2", "analyst", "manager", "admin")
EDITORS = ("manager", "admin")
CUSTOMERS = ("alice", "bob")


def form(**overrides: str) -> dict[str, str]:
    return {
        "code": "service-power-bank",
        "category": "service",
        "question": "营业厅提供充电宝吗？",
        "variants": "营业厅能借充电宝吗\n营业厅有充电宝吗\n\n营业厅能给手机充电吗",
        "answer": "部分营业厅提供免费充电宝，以公示为准。",
        "source": "营业厅便民服务",
        "valid_from": "",
        "valid_to": "",
        "active": "on",
        **overrides,
    }


def edit_form() -> dict[str, str]:
    entry = FaqEntry.objects.get(code="saving-lighting")
    return form(
        category=entry.category,
        question=entry.question,
        variants="\n".join(entry.variants),
        answer="换用LED灯。",
        version=str(entry.version),
    )


def _question(world: World) -> int:
    unanswered_log(text="小区门禁卡丢了怎么办", channel="portal")
    return UnansweredQuestion.objects.get().pk


@dataclass(frozen=True)
class Page:
    key: str
    method: str
    path: Callable[[World], str]
    readers: tuple[str, ...]
    success: int = 200
    body: Callable[[], dict[str, str]] | None = None
    effect: Callable[[], Any] | None = None


PAGES = [
    Page("list", "GET", lambda w: f"{BASE}/knowledge/", READERS),
    Page(
        "list+try",
        "GET",
        lambda w: f"{BASE}/knowledge/?try=违约金怎么算的&category=payment",
        READERS,
    ),
    Page("new", "GET", lambda w: f"{BASE}/knowledge/new/", EDITORS),
    Page(
        "create",
        "POST",
        lambda w: f"{BASE}/knowledge/new/",
        EDITORS,
        302,
        form,
        lambda: FaqEntry.objects.count(),
    ),
    Page("entry", "GET", lambda w: f"{BASE}/knowledge/pay-channels/", READERS),
    Page(
        "save",
        "POST",
        lambda w: f"{BASE}/knowledge/saving-lighting/",
        EDITORS,
        302,
        edit_form,
        lambda: FaqEntry.objects.get(code="saving-lighting").answer,
    ),
    Page(
        "deactivate",
        "POST",
        lambda w: f"{BASE}/knowledge/saving-fridge/deactivate/",
        EDITORS,
        302,
        dict,
        lambda: FaqEntry.objects.get(code="saving-fridge").active,
    ),
    Page("unanswered", "GET", lambda w: f"{BASE}/unanswered/", READERS),
    Page(
        "resolve",
        "POST",
        lambda w: f"{BASE}/unanswered/{_question(w)}/resolve/",
        EDITORS,
        302,
        lambda: {"entry": "service-95598"},
        lambda: UnansweredQuestion.objects.get().status,
    ),
    Page(
        "dismiss",
        "POST",
        lambda w: f"{BASE}/unanswered/{_question(w)}/dismiss/",
        EDITORS,
        302,
        dict,
        lambda: UnansweredQuestion.objects.get().status,
    ),
]


def _expected(page: Page, persona: str) -> int:
    if persona in ("anonymous", *CUSTOMERS):
        return 302  # to the staff login / back to the portal
    return page.success if persona in page.readers else 403


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_each_persona_gets_what_its_role_allows(
    page: Page, persona: str, world: World, client_for: Callable[[str], Client]
) -> None:
    path = page.path(world)
    client = Client() if persona == "anonymous" else client_for(persona)
    before = page.effect() if page.effect else None

    if page.method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, page.body() if page.body else {})

    status = _expected(page, persona)
    assert response.status_code == status, response.content.decode()[:500]
    if persona == "anonymous":
        assert response["Location"].startswith("/console/login/")
    elif persona in CUSTOMERS:
        assert response["Location"] == "/portal/"
    if page.effect is not None:
        changed = page.effect() != before
        assert changed == (status == page.success and persona in page.readers)


def test_the_nav_shows_the_knowledge_base_to_those_who_may_read_it(
    world: World, client_for: Callable[[str], Client]
) -> None:
    for persona in ("agent_s1", "analyst", "manager", "clerk_s1", "dispatcher"):
        page = client_for(persona).get("/console/").content.decode()
        assert ('data-testid="nav-knowledge"' in page) == (persona in READERS), persona


def test_the_list_searches_filters_and_pages(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("agent_s1")
    page = client.get(f"{BASE}/knowledge/").content.decode()
    assert page.count('data-testid="kb-row"') == 50
    assert 'data-testid="next-page"' in page
    assert "知识库" in page

    found = client.get(f"{BASE}/knowledge/", {"q": "违约金"}).content.decode()
    assert "pay-late-fee-residential" in found
    assert "ev-charger-apply" not in found
    ev = client.get(f"{BASE}/knowledge/", {"category": "ev"}).content.decode()
    assert ev.count('data-testid="kb-row"') == FaqEntry.objects.filter(category="ev").count()
    assert 'href="/console/assistant/knowledge/new/"' not in ev  # agents read only


def test_trying_a_question_shows_the_entry_the_bot_would_use(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("analyst")
    answered = client.get(f"{BASE}/knowledge/", {"try": "電費違約金怎麼計算"}).content.decode()
    assert "pay-late-fee-residential" in answered.split('data-testid="kb-try-result"')[1][:600]
    refused = client.get(f"{BASE}/knowledge/", {"try": "今天天气怎么样"}).content.decode()
    assert "记为未解答问题" in refused


@pytest.mark.parametrize(
    "query", ["?state=deleted", "?category=weather", "?page=abc", "?q=" + "长" * 101]
)
def test_bad_list_parameters_are_a_400_page(
    world: World, client_for: Callable[[str], Client], query: str
) -> None:
    assert client_for("manager").get(f"{BASE}/knowledge/{query}").status_code == 400


def test_an_editor_creates_then_edits_an_entry(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("manager")
    created = client.post(f"{BASE}/knowledge/new/", form())
    assert created["Location"] == f"{BASE}/knowledge/service-power-bank/"
    entry = FaqEntry.objects.get(code="service-power-bank")
    assert entry.variants == ["营业厅能借充电宝吗", "营业厅有充电宝吗", "营业厅能给手机充电吗"]
    assert entry.updated_by == world.users["manager"]

    page = client.get(created["Location"]).content.decode()
    assert "营业厅提供充电宝吗" in page
    assert 'name="version" value="1"' in page

    saved = client.post(created["Location"], form(answer="所有营业厅均提供。", version="1"))
    assert saved.status_code == 302
    entry.refresh_from_db()
    assert (entry.answer, entry.version, entry.code) == (
        "所有营业厅均提供。",
        2,
        "service-power-bank",
    )

    stale = client.post(created["Location"], form(answer="过期的修改。", version="1"))
    assert stale.status_code == 409
    assert "已被他人修改" in stale.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"question": "   "}, "这个字段是必填项"),
        ({"answer": " "}, "这个字段是必填项"),
        ({"code": "pay-channels"}, "编码 pay-channels 已存在"),
        ({"code": "Bad Code"}, "编码应为小写字母"),
        ({"valid_from": "2026-09-01", "valid_to": "2026-08-31"}, "生效日期不能晚于失效日期"),
        ({"variants": "\n".join(f"问法{i}" for i in range(31))}, "其他问法最多 30 条"),
        ({"valid_from": "2026-13-45"}, "输入一个有效的日期"),
    ],
)
def test_a_refused_entry_is_shown_again_with_the_reason(
    world: World, client_for: Callable[[str], Client], overrides: dict[str, str], message: str
) -> None:
    before = FaqEntry.objects.count()
    response = client_for("admin").post(f"{BASE}/knowledge/new/", form(**overrides))
    assert response.status_code in (400, 409)
    assert message in response.content.decode()
    assert FaqEntry.objects.count() == before


def test_readers_see_the_entry_read_only(world: World, client_for: Callable[[str], Client]) -> None:
    page = client_for("agent_s1").get(f"{BASE}/knowledge/pay-channels/").content.decode()
    assert 'data-testid="kb-read-only"' in page
    assert 'data-testid="kb-save"' not in page
    assert 'data-testid="kb-deactivate"' not in page
    assert client_for("agent_s1").get(f"{BASE}/knowledge/no-such-entry/").status_code == 404


def test_the_unanswered_list_is_worked_through(
    world: World, client_for: Callable[[str], Client]
) -> None:
    for _ in range(3):
        unanswered_log(text="交了电费但电表屏幕还显示欠费", channel="wechat")
    unanswered_log(text="给我讲个笑话", channel="portal")
    unanswered_log(text="我手机13812345678能改户名吗", channel="portal")
    client = client_for("manager")

    page = client.get(f"{BASE}/unanswered/").content.decode()
    rows = page.split('data-testid="unanswered-row"')[1:]
    assert "交了电费但电表屏幕还显示欠费" in rows[0]
    assert ">3<" in rows[0]
    assert "13812345678" not in page
    assert "138****5678" in page

    questions = {q.text: q.pk for q in UnansweredQuestion.objects.all()}
    client.post(
        f"{BASE}/unanswered/{questions['交了电费但电表屏幕还显示欠费']}/resolve/",
        {"entry": "pay-failed"},
    )
    client.post(f"{BASE}/unanswered/{questions['给我讲个笑话']}/dismiss/")
    unknown = client.post(
        f"{BASE}/unanswered/{questions['我手机138****5678能改户名吗']}/resolve/",
        {"entry": "no-such-entry"},
        follow=True,
    )
    assert "没有编码为 no-such-entry 的知识条目" in unknown.content.decode()

    still_open = client.get(f"{BASE}/unanswered/").content.decode()
    assert still_open.count('data-testid="unanswered-row"') == 1
    assert "交了电费但电表屏幕还显示欠费" in FaqEntry.objects.get(code="pay-failed").variants
    answered = client.get(f"{BASE}/unanswered/?status=answered").content.decode()
    assert "pay-failed" in answered


def test_new_entry_from_an_unanswered_question_is_prefilled(
    world: World, client_for: Callable[[str], Client]
) -> None:
    page = client_for("admin").get(f"{BASE}/knowledge/new/", {"question": "小区门禁卡丢了"})
    assert 'value="小区门禁卡丢了"' in page.content.decode()


HOSTILE = [
    "0001-01-01",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "abc",
    "\x00",
    "%",
    "２０２６-１１-２１",
    "<script>alert(1)</script>",
    "x" * 10_000,
]
PAGE_PARAMS = {
    f"{BASE}/knowledge/": ["q", "category", "state", "try", "page"],
    f"{BASE}/knowledge/new/": ["question"],
    f"{BASE}/knowledge/pay-channels/": ["x"],
    f"{BASE}/unanswered/": ["status", "page"],
}


def test_pages_never_fail_on_hostile_query_values(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("manager")
    wrong = []
    for path, params in PAGE_PARAMS.items():
        for param in params:
            for value in HOSTILE:
                response = client.get(path, {param: value})
                if response.status_code not in (200, 400):
                    wrong.append(f"{path}?{param}={value[:20]!r} → {response.status_code}")
                elif response.status_code == 400 and "data-code=" not in response.content.decode():
                    wrong.append(f"{path}?{param}={value[:20]!r} → 400 without a code")
    assert wrong == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{BASE}/knowledge/{'x' * 5000}/"),
        ("POST", f"{BASE}/knowledge/{'x' * 5000}/deactivate/"),
        ("POST", f"{BASE}/unanswered/99999999999999999999999/resolve/"),
        ("POST", f"{BASE}/unanswered/99999999999999999999999/dismiss/"),
        ("POST", f"{BASE}/unanswered/12345/dismiss/"),
    ],
)
def test_hostile_paths_are_not_server_errors(
    world: World, client_for: Callable[[str], Client], method: str, path: str
) -> None:
    client = client_for("admin")
    response = client.get(path) if method == "GET" else client.post(path, {"entry": "x"})
    assert response.status_code in (302, 404), response.status_code


def test_posting_markup_is_shown_as_text(world: World, client_for: Callable[[str], Client]) -> None:
    unanswered_log(text="<script>alert(1)</script>电费", channel="<b>x</b>")
    page = client_for("manager").get(f"{BASE}/unanswered/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;电费" in page
