"""The template agents' replies go out with (urgent: a conversation is live)."""

from django.db import migrations

CHANNELS = ("wechat", "app_push", "portal", "sms")


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    Template = apps.get_model("notify", "NotificationTemplate")
    for channel in CHANNELS:
        if not Template.objects.filter(code="contact.reply", channel=channel).exists():
            Template.objects.create(
                code="contact.reply", channel=channel, version=1, purpose="service",
                urgent=True, subject="客服回复", body="{text}", variables=["text"],
            )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("contact", "0002_cannedreply_conversation_conversationevent_and_more"),
        ("notify", "0003_template_variables_optional"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
