from django.db import migrations


def create_default_preset(apps, schema_editor):
    from gridcare.metering.engine.tou import GUANGDONG_TOU

    TouPreset = apps.get_model("metering", "TouPreset")
    LoadingPolicy = apps.get_model("metering", "LoadingPolicy")
    TouPreset.objects.get_or_create(
        name="广东峰谷分时 (Guangdong TOU)",
        defaults={
            "periods": GUANGDONG_TOU.to_dict(),
            "is_default": True,
            "tariff_classes": ["general_commercial", "large_industrial"],
        },
    )
    if not LoadingPolicy.objects.exists():
        LoadingPolicy.objects.create()


class Migration(migrations.Migration):
    dependencies = [("metering", "0001_initial")]

    operations = [migrations.RunPython(create_default_preset, migrations.RunPython.noop)]
