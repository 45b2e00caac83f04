"""The utility's starting templates (data, not code: admins publish new versions)."""

from django.db import migrations

OUTAGE = "【供电局】尊敬的客户，您户号{account}所在区域因{reason}将于{start}至{end}停电，请提前做好准备。"
RESTORED = "【供电局】您户号{account}所在区域已于{time}恢复供电，感谢您的理解。"
BILL = "【供电局】您户号{account}{period}电费{amount}元，请于{due}前缴纳。"

TEMPLATES = [
    ("outage.planned", "outage", False, "计划停电通知", OUTAGE),
    ("outage.restored", "outage", False, "恢复供电通知", RESTORED),
    ("outage.emergency", "outage", True, "故障停电通知", "【供电局】您户号{account}所在区域故障停电，抢修人员已出发，预计{eta}恢复。"),
    ("bill.issued", "billing", False, "电费账单", BILL),
]  # fmt: skip
CHANNELS = ("sms", "wechat", "portal", "email", "app_push")


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    from gridcare.notify.rendering import placeholders

    Template = apps.get_model("notify", "NotificationTemplate")
    for code, purpose, urgent, subject, body in TEMPLATES:
        for channel in CHANNELS:
            if Template.objects.filter(code=code, channel=channel).exists():
                continue
            Template.objects.create(
                code=code,
                channel=channel,
                version=1,
                purpose=purpose,
                urgent=urgent,
                subject=subject,
                body=body,
                variables=placeholders(subject + body),
            )


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
