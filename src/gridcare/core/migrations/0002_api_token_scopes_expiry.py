"""Bearer tokens get scopes and always expire.

Tokens issued before could do everything their user could: they keep `read` and `write`
(what they were used for), never `admin`. A token without an expiry now expires 365 days
after this migration runs, so no integration breaks on the day of the upgrade.
"""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def scope_and_bound_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    ApiToken = apps.get_model("core", "ApiToken")
    ApiToken.objects.update(scopes=["read", "write"])
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=365)
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(default=list, verbose_name="scopes"),
        ),
        migrations.RunPython(scope_and_bound_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterModelOptions(
            name="apitoken",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
            },
        ),
    ]
