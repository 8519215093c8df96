"""The sync of the AI profile joins the leased-work machine (connector.work): its columns take
the names every job shares, on the same row (renamed in place: MySQL 8 and MariaDB 10.5+
RENAME COLUMN, the index of the status follows). ``task_id`` is new (NULL: a sync queued
before it runs all the same). The table keeps its name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("assistant", "0003_seed_ai_bot_fields")]

    operations = [
        migrations.RenameField(model_name="aiconfiguration", old_name="sync_status", new_name="state"),
        migrations.RenameField(model_name="aiconfiguration", old_name="sync_attempts", new_name="attempts"),
        migrations.RenameField(model_name="aiconfiguration", old_name="sync_next_attempt_at", new_name="next_attempt_at"),
        migrations.RenameField(model_name="aiconfiguration", old_name="sync_lease_until", new_name="lease_until"),
        migrations.RenameField(model_name="aiconfiguration", old_name="sync_lease_owner", new_name="lease_owner"),
        migrations.RenameField(model_name="aiconfiguration", old_name="last_sync_error", new_name="last_error"),
        migrations.AlterField(
            model_name="aiconfiguration",
            name="attempts",
            field=models.PositiveIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="aiconfiguration",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt at"),
        ),
        migrations.AlterField(
            model_name="aiconfiguration",
            name="lease_until",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="lease until"),
        ),
        migrations.AlterField(
            model_name="aiconfiguration",
            name="lease_owner",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="lease owner"),
        ),
        migrations.AlterField(
            model_name="aiconfiguration",
            name="last_error",
            field=models.TextField(blank=True, default="", verbose_name="last error"),
        ),
        migrations.AddField(
            model_name="aiconfiguration",
            name="task_id",
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name="task id"),
        ),
    ]
