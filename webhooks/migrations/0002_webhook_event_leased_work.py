"""WebhookEvent joins the leased-work machine (connector.work): its columns take the names
every job shares. ``status`` becomes ``state`` and ``locked_until`` ``lease_until`` (renamed in
place: MySQL 8 and MariaDB 10.5+ RENAME COLUMN, the index follows); ``lease_owner`` is new
(an empty default, nothing to backfill). The table keeps its name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0001_initial")]

    operations = [
        migrations.RenameField(model_name="webhookevent", old_name="status", new_name="state"),
        migrations.RenameField(model_name="webhookevent", old_name="locked_until", new_name="lease_until"),
        migrations.AlterField(
            model_name="webhookevent",
            name="lease_until",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="lease until"),
        ),
        # The index on (status, next_attempt_at) follows its column in the database; only the
        # migration state needs to learn the new field name.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="webhookevent", name="webhook_event_status_due_idx"),
                migrations.AddIndex(
                    model_name="webhookevent",
                    index=models.Index(fields=["state", "next_attempt_at"], name="webhook_event_status_due_idx"),
                ),
            ]
        ),
        migrations.AddField(
            model_name="webhookevent",
            name="lease_owner",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="lease owner"),
        ),
    ]
