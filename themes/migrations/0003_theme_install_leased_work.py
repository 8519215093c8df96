"""ThemeInstall joins the leased-work machine (connector.work): the shared columns it lacked
(lease, next attempt, task, last error) are added, empty. Installs running at deploy time have
no lease: recovery treats a running one that has not moved for a whole lease as lost, as the
old staleness rule did."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("themes", "0002_theme_install_unconfirmed_error"),
    ]

    operations = [
        migrations.AddField(
            model_name="themeinstall",
            name="last_error",
            field=models.TextField(blank=True, default="", verbose_name="last error"),
        ),
        migrations.AddField(
            model_name="themeinstall",
            name="lease_owner",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="lease owner"),
        ),
        migrations.AddField(
            model_name="themeinstall",
            name="lease_until",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="lease until"),
        ),
        migrations.AddField(
            model_name="themeinstall",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt at"),
        ),
        migrations.AddField(
            model_name="themeinstall",
            name="task_id",
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name="task id"),
        ),
    ]
