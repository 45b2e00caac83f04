"""我的账单, a bill, its PDF, 缴费记录 and the prepaid balance, as the customer sees them."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from django.utils import timezone

from gridcare.billing.choices import BillStatus
from gridcare.customers.models import AccountBinding
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World
from tests.portal.billing_factory import (
    LAST_MONTH,
    THIS_MONTH,
    alice_bills,
    cancel_and_rebill,
    deduct,
    make_bill,
    pay,
)


def text(html: str) -> str:
    """The page's visible text in one line (tags dropped, spaces collapsed)."""
    main = html.split("<main", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_my_bills_lists_the_accounts_bills_newest_first_with_what_is_due(
    world: World, client_for
) -> None:
    alice_bills(world)
    response = client_for("alice").get("/portal/billing/")
    assert response.status_code == 200
    page = text(response.content.decode())
    assert re.search(r"应缴金额 ¥289\.98", page)
    months = re.findall(r"(\d{4}年\d{1,2}月)(?!\d)", page)
    assert months[:3] == ["2026年11月", "2026年10月", "2025年11月"]
    assert "¥289.98 未缴" in page
    assert "450 度" in page
    assert page.count("已缴清") == 2


def test_an_overdue_bill_is_marked_overdue(world: World, client_for) -> None:
    make_bill(
        world.account_a, THIS_MONTH, 120, due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    page = text(client_for("alice").get("/portal/billing/").content.decode())
    assert "已逾期" in page


def test_a_bill_explains_its_tiers_in_plain_chinese_with_quantity_times_price(
    world: World, client_for
) -> None:
    bills = alice_bills(world)
    response = client_for("alice").get(f"/portal/billing/bills/{bills['this_month'].number}/")
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "第一档电量 200 度 × 0.58886875 元 ¥117.77" in page
    assert "第二档电量 200 度 × 0.63886875 元 ¥127.77" in page
    assert "第三档电量 50 度 × 0.88886875 元 ¥44.44" in page
    assert (
        "本月用电 450 度：前 200 度按第一档 0.58886875 元/度，200–400 度之间的 200 度按第二档 "
        "0.63886875 元/度，超过 400 度的 50 度按第三档 0.88886875 元/度。" in page
    )
    assert "合计 ¥289.98" in page


def test_a_bill_compares_with_last_month_and_the_same_month_last_year(
    world: World, client_for
) -> None:
    bills = alice_bills(world)
    html = (
        client_for("alice")
        .get(f"/portal/billing/bills/{bills['this_month'].number}/")
        .content.decode()
    )
    page = text(html)
    chart = json.loads(html.split('id="comparison-data" type="application/json">')[1].split("<")[0])
    assert "比上月 +50%" in page  # 450 against 300 kWh
    assert "比去年同月 +18%" in page  # 450 against 380 kWh
    assert re.search(r"上月 2026年10月 300 度 ¥\d+\.\d\d", page)
    assert chart["months"] == ["去年同月", "上月", "本月"]
    assert chart["series"][0]["values"] == [380.0, 300.0, 450.0]


def test_a_bill_without_earlier_months_shows_dashes_not_zero(world: World, client_for) -> None:
    bill = make_bill(world.account_a, THIS_MONTH, 120)
    page = text(client_for("alice").get(f"/portal/billing/bills/{bill.number}/").content.decode())
    assert "比上月" not in page
    assert re.search(r"上月 2026年10月 — —", page)


def test_a_time_of_use_bill_names_the_hours_of_each_period(world: World, client_for) -> None:
    bill = make_bill(world.account_b, THIS_MONTH, {"peak": 120, "flat": 200, "valley": 130})
    page = text(client_for("bob").get(f"/portal/billing/bills/{bill.number}/").content.decode())
    assert "峰段电量 120 度 × 0.966 元" in page
    assert "峰时段 10:00–12:00、14:00–19:00 用电 120 度，每度 0.966 元" in page
    assert "谷时段 00:00–08:00 用电 130 度，每度 0.2988 元" in page
    # 450 kWh in November: 200–400 pay 0.05 more, above 400 pay 0.30 more.
    assert "200–400 度之间的 200 度每度加价 0.05 元（第二档）" in page
    assert "超过 400 度的 50 度每度加价 0.30 元（第三档）" in page


def test_a_summer_time_of_use_bill_names_the_critical_peak_hours_at_the_peak_price(
    world: World, client_for
) -> None:
    bill = make_bill(world.account_b, dt.date(2026, 8, 1), {"sharp": 30, "peak": 90, "flat": 100})
    page = text(client_for("bob").get(f"/portal/billing/bills/{bill.number}/").content.decode())
    # Residential TOU prices the critical peak (July–September) at the peak price.
    assert "尖峰时段 11:00–12:00、15:00–17:00 用电 30 度，每度 0.966 元" in page
    assert "峰时段 10:00–11:00、14:00–15:00、17:00–19:00 用电 90 度，每度 0.966 元" in page


def test_estimated_readings_are_flagged_on_the_list_and_the_bill(world: World, client_for) -> None:
    bill = make_bill(world.account_a, THIS_MONTH, 300, estimated_kwh="42.5")
    client = client_for("alice")
    assert 'data-testid="estimated"' in client.get("/portal/billing/").content.decode()
    page = text(client.get(f"/portal/billing/bills/{bill.number}/").content.decode())
    assert "本账单中 42.5 度电量来自估算读数" in page


def test_a_cancelled_bill_links_to_its_correction_and_back(world: World, client_for) -> None:
    original = make_bill(world.account_a, THIS_MONTH, 450)
    correction = cancel_and_rebill(original, 420)
    client = client_for("alice")
    old = client.get(f"/portal/billing/bills/{original.number}/").content.decode()
    assert "本账单已作废" in text(old)
    assert f'href="/portal/billing/bills/{correction.number}/" data-testid="correction-link"' in old
    new = client.get(f"/portal/billing/bills/{correction.number}/").content.decode()
    assert f'href="/portal/billing/bills/{original.number}/" data-testid="original-link"' in new
    listing = text(client.get("/portal/billing/").content.decode())
    assert f"已由账单 {correction.number} 更正" in listing
    # Only the correction is owed.
    assert f"应缴金额 {'¥' + format(correction.total, ',.2f')}" in listing


def test_the_bill_pdf_is_the_owners_with_a_filename_and_nosniff(world: World, client_for) -> None:
    bills = alice_bills(world)
    number = bills["this_month"].number
    response = client_for("alice").get(f"/portal/billing/bills/{number}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="gridcare-bill-{number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert client_for("bob").get(f"/portal/billing/bills/{number}/pdf/").status_code == 404


def test_payment_history_lists_what_was_paid_newest_first(world: World, client_for) -> None:
    bills = alice_bills(world)
    pay(world.account_a, "100.00", bill=bills["this_month"])
    page = text(client_for("alice").get("/portal/billing/history/").content.decode())
    amounts = re.findall(r"¥[\d,]+\.\d\d", page)
    assert amounts[0] == "¥100.00"
    assert "营业厅现金" in page
    assert "2026年11月账单" in page
    bill = client_for("alice").get(f"/portal/billing/bills/{bills['this_month'].number}/")
    assert "部分缴费" in text(bill.content.decode())


def test_prepaid_balance_shows_recent_deductions_and_how_long_it_lasts(
    world: World, client_for
) -> None:
    pay(world.account_b, "100.00")
    today = timezone.localdate()
    for days_ago in (3, 2, 1):
        deduct(world.account_b, today - dt.timedelta(days=days_ago), "5.00", kwh="8.5")
    page = text(client_for("bob").get("/portal/billing/balance/").content.decode())
    assert "¥85.00" in page
    assert "按近期用电约可用 17 天" in page
    assert page.count("-¥5.00") == 3
    assert "充值" in page


def test_a_post_paid_account_on_the_balance_page_is_told_it_gets_bills(
    world: World, client_for
) -> None:
    page = text(client_for("alice").get("/portal/billing/balance/").content.decode())
    assert "本户为后付费" in page


def test_a_login_with_two_accounts_switches_between_them(world: World, client_for) -> None:
    AccountBinding.objects.create(user=world.users["alice"], account=world.account_c)
    make_bill(world.account_a, THIS_MONTH, 100)
    make_bill(world.account_c, LAST_MONTH, {"peak": 50, "flat": 50, "valley": 50})
    client = client_for("alice")
    first = client.get("/portal/billing/").content.decode()
    assert 'data-testid="account-switch"' in first
    assert "2026年11月" in text(first)
    other = text(client.get(f"/portal/billing/?account={world.account_c.number}").content.decode())
    assert re.findall(r"\d{4}年\d{1,2}月(?!\d)", other) == ["2026年10月"]


def test_the_bill_list_keeps_to_a_query_budget(
    world: World, client_for, django_assert_max_num_queries
) -> None:
    for month in range(1, 13):
        make_bill(world.account_a, dt.date(2025, month, 1), 100 + month, status=BillStatus.PAID)
    client = client_for("alice")
    with django_assert_max_num_queries(12):
        assert client.get("/portal/billing/").status_code == 200


def test_nothing_due_means_no_pay_button(world: World, client_for) -> None:
    bill = make_bill(world.account_a, THIS_MONTH, 100, status=BillStatus.PAID)
    page = client_for("alice").get("/portal/billing/").content.decode()
    assert 'data-testid="pay-all"' not in page
    assert "无需缴费" in text(page)
    assert (
        'data-testid="pay-bill"'
        not in client_for("alice").get(f"/portal/billing/bills/{bill.number}/").content.decode()
    )
    assert Decimal(bill.paid) == bill.total


def test_english_pages_say_the_same_in_english(world: World, client_for) -> None:
    bills = alice_bills(world)
    client = client_for("alice")
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/billing/"})
    page = text(client.get(f"/portal/billing/bills/{bills['this_month'].number}/").content.decode())
    assert "Tier 1 energy" in page
    assert "This month you used 450 kWh: the first 200 kWh at the tier 1 price" in page
    assert "¥289.98" in page
    assert ACCOUNT_A in page
    assert ACCOUNT_B not in page
