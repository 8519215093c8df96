"""FlowDelivery joins the leased-work machine (connector.work): ``status`` becomes ``state``
(renamed in place: MySQL 8 and MariaDB 10.5+ RENAME COLUMN, its index follows); the other
shared columns already had their names. The table keeps its name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shops", "0006_ecomdrop_account_id")]

    operations = [
        migrations.RenameField(model_name="flowdelivery", old_name="status", new_name="state"),
        # The index on (status, next_attempt_at) follows its column in the database; only the
        # migration state needs to learn the new field name.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="flowdelivery", name="flow_delivery_due_idx"),
                migrations.AddIndex(
                    model_name="flowdelivery",
                    index=models.Index(fields=["state", "next_attempt_at"], name="flow_delivery_due_idx"),
                ),
            ]
        ),
        migrations.AlterField(
            model_name="flowdelivery",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt at"),
        ),
        migrations.AlterField(
            model_name="flowdelivery",
            name="lease_owner",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="lease owner"),
        ),
        migrations.AlterField(
            model_name="flowdelivery",
            name="lease_until",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="lease until"),
        ),
        migrations.AlterField(
            model_name="flowdelivery",
            name="task_id",
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name="task id"),
        ),
    ]
