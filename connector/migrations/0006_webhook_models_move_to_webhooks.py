"""WebhookEvent and CustomerDataExport now belong to the webhooks app (webhooks 0001 adds them
to its state, with the same tables): removed from connector's state only, no table changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("connector", "0005_shopify_session_search_indexes"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CustomerDataExport"),
                migrations.DeleteModel(name="WebhookEvent"),
            ],
            database_operations=[],
        ),
    ]
