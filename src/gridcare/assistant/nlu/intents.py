"""The 22 intents, exactly these names (issue 27), with what each one means."""

from __future__ import annotations

INTENT_MEANINGS: dict[str, str] = {
    "bill_query": "查询电费、账单、用电量、余额",
    "payment": "交电费、缴费方式、缴费失败、预存",
    "reconnect": "欠费停电后复电，或已交费仍未来电",
    "tariff_policy": "电价政策：阶梯、峰谷、分时、收费标准",
    "outage_query": "片区停电或计划停电，何时来电",
    "fault_report": "自家户内故障需要报修（跳闸、线路、插座冒烟等）",
    "new_connection": "新装用电、报装、开户",
    "capacity_change": "增容、减容、暂停、变更用电容量",
    "account_change": "过户、更名、销户、修改联系方式",
    "meter_issue": "电表不准、走得快、坏了、需要校验",
    "invoice": "电费发票、开票、增值税发票",
    "complaint": "明确投诉或要求升级处理",
    "suggestion": "意见建议",
    "praise": "表扬、感谢某位员工",
    "pv_connection": "光伏并网、分布式光伏",
    "ev_charging": "电动汽车充电桩报装、充电",
    "energy_saving": "节约用电、节能建议",
    "account_binding": "绑定户号、解绑、添加户号",
    "human_agent": "要求转人工客服",
    "greeting": "问候",
    "goodbye_thanks": "再见、谢谢、结束对话",
    "out_of_scope": "与供电服务无关的话题",
}

INTENTS: tuple[str, ...] = tuple(INTENT_MEANINGS)
